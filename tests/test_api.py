"""The REST API behaves like the pages: the same rules, the same messages (in the caller's
language), the same audit trail; tokens are shown once, stored hashed, scoped and audited."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from api.models import AccessToken
from api.tokens import token_create
from assessments import services
from assessments.forms import is_ratio
from assessments.models import Evidence, Status
from audit.models import Action, AuditEvent
from providers.models import Membership, Role
from tests import artefacts, factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment(service, editor):
    obj, _created = services.assessment_start(service=service, user=editor)
    return obj


def _client(user, provider, role, **kwargs) -> tuple[Client, AccessToken]:
    token, secret = token_create(
        user=user, name="CI", provider=provider, role=role, days=kwargs.pop("days", 30)
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", **kwargs), token


@pytest.fixture
def api(editor, provider):
    client, _token = _client(editor, provider, Role.EDITOR)
    return client


def _zh(message: str) -> str:
    """The page's message as the catalogue words it in Chinese."""
    with translation.override("zh-hans"):
        return gettext(message)


def _url(name, **kwargs):
    return reverse(f"api:{name}", kwargs=kwargs)


def _first(assessment, kind):
    state = services.load_state(assessment)
    return next(
        q for q in state.catalogue.questions if q.kind == kind and q.code in state.applicable
    )


# --- tokens ----------------------------------------------------------------------------------


def test_a_token_is_shown_once_and_stored_hashed(editor_client, provider, editor):
    response = editor_client.post(
        reverse("accounts:token_create"),
        {"name": "CI 上传", "scope": str(provider.public_id), "role": "editor", "days": 30},
        follow=True,
    )
    assert response.redirect_chain[-1][1] == 302
    assert response["Cache-Control"] == "no-store"
    secret = response.context["secret"]
    assert secret.startswith("gaip_") and secret in response.content.decode()
    token = AccessToken.objects.get(user=editor)
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(AccessToken.objects.filter(pk=token.pk).values().get())
    again = editor_client.get(reverse("accounts:profile")).content.decode()
    assert secret not in again and token.prefix in again
    me = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get(_url("me")).json()
    assert me["email"] == editor.email and me["token"]["role"] == "editor"


def test_a_token_cannot_outrank_its_person(viewer_client, provider, viewer, reviewer_client):
    response = viewer_client.post(
        reverse("accounts:token_create"),
        {"name": "x", "scope": str(provider.public_id), "role": "owner", "days": 30},
    )
    assert response.status_code == 422
    assert "不能高于" in response.content.decode()
    assert not AccessToken.objects.exists()
    # Only reviewers may have a token for the review area; they may, without a provider.
    response = viewer_client.post(
        reverse("accounts:token_create"), {"name": "x", "scope": "review", "days": 30}
    )
    assert response.status_code == 422
    response = reviewer_client.post(
        reverse("accounts:token_create"), {"name": "x", "scope": "review", "days": 30}
    )
    assert response.status_code == 302 and AccessToken.objects.get().role == "reviewer"


def test_every_use_is_audited_and_remembered(api, assessment, editor):
    before = AuditEvent.objects.filter(action=Action.TOKEN_USED).count()
    api.get(_url("assessment", assessment=assessment.public_id))
    api.get(_url("assessment", assessment=uuid.uuid4()))
    events = AuditEvent.objects.filter(action=Action.TOKEN_USED).order_by("id")
    assert events.count() == before + 2
    assert events.last().actor_id == editor.pk and " 404 " in events.last().summary
    token = AccessToken.objects.get(user=editor)
    assert token.last_used_at is not None and token.last_used_ip == "127.0.0.1"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: AccessToken.objects.filter(pk=t.pk).update(revoked_at=timezone.now()), "撤销"),
        (
            lambda t: AccessToken.objects.filter(pk=t.pk).update(
                expires_at=timezone.now() - timedelta(seconds=1)
            ),
            "过期",
        ),
        (lambda t: Membership.objects.filter(user=t.user).delete(), "不再是"),
    ],
)
def test_a_revoked_expired_or_orphaned_token_is_refused(editor, provider, change, message):
    client, token = _client(editor, provider, Role.EDITOR)
    assert client.get(_url("providers")).status_code == 200
    change(token)
    response = client.get(_url("providers"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert message in response.json()["detail"]


def test_a_lowered_role_caps_the_token_at_once(owner, provider, service):
    client, _token = _client(owner, provider, Role.OWNER)
    url = _url("provider", provider=provider.public_id)
    assert (
        client.patch(url, {"address": "上海市"}, content_type="application/json").status_code == 200
    )
    Membership.objects.filter(user=owner).update(role=Role.VIEWER)
    response = client.patch(url, {"address": "北京市"}, content_type="application/json")
    assert response.status_code == 403
    provider.refresh_from_db()
    assert provider.address == "上海市"


def test_the_token_revoked_on_the_profile_page_stops_working(editor_client, editor, provider):
    client, token = _client(editor, provider, Role.EDITOR)
    editor_client.post(reverse("accounts:token_revoke", kwargs={"token": token.public_id}))
    assert client.get(_url("me")).status_code == 401
    assert AuditEvent.objects.filter(action=Action.TOKEN_REVOKED).exists()


def test_a_reviewer_token_cannot_act_for_a_provider_and_back(reviewer, owner, provider):
    Membership.objects.create(provider=factories.make_provider(), user=reviewer, role=Role.OWNER)
    review_client, _ = _client(reviewer, None, "reviewer")
    assert review_client.get(_url("reviews")).status_code == 200
    assert review_client.get(_url("providers")).json() == []
    provider_of_reviewer = reviewer.memberships.get().provider
    provider_client, _ = _client(reviewer, provider_of_reviewer, Role.OWNER)
    response = provider_client.get(_url("reviews"))
    assert response.status_code == 403
    assert response.json()["detail"] == _zh("The review area is for reviewers.")


# --- the rules of the pages --------------------------------------------------------------------


def test_answers_use_the_pages_optimistic_revision(api, assessment, editor_client):
    q = _first(assessment, "text")
    url = _url("answer", assessment=assessment.public_id, question=q.code)
    first = api.put(url, {"revision": 0, "value": "按季度评估"}, content_type="application/json")
    assert first.status_code == 200 and first.json()["revision"] == 1
    # Someone saves on the page in between; the pipeline's stale write is refused with theirs.
    editor_client.post(
        reverse(
            "assessments:answer", kwargs={"assessment": assessment.public_id, "question": q.code}
        ),
        {"revision": 1, "value": "页面上的修改"},
    )
    stale = api.put(url, {"revision": 1, "value": "流水线的修改"}, content_type="application/json")
    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "conflict" and body["current"]["value"] == "页面上的修改"
    assert body["detail"] == _zh("Not saved: someone else changed this answer.")
    assert assessment.answers.get(question_id=q.pk).value == "页面上的修改"


def test_answer_values_round_trip_for_every_kind(api, assessment, editor):
    """Every applicable question kind: what is put is what is read back (as stored)."""
    factories.fill_required(assessment, editor)
    state = services.load_state(assessment)
    seen = set()
    for q in state.catalogue.questions:
        if q.kind in seen or q.kind == "evidence" or q.code not in state.applicable:
            continue
        seen.add(q.kind)
        value = factories.answer_data(q)["value"]
        if q.kind == "yes_no":
            value = value == "yes"
        if q.kind == "number":
            value = 0.25 if is_ratio(q) else factories.number_sample(q)
        url = _url("answer", assessment=assessment.public_id, question=q.code)
        revision = api.get(url).json()["revision"]
        response = api.put(
            url,
            {"revision": revision, "value": value, "note": "说明\u200b🙂" * 3},
            content_type="application/json",
        )
        assert response.status_code == 200, (q.code, response.json())
        assert api.get(url).json()["value"] == value, q.code
    assert seen >= {"clause", "yes_no", "single_choice", "multiple_choice", "number", "text"}


def test_a_share_outside_zero_to_one_is_refused_as_on_the_page(
    api, assessment, editor, editor_client
):
    factories.fill_required(assessment, editor)
    state = services.load_state(assessment)
    q = next(
        q
        for q in state.catalogue.questions
        if q.kind == "number" and is_ratio(q) and q.code in state.applicable
    )
    revision = assessment.answers.get(question_id=q.pk).revision
    url = _url("answer", assessment=assessment.public_id, question=q.code)
    response = api.put(url, {"revision": revision, "value": 30}, content_type="application/json")
    assert response.status_code == 422
    message = response.json()["errors"]["value"][0]
    page = editor_client.post(
        reverse(
            "assessments:answer", kwargs={"assessment": assessment.public_id, "question": q.code}
        ),
        {"revision": revision, "value": "30"},
    )
    assert message in page.content.decode()


def test_a_clause_answer_without_its_reason_is_saved_with_its_gap(api, assessment):
    q = _first(assessment, "clause")
    url = _url("answer", assessment=assessment.public_id, question=q.code)
    response = api.put(url, {"revision": 0, "value": "na"}, content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["complete"] is False
    message = _zh("Say why this clause does not apply.")
    assert body["gaps"] == [{"field": "na_reason", "message": message}]


@pytest.mark.parametrize(
    ("name", "content"),
    [("report.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200), ("empty.txt", b"")],
)
def test_bad_files_are_refused_with_the_pages_message(
    api, assessment, editor_client, name, content
):
    q = _first(assessment, "text")
    url = _url("evidence_upload", assessment=assessment.public_id, question=q.code)
    response = api.post(url, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 422
    detail = response.json()["detail"]
    page = editor_client.post(
        reverse(
            "assessments:evidence_upload",
            kwargs={"assessment": assessment.public_id, "question": q.code},
        ),
        {"file": SimpleUploadedFile(name, content)},
    )
    assert detail and detail in page.content.decode()
    assert not Evidence.objects.exists()


def test_an_oversized_file_is_refused_with_the_limit(api, assessment, settings):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    q = _first(assessment, "clause")
    url = _url("evidence_upload", assessment=assessment.public_id, question=q.code)
    response = api.post(url, {"file": SimpleUploadedFile("big.txt", b"a" * (1024 * 1024 + 1))})
    assert response.status_code == 422 and "1 MB" in response.json()["detail"]


def test_a_keyword_list_is_uploaded_analysed_and_downloaded(
    api, assessment, django_capture_on_commit_callbacks
):
    name, content = artefacts.keyword_list()
    url = _url("evidence_upload", assessment=assessment.public_id, question="CS-18")
    with django_capture_on_commit_callbacks(execute=True):  # the analysis task, eager here
        response = api.post(url, {"file": SimpleUploadedFile(name, content), "note": "第3版"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["question"] == "CS-18" and body["sha256"] == hashlib.sha256(content).hexdigest()
    analysis = api.get(
        _url("evidence_analysis", assessment=assessment.public_id, evidence=body["id"])
    ).json()
    assert analysis["status"] == "done" and analysis["passed"] is True
    download = api.get(body["download"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == content
    assert AuditEvent.objects.filter(action=Action.EVIDENCE_DOWNLOADED).exists()


def test_submission_lists_what_is_missing_then_freezes(api, assessment, editor):
    url = _url("submission", assessment=assessment.public_id)
    response = api.post(url)
    assert response.status_code == 422 and response.json()["missing"]
    factories.fill_required(assessment, editor)
    assert api.get(url).json()["ready"] is True
    response = api.post(url)
    assert response.status_code == 200 and response.json()["status"] == Status.SUBMITTED
    q = _first(assessment, "text")
    refused = api.put(
        _url("answer", assessment=assessment.public_id, question=q.code),
        {"revision": 1, "value": "x"},
        content_type="application/json",
    )
    assert refused.status_code == 409 and refused.json()["code"] == "not_editable"


def test_a_reviewer_decides_through_the_api(reviewer, assessment, editor):
    factories.fill_required(assessment, editor)
    assessment = services.assessment_submit(assessment=assessment, user=editor)
    client, _ = _client(reviewer, None, "reviewer")
    base = {"assessment": assessment.public_id}
    assert client.post(_url("review_claim", **base)).json()["status"] == Status.IN_REVIEW
    approve = client.post(
        _url("review_decision", **base),
        {"decision": "approve", "text": "同意"},
        content_type="application/json",
    )
    from reviews.services import approval_blockers

    assert approve.status_code == 409
    assert approve.json()["errors"][""] == [str(b) for b in approval_blockers(assessment)]
    question = assessment.snapshot["applicable"][0]
    verdict = client.put(
        _url("review_verdict", question=question, **base),
        {"verdict": "needs_revision"},
        content_type="application/json",
    )
    assert verdict.status_code == 422  # a comment is required unless accepted
    verdict = client.put(
        _url("review_verdict", question=question, **base),
        {"verdict": "needs_revision", "comment": "请补充证据"},
        content_type="application/json",
    )
    assert verdict.status_code == 200
    sent_back = client.post(
        _url("review_decision", **base),
        {"decision": "request_changes", "text": "请补充"},
        content_type="application/json",
    )
    assert sent_back.json()["status"] == Status.CHANGES_REQUESTED


# --- errors, languages, limits -----------------------------------------------------------------


def test_problems_speak_the_callers_language(api, assessment):
    url = _url("assessment", assessment=uuid.uuid4())
    zh = api.get(url)
    assert zh["Content-Type"] == "application/problem+json"
    assert zh.json()["detail"] == _zh("No such assessment.") and zh.json()["title"] == "未找到"
    en = api.get(url, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")
    assert en.json()["detail"] == "No such assessment." and en.json()["title"] == "Not found"
    assert en["Content-Language"] == "en" and "Accept-Language" in en["Vary"]
    assert api.get(url, HTTP_ACCEPT_LANGUAGE="fr, zh-CN;q=0.5").json()["title"] == "未找到"


def test_the_session_needs_its_csrf_token(editor, assessment):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    url = _url("submission", assessment=assessment.public_id)
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]


def test_the_rate_limit_is_per_token(editor, provider, settings):
    from django.core.cache import cache
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    cache.clear()
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "api": "3/minute"}
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        first, _ = _client(editor, provider, Role.EDITOR)
        second, _ = _client(editor, provider, Role.VIEWER)
        statuses = [first.get(_url("me")).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = first.get(_url("me"))
        assert int(limited["Retry-After"]) > 0 and limited.json()["code"] == "throttled"
        assert second.get(_url("me")).status_code == 200
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original
        cache.clear()


def test_unknown_api_addresses_are_problems_too(api):
    response = api.get("/api/v1/no/such/thing")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_the_docs_pages_load_nothing_from_elsewhere_and_run_no_inline_script(client):
    for name in ("docs", "redoc"):
        page = client.get(_url(name)).content.decode()
        assert "https://" not in page and "http://" not in page, name
        assert "<script>" not in page and "<style" not in page, name
    script = client.get(_url("docs") + "?script=")
    assert script["Content-Type"].startswith("application/javascript")
    schema = client.get(_url("schema"), HTTP_ACCEPT="application/json")
    assert schema.status_code == 200 and "/api/v1/assessments/" in schema.json()["paths"]


# --- retrying a failed dossier or package -------------------------------------------------------


@pytest.mark.parametrize("kind", ["dossier", "package"])
def test_a_failed_build_is_retried_once_and_a_finished_one_is_refused(
    kind, editor, viewer, provider, assessment, django_capture_on_commit_callbacks
):
    from dossiers.models import Dossier, DossierKind, DossierStatus
    from filing.models import FilingPackage

    common = {
        "assessment": assessment,
        "assessment_version": assessment.version,
        "kind": DossierKind.PREVIEW,
        "status": DossierStatus.FAILED,
        "error_code": "render",
    }
    if kind == "dossier":
        obj = Dossier.objects.create(
            number="GAI-20260101-RETRY00000", snapshot_sha256="a" * 64, **common
        )
    else:
        obj = FilingPackage.objects.create(
            number="PKG-20260101-RETRY00000", route="gai_filing", **common
        )
    url = _url(f"{kind}_retry", **{kind: obj.public_id})

    reader, _token = _client(viewer, provider, Role.VIEWER)
    assert reader.post(url).status_code == 403
    obj.refresh_from_db()
    assert obj.status == DossierStatus.FAILED

    writer, _token = _client(editor, provider, Role.EDITOR)
    with django_capture_on_commit_callbacks() as queued:
        first = writer.post(url)
    assert first.status_code == 200 and first.json()["status"] == DossierStatus.QUEUED
    assert len(queued) == 1  # the build was sent to the worker once
    obj.refresh_from_db()
    assert (obj.status, obj.error_code) == (DossierStatus.QUEUED, "")

    again = writer.post(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert again.status_code == 409 and again.json()["code"] == "not_failed"
    expected = f"Only a failed {kind} can be retried."
    assert again.json()["detail"] == _zh(expected)
