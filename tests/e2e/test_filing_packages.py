"""Filing packages in the browser: on the pre-filing checks page a member builds a draft package
(htmx posts, the section polls until the worker is done, here eager), downloads it, and sees the
signed package disabled with the reason while the assessment is not approved."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from dossiers.testing import make_assessment
from library.loading import load_library
from providers.models import Role
from tests import factories
from tests.e2e.conftest import check_assets_loaded, login, screenshot

pytestmark = pytest.mark.browser
PASSWORD = "Package-test-password-2026"


@pytest.fixture
def draft(live_server):
    load_library()  # transactional test: the session's library may have been flushed
    provider = factories.make_provider(name_zh="杭州材料包科技有限公司")
    service = factories.make_service(provider, name="材料包助手", channels=["web"])
    editor = factories.make_member(
        provider, Role.EDITOR, email="editor@pkg.example.cn", password=PASSWORD
    ).user
    return make_assessment(service, editor)


def test_a_member_builds_and_downloads_a_draft_package(page, live_server, draft):
    login(page, live_server, "editor@pkg.example.cn", PASSWORD)
    page.goto(live_server.url + reverse("filing:checks", kwargs={"assessment": draft.public_id}))
    check_assets_loaded(page)
    section = page.locator("#filing-packages")
    route = section.locator("[data-route=gai_filing]")
    expect(route.get_by_role("button", name="构建签名材料包")).to_be_disabled()
    route.get_by_role("button", name="构建草稿材料包").click()
    link = page.locator("#filing-packages [data-route=gai_filing] a[href*='/download/']")
    expect(link).to_be_visible(timeout=60_000)
    expect(link).to_contain_text("草稿-")
    # The section was swapped in fresh: the button can be clicked again.
    expect(route.get_by_role("button", name="构建草稿材料包")).to_be_enabled()
    screenshot(page, "filing-packages")
    with page.expect_download() as download_info:
        link.click()
    data = open(download_info.value.path(), "rb").read()
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "草稿-02-附件1-安全评估报告.docx" in names
    assert "草稿-02-附件1-安全评估报告.pdf" in names
    assert "manifest.json" in names
