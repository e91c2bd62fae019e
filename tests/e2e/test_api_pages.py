"""The token part of the profile page and the API documentation pages, in a real browser:
a token is made and shown once, Swagger UI lists the operations and can call one with the
session, Redoc renders the schema. Screenshots in test-artifacts/."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from api.models import AccessToken
from library.loading import load_library
from providers.models import Role
from tests import factories
from tests.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_token_is_made_on_the_profile_page_and_the_docs_work(page, live_server):
    load_library()
    provider = factories.make_provider(name_zh="星辰智能科技有限公司")
    editor = factories.make_member(provider, Role.EDITOR, email="editor@e.example.cn").user
    login(page, live_server, editor.email, factories.PASSWORD)
    page.goto(live_server.url + reverse("accounts:profile"))
    page.get_by_label("名称").fill("CI 关键词上传")
    page.get_by_label("角色").select_option("editor")
    page.get_by_role("button", name="创建令牌").click()
    secret = page.locator("[data-token]").inner_text().strip()
    assert secret.startswith("gaip_")
    expect(page.get_by_text("请立即复制")).to_be_visible()
    screenshot(page, "api-profile-token-zh")
    page.reload()  # shown once: a reload shows the list, neither the secret nor a new token
    assert secret not in page.content()
    expect(page.get_by_text(AccessToken.objects.get().prefix)).to_be_visible()

    page.goto(live_server.url + reverse("api:docs"))
    expect(page.locator(".opblock").first).to_be_visible(timeout=15_000)
    assert page.locator(".opblock").count() >= 40
    me = page.locator("#operations-me-me")
    me.click()
    me.get_by_role("button", name="Try it out").click()
    me.get_by_role("button", name="Execute").click()
    expect(me.locator(".response .microlight").first).to_contain_text(editor.email)
    screenshot(page, "api-swagger")

    page.goto(live_server.url + reverse("api:redoc"))
    expect(page.get_by_text("Generative AI compliance portal API").first).to_be_visible(
        timeout=15_000
    )
    screenshot(page, "api-redoc")
