"""Sign-in, lockout, password reset and session expiry."""

import re

import pytest
from django.core import mail
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
