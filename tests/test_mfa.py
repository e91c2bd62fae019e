"""Two-factor sign-in: enrolment with a QR code, codes after the password, recovery codes,
lockout on wrong codes, the requirement for administrators and reviewers, and the audit."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa
from audit.models import Action, AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


def _code(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, drift=offset):06d}"


def _password(client, user):
    return client.post(
        reverse("accounts:login"), {"username": user.email, "password": factories.PASSWORD}
    )


def _enrol(client) -> tuple[TOTPDevice, list[str]]:
    page = client.get(reverse("accounts:mfa_setup"))
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(confirmed=False)
    done = client.post(reverse("accounts:mfa_setup"), {"code": _code(device)})
    assert done.status_code == 200, done.content.decode()[:500]
    device.refresh_from_db()
    assert device.confirmed
    return device, done.context["codes"]


def test_enrolment_then_every_sign_in_asks_for_a_code(editor, editor_client):
    device, codes = _enrol(editor_client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert AuditEvent.objects.filter(action=Action.MFA_ENABLED, actor_id=editor.pk).exists()

    client = Client()
    response = _password(client, editor)
    assert response["Location"] == reverse("accounts:mfa_verify")
    # Half-way is not signed in: pages still send to the sign-in page.
    assert client.get(reverse("providers:list")).status_code == 302
    assert "_auth_user_id" not in client.session
    wrong = client.post(reverse("accounts:mfa_verify"), {"code": "000000"})
    assert wrong.status_code == 422
    assert AuditEvent.objects.filter(action=Action.LOGIN_FAILED, actor_email=editor.email).exists()
    device.refresh_from_db()
    device.throttling_failure_count = 0  # django-otp's own back-off, beside the lockout
    device.throttling_failure_timestamp = None
    device.last_t = -1
    device.save()
    right = client.post(reverse("accounts:mfa_verify"), {"code": _code(device)})
    assert right.status_code == 302
    assert client.get(reverse("providers:list")).status_code == 200


def test_a_recovery_code_works_once(editor, editor_client):
    _device, codes = _enrol(editor_client)
    for expected in (302, 422):
        client = Client()
        _password(client, editor)
        response = client.post(reverse("accounts:mfa_verify"), {"code": codes[0].upper()})
        assert response.status_code == expected
    assert mfa.recovery_codes_left(editor) == 9
    assert AuditEvent.objects.filter(action=Action.MFA_RECOVERY_USED).count() == 1


def test_wrong_codes_lock_the_account_like_wrong_passwords(editor, editor_client, settings):
    _enrol(editor_client)
    client = Client()
    _password(client, editor)
    statuses = [
        client.post(reverse("accounts:mfa_verify"), {"code": f"{n:06d}"}).status_code
        for n in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses[-1] == 429
    # Locked: even the password is refused now, for the lockout's duration.
    assert _password(Client(), editor).status_code == 429


def test_reviewers_and_administrators_must_enrol_when_required(reviewer, settings):
    settings.MFA_REQUIRED = True
    client = Client()
    response = _password(client, reviewer)
    assert response["Location"] == reverse("accounts:mfa_setup")
    assert client.get(reverse("reviews:index")).status_code == 302  # not signed in yet
    page = client.get(reverse("accounts:mfa_setup"))
    device = TOTPDevice.objects.get(user=reviewer, confirmed=False)
    assert "otpauth://" not in page.content.decode()  # the key is in the QR code and as text
    client.post(reverse("accounts:mfa_setup"), {"code": _code(device)})
    assert client.get(reverse("reviews:index")).status_code == 200


def test_a_session_without_the_second_factor_is_ended_when_it_becomes_required(
    reviewer_client, settings
):
    assert reviewer_client.get(reverse("reviews:index")).status_code == 200
    settings.MFA_REQUIRED = True
    response = reviewer_client.get(reverse("reviews:index"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_people_without_a_factor_sign_in_with_the_password_alone(viewer, settings):
    settings.MFA_REQUIRED = True  # required for reviewers and administrators only
    client = Client()
    assert _password(client, viewer)["Location"] == reverse("home")


def test_turning_it_off_needs_a_current_code(editor, editor_client):
    device, _codes = _enrol(editor_client)
    editor_client.post(reverse("accounts:mfa_disable"), {"code": "123456"})
    assert TOTPDevice.objects.filter(user=editor).exists()
    device.refresh_from_db()
    device.throttling_failure_count, device.throttling_failure_timestamp = 0, None
    device.last_t = -1
    device.save()
    editor_client.post(reverse("accounts:mfa_disable"), {"code": _code(device)})
    assert not TOTPDevice.objects.filter(user=editor).exists()
    assert AuditEvent.objects.filter(action=Action.MFA_DISABLED, actor_id=editor.pk).exists()


def test_without_local_passwords_only_single_sign_on_signs_in(client, editor, settings):
    settings.LOCAL_PASSWORDS = False
    settings.OIDC_RP_CLIENT_ID = "portal"
    page = client.get(reverse("accounts:login")).content.decode()
    assert 'id="sso-login"' in page and 'name="password"' not in page
    response = _password(client, editor)
    assert response.status_code == 302 and "_auth_user_id" not in client.session
    assert client.get(reverse("accounts:password_reset")).status_code == 404


def test_the_admin_signs_in_through_the_portals_sign_in(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_api_refuses_a_session_without_the_required_factor(reviewer_client, settings):
    settings.MFA_REQUIRED = True
    response = reviewer_client.get(reverse("api:reviews"))
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
