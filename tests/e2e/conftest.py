"""Browser fixtures: one headless Debian Chromium per session driven by Playwright's sync API,
a fresh context (cookies, storage) per test, a sign-in helper, and a full-page screenshot of
every open page in test-artifacts/ when a test fails."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test.utils import override_settings
from django.urls import reverse

BASE_DIR = Path(__file__).resolve().parents[2]
ARTIFACTS = BASE_DIR / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# What every page needs from `make assets` (static/vendor is not in git).
VENDOR_FILES = [
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "vendor/bootstrap-icons/bootstrap-icons.min.css",
    "vendor/htmx.min.js",
]
TIMEOUT_MS = 10_000


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session", autouse=True)
def _live_server_media_url():
    """settings.MEDIA_URL is None (evidence is only served by a checked view), but Django's
    live server wraps every request in a media handler that parses MEDIA_URL, and None makes
    every request fail with "startswith first arg must be str ... not bytes". Give the live
    server a prefix no page links to. Must run before the session-wide live_server starts."""
    with override_settings(MEDIA_URL="/__e2e-media-not-served__/"):
        yield


@pytest.fixture(scope="session")
def _vendor_assets():
    missing = [f for f in VENDOR_FILES if not (BASE_DIR / "static" / f).is_file()]
    if missing:
        pytest.fail(
            "static/vendor is incomplete (missing: "
            + ", ".join(missing)
            + "). Run `make assets` before the browser tests.",
            pytrace=False,
        )


# Module scope, not session: while Playwright runs, its event loop occupies this thread, and
# tests collected after the browser tests (pyHanko's asyncio.run() in the worker tests) would
# find "a running event loop". Each browser module starts Chromium once (about 0.25 s).
@pytest.fixture(scope="module")
def browser(_vendor_assets):
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium", pytrace=False)
    # Playwright's sync API runs an asyncio event loop in this (the test) thread for as long as
    # it is started. Django then sees "a running event loop" around every ORM call the test
    # makes to set up data or check results, and refuses it with SynchronousOnlyOperation. The
    # calls really are synchronous (the loop is only Playwright's transport), so the guard is
    # switched off for as long as the browser lives, and restored afterwards.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# Redoc's footer always asks its vendor's CDN for a logo (and hides it when it fails): the
# policy is meant to stop exactly that call, so the block is no fault of the page.
_EXPECTED_BLOCK = re.compile(r"Loading the image 'https://cdn\.redoc\.ly/")


class Pages:
    """Makes pages, each in its own browser context (a separate person), and records what a
    user would notice: static files that fail to load, JavaScript errors and whatever the
    Content-Security-Policy blocked."""

    def __init__(self, browser):
        self.browser = browser
        self.contexts = []
        self.pages = []
        self.problems: list[str] = []

    def new(self, *, language: str | None = None, base_url: str | None = None):
        context = self.browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="zh-CN", base_url=base_url
        )
        context.set_default_timeout(TIMEOUT_MS)
        if language and base_url:
            context.add_cookies(
                [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}]
            )
        page = context.new_page()
        page.on("pageerror", lambda exc: self.problems.append(f"JavaScript error: {exc}"))
        # Anything the Content-Security-Policy blocks (an inline script or handler, a style
        # or image from elsewhere) is a page that does not work as written.
        page.on(
            "console",
            lambda m: (
                self.problems.append(f"CSP: {m.text}")
                if "Content Security Policy" in m.text and not _EXPECTED_BLOCK.search(m.text)
                else None
            ),
        )
        page.on(
            "response",
            lambda r: (
                self.problems.append(f"{r.status} {r.url}")
                if "/static/" in r.url and r.status >= 400
                else None
            ),
        )
        self.contexts.append(context)
        self.pages.append(page)
        return page

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser, request, live_server):
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    for stale in ARTIFACTS.glob(f"FAILED-{name}-*.png"):
        stale.unlink()
    made = Pages(browser)
    yield made
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for i, page in enumerate(made.pages):
            try:
                page.screenshot(path=str(ARTIFACTS / f"FAILED-{name}-{i}.png"), full_page=True)
            except Exception as exc:  # a crashed page must not hide the test's own failure
                print(f"no screenshot of page {i}: {exc}")
    made.close()
    assert not made.problems, "The browser saw problems:\n" + "\n".join(made.problems)


@pytest.fixture
def page(pages, live_server):
    """One page in a fresh context, Chinese (the portal's default language)."""
    return pages.new(base_url=live_server.url)


def login(page, live_server, email: str, password: str) -> None:
    """Sign in through the real form, as a person would."""
    page.goto(live_server.url + reverse("accounts:login"))
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("main input[type=submit][name=login]").click()
    page.wait_for_load_state()
    assert reverse("accounts:login") not in page.url, f"sign-in as {email} failed"


def check_assets_loaded(page) -> None:
    """Bootstrap (CSS and JS), its icons and htmx really arrived and run."""
    loaded = page.evaluate(
        """() => ({
            htmx: typeof window.htmx === "object" && typeof window.htmx.ajax === "function",
            bootstrapJs: typeof window.bootstrap === "object",
            bootstrapCss: [...document.styleSheets].some(
                (s) => (s.href || "").includes("bootstrap.min.css") && s.cssRules.length > 100),
            icons: [...document.styleSheets].some(
                (s) => (s.href || "").includes("bootstrap-icons") && s.cssRules.length > 100),
            styledNavbar: getComputedStyle(document.querySelector(".navbar")).display === "flex",
        })"""
    )
    assert all(loaded.values()), (
        f"static files did not load as expected: {loaded}; run `make assets`"
    )


def screenshot(page, name: str) -> Path:
    """A full-page screenshot for people to look at, taken from the top of the page (else the
    sticky domain list is drawn wherever the page happened to be scrolled to)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=True)
    return path
