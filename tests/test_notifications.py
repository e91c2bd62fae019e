"""Notifications: who hears about what, the e-mail queued after commit and sent once in both
languages, the daily due-date reminders, and the list, badge and mark-read views."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from assessments.models import Assessment
from assessments.services import assessment_start
from notifications import services
from notifications.models import Kind, Notification
from notifications.tasks import send_due_reminders, send_notification_email
from providers.models import Role
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
PROVIDER_KINDS = [Kind.CHANGES_REQUESTED, Kind.APPROVED, Kind.REJECTED, Kind.DOSSIER_READY]
REVIEWER_KINDS = [Kind.SUBMITTED, Kind.RESUBMITTED, Kind.DUE_SOON]


# Legal moves only: on PostgreSQL a trigger refuses any other status change (migration 0003).
_STEPS = {
    "draft": [],
    "submitted": ["submitted"],
    "in_review": ["submitted", "in_review"],
    "approved": ["submitted", "in_review", "approved"],
}


def _update(assessment: Assessment, status: str | None = None, **fields) -> Assessment:
    """Set review fields directly: the review services are not what these tests are about."""
    rows = Assessment.objects.filter(pk=assessment.pk)
    for step in _STEPS[status or "draft"]:
        rows.update(status=step, snapshot_sha256="0" * 64)
    if fields:
        rows.update(**fields)
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def assessment(service, editor):
    obj, _created = assessment_start(service=service, user=editor)
    return _update(obj, status="submitted", submitted_by=editor)


def _ids(rows) -> set[int]:
    return {row.recipient_id for row in rows}


# --- recipients -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", REVIEWER_KINDS)
def test_unassigned_work_goes_to_every_eligible_reviewer(
    kind, assessment, provider, other_provider, reviewer, owner, editor, viewer, outsider
):
    # A reviewer who is a member of the provider has a conflict of interest.
    conflicted = factories.make_member(provider, Role.VIEWER, is_reviewer=True).user
    factories.make_user(is_reviewer=True, is_active=False)
    # Membership elsewhere is no conflict.
    elsewhere = factories.make_member(other_provider, Role.VIEWER, is_reviewer=True).user

    rows = services.notify(kind, assessment=assessment, actor=editor)

    assert _ids(rows) == {reviewer.pk, elsewhere.pk}
    assert conflicted.pk not in _ids(rows)
    assert {(r.kind, r.assessment_id, r.actor_id) for r in rows} == {
        (kind, assessment.pk, editor.pk)
    }


@pytest.mark.parametrize("kind", REVIEWER_KINDS)
def test_assigned_work_goes_to_the_assignee_only(kind, assessment, reviewer, editor):
    factories.make_user(is_reviewer=True)
    _update(assessment, assigned_to=reviewer)
    rows = services.notify(kind, assessment=assessment, actor=editor)
    assert _ids(rows) == {reviewer.pk}


def test_an_inactive_assignee_falls_back_to_the_pool(assessment, reviewer, editor):
    gone = factories.make_user(is_reviewer=True, is_active=False)
    _update(assessment, assigned_to=gone)
    rows = services.notify(Kind.SUBMITTED, assessment=assessment, actor=editor)
    assert _ids(rows) == {reviewer.pk}


def test_assigned_goes_to_the_assignee_but_not_to_who_assigned_themself(assessment, reviewer):
    lead = factories.make_user(is_reviewer=True)
    _update(assessment, assigned_to=reviewer)
    assert _ids(services.notify(Kind.ASSIGNED, assessment=assessment, actor=lead)) == {reviewer.pk}
    assert services.notify(Kind.ASSIGNED, assessment=assessment, actor=reviewer) == []


def test_assigned_without_an_assignee_notifies_nobody(assessment, reviewer):
    assert services.notify(Kind.ASSIGNED, assessment=assessment, actor=None) == []


@pytest.mark.parametrize("kind", PROVIDER_KINDS)
def test_decisions_go_to_the_providers_owners_and_editors(
    kind, assessment, provider, owner, editor, viewer, outsider, reviewer
):
    factories.make_member(provider, Role.EDITOR, is_active=False)
    rows = services.notify(kind, assessment=assessment, actor=reviewer)
    assert _ids(rows) == {owner.pk, editor.pk}


def test_the_actor_is_never_notified(assessment, owner, editor):
    rows = services.notify(Kind.DOSSIER_READY, assessment=assessment, actor=owner)
    assert _ids(rows) == {editor.pk}


# --- after commit, and only then ----------------------------------------------------------------


def test_nothing_is_queued_when_the_transaction_rolls_back(
    assessment, reviewer, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.notify(Kind.SUBMITTED, assessment=assessment, actor=editor)
            raise RuntimeError("the state change failed")
    assert callbacks == []
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_one_mail_task_per_notification_is_queued_on_commit(
    assessment, owner, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        rows = services.notify(Kind.APPROVED, assessment=assessment, actor=None)
    assert len(rows) == len(callbacks) == 2
    assert mail.outbox == [], "nothing may go out before the commit"
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([owner.email, editor.email])
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0


# --- the e-mail -----------------------------------------------------------------------------------


def test_the_mail_is_bilingual_links_the_review_page_and_goes_once(
    assessment, provider, service, reviewer, editor, settings
):
    settings.SITE_URL = "https://portal.example.cn"
    [notification] = services.notify(Kind.SUBMITTED, assessment=assessment, actor=editor)

    send_notification_email(notification.pk)
    send_notification_email(notification.pk)  # a redelivered task

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [reviewer.email]
    # Chinese first, then English.
    assert message.subject.startswith("已提交 / Submitted: ")
    assert service.name in message.subject
    # A reviewer's mail leads to the review page, not to the provider's assessment page.
    link = "https://portal.example.cn" + reverse("reviews:detail", args=[assessment.public_id])
    chinese, english = message.body.split("-" * 40)
    with translation.override("zh-hans"):
        assert notification.message in chinese
    with translation.override("en"):
        assert notification.message in english
    assert "was submitted for review" in english
    for half in (chinese, english):
        assert link in half
        assert provider.name_zh in half
        assert service.name in half
        assert str(editor) in half
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert html.index('lang="zh-CN"') < html.index('lang="en"')
    assert html.count(f'href="{link}"') == 2
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_an_smtp_failure_gives_the_claim_back_for_the_retry(assessment, reviewer, editor):
    [notification] = services.notify(Kind.SUBMITTED, assessment=assessment, actor=editor)
    with (
        mock.patch(
            "django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("SMTP down")
        ),
        pytest.raises(OSError),
    ):
        send_notification_email(notification.pk)
    notification.refresh_from_db()
    assert notification.emailed_at is None
    send_notification_email(notification.pk)
    assert len(mail.outbox) == 1


def test_an_inactive_recipient_is_not_mailed(assessment, reviewer, editor):
    [notification] = services.notify(Kind.SUBMITTED, assessment=assessment, actor=editor)
    reviewer.is_active = False
    reviewer.save(update_fields=["is_active"])
    send_notification_email(notification.pk)
    assert mail.outbox == []


# --- due-date reminders ---------------------------------------------------------------------------

MORNING = dt.datetime(2026, 3, 2, 8, 0, tzinfo=SHANGHAI)


@pytest.fixture
def due_in(provider, editor, settings):
    """A fresh assessment of a new service, due `days` from MORNING's date."""
    settings.REVIEW_REMINDER_DAYS = 2

    def make(days, status="submitted", **fields):
        obj, _created = assessment_start(service=factories.make_service(provider), user=editor)
        due = MORNING.date() + dt.timedelta(days=days) if days is not None else None
        return _update(obj, status=status, due_date=due, **fields)

    return make


def test_reminders_pick_reviews_due_within_n_days_not_reminded_in_the_last_day(due_in, reviewer):
    other = factories.make_user(is_reviewer=True)
    with time_machine.travel(MORNING - dt.timedelta(hours=2), tick=False):
        reminded_earlier = due_in(1)
        services.notify(Kind.DUE_SOON, assessment=reminded_earlier)
    with time_machine.travel(MORNING - dt.timedelta(hours=25), tick=False):
        reminded_yesterday = due_in(1)
        services.notify(Kind.DUE_SOON, assessment=reminded_yesterday)
    with time_machine.travel(MORNING, tick=False):
        tomorrow = due_in(1)
        at_the_limit = due_in(2, status="in_review", assigned_to=other)
        overdue = due_in(-1)
        later = due_in(3)  # too far ahead today
        due_in(1, status="draft")
        due_in(1, status="approved")
        due_in(None)

        sent = services.remind_due_reviews()

        assert {n.assessment_id for n in sent} == {
            tomorrow.pk,
            at_the_limit.pk,
            overdue.pk,
            reminded_yesterday.pk,
        }
        assert {n.recipient_id for n in sent if n.assessment_id == at_the_limit.pk} == {other.pk}
        assert {n.recipient_id for n in sent if n.assessment_id == tomorrow.pk} == {
            reviewer.pk,
            other.pk,
        }
        assert {n.kind for n in sent} == {Kind.DUE_SOON}
        # Rerunning the same day is harmless.
        assert services.remind_due_reviews() == []

    # A day later: everything again, and `later` is now within two days.
    with time_machine.travel(MORNING + dt.timedelta(days=1), tick=False):
        again = {n.assessment_id for n in services.remind_due_reviews()}
    assert again == {
        later.pk,
        tomorrow.pk,
        at_the_limit.pk,
        overdue.pk,
        reminded_earlier.pk,
        reminded_yesterday.pk,
    }


def test_the_reminder_mail_names_the_due_date(due_in, reviewer, django_capture_on_commit_callbacks):
    with time_machine.travel(MORNING, tick=False):
        due_in(1)
        with django_capture_on_commit_callbacks(execute=True):
            assert send_due_reminders() == 1
    [message] = mail.outbox
    assert "2026-03-03" in message.body
    assert message.to == [reviewer.email]


def test_the_command_sends_the_reminders(due_in, reviewer):
    with time_machine.travel(MORNING, tick=False):
        due_in(0)
        out = StringIO()
        call_command("send_due_reminders", stdout=out)
        assert "Reminders sent: 1 (assessments: 1)" in out.getvalue()
        call_command("send_due_reminders", stdout=out)
        assert "Reminders sent: 0 (assessments: 0)" in out.getvalue()
    assert Notification.objects.filter(kind=Kind.DUE_SOON, recipient=reviewer).count() == 1


# --- views --------------------------------------------------------------------------------------


def _notify_owner(assessment, owner, n=1, **fields):
    actor = factories.make_user(display_name="审核员甲")
    rows = Notification.objects.bulk_create(
        Notification(recipient=owner, kind=Kind.APPROVED, assessment=assessment, actor=actor)
        for _ in range(n)
    )
    if fields:
        Notification.objects.filter(pk__in=[r.pk for r in rows]).update(**fields)
    return rows


def test_the_list_shows_own_notifications_newest_first_unread_highlighted(
    assessment, owner, owner_client, editor
):
    with time_machine.travel(MORNING, tick=False):
        [old] = _notify_owner(assessment, owner, read_at=timezone.now())
    with time_machine.travel(MORNING + dt.timedelta(hours=1), tick=False):
        [new] = _notify_owner(assessment, owner)
    Notification.objects.create(recipient=editor, kind=Kind.REJECTED, assessment=assessment)

    response = owner_client.get(reverse("notifications:list"))

    assert response.status_code == 200
    page = list(response.context["page"])
    assert page == [new, old]
    html = response.content.decode()
    assert html.count("list-group-item-primary") == 1
    assert html.count(f'href="{assessment.get_absolute_url()}"') == 2
    assert reverse("notifications:mark_read", args=[new.public_id]) in html
    assert reverse("notifications:mark_read", args=[old.public_id]) not in html


def test_the_list_runs_a_constant_number_of_queries(
    assessment, owner, owner_client, django_assert_num_queries
):
    _notify_owner(assessment, owner, n=3)
    url = reverse("notifications:list")
    # session, user, count for the paginator, the page with actor/assessment/service/provider
    with django_assert_num_queries(4):
        owner_client.get(url)
    _notify_owner(assessment, owner, n=20)
    with django_assert_num_queries(4):
        response = owner_client.get(url)
    assert len(response.context["rows"]) == 23


def test_the_list_pages_by_fifty(assessment, owner, owner_client):
    _notify_owner(assessment, owner, n=51)
    url = reverse("notifications:list")
    assert len(owner_client.get(url).context["rows"]) == 50
    assert len(owner_client.get(url, {"page": 2}).context["rows"]) == 1


def test_the_empty_list_says_what_will_appear(owner_client, settings):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = owner_client.get(reverse("notifications:list")).content.decode()
    assert "list-group" not in html
    assert "Mark all as read" not in html
    assert "No notifications yet. When an assessment you work on is submitted" in html


def test_the_badge_counts_unread_notifications(assessment, owner, owner_client):
    _notify_owner(assessment, owner, n=2)
    _notify_owner(assessment, owner, read_at=timezone.now())
    response = owner_client.get(reverse("notifications:badge"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert '<span class="notification-count">' in html
    assert ">2<" in html
    owner_client.post(reverse("notifications:mark_all_read"))
    assert "badge" not in owner_client.get(reverse("notifications:badge")).content.decode()


def test_the_navbar_bell_loads_the_badge_by_htmx(owner_client):
    html = owner_client.get(reverse("notifications:list")).content.decode()
    assert f'hx-get="{reverse("notifications:badge")}"' in html
    assert 'hx-trigger="load, every 60s"' in html


def test_mark_read_marks_own_notification_once(assessment, owner, owner_client):
    [notification] = _notify_owner(assessment, owner)
    url = reverse("notifications:mark_read", args=[notification.public_id])
    response = owner_client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:list")
    notification.refresh_from_db()
    first = notification.read_at
    assert first is not None
    owner_client.post(url)
    notification.refresh_from_db()
    assert notification.read_at == first


def test_mark_read_returns_to_a_local_next_only(assessment, owner, owner_client):
    a, b = _notify_owner(assessment, owner, n=2)
    back = reverse("notifications:list") + "?page=1"
    url = reverse("notifications:mark_read", args=[a.public_id])
    assert owner_client.post(url, {"next": back})["Location"] == back
    url = reverse("notifications:mark_read", args=[b.public_id])
    response = owner_client.post(url, {"next": "https://evil.example/"})
    assert response["Location"] == reverse("notifications:list")


def test_another_users_notification_is_404(assessment, owner, editor_client):
    [notification] = _notify_owner(assessment, owner)
    url = reverse("notifications:mark_read", args=[notification.public_id])
    assert editor_client.post(url).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_read_needs_post(assessment, owner, owner_client):
    [notification] = _notify_owner(assessment, owner)
    url = reverse("notifications:mark_read", args=[notification.public_id])
    assert owner_client.get(url).status_code == 405


def test_mark_all_read_touches_only_own_notifications(assessment, owner, editor, owner_client):
    _notify_owner(assessment, owner, n=2)
    theirs = Notification.objects.create(
        recipient=editor, kind=Kind.APPROVED, assessment=assessment
    )
    assert owner_client.post(reverse("notifications:mark_all_read")).status_code == 302
    assert not Notification.objects.filter(recipient=owner, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_beat_runs_the_reminders_every_morning(settings):
    from portal.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["send-due-reminders"]
    assert entry["task"] in app.tasks
    assert entry["schedule"].hour == {8}
    assert entry["schedule"].minute == {0}
