"""No htmx request fails silently: a refused verdict (422), an answer save or an evidence upload
that meets a server error or no network at all shows a message where the person acted."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessments import services as assessment_services
from assessments.models import Assessment
from library.catalogue import get_catalogue
from library.loading import load_library
from providers.models import Role
from tests import factories
from tests.e2e.conftest import login

pytestmark = pytest.mark.browser
PASSWORD = "Htmx-errors-password-2026"


@pytest.fixture
def world(live_server):
    load_library()  # transactional test: the session's library may have been flushed
    provider = factories.make_provider(name_zh="杭州报错科技有限公司")
    service = factories.make_service(provider, name="报错助手", channels=["web"])
    editor = factories.make_member(
        provider, Role.EDITOR, email="editor@errors.example.cn", password=PASSWORD
    ).user
    reviewer = factories.make_user(
        email="reviewer@errors.example.cn", is_reviewer=True, password=PASSWORD
    )
    assessment, _ = assessment_services.assessment_start(service=service, user=editor)
    return assessment, editor, reviewer


def _clause(assessment):
    applicable = set(assessment_services.load_state(assessment).applicable)
    return next(
        q
        for q in get_catalogue(assessment.questionnaire).questions
        if q.kind == "clause" and q.code in applicable
    )


def test_failed_saves_uploads_and_verdicts_say_so_where_the_person_acted(pages, live_server, world):
    assessment, editor, reviewer = world
    q = _clause(assessment)
    page = pages.new(base_url=live_server.url)
    login(page, live_server, editor.email, PASSWORD)
    page.goto(live_server.url + assessment.get_absolute_url() + f"?domain={q.domain}")
    card = page.locator(f"#q-{q.code}")
    status = page.locator(f"#status-{q.code}")

    # The answer save meets a server error, then no network: each says so, with a retry.
    answer_url = f"**/answers/{q.code}/"
    page.route(answer_url, lambda route: route.fulfill(status=500, body="Server Error"))
    card.locator("label.btn").first.click()
    expect(status).to_contain_text("未保存")
    expect(status).to_contain_text("500")
    page.unroute(answer_url)
    page.route(answer_url, lambda route: route.abort("internetdisconnected"))
    status.get_by_role("button").click()
    expect(status).to_contain_text("无法连接")
    page.unroute(answer_url)
    with page.expect_response(lambda r: r.url.endswith(f"/answers/{q.code}/")) as saved:
        status.get_by_role("button").click()
    assert saved.value.status == 200
    expect(status).to_contain_text("已保存")
    expect(status).not_to_contain_text("未保存")

    # The evidence upload: a server error and a lost connection show beside the form.
    evidence = page.locator(f"#evidence-{q.code}")
    upload_url = f"**/answers/{q.code}/evidence/"
    evidence.locator("summary").click()
    page.route(upload_url, lambda route: route.fulfill(status=502, body="Bad Gateway"))
    evidence.locator("input[type=file]").set_input_files(
        files=[{"name": "制度.pdf", "mimeType": "application/pdf", "buffer": factories.PDF_BYTES}]
    )
    evidence.locator("button[type=submit]").click()
    expect(evidence.locator(".htmx-error")).to_contain_text("未保存")
    expect(evidence.locator(".htmx-error")).to_contain_text("502")
    page.unroute(upload_url)
    page.route(upload_url, lambda route: route.abort("internetdisconnected"))
    evidence.locator("button[type=submit]").click()
    expect(evidence.locator(".htmx-error")).to_contain_text("无法连接")
    page.unroute(upload_url)
    # Back online, "retry" sends the same file again, once.
    with page.expect_response(lambda r: r.url.endswith("/evidence/")) as uploaded:
        evidence.locator(".htmx-error .htmx-retry").click()
    assert uploaded.value.status == 200
    assert list(assessment.evidence.values_list("name", flat=True)) == ["制度.pdf"]
    expect(evidence.locator(".htmx-error")).to_have_count(0)

    # The page's questionnaire version goes with the file (hx-vals on #questions): a page shown
    # for another version (one loaded before a move, tests/test_upgrade.py) is refused beside
    # the form, and nothing is stored.
    page.locator("#questions").evaluate(
        "el => el.setAttribute('hx-vals', JSON.stringify({questionnaire: '987654'}))"
    )
    evidence.locator("summary").click()
    evidence.locator("input[type=file]").set_input_files(
        files=[{"name": "新制度.pdf", "mimeType": "application/pdf", "buffer": factories.PDF_BYTES}]
    )
    with page.expect_response(lambda r: r.url.endswith("/evidence/")) as refused:
        evidence.locator("button[type=submit]").click()
    assert refused.value.status == 422
    expect(evidence.locator(".alert-danger")).to_contain_text("问卷版本")
    assert list(assessment.evidence.values_list("name", flat=True)) == ["制度.pdf"]
    expect(evidence.locator(".htmx-error")).to_have_count(0)

    # The verdict the server refuses (needs revision without a comment) shows its reason.
    factories.fill_required(assessment, editor)
    assessment_services.assessment_submit(assessment=assessment, user=editor)
    Assessment.objects.filter(pk=assessment.pk).update(status="in_review", assigned_to=reviewer)
    review = pages.new(base_url=live_server.url)
    login(review, live_server, reviewer.email, PASSWORD)
    review.goto(
        live_server.url
        + reverse("reviews:detail", args=[assessment.public_id])
        + f"?domain={q.domain}"
    )
    box = review.locator(f"#verdict-{q.code}")
    box.locator(f"label[for='v-{q.code}-r']").click()
    with review.expect_response(lambda r: f"/verdicts/{q.code}/" in r.url) as refused:
        box.locator(".verdict-form button").click()
    assert refused.value.status == 422
    expect(review.locator(f"#verdict-{q.code} [role=alert]")).to_be_visible()
    assert not assessment.answer_reviews.exists()
    # ... and a verdict that cannot reach the server says that.
    review.route("**/verdicts/**", lambda route: route.abort("internetdisconnected"))
    review.locator(f"#verdict-{q.code} label[for='v-{q.code}-a']").click()
    review.locator(f"#verdict-{q.code} .verdict-form button").click()
    expect(review.locator(f"#verdict-{q.code} + .htmx-error, .htmx-error")).to_contain_text(
        "无法连接"
    )
    review.screenshot(path="shots/verdict-error.png", full_page=False)
    review.unroute("**/verdicts/**")
    with review.expect_response(lambda r: f"/verdicts/{q.code}/" in r.url) as sent:
        review.locator(".htmx-error .htmx-retry").click()
    assert sent.value.status == 200
    assert list(assessment.answer_reviews.values_list("question__code", flat=True)) == [q.code]
