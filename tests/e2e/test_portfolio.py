"""The portfolio in the browser: a consultancy's compliance officer with 60 services searches,
filters by filing route, exports what the filter selects (the workbook is read back), and goes
to page 2. Screenshots in both languages, desktop and 390 px, land in shots/."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from library.loading import load_library
from providers.models import Role
from tests import factories
from tests.e2e.conftest import check_assets_loaded, login
from tests.test_portfolio import make_portfolio

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "shots"
PASSWORD = "Portfolio-test-password-2026"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def world(live_server):
    load_library()  # transactional test: the session's library may have been flushed
    provider = factories.make_provider(name_zh="北京咨询集团有限公司")
    officer = factories.make_member(
        provider, Role.OWNER, email="officer@portfolio.example.cn", password=PASSWORD
    ).user
    names = make_portfolio(provider, 60)
    stranger = factories.make_provider(name_zh="无关科技有限公司")
    make_portfolio(stranger, 2, prefix="他人服务")
    return officer, names


def _shoot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page scrolls sideways ({width}px)"


def test_a_provider_with_60_services_walks_the_portfolio(pages, live_server, world):
    officer, names = world
    page = pages.new(base_url=live_server.url)
    login(page, live_server, officer.email, PASSWORD)
    page.locator(".navbar").get_by_role("link", name="服务总览").click()
    check_assets_loaded(page)
    rows = page.locator(".portfolio-row")
    expect(rows).to_have_count(25)
    expect(page.locator("nav:has(.pagination)")).to_contain_text("1–25")
    expect(page.locator("main")).not_to_contain_text("他人服务")
    _shoot(page, "portfolio-zh")

    # Search by service name.
    page.locator("#f-q").fill("组合服务07")
    page.locator(".portfolio-filters button").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("组合服务07")

    # A filter: the services whose current assessment needs no filing, then the export.
    page.get_by_role("link", name="清除筛选").click()
    page.locator("#f-route").select_option(label="无需备案")
    page.locator(".portfolio-filters button").click()
    expected = [n for i, n in enumerate(names) if i % 10 != 9 and i % 4 == 2]
    expect(rows).to_have_count(len(expected))
    for i in range(len(expected)):
        expect(rows.nth(i)).to_contain_text("无需备案")
    with page.expect_download() as download:
        page.locator(".portfolio-export").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(BytesIO(Path(download.value.path()).read_bytes())).active
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][:3] == ("服务提供者", "统一社会信用代码", "服务")
    assert [row[2] for row in table[1:]] == expected
    routes = table[0].index("备案路径")  # by its header: columns come and go
    assert {row[routes] for row in table[1:]} == {"无需备案"}

    # Page 2 of everything, the filters kept in the page links.
    page.get_by_role("link", name="清除筛选").click()
    page.locator("#f-sort").select_option("service")
    page.locator(".portfolio-filters button").click()
    page.locator(".pagination").get_by_role("link", name="2", exact=True).click()
    expect(rows).to_have_count(25)
    expect(rows.first).to_contain_text(names[25])
    assert "sort=service" in page.url and "page=2" in page.url

    # A phone: every service a card of labelled lines, nothing wider than the screen.
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/assessments/portfolio/")
    _no_sideways_scroll(page)
    expect(rows.first.locator("td").nth(1)).to_be_visible()
    _shoot(page, "portfolio-zh-390")


def test_the_portfolio_in_english(pages, live_server, world):
    officer, names = world
    page = pages.new(language="en", base_url=live_server.url)
    login(page, live_server, officer.email, PASSWORD)
    page.goto(live_server.url + "/assessments/portfolio/?route=undetermined")
    expect(page.locator("h1")).to_have_text("Portfolio")
    expect(page.locator(".portfolio-row").first).to_contain_text("Route undetermined")
    _shoot(page, "portfolio-en")
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/assessments/portfolio/")
    _no_sideways_scroll(page)
    _shoot(page, "portfolio-en-390")
