"""Sign-in, lockout, password reset and session expiry."""

import re
import runpy
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def _login(client, email, password):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_sign_in_with_email_lands_on_the_users_providers(client):
    factories.make_user(email="a@example.cn")
    response = _login(client, "A@example.cn", factories.PASSWORD)
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 302  # home → providers


def test_a_wrong_password_is_refused_without_saying_which_part(client):
    factories.make_user(email="a@example.cn")
    response = _login(client, "a@example.cn", "wrong")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_five_failures_lock_the_account_even_for_the_right_password(client, settings):
    factories.make_user(email="a@example.cn")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "a@example.cn", "wrong")
    response = _login(client, "a@example.cn", factories.PASSWORD)
    assert response.status_code == 429
    assert "reset" in response.content.decode().lower() or "重置" in response.content.decode()


def test_password_reset_mail_leads_to_a_new_password(client):
    factories.make_user(email="a@example.cn")
    client.post(reverse("accounts:password_reset"), {"email": "a@example.cn"})
    assert len(mail.outbox) == 1
    path = re.search(r"https?://[^/\s]+(/\S+/)", mail.outbox[0].body).group(1)
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "Another-strong-1", "new_password2": "Another-strong-1"}
    )
    assert response.status_code == 302
    assert _login(client, "a@example.cn", "Another-strong-1").status_code == 302


def test_sessions_expire(settings):
    assert settings.SESSION_COOKIE_AGE <= 12 * 60 * 60
    assert settings.SESSION_COOKIE_HTTPONLY


def test_pages_require_sign_in(client):
    response = client.get(reverse("providers:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.fixture
def behind_one_proxy(settings, monkeypatch, tmp_path):
    """The lockout and address settings exactly as portal/settings.py makes them for the
    documented production value PROXY_COUNT=1, applied to this test's Django settings."""
    monkeypatch.setenv("PROXY_COUNT", "1")
    monkeypatch.setenv("PORTAL_VAR_DIR", str(tmp_path / "var"))
    loaded = runpy.run_path(str(Path(__file__).resolve().parent.parent / "portal/settings.py"))
    for name, value in loaded.items():
        if name.startswith("AXES_") or name == "PROXY_COUNT":
            setattr(settings, name, value)
    return settings


def test_behind_the_proxy_lockout_is_per_account_and_client_address(client, behind_one_proxy):
    """Five wrong passwords from one client lock that client out of that account, and no one
    else: the owner signing in from another address behind the same proxy still gets in."""
    factories.make_user(email="a@example.cn")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    attacker = {**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    # What a client writes in the header itself comes first and is not believed.
    owner = {**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.66, 198.51.100.7"}
    url = reverse("accounts:login")
    for _ in range(behind_one_proxy.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "a@example.cn", "password": "wrong"}, **attacker)
    right = {"username": "a@example.cn", "password": factories.PASSWORD}
    assert client.post(url, right, **attacker).status_code == 429
    response = Client().post(url, right, **owner)
    assert response.status_code == 302, "the owner is locked out by someone else's failures"
    from axes.models import AccessAttempt

    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.66"]


# --- the language of Django's and django-axes' own messages ---------------------------------

LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def _client_in(language):
    from django.conf import settings

    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.mark.parametrize(
    "password",
    ["Ab1-short", "password123", "3141592653589", "zhangsan.wei.cn"],
    ids=["too-short", "common", "numeric", "like-the-e-mail"],
)
def test_password_rules_are_explained_in_chinese_on_chinese_pages(password):
    """Django 5.2.19's too-short message has a msgid its zh_Hans catalogue lacks; ours has it."""
    user = factories.make_user(email="zhangsan.wei@example.cn")
    client = _client_in("zh-hans")
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": factories.PASSWORD,
            "new_password1": password,
            "new_password2": password,
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["new_password2"]
    assert errors
    for message in errors:
        assert not LATIN_WORD.search(message), message
    english = _client_in("en")
    english.force_login(user)
    response = english.post(
        reverse("accounts:password_change"),
        {"old_password": factories.PASSWORD, "new_password1": password, "new_password2": password},
    )
    assert all(LATIN_WORD.search(m) for m in response.context["form"].errors["new_password2"])


def test_the_lockout_speaks_chinese(settings):
    from axes.helpers import get_lockout_message
    from django.utils import translation

    factories.make_user(email="a@example.cn")
    client = _client_in("zh-hans")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "a@example.cn", "wrong")
    response = _login(client, "a@example.cn", factories.PASSWORD)
    assert response.status_code == 429
    body = response.content.decode()
    assert "登录失败次数过多" in body
    assert "Account locked" not in body and "Too many" not in body
    with translation.override("zh-hans"):
        assert not LATIN_WORD.search(str(get_lockout_message()))
    with translation.override("en"):
        assert "Account locked" in str(get_lockout_message())


def test_the_lockout_records_read_in_chinese_in_the_admin(admin_user):
    """django-axes has no zh_Hans catalogue; its tables and fields are named in ours."""
    from axes.models import AccessAttempt
    from django.utils import translation

    with translation.override("zh-hans"):
        names = [str(AccessAttempt._meta.verbose_name_plural)] + [
            str(f.verbose_name)
            for f in AccessAttempt._meta.get_fields()
            if hasattr(f, "verbose_name")
        ]
    # Protocol names stay as they are: ID, IP, GET, POST, HTTP Accept, User Agent, SHA-256.
    kept = re.compile(r"\b(ID|IP|GET|POST|HTTP Accept|User Agent|SHA)\b")
    assert not [n for n in names if LATIN_WORD.search(kept.sub("", n))], names
    client = _client_in("zh-hans")
    client.force_login(admin_user)
    page = client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    assert "登录尝试" in page and "Access attempts" not in page
