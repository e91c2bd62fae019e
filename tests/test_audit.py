"""The audit trail: events are recorded, chained, refused any edit, verified, shown and exported.

The tamper tests edit rows behind the application's back with raw SQL. On PostgreSQL the
append-only trigger refuses that too, so they switch it off for the edit, as an attacker with the
table owner's rights could, and show that the chain still names the edited event.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import strip_tags

from assessments.models import Assessment
from assessments.services import assessment_start
from audit import chain, presenters
from audit.admin import neutralise
from audit.checkpoints import CheckpointError, read_all, write_checkpoint
from audit.checkpoints import path as checkpoint_path
from audit.models import Action, AppendOnlyError, AuditEvent
from audit.selectors import events_filtered, events_for_assessment
from audit.services import record, verify_chain
from providers.models import Membership, Role
from providers.services import invitation_token
from tests import factories

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table
TRIGGER = "audit_auditevent_append_only"
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only"
)


def _behind_the_apps_back(sql: str, params: list) -> None:
    """Run one raw statement on the audit table with the append-only trigger switched off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRIGGER}")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TRIGGER}")


def _three_events(owner) -> list[AuditEvent]:
    return [
        record(Action.LOGIN, actor=owner, summary="first"),
        record(Action.PROVIDER_CHANGED, actor=owner, summary="second", after={"name_zh": "甲"}),
        record(Action.LOGOUT, actor=owner, summary="third"),
    ]


def _verify() -> str:
    out = io.StringIO()
    call_command("verify_audit_log", stdout=out)
    return out.getvalue()


# --- recording and the chain ----------------------------------------------------------------


def test_each_event_links_to_the_one_before(owner):
    events = _three_events(owner)
    assert events[0].prev_hash == chain.GENESIS
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    for event in events:
        stored = AuditEvent.objects.get(pk=event.pk)
        assert stored.hash == stored.computed_hash() == event.hash
    assert len({e.hash for e in events}) == 3


def test_two_records_in_a_row_chain_under_the_lock(owner):
    with CaptureQueriesContext(connection) as queries:
        first = record(Action.LOGIN, actor=owner)
        second = record(Action.LOGIN, actor=owner)
    assert second.prev_hash == first.hash
    assert first.occurred_at <= second.occurred_at
    if connection.vendor == "postgresql":
        locks = [q["sql"] for q in queries.captured_queries if "pg_advisory_xact_lock" in q["sql"]]
        assert len(locks) == 2


def test_an_event_names_its_object_provider_and_assessment(provider, service, editor):
    assessment, _created = assessment_start(service=service, user=editor)
    evidence = factories.attach(assessment, "SCOPE-01", editor)
    event = record(
        Action.EVIDENCE_UPLOADED,
        actor=editor,
        obj=evidence,
        summary=evidence.name,
        after={"observed_on": date(2026, 3, 1), "size": evidence.size},
    )
    event.refresh_from_db()
    assert (event.object_type, event.object_id) == ("evidence", str(evidence.public_id))
    assert event.assessment_id == assessment.pk
    assert event.provider_id == provider.pk
    assert event.actor_id == editor.pk and event.actor_email == editor.email
    assert event.after == {"observed_on": "2026-03-01", "size": evidence.size}
    assert event.computed_hash() == event.hash  # the JSON-safe form survives the database


def test_a_dropped_or_unparseable_address_is_stored_as_none(rf, owner):
    request = rf.get("/", REMOTE_ADDR="not-an-address")
    request.user = owner
    assert record(Action.LOGIN, request=request).ip is None


def test_the_forwarded_address_counts_only_behind_configured_proxies(rf, owner, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.9")
    request.user = owner
    settings.PROXY_COUNT = 0
    assert record(Action.LOGIN, request=request).ip == "10.0.0.2"
    settings.PROXY_COUNT = 1
    assert record(Action.LOGIN, request=request).ip == "198.51.100.9"


# --- verification and tampering -------------------------------------------------------------


def test_verify_audit_log_passes_on_an_intact_chain(owner):
    assert "0 events, chain intact" in _verify()
    events = _three_events(owner)
    output = _verify()
    assert output.startswith("3 events, chain intact")
    assert events[-1].hash in output
    assert verify_chain() is None


def test_an_edited_summary_is_named_exactly(owner):
    first, middle, last = _three_events(owner)
    _behind_the_apps_back(f"UPDATE {TABLE} SET summary = %s WHERE id = %s", ["forged", middle.pk])
    broken = verify_chain()
    assert broken.pk == middle.pk
    assert "altered" in broken.chain_error
    with pytest.raises(CommandError, match=rf"^Broken at event #{middle.pk} \(.*provider_changed"):
        _verify()


def test_an_edited_after_value_is_named_exactly(owner):
    first, middle, last = _three_events(owner)
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    _behind_the_apps_back(
        f"UPDATE {TABLE} SET after = %s{cast} WHERE id = %s", ['{"name_zh": "乙"}', middle.pk]
    )
    assert verify_chain().pk == middle.pk


def test_a_rehashed_forgery_breaks_the_next_link(owner):
    first, middle, last = _three_events(owner)
    forged = AuditEvent.objects.get(pk=middle.pk)
    forged.summary = "forged"
    _behind_the_apps_back(
        f"UPDATE {TABLE} SET summary = %s, hash = %s WHERE id = %s",
        ["forged", forged.computed_hash(), middle.pk],
    )
    broken = verify_chain()
    assert broken.pk == last.pk
    assert "previous-hash link" in broken.chain_error


def test_a_deleted_middle_event_is_caught(owner):
    first, middle, last = _three_events(owner)
    _behind_the_apps_back(f"DELETE FROM {TABLE} WHERE id = %s", [middle.pk])
    broken = verify_chain()
    assert broken.pk == last.pk
    assert f"event #{first.pk}" in broken.chain_error
    with pytest.raises(CommandError, match=rf"Broken at event #{last.pk} "):
        _verify()


def test_a_deleted_first_event_is_caught(owner):
    first, middle, last = _three_events(owner)
    _behind_the_apps_back(f"DELETE FROM {TABLE} WHERE id = %s", [first.pk])
    assert verify_chain().pk == middle.pk


# --- append-only --------------------------------------------------------------------------


@on_postgresql
@pytest.mark.parametrize(
    "sql",
    [f"UPDATE {TABLE} SET summary = 'forged' WHERE id = %s", f"DELETE FROM {TABLE} WHERE id = %s"],
)
def test_the_database_refuses_update_and_delete(owner, sql):
    event = record(Action.LOGIN, actor=owner)
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).summary == ""


@on_postgresql
def test_the_database_refuses_truncate(owner):
    record(Action.LOGIN, actor=owner)
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            # As a deployment's session is: without the test suite's switch.
            cursor.execute("SET LOCAL portal.audit_truncate_for_tests = 'off'")
            cursor.execute(f"TRUNCATE {TABLE}")
    assert AuditEvent.objects.count() == 1


# --- signed checkpoints of the head ---------------------------------------------------------


def _rewrite_from(event: AuditEvent, summary: str) -> None:
    """What an attacker with write access does: change an event and recompute every hash after
    it, so that the chain alone verifies."""
    later = list(AuditEvent.objects.filter(pk__gte=event.pk).order_by("id"))
    prev = later[0].prev_hash
    for row in later:
        if row.pk == event.pk:
            row.summary = summary
        row.prev_hash = prev
        new_hash = row.computed_hash()
        _behind_the_apps_back(
            f"UPDATE {TABLE} SET summary = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [row.summary, prev, new_hash, row.pk],
        )
        prev = new_hash


def _verify_fails() -> str:
    with pytest.raises(CommandError) as excinfo:
        _verify()
    return str(excinfo.value)


def test_a_checkpoint_signs_the_head_and_verifies(owner, dev_signing):
    *_, last = _three_events(owner)
    out = io.StringIO()
    call_command("write_audit_checkpoint", stdout=out)
    assert f"#{last.pk} {last.hash}" in out.getvalue()
    call_command("write_audit_checkpoint", stdout=io.StringIO())  # head unchanged: no new line
    checkpoints, _ = read_all()
    assert [(c.event_id, c.hash, c.count) for c in checkpoints] == [(last.pk, last.hash, 3)]
    assert "1 checkpoints match" in _verify()


def test_deleting_the_newest_events_is_caught_by_the_checkpoint(owner, dev_signing):
    *_, last = _three_events(owner)
    write_checkpoint()
    _behind_the_apps_back(f"DELETE FROM {TABLE} WHERE id = %s", [last.pk])
    assert verify_chain() is None  # the chain alone cannot see it
    assert f"event #{last.pk}" in _verify_fails() and "missing" in _verify_fails()


def test_rewritten_history_is_caught_by_the_checkpoint(owner, dev_signing):
    first, middle, last = _three_events(owner)
    write_checkpoint()
    _rewrite_from(middle, "forged")
    assert verify_chain() is None
    assert "rewritten" in _verify_fails()


@on_postgresql
def test_an_emptied_log_is_caught_by_the_checkpoint(owner, dev_signing):
    _three_events(owner)
    write_checkpoint()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TABLE}")  # the test session's switch stands for an owner's
    record(Action.LOGIN, actor=owner, summary="a fresh start")
    assert verify_chain() is None
    assert "missing" in _verify_fails()


def test_an_edited_checkpoint_file_is_caught(owner, dev_signing):
    *_, last = _three_events(owner)
    write_checkpoint()
    file = checkpoint_path()
    file.write_text(file.read_text().replace('"count": 3', '"count": 2'))
    assert "invalid signature" in _verify_fails()


def test_a_broken_chain_is_not_checkpointed(owner, dev_signing):
    first, middle, last = _three_events(owner)
    _behind_the_apps_back(f"UPDATE {TABLE} SET summary = %s WHERE id = %s", ["forged", middle.pk])
    with pytest.raises(CheckpointError, match=f"#{middle.pk}"):
        write_checkpoint()
    assert read_all() == ([], [])


def test_a_checkpoint_walks_only_the_events_since_the_last_one(owner, dev_signing):
    *_, last = _three_events(owner)
    write_checkpoint()
    newer = [record(Action.LOGIN, actor=owner, summary=f"later {n}") for n in range(2)]
    with CaptureQueriesContext(connection) as queries:
        checkpoint = write_checkpoint()
    assert (checkpoint.event_id, checkpoint.hash, checkpoint.count) == (
        newer[-1].pk,
        newer[-1].hash,
        5,
    )
    # The walk is the one query that reads events in order without a limit.
    walks = [q["sql"] for q in queries if "ORDER BY" in q["sql"] and "LIMIT" not in q["sql"]]
    assert walks and all(f"> {last.pk}" in sql for sql in walks), walks
    assert "2 checkpoints match" in _verify()


@pytest.mark.parametrize("tampering", ["rewritten", "newest deleted"])
def test_no_checkpoint_is_written_over_history_changed_since_the_last(
    owner, dev_signing, tampering
):
    first, middle, last = _three_events(owner)
    write_checkpoint()
    if tampering == "rewritten":
        _rewrite_from(middle, "forged")
    else:
        _behind_the_apps_back(f"DELETE FROM {TABLE} WHERE id = %s", [last.pk])
    record(Action.LOGIN, actor=owner, summary="after the change")
    with pytest.raises(CheckpointError, match=f"#{last.pk}"):
        write_checkpoint()
    assert len(read_all()[0]) == 1


def test_a_log_without_recent_checkpoints_is_reported(owner, dev_signing, settings):
    with time_machine.travel(datetime(2026, 3, 1, 9, 0, tzinfo=UTC)):
        _three_events(owner)
    assert "no valid checkpoint" in _verify_fails()
    write_checkpoint()
    assert "1 checkpoints match" in _verify()


def test_beat_writes_checkpoints_on_the_configured_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["write-audit-checkpoint"]
    assert entry["task"] == "audit.tasks.write_audit_checkpoint"
    assert entry["schedule"].total_seconds() == settings.AUDIT_CHECKPOINT_MINUTES * 60


def test_the_model_refuses_edits_and_deletes(owner):
    event = record(Action.LOGIN, actor=owner)
    event.summary = "forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(summary="forged")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_create([AuditEvent(action=Action.LOGIN)])
    assert AuditEvent.objects.get(pk=event.pk).summary == ""
    assert verify_chain() is None


def test_deleting_the_actor_leaves_the_events_alone(owner):
    event = record(Action.LOGIN, actor=owner)
    owner.delete()
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.actor_email == "owner@a.example.cn"
    assert verify_chain() is None


# --- sign-in, sign-out ----------------------------------------------------------------------


def _login(client, email, password):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_signing_in_and_out_is_recorded_with_the_address(client_for, db):
    user = factories.make_user(email="a@example.cn")
    client = client_for(None)
    client.defaults["REMOTE_ADDR"] = "203.0.113.7"
    assert _login(client, "a@example.cn", factories.PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    login, logout = AuditEvent.objects.order_by("id")
    assert (login.action, login.actor_id, login.actor_email) == (Action.LOGIN, user.pk, user.email)
    assert login.ip == "203.0.113.7"
    assert (logout.action, logout.actor_id, logout.ip) == (Action.LOGOUT, user.pk, "203.0.113.7")


def test_a_failed_sign_in_is_recorded_without_the_password(client_for, db):
    factories.make_user(email="a@example.cn")
    client = client_for(None)
    client.defaults["REMOTE_ADDR"] = "203.0.113.8"
    _login(client, "A@example.cn", "Sesame-open-42")
    event = AuditEvent.objects.get()
    assert event.action == Action.LOGIN_FAILED
    assert (event.actor_id, event.actor_email, event.ip) == (None, "A@example.cn", "203.0.113.8")
    assert "Sesame" not in chain.canonical(event.content())


# --- providers: roles, members, invitations, details ----------------------------------------


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_a_role_change_records_before_and_after(owner_client, owner, viewer, provider):
    target = provider.memberships.get(user=viewer)
    url = reverse(
        "providers:member_role", kwargs={"provider": provider.public_id, "member": target.public_id}
    )
    owner_client.post(url, {"role": Role.EDITOR})
    [event] = _events(Action.ROLE_CHANGED)
    assert (event.before, event.after) == ({"role": "viewer"}, {"role": "editor"})
    assert (event.actor_id, event.summary) == (owner.pk, viewer.email)
    assert (event.object_type, event.object_id) == ("membership", str(target.public_id))
    assert (event.provider_id, event.ip) == (provider.pk, "127.0.0.1")
    owner_client.post(url, {"role": Role.EDITOR})  # no change, no event
    assert len(_events(Action.ROLE_CHANGED)) == 1


def test_a_refused_role_change_leaves_no_event(owner_client, owner, provider):
    mine = provider.memberships.get(user=owner)
    url = reverse(
        "providers:member_role", kwargs={"provider": provider.public_id, "member": mine.public_id}
    )
    owner_client.post(url, {"role": Role.VIEWER})  # the last owner may not step down
    assert _events(Action.ROLE_CHANGED) == []


# --- role changes made in the Django admin -----------------------------------------------------


def _only(action) -> AuditEvent:
    (event,) = _events(action)
    return event


def test_a_role_changed_on_the_admins_membership_page_is_recorded(
    admin_user, client_for, provider, viewer
):
    membership = provider.memberships.get(user=viewer)
    url = reverse("admin:providers_membership_change", args=[membership.pk])
    form = {"provider": provider.pk, "user": viewer.pk, "role": Role.EDITOR}
    assert client_for(admin_user).post(url, form).status_code == 302
    event = _only(Action.ROLE_CHANGED)
    assert (event.before, event.after) == ({"role": "viewer"}, {"role": "editor"})
    assert event.actor_id == admin_user.pk and event.summary == viewer.email
    assert event.provider_id == provider.pk


def test_a_membership_removed_in_the_admin_is_recorded(admin_user, client_for, provider, viewer):
    membership = provider.memberships.get(user=viewer)
    url = reverse("admin:providers_membership_delete", args=[membership.pk])
    assert client_for(admin_user).post(url, {"post": "yes"}).status_code == 302
    event = _only(Action.MEMBER_REMOVED)
    assert event.before == {"role": "viewer"} and event.actor_id == admin_user.pk


def _user_admin_form(user, **changes) -> dict:
    joined = timezone.localtime(user.date_joined)
    form = {
        "email": user.email,
        "display_name": user.display_name,
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    flags = {name: getattr(user, name) for name in ("is_active", "is_reviewer", "is_staff")}
    flags.update(changes)
    form.update({name: "on" for name, value in flags.items() if value})
    return form


def test_a_portal_role_granted_in_the_admin_is_recorded(admin_user, client_for):
    person = factories.make_user(email="new-reviewer@example.cn")
    url = reverse("admin:accounts_user_change", args=[person.pk])
    response = client_for(admin_user).post(url, _user_admin_form(person, is_reviewer=True))
    assert response.status_code == 302, response.context and response.context["errors"]
    person.refresh_from_db()
    assert person.is_reviewer
    event = _only(Action.ROLE_CHANGED)
    assert (event.before, event.after) == ({"is_reviewer": False}, {"is_reviewer": True})
    assert event.object_type == "user" and event.actor_id == admin_user.pk
    # Saving again without a change records nothing.
    client_for(admin_user).post(url, _user_admin_form(person))
    assert len(_events(Action.ROLE_CHANGED)) == 1


def test_a_role_changed_inline_on_the_providers_admin_page_is_recorded(
    admin_user, client_for, provider, viewer
):
    membership = provider.memberships.get(user=viewer)
    url = reverse("admin:providers_provider_change", args=[provider.pk])
    page = client_for(admin_user).get(url)
    form = {}
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        form.update({f"{management.prefix}-{k}": v for k, v in management.initial.items()})
        for inline in formset.formset.forms:
            for name in inline.fields:
                value = inline[name].value()
                if value not in (None, False):
                    form[inline.add_prefix(name)] = value
    admin_form = page.context["adminform"].form
    for name in admin_form.fields:
        value = admin_form[name].value()
        if value not in (None, False, ""):
            form[name] = value
    for key, value in list(form.items()):
        if key.startswith("memberships-") and key.endswith("-id") and value == membership.pk:
            form[key.replace("-id", "-role")] = Role.EDITOR
    response = client_for(admin_user).post(url, form)
    assert response.status_code == 302, response.context and response.context["errors"]
    event = _only(Action.ROLE_CHANGED)
    assert (event.before, event.after) == ({"role": "viewer"}, {"role": "editor"})


def test_removing_a_member_is_recorded(owner_client, editor, provider):
    target = provider.memberships.get(user=editor)
    url = reverse(
        "providers:member_remove",
        kwargs={"provider": provider.public_id, "member": target.public_id},
    )
    owner_client.post(url, {"confirmed": "1"})
    [event] = _events(Action.MEMBER_REMOVED)
    assert (event.summary, event.before, event.object_id) == (
        editor.email,
        {"role": "editor"},
        str(target.public_id),
    )


def test_an_invitation_is_recorded_from_sending_to_joining(
    owner_client, owner, provider, client_for
):
    members_url = reverse("providers:members", kwargs={"provider": provider.public_id})
    owner_client.post(members_url, {"email": "New@a.example.cn", "role": Role.EDITOR})
    [sent] = _events(Action.INVITATION_SENT)
    assert (sent.actor_id, sent.after) == (
        owner.pk,
        {"email": "new@a.example.cn", "role": "editor"},
    )
    invitation = provider.invitations.get()
    newcomer = factories.make_user(email="new@a.example.cn")
    token_url = reverse(
        "providers:invitation_accept", kwargs={"token": invitation_token(invitation)}
    )
    client_for(newcomer).post(token_url)
    [accepted] = _events(Action.INVITATION_ACCEPTED)
    [added] = _events(Action.MEMBER_ADDED)
    assert accepted.object_id == str(invitation.public_id)
    assert (added.actor_id, added.after, added.provider_id) == (
        newcomer.pk,
        {"role": "editor"},
        provider.pk,
    )


def test_withdrawing_an_invitation_is_recorded(owner_client, provider):
    invitation = factories.make_invitation(provider, email="gone@a.example.cn")
    owner_client.post(
        reverse(
            "providers:invitation_revoke",
            kwargs={"provider": provider.public_id, "invitation": invitation.public_id},
        )
    )
    [event] = _events(Action.INVITATION_REVOKED)
    assert (event.summary, event.object_id) == ("gone@a.example.cn", str(invitation.public_id))


def test_registering_a_provider_records_it_and_its_first_owner(owner_client, owner):
    data = {
        "name_zh": "丙智能科技有限公司",
        "credit_code": "91350100M000100Y43",
        "legal_representative": "李四",
    }
    assert owner_client.post(reverse("providers:create"), data).status_code == 302
    [created] = _events(Action.PROVIDER_CHANGED)
    [added] = _events(Action.MEMBER_ADDED)
    assert created.before is None
    assert created.after["credit_code"] == "91350100M000100Y43"
    assert (added.actor_id, added.after, added.provider_id) == (
        owner.pk,
        {"role": "owner"},
        created.provider_id,
    )


def test_editing_provider_details_records_only_the_changed_fields(owner_client, owner, provider):
    data = {
        "name_zh": provider.name_zh,
        "name_en": provider.name_en,
        "credit_code": provider.credit_code,
        "legal_representative": "李四",
    }
    response = owner_client.post(
        reverse("providers:edit", kwargs={"provider": provider.public_id}), data
    )
    assert response.status_code == 302
    [event] = _events(Action.PROVIDER_CHANGED)
    assert (event.before, event.after) == (
        {"legal_representative": "张三"},
        {"legal_representative": "李四"},
    )
    assert (event.actor_id, event.object_id) == (owner.pk, str(provider.public_id))


# --- reading: history and admin export --------------------------------------------------------


def test_events_for_assessment_cover_its_earlier_versions(service, editor):
    first, _created = assessment_start(service=service, user=editor)
    started = list(events_for_assessment(first))  # assessment_start records its own event
    # Along the allowed moves (a trigger guards them on PostgreSQL) to make room for version 2.
    versions = Assessment.objects.filter(pk=first.pk)
    versions.update(status="submitted", snapshot_sha256="0" * 64)
    for status in ("in_review", "changes_requested", "superseded"):
        versions.update(status=status)
    second = Assessment.objects.create(
        service=service, questionnaire=first.questionnaire, version=2, previous=first
    )
    a = record(Action.ASSESSMENT_STARTED, actor=editor, obj=first)
    record(Action.LOGIN, actor=editor)
    b = record(Action.ASSESSMENT_STATUS_CHANGED, actor=editor, assessment=second)
    assert list(events_for_assessment(second)) == [*started, a, b]
    assert list(events_for_assessment(first)) == [*started, a]
    assert list(events_for_assessment(ids=[second.pk])) == [b]
    assert a.provider_id == b.provider_id == service.provider_id


def test_events_filtered(owner, viewer):
    record(Action.LOGIN, actor=owner, summary="x")
    failed = record(Action.LOGIN_FAILED, actor_email="Mallory@example.cn")
    assert list(events_filtered(action=Action.LOGIN_FAILED)) == [failed]
    assert list(events_filtered(actor_email="mallory@example.cn")) == [failed]
    assert list(events_filtered(search="mallory")) == [failed]
    assert len(events_filtered()) == 2


@time_machine.travel(datetime(2026, 3, 1, 2, 0, tzinfo=UTC), tick=False)
@pytest.mark.parametrize(("language", "label"), [("en", "Role changed"), ("zh-hans", None)])
def test_the_history_partial_reads_like_a_sentence(owner, language, label):
    event = record(
        Action.ROLE_CHANGED,
        actor=owner,
        summary="viewer@a.example.cn",
        before={"role": "viewer"},
        after={"role": "editor"},
    )
    with translation.override(language):
        rows = [(event, presenters.changes(event), presenters.summary(event))]
        html = render_to_string("audit/_events.html", {"events": rows})
        expected_label = label or str(Action.ROLE_CHANGED.label)
        viewer, editor = str(Role.VIEWER.label), str(Role.EDITOR.label)
    assert "2026-03-01 10:00:00" in html  # Beijing time
    assert expected_label in html
    assert "viewer@a.example.cn" in html and owner.email in html
    assert viewer in html and "→" in html and editor in html
    if language != "en":  # the roles by their Chinese labels, never the stored codes
        assert ">viewer<" not in html and ">editor<" not in html and "<code>" not in html


def test_the_history_shows_answers_and_statuses_by_their_labels(service, editor, client_for):
    from assessments import services as assessment_services
    from library.catalogue import get_catalogue

    assessment, _ = assessment_services.assessment_start(service=service, user=editor)
    catalogue = get_catalogue(assessment.questionnaire)
    choice = next(q for q in catalogue.questions if q.kind == "single_choice")
    yes_no = next(q for q in catalogue.questions if q.kind == "yes_no")
    options = [value for value, _label in choice.choice_options()]
    factories.answer(assessment, choice.code, editor, value=options[0])
    factories.answer(assessment, choice.code, editor, value=options[1])
    factories.answer(assessment, yes_no.code, editor)  # the sample answer: yes
    record(
        Action.ASSESSMENT_STATUS_CHANGED,
        actor=editor,
        obj=assessment,
        summary="in_review → approved",
        before={"status": "in_review"},
        after={"status": "approved"},
    )
    page = client_for(editor).get(reverse("assessments:history", args=[assessment.public_id]))
    html = page.content.decode()
    assert choice.choice_label(options[0]) in html and choice.choice_label(options[1]) in html
    shown = strip_tags(html)
    for code in (options[0], options[1], "True", "in_review", "approved"):
        assert code not in shown, shown[max(0, shown.find(code) - 300) : shown.find(code) + 100]
    assert "是" in shown and "审核中 → 已通过" in shown


def test_the_history_partial_says_when_there_is_nothing(db):
    with translation.override("en"):
        assert "No events recorded yet." in render_to_string("audit/_events.html", {"events": []})


EXPORT = "admin:audit_auditevent_export"


@pytest.mark.parametrize(
    ("persona", "login"),
    # Anonymous visitors meet the site-wide LoginRequiredMiddleware first, as on every admin
    # page but the index; signed-in non-staff are sent to the admin's login.
    [("anonymous", "/accounts/login/"), ("owner", "/admin/login/"), ("reviewer", "/admin/login/")],
)
def test_the_csv_export_is_for_staff_only(personas, client_for, persona, login, owner):
    record(Action.LOGIN, actor=owner, summary="secret")
    response = client_for(personas[persona]).get(reverse(EXPORT))
    assert response.status_code == 302
    assert response["Location"].startswith(login)


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_csv_export_honours_filters_and_defuses_formulas(admin_user, client_for, owner):
    record(Action.LOGIN, actor=owner, summary="=cmd|' /C calc'!A0")
    record(Action.LOGIN_FAILED, actor_email="@evil", summary="+1+1")
    record(Action.LOGIN_FAILED, actor_email="someone@example.cn", summary="plain")
    client = client_for(admin_user)
    client.cookies["django_language"] = "en"
    changelist = client.get(
        reverse("admin:audit_auditevent_changelist"), {"action__exact": "login"}
    )
    assert changelist.status_code == 200
    assert reverse(EXPORT) + "?action__exact=login" in changelist.content.decode()

    response = client.get(reverse(EXPORT), {"action__exact": "login"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, *rows = _csv(response)
    summary = header.index("summary")
    # The admin's own sign-in through force_login is an event too.
    assert [r[summary] for r in rows if r[header.index("actor")] == owner.email] == [
        "'=cmd|' /C calc'!A0"
    ]
    assert {r[header.index("action")] for r in rows} == {"login"}

    header, *rows = _csv(
        client.get(reverse(EXPORT), {"action__exact": "login_failed", "q": "evil"})
    )
    assert [(r[header.index("actor")], r[summary]) for r in rows] == [("'@evil", "'+1+1")]


def test_the_csv_export_refuses_unknown_filters(admin_user, client_for):
    response = client_for(admin_user).get(reverse(EXPORT), {"no_such_field": "1"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        (42, 42),
        (None, None),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_the_admin_shows_events_read_only(admin_user, client_for, owner):
    event = record(Action.LOGIN, actor=owner)
    client = client_for(admin_user)
    assert client.get(reverse("admin:audit_auditevent_change", args=[event.pk])).status_code == 200
    assert client.get(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code == 403
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    response = client.post(
        reverse("admin:audit_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk]},
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert response.status_code in (200, 302)


def test_the_admin_list_shows_labels_not_codes(
    admin_user, client_for, owner, provider, django_assert_max_num_queries
):
    record(
        Action.ASSESSMENT_STATUS_CHANGED,
        actor=owner,
        summary="in_review → approved",
        before={"status": "in_review"},
        after={"status": "approved"},
    )
    record(Action.PROVIDER_CHANGED, actor=owner, obj=provider)
    client = client_for(admin_user)
    url = reverse("admin:audit_auditevent_changelist")
    page = client.get(url).content.decode()
    rows = page.split('id="result_list"')[1].split("</table>")[0]
    assert "审核中 → 已通过" in rows and "in_review" not in rows
    assert f'<td class="field-object_column">{provider._meta.verbose_name}</td>' in rows
    assert ">provider<" not in rows
    assert "client address" not in rows and "127.0.0.1" not in rows
    with django_assert_max_num_queries(8):
        client.get(url)


def test_deleting_a_person_in_the_admin_records_each_membership_removed(
    admin_user, client_for, provider, other_provider
):
    person = factories.make_user(email="leaving@example.cn")
    Membership.objects.create(provider=provider, user=person, role=Role.EDITOR)
    Membership.objects.create(provider=other_provider, user=person, role=Role.VIEWER)
    url = reverse("admin:accounts_user_delete", args=[person.pk])
    assert client_for(admin_user).post(url, {"post": "yes"}).status_code == 302
    events = _events(Action.MEMBER_REMOVED)
    assert sorted((e.provider_id, e.before["role"], e.summary) for e in events) == sorted(
        [
            (provider.pk, "editor", "leaving@example.cn"),
            (other_provider.pk, "viewer", "leaving@example.cn"),
        ]
    )
    assert all(e.actor_id == admin_user.pk for e in events)


def test_deleting_providers_from_the_admins_list_records_their_members_removed(
    admin_user, client_for, provider, viewer
):
    provider.services.all().delete()  # a provider with assessments cannot be deleted at all
    url = reverse("admin:providers_provider_changelist")
    form = {"action": "delete_selected", "_selected_action": [provider.pk], "post": "yes"}
    assert client_for(admin_user).post(url, form).status_code == 302
    assert not type(provider).objects.filter(pk=provider.pk).exists()
    removed = {e.summary for e in _events(Action.MEMBER_REMOVED)}
    assert viewer.email in removed
