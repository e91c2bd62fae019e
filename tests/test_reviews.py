"""The review loop: queue, claim, verdicts, request changes, revise, resubmit, approve."""

from __future__ import annotations

import html
import re
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from assessments import services as assessment_services
from assessments.models import Assessment, Status
from assessments.transitions import ALLOWED, IllegalTransition, change_status
from audit.models import Action, AuditEvent
from library.catalogue import get_catalogue
from providers.models import Role
from reviews import services
from reviews.models import AnswerReview, Verdict
from reviews.presenters import text_diff
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(service, editor):
    assessment, _ = assessment_services.assessment_start(service=service, user=editor)
    factories.fill_required(assessment, editor)
    return assessment_services.assessment_submit(assessment=assessment, user=editor)


@pytest.fixture
def in_review(submitted, reviewer):
    return services.assessment_claim(assessment=submitted, reviewer=reviewer)


def _applicable(assessment):
    catalogue = get_catalogue(assessment.questionnaire)
    codes = set(assessment.snapshot["applicable"])
    return [q for q in catalogue.questions if q.code in codes]


def _accept_all(assessment, reviewer):
    for domain in get_catalogue(assessment.questionnaire).domains:
        services.domain_accept(assessment=assessment, domain=domain.code, reviewer=reviewer)
    for q in services.unreviewed_questions(assessment):  # red lines: one verdict each
        services.verdict_set(
            assessment=assessment, question=q, verdict="accepted", comment="", reviewer=reviewer
        )


def test_accepting_a_domain_skips_red_lines_and_audits_each_answer(in_review, reviewer):
    catalogue = get_catalogue(in_review.questionnaire)
    applicable = set(in_review.snapshot["applicable"])
    domain = next(
        d
        for d in catalogue.domains
        if any(q.red_line and q.code in applicable for q in d.questions)
    )
    expected = [q for q in domain.questions if q.code in applicable and not q.red_line]
    events = AuditEvent.objects.filter(action=Action.REVIEW_VERDICT)
    before = events.count()
    count = services.domain_accept(assessment=in_review, domain=domain.code, reviewer=reviewer)
    assert count == len(expected)
    reviewed = set(in_review.answer_reviews.values_list("question_id", flat=True))
    assert reviewed == {q.pk for q in expected}
    assert not any(q.pk in reviewed for q in domain.questions if q.red_line)
    new = list(events.order_by("id")[before:])
    assert sorted(e.summary for e in new) == sorted(q.code for q in expected)
    assert all(e.after["verdict"] == "accepted" and e.actor_id == reviewer.pk for e in new)
    # Twice is harmless: nothing is left to accept, nothing more is recorded.
    assert services.domain_accept(assessment=in_review, domain=domain.code, reviewer=reviewer) == 0
    assert events.count() == before + count


def test_the_queue_shows_submissions_but_not_own_providers(reviewer_client, submitted, client_for):
    page = reviewer_client.get(reverse("reviews:index")).content.decode()
    assert submitted.service.provider.name_zh in page
    insider = factories.make_user(is_reviewer=True)
    factories.make_member(submitted.service.provider, Role.VIEWER, email="x@x.cn")
    submitted.service.provider.memberships.create(user=insider, role=Role.VIEWER)
    page = client_for(insider).get(reverse("reviews:index")).content.decode()
    assert submitted.service.provider.name_zh not in page


def test_a_member_of_the_provider_cannot_review_it(submitted):
    insider = factories.make_user(is_reviewer=True)
    submitted.service.provider.memberships.create(user=insider, role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        services.assessment_claim(assessment=submitted, reviewer=insider)


def test_claiming_moves_it_into_review(submitted, reviewer):
    claimed = services.assessment_claim(assessment=submitted, reviewer=reviewer)
    assert (claimed.status, claimed.assigned_to) == (Status.IN_REVIEW, reviewer)
    other = factories.make_user(is_reviewer=True)
    with pytest.raises(ValidationError):
        services.assessment_claim(assessment=claimed, reviewer=other)


def test_an_administrator_assigns_with_a_due_date(submitted, reviewer, admin_user):
    due = timezone.localdate() - timezone.timedelta(days=1)
    assigned = services.assessment_assign(
        assessment=submitted, reviewer=reviewer, by=admin_user, due_date=due
    )
    assert assigned.assigned_to == reviewer and assigned.is_overdue
    with pytest.raises(PermissionDenied):
        services.assessment_assign(assessment=submitted, reviewer=reviewer, by=reviewer)


def test_verdicts_drive_the_reviewed_score(in_review, reviewer):
    first = _applicable(in_review)[0]
    services.verdict_set(
        assessment=in_review, question=first, verdict="accepted", comment="", reviewer=reviewer
    )
    clause = next(q for q in _applicable(in_review) if q.kind == "clause" and not q.red_line)
    with pytest.raises(ValidationError):  # a negative verdict needs a comment
        services.verdict_set(
            assessment=in_review,
            question=clause,
            verdict="does_not_conform",
            comment="",
            reviewer=reviewer,
        )
    _review, score = services.verdict_set(
        assessment=in_review,
        question=clause,
        verdict="does_not_conform",
        comment="证据不足",
        reviewer=reviewer,
    )
    self_score = in_review.self_score["overall"]
    assert score.overall < self_score
    in_review.refresh_from_db()
    assert in_review.reviewed_score["overall"] == score.overall


def test_only_the_assignee_sets_verdicts(in_review):
    other = factories.make_user(is_reviewer=True)
    with pytest.raises(PermissionDenied):
        services.verdict_set(
            assessment=in_review,
            question=_applicable(in_review)[0],
            verdict="accepted",
            comment="",
            reviewer=other,
        )


def test_approval_needs_every_verdict_and_no_failing_red_line(in_review, reviewer):
    assert services.approval_blockers(in_review)
    with pytest.raises(ValidationError):
        services.approve(assessment=in_review, reviewer=reviewer, opinion="同意")
    _accept_all(in_review, reviewer)
    red = next(q for q in _applicable(in_review) if q.red_line)
    services.verdict_set(
        assessment=in_review,
        question=red,
        verdict="does_not_conform",
        comment="未见投诉渠道",
        reviewer=reviewer,
    )
    blockers = services.approval_blockers(in_review)
    assert any(red.code in b for b in blockers)
    services.verdict_set(
        assessment=in_review, question=red, verdict="accepted", comment="", reviewer=reviewer
    )
    assert services.approval_blockers(in_review) == []
    with pytest.raises(ValidationError):
        services.approve(assessment=in_review, reviewer=reviewer, opinion="  ")
    approved = services.approve(
        assessment=in_review, reviewer=reviewer, opinion="同意备案", acknowledge_blocks=True
    )
    assert approved.status == Status.APPROVED and approved.decided_by == reviewer


def test_approving_despite_blocking_checks_is_confirmed_and_recorded(
    in_review, reviewer, reviewer_client
):
    _accept_all(in_review, reviewer)
    routes = services.route_blocks(in_review)
    checks = services.blocking_checks(routes)
    assert routes and checks  # the fixture's submission lacks filing material
    page = reviewer_client.get(reverse("reviews:detail", args=[in_review.public_id]))
    html = page.content.decode()
    shown = strip_tags(html.split('id="route-checks"')[1].split('id="decision"')[0])
    for route in routes:  # each route by its label, with the titles of what blocks it
        assert str(route.title) in shown and route.code not in shown
        assert all(r.title in shown and r.code not in shown for r in route.blocks)
    assert 'name="acknowledge_blocks"' in html
    url = reverse("reviews:approve", args=[in_review.public_id])
    reviewer_client.post(url, {"text": "同意"})
    in_review.refresh_from_db()
    assert in_review.status == Status.IN_REVIEW  # not without the confirmation
    with pytest.raises(ValidationError) as refusal:
        services.approve(assessment=in_review, reviewer=reviewer, opinion="同意")
    assert refusal.value.error_list[0].code == "unacknowledged_blocks"
    reviewer_client.post(url, {"text": "同意", "acknowledge_blocks": "on"})
    in_review.refresh_from_db()
    assert in_review.status == Status.APPROVED
    event = AuditEvent.objects.filter(
        action=Action.ASSESSMENT_STATUS_CHANGED, assessment_id=in_review.pk
    ).first()
    assert event.after["status"] == "approved"
    assert event.after["blocking_checks_acknowledged"] == [r.code for r in checks]


def test_four_eyes_needs_a_second_reviewer_on_red_lines(in_review, reviewer, settings):
    settings.REVIEW_FOUR_EYES = True
    _accept_all(in_review, reviewer)
    blockers = services.approval_blockers(in_review)
    assert any("second reviewer" in b or "第二" in b for b in blockers)
    review = in_review.answer_reviews.filter(
        question_id__in=[q.pk for q in _applicable(in_review) if q.red_line]
    ).first()
    with pytest.raises(PermissionDenied):
        services.verdict_confirm(review=review, reviewer=reviewer)
    second = factories.make_user(is_reviewer=True)
    for r in in_review.answer_reviews.all():
        if get_catalogue(in_review.questionnaire).by_pk[r.question_id].red_line:
            services.verdict_confirm(review=r, reviewer=second)
    assert services.approval_blockers(in_review) == []


def test_the_loop_keeps_unchanged_verdicts_and_marks_changes(in_review, reviewer, editor):
    _accept_all(in_review, reviewer)
    clauses = [q for q in _applicable(in_review) if q.kind == "clause" and not q.red_line][:2]
    for q in clauses:
        services.verdict_set(
            assessment=in_review,
            question=q,
            verdict="needs_revision",
            comment=f"请补充 {q.code} 的证据",
            reviewer=reviewer,
        )
    with pytest.raises(ValidationError):
        services.request_changes(assessment=in_review, reviewer=reviewer, summary="")
    services.request_changes(assessment=in_review, reviewer=reviewer, summary="两处需补充")
    draft = assessment_services.assessment_revise(assessment=in_review, user=editor)
    factories.answer(draft, clauses[0].code, editor, note="已补充制度文件")
    resubmitted = assessment_services.assessment_submit(assessment=draft, user=editor)
    assert services.changed_questions(resubmitted) == {clauses[0].pk}
    kept = {r.question_id: r for r in resubmitted.answer_reviews.all()}
    assert clauses[0].pk not in kept  # changed: needs a fresh verdict
    assert (
        kept[clauses[1].pk].verdict == Verdict.NEEDS_REVISION and kept[clauses[1].pk].carried_over
    )
    # Straight back to the reviewer of the previous round, in review, without a second claim.
    assert (resubmitted.assigned_to, resubmitted.status) == (reviewer, Status.IN_REVIEW)


def test_a_reviewer_who_joins_the_provider_loses_the_claim(in_review, reviewer, admin_user):
    provider = in_review.service.provider
    provider.memberships.create(user=reviewer, role=Role.VIEWER)
    in_review.refresh_from_db()
    assert (in_review.assigned_to, in_review.status) == (None, Status.SUBMITTED)
    event = AuditEvent.objects.filter(action=Action.ASSESSMENT_ASSIGNED).first()
    assert event.before == {"reviewer": reviewer.email} and event.assessment_id == in_review.pk


def test_a_resubmission_does_not_go_back_to_a_reviewer_now_in_conflict(in_review, reviewer, editor):
    services.request_changes(assessment=in_review, reviewer=reviewer, summary="请补充")
    in_review.service.provider.memberships.create(user=reviewer, role=Role.VIEWER)
    draft = assessment_services.assessment_revise(assessment=in_review, user=editor)
    again = assessment_services.assessment_submit(assessment=draft, user=editor)
    assert (again.assigned_to, again.status) == (None, Status.SUBMITTED)


def test_administrators_reach_the_review_area_and_assign(submitted, reviewer, client_for):
    admin = factories.make_user(email="admin-desk@example.cn", is_staff=True)
    client = client_for(admin)
    assert admin.is_reviewer is False
    assert client.get(reverse("reviews:index")).status_code == 200
    detail = reverse("reviews:detail", args=[submitted.public_id])
    page = client.get(detail).content.decode()
    assert 'action="' + reverse("reviews:assign", args=[submitted.public_id]) in page
    assert "/claim/" not in page  # administrators assign; only reviewers claim
    due = timezone.localdate() + timezone.timedelta(days=7)
    response = client.post(
        reverse("reviews:assign", args=[submitted.public_id]),
        {"reviewer": reviewer.pk, "due_date": due.isoformat()},
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert (submitted.assigned_to, submitted.due_date) == (reviewer, due)
    assert client.post(reverse("reviews:claim", args=[submitted.public_id])).status_code == 403


@pytest.fixture
def resubmitted(in_review, reviewer, editor):
    """Changes requested on two answers, one of them revised and resubmitted."""
    _accept_all(in_review, reviewer)
    clauses = [q for q in _applicable(in_review) if q.kind == "clause" and not q.red_line][:2]
    for q in clauses:
        services.verdict_set(
            assessment=in_review,
            question=q,
            verdict="needs_revision",
            comment=f"请补充 {q.code} 的抽检记录",
            reviewer=reviewer,
        )
    services.request_changes(assessment=in_review, reviewer=reviewer, summary="两处需补充")
    draft = assessment_services.assessment_revise(assessment=in_review, user=editor)
    factories.answer(draft, clauses[0].code, editor, note="已补充 11 月人工抽检记录")
    return assessment_services.assessment_submit(assessment=draft, user=editor), clauses


def test_the_resubmission_shows_each_change_beside_the_previous_answer_and_verdict(
    resubmitted, reviewer_client, django_assert_max_num_queries
):
    assessment, (changed, unchanged) = resubmitted
    url = reverse("reviews:detail", args=[assessment.public_id])
    page = reviewer_client.get(url + f"?domain={changed.domain}").content.decode()
    # The banner names the changed answer and links to it.
    banner = page.split('class="alert alert-info small changed-answers"')[1].split("</div>")[0]
    assert f"?domain={changed.domain}#q-{changed.code}" in banner
    card = page.split(f'id="q-{changed.code}"')[1].split("</article>")[0]
    assert "<ins>已补充 11 月人工抽检记录</ins>" in card  # what was added, marked
    assert f"请补充 {changed.code} 的抽检记录" in card.split('class="previous-verdict')[1]
    other = page.split(f'id="q-{unchanged.code}"')[1].split("</article>")[0]
    assert 'class="comparison' not in other  # unchanged: no comparison, its verdict kept
    assert f"请补充 {unchanged.code} 的抽检记录" in other
    # The domain list flags the domain with the change and its open comment.
    nav = page.split("review-domains")[1].split("</nav>")[0]
    item = nav.split(f'data-domain="{changed.domain}"')[1].split("</a>")[0]
    assert "domain-changed" in item and "domain-comments" in item
    # session, user, assessment, membership check, verdicts, evidence, previous verdicts,
    # approval blockers (2), claim check
    with django_assert_max_num_queries(10):
        reviewer_client.get(url + f"?domain={changed.domain}")


@given(st.text(max_size=60), st.text(max_size=60))
@hypothesis_settings(max_examples=200, deadline=None)
def test_a_text_diff_keeps_both_texts_whole(old, new):
    """Whatever the texts (markup, control characters, mixed scripts), each side of the diff
    reads back as exactly its text, and nothing unescaped gets through."""
    before, after = text_diff(old, new)
    for marked, text in ((before, old), (after, new)):
        plain = re.sub(r"</?(del|ins)>", "", marked)
        assert html.unescape(plain) == text
        assert "<" not in plain


def test_a_long_text_diff_is_by_sentence_and_quick():
    old = "已完成风险评估。" * 1500
    new = old[:6000] + "新增人工复核环节。" + old[6000:]
    started = time.monotonic()
    _before, after = text_diff(old, new)
    assert time.monotonic() - started < 1
    assert after.count("<ins>") == 1 and "<ins>新增人工复核环节。</ins>" in after


def test_the_provider_sees_comments_inline_after_changes_requested(
    in_review, reviewer, editor_client, editor
):
    clause = next(q for q in _applicable(in_review) if q.kind == "clause")
    services.verdict_set(
        assessment=in_review,
        question=clause,
        verdict="needs_revision",
        comment="请说明抽检方法",
        reviewer=reviewer,
    )
    services.request_changes(assessment=in_review, reviewer=reviewer, summary="需补充抽检方法")
    page = editor_client.get(in_review.get_absolute_url() + f"?domain={clause.domain}")
    html = page.content.decode()
    assert "需补充抽检方法" in html
    card = html.split(f'id="q-{clause.code}"')[1].split("</article>")[0]
    assert "请说明抽检方法" in card


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (Status.DRAFT, Status.APPROVED),
        (Status.SUBMITTED, Status.APPROVED),
        (Status.APPROVED, Status.DRAFT),
        (Status.SUPERSEDED, Status.IN_REVIEW),
    ],
)
def test_illegal_transitions_are_refused_by_the_service(old, new):
    assert new not in ALLOWED[old]
    with pytest.raises(IllegalTransition):
        change_status(Assessment(status=old), new, actor=None)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_an_illegal_transition(submitted):
    with pytest.raises(DatabaseError), transaction.atomic():
        Assessment.objects.filter(pk=submitted.pk).update(status=Status.APPROVED)
    Assessment.objects.filter(pk=submitted.pk).update(status=Status.IN_REVIEW)  # legal


def test_review_page_reads_the_snapshot_and_shows_evidence(reviewer_client, in_review):
    url = reverse("reviews:detail", args=[in_review.public_id])
    first = _applicable(in_review)[0]
    page = reviewer_client.get(url + f"?domain={first.domain}").content.decode()
    assert f'id="q-{first.code}"' in page
    evidence = in_review.evidence.first()
    response = reviewer_client.get(
        reverse("reviews:evidence", args=[in_review.public_id, evidence.public_id])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline")  # a PDF opens in the browser


def test_review_page_runs_constant_queries(reviewer_client, in_review, django_assert_num_queries):
    url = reverse("reviews:detail", args=[in_review.public_id])
    reviewer_client.get(url)
    # session, user, assessment (+service, provider, previous, assignee), membership check,
    # verdicts, evidence files; the approval blockers reuse the verdicts already read
    with django_assert_num_queries(6):
        reviewer_client.get(url)


def test_the_verdict_endpoint_updates_the_score_panel(reviewer_client, in_review):
    q = _applicable(in_review)[0]
    url = reverse("reviews:verdict", args=[in_review.public_id, q.code])
    response = reviewer_client.post(url, {"verdict": "does_not_conform", "comment": ""})
    assert response.status_code == 422
    response = reviewer_client.post(url, {"verdict": "accepted", "comment": ""})
    assert response.status_code == 200
    assert 'id="review-scores"' in response.content.decode()
    assert AnswerReview.objects.get(assessment=in_review, question_id=q.pk).verdict == "accepted"


def test_an_image_preview_on_the_review_page_is_no_download(service, editor, reviewer_client):
    """The page shows submitted images as small previews: showing them is not downloading
    them (no audit event per page view), and the preview is scaled down, so it is no way to
    take the file unrecorded. Opening the file itself still is a recorded download."""
    import io

    from PIL import Image

    assessment, _ = assessment_services.assessment_start(service=service, user=editor)
    factories.fill_required(assessment, editor)
    applicable = assessment_services.load_state(assessment).applicable
    domain, code = next(
        (d.code, q.code)
        for d in get_catalogue(assessment.questionnaire).domains
        for q in d.questions
        if q.code in applicable and q.kind == "clause"
    )
    picture = io.BytesIO()
    Image.new("RGB", (2000, 1000), "#1f4e79").save(picture, format="PNG")
    image = factories.attach(
        assessment, code, editor, name="标签截图.png", content=picture.getvalue(), analyse=False
    )
    submitted = assessment_services.assessment_submit(assessment=assessment, user=editor)
    downloads = AuditEvent.objects.filter(action=Action.EVIDENCE_DOWNLOADED)
    url = reverse("reviews:detail", kwargs={"assessment": submitted.public_id})
    page = reviewer_client.get(f"{url}?domain={domain}")
    thumbnail = reverse(
        "reviews:evidence_thumbnail",
        kwargs={"assessment": submitted.public_id, "evidence": image.public_id},
    )
    assert thumbnail in page.content.decode()
    response = reviewer_client.get(thumbnail)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(response.content)) as preview:
        assert max(preview.size) <= 480
    assert downloads.count() == 0
    full = reverse(
        "reviews:evidence", kwargs={"assessment": submitted.public_id, "evidence": image.public_id}
    )
    assert reviewer_client.get(full).status_code == 200
    assert downloads.count() == 1


def test_the_queue_searches_filters_and_pages(
    reviewer_client, submitted, django_assert_max_num_queries
):
    """Thirty submissions: a search finds one by service name, the due-date filter narrows,
    the second page keeps the filters, and a page costs the same queries as the first."""
    template = Assessment.objects.get(pk=submitted.pk)
    today = timezone.localdate()
    for n in range(30):
        service = factories.make_service(submitted.service.provider, name=f"队列服务{n:02d}")
        Assessment.objects.create(
            service=service,
            questionnaire=template.questionnaire,
            status=Status.SUBMITTED,
            submitted_at=timezone.now(),
            due_date=today - timezone.timedelta(days=1) if n % 3 == 0 else None,
            self_score=template.self_score,
            snapshot=template.snapshot,
            snapshot_sha256=template.snapshot_sha256,
        )
    url = reverse("reviews:index")
    first = reviewer_client.get(url).content.decode()
    assert first.count('class="queue-row"') == 25 and "1–25" in first
    second = reviewer_client.get(url, {"page": 2}).content.decode()
    assert second.count('class="queue-row"') == 6
    found = reviewer_client.get(url, {"q": "队列服务07"}).content.decode()
    assert found.count('class="queue-row"') == 1 and "队列服务07" in found
    overdue = reviewer_client.get(url, {"due": "overdue"}).content.decode()
    assert overdue.count('class="queue-row"') == 10
    no_due = reviewer_client.get(url, {"due": "none"}).content.decode()
    assert no_due.count('class="queue-row"') == 21  # twenty here and the fixture's
    searched = reviewer_client.get(url, {"q": "队列服务", "due": "any"}).content.decode()
    assert searched.count('class="queue-row"') == 25
    link = re.search(r'href="(\?[^"]*page=2)"', searched).group(1)
    assert "q=%E9%98%9F%E5%88%97%E6%9C%8D%E5%8A%A1" in link  # page 2 keeps the search
    rest = reviewer_client.get(url + html.unescape(link)).content.decode()
    assert rest.count('class="queue-row"') == 5
    with django_assert_max_num_queries(6):
        reviewer_client.get(url, {"page": 2, "q": "队列"})


def test_the_queue_filters_by_filing_route(reviewer_client, submitted, service):
    """The fixture's service needs (among others) the generative-AI and the algorithm filing
    (computed on submission); a second provider's product needs none. Routes show by their
    labels."""
    assert {"gai_filing", "algorithm_filing"} <= set(submitted.filing_routes)
    other = factories.make_service(factories.make_provider(), name="无需备案的服务")
    Assessment.objects.create(
        service=other,
        questionnaire=submitted.questionnaire,
        status=Status.SUBMITTED,
        submitted_at=timezone.now(),
        snapshot=submitted.snapshot,
        snapshot_sha256=submitted.snapshot_sha256,
        filing_routes={"none": []},
        blocking_count=0,
    )
    url = reverse("reviews:index")

    def names(route):
        page = reviewer_client.get(url, {"route": route}).content.decode()
        rows = page.split('class="queue-row"')[1:]
        return sorted(n for n in (service.name, other.name) for row in rows if n in row), page

    assert names("any")[0] == sorted([service.name, other.name])
    found, page = names("algorithm_filing")
    assert found == [service.name]
    assert "算法备案" in page and "algorithm_filing</" not in page
    assert f"{submitted.blocking_count} 项阻止备案的检查" in page
    assert names("none")[0] == [other.name]
    assert names("gai_registration")[0] == []
    assert names("made-up")[0] == sorted([service.name, other.name])  # unknown: no filter
    # A NUL byte in the search (PostgreSQL refuses it in text) is dropped, not a server error.
    assert reviewer_client.get(url, {"q": "无需备案\x00"}).status_code == 200


def test_rejecting_asks_for_a_confirmation_first(in_review, reviewer_client):
    url = reverse("reviews:reject", args=[in_review.public_id])
    opinion = "材料与实际服务不符。\n第二段说明。"
    asked = reviewer_client.post(url, {"text": opinion})
    html = asked.content.decode()
    assert asked.status_code == 200 and 'name="confirmed" value="1"' in html
    assert "材料与实际服务不符。" in html
    in_review.refresh_from_db()
    assert in_review.status == Status.IN_REVIEW
    reviewer_client.post(url, {"text": opinion, "confirmed": "1"})
    in_review.refresh_from_db()
    assert in_review.status == Status.REJECTED and in_review.review_summary == opinion


def test_a_red_line_answered_na_waits_for_the_reviewers_explicit_acceptance(
    service, editor, reviewer, reviewer_client
):
    """LC-01 (a red line that may be N/A) answered 不适用: not ready when submitted, flagged on
    the review page, and not applicable only once the reviewer accepts it."""
    assessment, _ = assessment_services.assessment_start(service=service, user=editor)
    factories.answer(assessment, "SCOPE-03", editor, value="fine_tuned")
    factories.answer(assessment, "LC-01", editor, value="na", na_reason="基础模型为自有授权。")
    factories.fill_required(assessment, editor)
    submitted = assessment_services.assessment_submit(assessment=assessment, user=editor)
    score = submitted.self_score
    assert score["verdict"] == "not_ready"
    assert any(
        o["code"] == "LC-01" and o["reason"] == "na_unverified" and o["red_line"]
        for o in score["open_items"]
    )
    in_review = services.assessment_claim(assessment=submitted, reviewer=reviewer)
    question = get_catalogue(in_review.questionnaire).by_code["LC-01"]
    page = reviewer_client.get(
        reverse("reviews:detail", args=[in_review.public_id]) + f"?domain={question.domain}"
    ).content.decode()
    card = page[page.index('id="q-LC-01"') :]
    assert "red-line-na" in card[: card.index("</article>")]
    services.verdict_set(
        assessment=in_review, question=question, verdict="accepted", comment="", reviewer=reviewer
    )
    reviewed = services.reviewed_score(in_review)
    assert next(r for r in reviewed.red_lines if r.code == "LC-01").status == "not_applicable"
