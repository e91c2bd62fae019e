"""The provider's pages on a phone (390 px) in both languages: the portal's name and the menu
button share the top bar, the assessment's domain list is a menu above the questions, the page
headers' buttons fit without breaking a word, and the members table's role and remove
controls are within reach. On a desktop the domain list stays a sidebar. Screenshots in
shots/."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessments.services import assessment_start
from library.loading import load_library
from providers.models import Role
from tests import factories
from tests.e2e.conftest import check_assets_loaded, login

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "shots"
PASSWORD = "Phone-test-password-2026"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def world(live_server):
    load_library()  # transactional test: the session's library may have been flushed
    provider = factories.make_provider(name_zh="掌上科技有限公司")
    owner = factories.make_member(
        provider, Role.OWNER, email="owner@phone.example.cn", password=PASSWORD
    ).user
    factories.make_member(provider, Role.EDITOR, email="a-rather-long-address@phone.example.cn")
    factories.make_member(provider, Role.VIEWER, email="viewer@phone.example.cn")
    service = factories.make_service(provider, name="掌上对话助手")
    assessment, _ = assessment_start(service=service, user=owner)
    factories.answer(assessment, "SCOPE-01", owner, value="yes")
    return provider, owner, assessment


def _shoot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def _domain_title(link) -> str:
    """ "3. 训练数据" → "训练数据" (the link's first span; works while the menu is closed)."""
    return link.locator("span").first.text_content().strip().split(". ", 1)[1]


def _fits(page) -> None:
    """Nothing beyond the screen's right edge, and no header button broken over two lines."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways ({width}px)"
    brand = page.locator(".navbar-brand").bounding_box()
    toggler = page.locator(".navbar-toggler").bounding_box()
    assert toggler["y"] < brand["y"] + brand["height"], "the menu button fell below the name"
    for button in page.locator(".page-title .btn").all():
        box = button.bounding_box()
        assert box["x"] + box["width"] <= PHONE["width"], button.inner_text()
        assert box["height"] < 44, f"{button.inner_text()!r} wraps over two lines"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_provider_works_on_a_phone(pages, live_server, world, language):
    provider, owner, assessment = world
    page = pages.new(base_url=live_server.url, language=language)
    page.set_viewport_size(PHONE)
    login(page, live_server, owner.email, PASSWORD)

    # The assessment: the domain list is a menu naming the current domain.
    page.goto(live_server.url + assessment.get_absolute_url())
    check_assets_loaded(page)
    expect(page.locator(".domain-nav")).to_be_hidden()
    summary = page.locator(".domain-menu summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(
        _domain_title(page.locator(".domain-menu .list-group-item").first)
    )
    _fits(page)
    _shoot(page, f"phone-assessment-{language}")
    summary.click()
    third = page.locator(".domain-menu .list-group-item").nth(2)
    expect(third).to_be_visible()
    _shoot(page, f"phone-domain-menu-{language}")
    title = _domain_title(third)
    third.click()
    expect(page.locator(".domain-menu summary")).to_contain_text(title)
    expect(page.locator("main h2.h4")).to_have_text(title)

    # The provider's page and its members: every control within reach.
    page.goto(live_server.url + reverse("providers:detail", args=[provider.public_id]))
    _fits(page)
    _shoot(page, f"phone-provider-{language}")
    page.goto(live_server.url + reverse("providers:members", args=[provider.public_id]))
    _fits(page)
    rows = page.locator(".members-table tbody tr")
    expect(rows).to_have_count(3)
    for control in page.locator(".member-actions select, .member-actions button").all():
        box = control.bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"]
    _shoot(page, f"phone-members-{language}")
    viewer_row = rows.filter(has_text="viewer@phone.example.cn")
    viewer_row.locator(".btn-outline-danger").click()  # asks before removing
    expect(page.locator("[name=confirmed]")).to_have_count(1)

    # On a desktop the domain list is the sidebar again.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + assessment.get_absolute_url())
    expect(page.locator(".domain-nav")).to_be_visible()
    expect(page.locator(".domain-menu")).to_be_hidden()
