"""A newer questionnaire version, told to providers: the dashboard notice per service and the
weekly digest e-mail (bilingual, once per person and week)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from assessments.models import Assessment
from notifications.digest import make_weekly_digests
from notifications.models import Digest
from providers.models import Role
from tests import factories
from tests.test_upgrade import V1, V2, make_version

CODE = "digest-test"
# Applies only to services open to minors: never named for the service below.
MINORS = {
    "kind": "yes_no",
    "expected": True,
    "text_zh": "是否开启未成年人模式？",
    "text_en": "Is there a minors' mode?",
    "applies_if": {"field": "profile.minors_allowed", "equals": True},
}


@pytest.fixture
def versions(db):
    return make_version(1, V1, code=CODE), make_version(2, {**V2, "MINORS": MINORS}, code=CODE)


@pytest.fixture
def behind(versions, provider, owner, viewer):
    """Two services of the provider on version 1 (a draft and an approved one)."""
    drafts = []
    for name, status in (("陪伴聊天", "draft"), ("写作助手", "approved")):
        service = factories.make_service(provider, name=name, minors_allowed=False)
        drafts.append(
            Assessment.objects.create(
                service=service,
                questionnaire=versions[0],
                status=status,
                snapshot_sha256="" if status == "draft" else "a" * 64,
            )
        )
    return drafts


def test_dashboard_names_the_new_questions_that_apply_with_the_upgrade_button(
    owner_client, provider, behind, django_assert_max_num_queries
):
    url = reverse("providers:detail", args=[provider.public_id])
    owner_client.get(url)
    with django_assert_max_num_queries(9):
        html = owner_client.get(url).content.decode()
    assert html.count('class="alert alert-primary upgrade-notice"') == 2
    assert "问卷版本2适用于陪伴聊天" in html and "是否提示用户正在与人工智能互动" in html
    assert "是否开启未成年人模式" not in html
    assert reverse("assessments:upgrade", args=[behind[0].public_id]) in html
    # The approved one keeps its version: the next assessment starts on version 2.
    assert "在版本2上开始自评估" in html
    for _ in range(3):
        service = factories.make_service(provider)
        Assessment.objects.create(service=service, questionnaire=behind[0].questionnaire)
    with django_assert_max_num_queries(9):
        assert owner_client.get(url).content.decode().count("upgrade-notice") == 5


def test_weekly_digest_is_bilingual_and_sent_once_a_week(
    behind, owner, viewer, outsider, versions, django_capture_on_commit_callbacks
):
    Assessment.objects.create(
        service=factories.make_service(outsider.memberships.get().provider),
        questionnaire=versions[1],
    )
    # The mails go through the outbox after commit, in whatever language the run has.
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        made = make_weekly_digests()
    assert {d.recipient for d in made} == {owner, viewer}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([owner.email, viewer.email])
    message = mail.outbox[0]
    assert "影响您服务的条款库变化" in message.subject and "Library changes" in message.subject
    body = message.body
    assert body.index("是否提示用户正在与人工智能互动") < body.index("Told it is an AI?")
    assert "陪伴聊天" in body and "写作助手" in body
    assert "MINORS" not in body
    assert reverse("assessments:upgrade", args=[behind[0].public_id]) in body
    html = message.alternatives[0][0]
    assert 'lang="zh-CN"' in html and "Told it is an AI?" in html

    with django_capture_on_commit_callbacks(execute=True):
        assert make_weekly_digests() == []
    assert len(mail.outbox) == 2 and Digest.objects.count() == 2


def test_no_digest_without_a_new_version_this_week(behind, owner):
    from datetime import timedelta

    from django.utils import timezone

    assert make_weekly_digests(now=timezone.now() + timedelta(days=8)) == []
    assert mail.outbox == []


def test_members_of_a_provider_with_nothing_behind_get_no_digest(versions, outsider):
    Assessment.objects.create(
        service=factories.make_service(outsider.memberships.get().provider),
        questionnaire=versions[1],
    )
    assert all(d.recipient != outsider for d in make_weekly_digests())
    assert not Digest.objects.filter(recipient=outsider).exists()


def test_roles_do_not_matter_for_reading_the_digest(behind, provider):
    extra = factories.make_member(provider, Role.EDITOR, email="ed2@a.example.cn").user
    assert extra in {d.recipient for d in make_weekly_digests()}


def test_beat_sends_the_digest_on_monday_mornings(settings):
    from portal.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["send-weekly-digests"]
    assert entry["task"] in app.tasks
    assert entry["schedule"].day_of_week == {1}
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({8}, {30})


def test_an_instrument_coming_into_force_is_named_for_the_services_it_concerns(
    behind, owner, versions, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from library.models import Instrument, Questionnaire

    # No new version this week: only the date brings a digest.
    Questionnaire.objects.update(loaded_at=timezone.now() - timedelta(days=30))
    in_five_days = timezone.localdate() + timedelta(days=5)
    Instrument.objects.filter(code="UPGT").update(effective=in_five_days)
    with django_capture_on_commit_callbacks(execute=True):
        made = make_weekly_digests()
    assert owner in {d.recipient for d in made}
    body = next(m.body for m in mail.outbox if m.to == [owner.email])
    assert f"{in_five_days.isoformat()}起施行" in body
    assert f"in force from {in_five_days.isoformat()}" in body
    assert "测试办法" in body and "Test measures" in body
    assert "陪伴聊天" in body
    # Fifteen days ahead is not "soon": nothing to tell.
    Digest.objects.all().delete()
    Instrument.objects.filter(code="UPGT").update(effective=in_five_days + timedelta(days=10))
    assert make_weekly_digests() == []
