"""The review loop in the browser: the provider submits, the reviewer asks for changes on two
answers, the provider revises one and resubmits, the reviewer sees the change marked and approves.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessments import services as assessment_services
from assessments.models import Assessment, Status
from library.catalogue import get_catalogue
from library.loading import load_library
from providers.models import Role
from reviews import services as review_services
from tests import factories
from tests.e2e.conftest import login

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "shots"
PASSWORD = "Loop-test-password-2026"


@pytest.fixture
def world(live_server):
    load_library()  # transactional test: the session's library may have been flushed
    provider = factories.make_provider(name_zh="深圳循环科技有限公司")
    service = factories.make_service(provider, name="循环助手", channels=["web"])
    editor = factories.make_member(
        provider, Role.EDITOR, email="editor@loop.example.cn", password=PASSWORD
    ).user
    reviewer = factories.make_user(
        email="reviewer@loop.example.cn", is_reviewer=True, password=PASSWORD
    )
    assessment, _ = assessment_services.assessment_start(service=service, user=editor)
    factories.fill_required(assessment, editor)
    return assessment, editor, reviewer


def _two_clauses(assessment):
    catalogue = get_catalogue(assessment.questionnaire)
    applicable = set(assessment_services.load_state(assessment).applicable)
    clauses = [
        q
        for q in catalogue.domains[1].questions
        if q.kind == "clause" and q.code in applicable and not q.red_line
    ]
    return clauses[0], clauses[1]


def _verdict(page, code, verdict, comment=""):
    card = page.locator(f"#q-{code}")
    card.locator(f"label[for='v-{code}-{verdict[0]}']").click()
    card.locator("textarea[name=comment]").fill(comment)
    with page.expect_response(lambda r: f"/verdicts/{code}/" in r.url) as response:
        card.locator(".verdict-form button").click()
    assert response.value.status == 200, response.value.text()


def shoot(page, name: str, selector: str | None = None) -> None:
    """A screenshot of the viewport (scrolled to `selector`) into shots/ for people to look at."""
    SHOTS.mkdir(exist_ok=True)
    if selector:
        page.locator(selector).scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_the_review_loop(pages, live_server, world):
    assessment, editor, reviewer = world
    first, second = _two_clauses(assessment)
    domain = first.domain

    # The provider submits.
    provider_page = pages.new(base_url=live_server.url)
    login(provider_page, live_server, editor.email, PASSWORD)
    provider_page.goto(live_server.url + reverse("assessments:submit", args=[assessment.public_id]))
    provider_page.locator("main form button").click()
    expect(provider_page.locator(".page-title .badge.status-submitted")).to_be_visible()

    # The reviewer claims it from the queue and asks for changes on two answers.
    review_page = pages.new(base_url=live_server.url)
    login(review_page, live_server, reviewer.email, PASSWORD)
    review_page.goto(live_server.url + reverse("reviews:index"))
    review_page.get_by_role("link", name=assessment.service.provider.name_zh).click()
    review_page.locator("form[action$='/claim/'] button").click()
    assessment.refresh_from_db()
    assert assessment.status == Status.IN_REVIEW
    for d in get_catalogue(assessment.questionnaire).domains:
        if d.code != domain:
            review_services.domain_accept(assessment=assessment, domain=d.code, reviewer=reviewer)
    for q in review_services.unreviewed_questions(assessment):
        if q.red_line and q.domain != domain:  # never accepted in bulk: one verdict each
            review_services.verdict_set(
                assessment=assessment, question=q, verdict="accepted", comment="", reviewer=reviewer
            )
    review_page.goto(
        live_server.url
        + reverse("reviews:detail", args=[assessment.public_id])
        + f"?domain={domain}"
    )
    _verdict(review_page, first.code, "r", "请补充人工抽检记录。")
    _verdict(review_page, second.code, "r", "请说明复核频率。")
    review_page.locator("#decision-text").fill("两处证据需要补充，请修改后重新提交。")
    review_page.locator("button[formaction$='/request-changes/']").click()
    assessment.refresh_from_db()
    assert assessment.status == Status.CHANGES_REQUESTED

    # The provider sees the comments where they apply, revises one answer and resubmits.
    provider_page.goto(live_server.url + assessment.get_absolute_url() + f"?domain={domain}")
    expect(provider_page.locator(".alert-warning")).to_contain_text("两处证据需要补充")
    expect(provider_page.locator(f"#q-{first.code} .reviewer-comment")).to_contain_text(
        "请补充人工抽检记录"
    )
    provider_page.locator("form[action$='/revise/'] button").click()
    draft = Assessment.objects.get(previous=assessment)
    assert provider_page.url.startswith(live_server.url + draft.get_absolute_url())
    provider_page.goto(live_server.url + draft.get_absolute_url() + f"?domain={domain}")
    expect(provider_page.locator(f"#q-{first.code} .reviewer-comment")).to_be_visible()
    note = provider_page.locator(f"#q-{first.code} textarea[name=note]")
    with provider_page.expect_response(lambda r: f"/answers/{first.code}/" in r.url) as saved:
        note.fill("已补充 2026 年 11 月人工抽检记录（附件）。")
    assert saved.value.status == 200
    provider_page.goto(live_server.url + reverse("assessments:submit", args=[draft.public_id]))
    provider_page.locator("main form button").click()
    draft.refresh_from_db()
    # Straight back to the same reviewer, in review: no second claim.
    assert (draft.status, draft.assigned_to) == (Status.IN_REVIEW, reviewer)

    # The reviewer sees what changed, keeps the verdict on the unchanged answer, and approves.
    review_page.goto(
        live_server.url + reverse("reviews:detail", args=[draft.public_id]) + f"?domain={domain}"
    )
    expect(review_page.locator(f"#q-{first.code} .badge.text-bg-info")).to_be_visible()
    # The change beside the previous answer, the added text marked, the earlier comment shown.
    comparison = review_page.locator(f"#q-{first.code} .comparison")
    expect(comparison.locator(".diff-new").first).to_contain_text(
        "已补充 2026 年 11 月人工抽检记录"
    )
    expect(comparison.locator(".diff-new ins").first).to_be_visible()
    expect(comparison.locator(".previous-verdict")).to_contain_text("请补充人工抽检记录")
    expect(review_page.locator(".changed-answers a")).to_have_count(1)
    expect(
        review_page.locator(f".review-domains [data-domain='{domain}'] .domain-changed")
    ).to_be_visible()
    shoot(review_page, "review-diff-zh", f"#q-{first.code}")
    english = pages.new(language="en", base_url=live_server.url)
    login(english, live_server, reviewer.email, PASSWORD)
    english.goto(review_page.url)
    expect(english.locator(f"#q-{first.code} .comparison")).to_contain_text("Previous version")
    shoot(english, "review-diff-en", f"#q-{first.code}")
    english.context.close()
    expect(review_page.locator(f"#q-{second.code} .badge.text-bg-info")).to_have_count(0)
    expect(review_page.locator(f"#q-{second.code} .verdict-box")).to_contain_text("请说明复核频率")
    _verdict(review_page, first.code, "a")
    _verdict(review_page, second.code, "a")
    # The other answers of this domain were not looked at in the first round: accept them.
    review_page.locator("form[action$='/accept-domain/'] button").click()
    expect(review_page.locator(".alert-success")).to_contain_text("红线")
    for q in review_services.unreviewed_questions(draft):
        assert q.red_line and q.domain == domain  # the bulk accept left exactly the red lines
        _verdict(review_page, q.code, "a")
    review_page.reload()
    expect(review_page.locator("button[formaction$='/approve/']")).to_be_enabled()
    review_page.locator("#decision-text").fill("材料齐全，同意备案。")
    # The decision bar stays in view at the bottom of the long page.
    review_page.evaluate("window.scrollTo(0, 0)")
    expect(review_page.locator(".decision-bar")).to_be_in_viewport()
    shoot(review_page, "review-decision-bar-zh")
    english = pages.new(language="en", base_url=live_server.url)
    login(english, live_server, reviewer.email, PASSWORD)
    english.goto(review_page.url)
    expect(english.locator(".decision-bar")).to_be_in_viewport()
    expect(english.locator(".decision-bar [data-count=checks]")).to_contain_text("block")
    shoot(english, "review-decision-bar-en")
    english.context.close()
    # The submission still lacks filing material: the bar counts the blocking checks, the
    # routes list them, and approving needs the confirmation.
    expect(review_page.locator(".decision-bar [data-count=checks]")).to_contain_text("阻止备案")
    expect(review_page.locator("#route-checks .text-danger li").first).to_be_visible()
    review_page.locator("button[formaction$='/approve/']").click()
    expect(review_page.locator(".alert-danger, .alert-error").first).to_contain_text("确认")
    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW
    review_page.locator("#decision-text").fill("材料齐全，同意备案。")
    review_page.locator("#acknowledge-blocks").check()
    review_page.locator("button[formaction$='/approve/']").click()
    draft.refresh_from_db()
    assert draft.status == Status.APPROVED
    assert draft.review_summary == "材料齐全，同意备案。"

    # On a phone the domain list is a menu above the questions.
    review_page.set_viewport_size({"width": 390, "height": 844})
    review_page.reload()
    expect(review_page.locator(".review-domains")).to_be_hidden()
    review_page.locator(".domain-menu summary").click()
    expect(review_page.locator(".domain-menu .list-group-item").first).to_be_visible()
    shoot(review_page, "review-mobile-menu-zh", ".domain-menu")
    width = review_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"


def test_the_conflict_of_interest_refusal_and_a_missing_page_explain_themselves(
    page, live_server, world
):
    """The portal's own error pages under the CSP: branded, in Chinese, saying why and where
    to go (screenshots in test-artifacts/)."""
    from tests.e2e.conftest import check_assets_loaded, screenshot

    assessment, editor, reviewer = world
    assessment_services.assessment_submit(assessment=assessment, user=editor)
    assessment.service.provider.memberships.create(user=reviewer, role=Role.VIEWER)
    login(page, live_server, reviewer.email, PASSWORD)
    url = reverse("reviews:detail", kwargs={"assessment": assessment.public_id})
    response = page.goto(live_server.url + url)
    assert response.status == 403
    check_assets_loaded(page)
    expect(page.locator("h1")).to_have_text("您无权打开此页面")
    expect(page.locator(".error-reason")).to_contain_text("利益冲突")
    screenshot(page, "error-403-conflict-zh")
    page.locator(".error-links a", has_text="审核区").click()
    assert reverse("reviews:index") in page.url
    response = page.goto(live_server.url + "/no/such/page/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("找不到此页面")
    screenshot(page, "error-404-zh")


def test_an_administrator_assigns_a_reviewer_with_a_due_date(pages, live_server, world):
    assessment, editor, reviewer = world
    assessment_services.assessment_submit(assessment=assessment, user=editor)
    admin = factories.make_user(email="admin@loop.example.cn", is_staff=True, password=PASSWORD)
    page = pages.new(base_url=live_server.url)
    login(page, live_server, admin.email, PASSWORD)
    page.get_by_role("link", name="审核区").click()
    page.locator("#f-q").fill("循环助手")
    page.locator(".queue-filters button").click()
    expect(page.locator(".queue-row")).to_have_count(1)
    # The routes come from the submission's scope answers, shown by their labels; the route
    # filter keeps or drops the row.
    expect(page.locator(".queue-row .queue-routes")).to_contain_text("算法备案")
    page.locator("#f-route").select_option("gai_registration")
    page.locator(".queue-filters button").click()
    expect(page.locator(".queue-row")).to_have_count(0)
    page.locator("#f-route").select_option("algorithm_filing")
    page.locator(".queue-filters button").click()
    expect(page.locator(".queue-row")).to_have_count(1)
    shoot(page, "review-queue-admin-zh")
    page.get_by_role("link", name=assessment.service.provider.name_zh).click()
    expect(page.locator("form[action$='/claim/']")).to_have_count(0)  # admins assign
    page.locator("#id_reviewer").select_option(str(reviewer.pk))
    page.locator("#id_due_date").fill("2027-01-15")
    page.locator("form[action$='/assign/'] button").click()
    expect(page.locator(".alert-success")).to_be_visible()
    assessment.refresh_from_db()
    assert (assessment.status, assessment.assigned_to) == (Status.IN_REVIEW, reviewer)
    assert assessment.due_date.isoformat() == "2027-01-15"
    expect(page.locator(".page-title")).to_contain_text("2027-01-15")
    shoot(page, "review-assigned-zh")
    english = pages.new(language="en", base_url=live_server.url)
    login(english, live_server, admin.email, PASSWORD)
    english.get_by_role("link", name="Review area").click()
    # The longest header (English, an administrator's five menu entries) fits on one line
    # inside the page's width at 1280 px.
    assert english.locator(".navbar").bounding_box()["height"] < 70
    menu = english.locator(".navbar .dropdown").bounding_box()
    main = english.locator("main").bounding_box()
    assert menu["x"] + menu["width"] <= main["x"] + main["width"]
    expect(english.locator(".queue-row")).to_contain_text("Algorithm filing")
    shoot(english, "review-queue-admin-en")
    english.get_by_role("link", name=assessment.service.provider.name_zh).click()
    expect(english.locator("form[action$='/assign/']")).to_be_visible()
    shoot(english, "review-assign-en", "form[action$='/assign/']")
