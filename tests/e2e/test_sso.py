"""Single sign-on against a real OpenID Connect provider, through the browser.

The provider is the certified `oidc-provider` package from npm (installed by `npm ci` from the
project's package.json), started on 127.0.0.1 by tests/oidc/provider.mjs with its development
login pages; the portal talks to it with mozilla-django-oidc exactly as to a company's
provider: discovery of the endpoints, authorisation code with PKCE, signed ID token, userinfo,
and RP-initiated logout.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
import requests
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import User
from audit.models import Action, AuditEvent
from library.loading import load_library
from providers.models import Role
from tests import factories
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
SCRIPT = BASE_DIR / "tests" / "oidc" / "provider.mjs"
ACCOUNTS = {
    "zhang": {"email": "Zhang.San@a.example.cn", "email_verified": True, "name": "张三"},
    "li": {"email": "li.si@new.example.cn", "email_verified": True, "name": "李四"},
    "wang": {"email": "wang@a.example.cn", "email_verified": False, "name": "王五"},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def identity_provider(live_server, settings):
    node = shutil.which("node")
    if node is None or not (BASE_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.skip("node or node_modules/oidc-provider is missing: run `make install`")
    port = _free_port()
    client = {
        "client_id": "portal-test",
        "client_secret": "test-only-secret-not-for-production",
        "redirect_uris": [live_server.url + reverse("accounts:oidc_callback")],
        "post_logout_redirect_uris": [live_server.url + reverse("accounts:login")],
    }
    env = {
        "PATH": "/usr/bin:/bin",
        "OIDC_PORT": str(port),
        "OIDC_CLIENT": json.dumps(client),
        "OIDC_ACCOUNTS": json.dumps(ACCOUNTS),
    }
    process = subprocess.Popen(
        [node, str(SCRIPT)],
        env=env,
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("ready "), f"the OpenID provider did not start: {line!r}"
        issuer = line.split()[1]
        discovery = requests.get(issuer + "/.well-known/openid-configuration", timeout=10).json()
        settings.OIDC_RP_CLIENT_ID = client["client_id"]
        settings.OIDC_RP_CLIENT_SECRET = client["client_secret"]
        settings.OIDC_OP_AUTHORIZATION_ENDPOINT = discovery["authorization_endpoint"]
        settings.OIDC_OP_TOKEN_ENDPOINT = discovery["token_endpoint"]
        settings.OIDC_OP_USER_ENDPOINT = discovery["userinfo_endpoint"]
        settings.OIDC_OP_JWKS_ENDPOINT = discovery["jwks_uri"]
        settings.OIDC_OP_LOGOUT_ENDPOINT = discovery["end_session_endpoint"]
        settings.OIDC_PROVIDER_NAME = "星辰统一身份认证"
        settings.AUTHENTICATION_BACKENDS = [
            *settings.AUTHENTICATION_BACKENDS,
            "accounts.oidc.SSOBackend",
        ]
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)


def _sso_sign_in(page, live_server, login: str) -> None:
    page.goto(live_server.url + reverse("accounts:login"))
    page.locator("#sso-login").click()
    page.locator("input[name=login]:not([type=submit])").fill(login)
    page.locator("input[name=password]").fill("any password: the test provider's dev login")
    page.locator("button[type=submit]").click()
    consent = page.locator("button[type=submit][autofocus]")
    if consent.count():  # the first sign-in of a person asks to share the e-mail address
        consent.click()
    page.wait_for_load_state()


@pytest.fixture
def library():
    load_library()


def test_a_known_person_signs_in_and_out_through_the_provider(
    page, live_server, identity_provider, library
):
    provider = factories.make_provider(name_zh="星辰智能科技有限公司")
    member = factories.make_member(provider, Role.EDITOR, email="zhang.san@a.example.cn")
    page.goto(live_server.url + reverse("accounts:login"))
    expect(page.locator("#sso-login")).to_contain_text("星辰统一身份认证")
    screenshot(page, "sso-login-page")
    _sso_sign_in(page, live_server, "zhang")
    assert page.url.startswith(live_server.url), page.url
    expect(page.get_by_role("link", name="星辰智能科技有限公司")).to_be_visible()
    assert AuditEvent.objects.filter(action=Action.LOGIN, actor_id=member.user_id).exists()

    page.locator(".navbar .dropdown-toggle").click()
    page.get_by_role("button", name="退出登录").click()
    # The provider asks whether to sign out there too (RP-initiated logout), then returns.
    page.locator("button[type=submit]").first.click()
    page.wait_for_url(live_server.url + reverse("accounts:login") + "*")
    assert AuditEvent.objects.filter(action=Action.LOGOUT, actor_id=member.user_id).exists()
    # Signed out at the provider too: single sign-on asks for the login again.
    page.locator("#sso-login").click()
    expect(page.locator("input[name=login]:not([type=submit])")).to_be_visible()


def test_a_first_sign_in_creates_an_account_without_membership(
    page, live_server, identity_provider, library, settings
):
    settings.OIDC_CREATE_USER = True
    _sso_sign_in(page, live_server, "li")
    user = User.objects.get(email="li.si@new.example.cn")
    assert user.display_name == "李四" and not user.has_usable_password()
    assert not user.memberships.exists()
    expect(page.get_by_text("李四")).to_be_visible()
    screenshot(page, "sso-first-sign-in")


def test_unknown_or_unverified_addresses_are_refused(
    pages, live_server, identity_provider, library, settings
):
    settings.OIDC_CREATE_USER = False
    page = pages.new(base_url=live_server.url)
    _sso_sign_in(page, live_server, "li")
    expect(page.locator(".alert-danger")).to_contain_text("li.si@new.example.cn")
    assert not User.objects.filter(email="li.si@new.example.cn").exists()

    # An address the provider has not verified is never matched, even to an existing account.
    factories.make_user(email="wang@a.example.cn")
    page = pages.new(base_url=live_server.url)  # another person: a fresh browser
    _sso_sign_in(page, live_server, "wang")
    expect(page.locator(".alert-danger")).to_contain_text("wang@a.example.cn")
    assert reverse("accounts:login") in page.url
    screenshot(page, "sso-refused")
    refused = AuditEvent.objects.filter(action=Action.LOGIN_FAILED, summary="sso")
    assert refused.count() == 2


def test_a_reviewer_enrols_a_second_factor_after_single_sign_on(
    page, live_server, identity_provider, library, settings
):
    """MFA_REQUIRED: a reviewer coming from the provider scans the QR code and confirms with
    the app's code before the portal lets them in; the next sign-in asks for a code."""
    import base64

    from django_otp.oath import totp

    settings.MFA_REQUIRED = True
    reviewer = factories.make_user(email="zhang.san@a.example.cn", is_reviewer=True)
    _sso_sign_in(page, live_server, "zhang")
    assert reverse("accounts:mfa_setup") in page.url
    expect(page.locator(".mfa-qr svg")).to_be_visible()
    screenshot(page, "mfa-setup-after-sso")
    key = base64.b32decode(page.locator("[data-key]").inner_text().strip())
    page.locator("input[name=code]").fill(f"{totp(key):06d}")
    page.locator("button[name=confirm]").click()
    expect(page.locator("[data-codes] li")).to_have_count(10)
    screenshot(page, "mfa-recovery-codes")
    page.goto(live_server.url + reverse("reviews:index"))
    assert reverse("reviews:index") in page.url
    assert AuditEvent.objects.filter(action=Action.MFA_ENABLED, actor_id=reviewer.pk).exists()
