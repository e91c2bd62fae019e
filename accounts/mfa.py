"""Two-factor sign-in: a time-based one-time code (TOTP, RFC 6238) from an authenticator app,
and one-time recovery codes for a lost phone (django-otp's TOTP and static devices).

A sign-in that needs a second factor (the person has one; or MFA_REQUIRED is on and they are
an administrator or reviewer) does not log in after the password or the single sign-on: the
session only remembers who is half-way (`begin_login`) until the code is right (`finish_login`),
or until the person has enrolled, when the factor is required and missing. Wrong codes count
as failed sign-ins for the lockout (django-axes), like wrong passwords, and are audited.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from audit.models import Action
from audit.services import record

PENDING = "mfa_pending"  # session: {"user", "backend", "next", "method", "since"}
VERIFIED = "mfa"  # session: "verified" once the second factor was given (or enrolled)
PENDING_SECONDS = 10 * 60
RECOVERY_CODES = 10


def required_for(user: User) -> bool:
    return bool(settings.MFA_REQUIRED and (user.is_staff or user.is_superuser or user.is_reviewer))


def totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


# --- signing in ----------------------------------------------------------------------------------


def begin_login(request, user: User, *, backend: str, next_url: str, method: str):
    """After the first factor: log in at once, or ask for the code (or for enrolment)."""
    if not (has_second_factor(user) or required_for(user)):
        login(request, user, backend=backend)
        request.session[VERIFIED] = "none"
        return HttpResponseRedirect(next_url)
    request.session.cycle_key()
    request.session[PENDING] = {
        "user": user.pk,
        "backend": backend,
        "next": next_url,
        "method": method,
        "since": time.time(),
    }
    target = "accounts:mfa_verify" if has_second_factor(user) else "accounts:mfa_setup"
    return HttpResponseRedirect(reverse(target))


def pending_user(request) -> User | None:
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["since"] > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    return User.objects.filter(pk=pending["user"], is_active=True).first()


def finish_login(request, user: User) -> HttpResponseRedirect:
    pending = request.session.pop(PENDING)
    login(request, user, backend=pending["backend"])
    request.session[VERIFIED] = "verified"
    return HttpResponseRedirect(pending["next"])


def _credentials(user: User) -> dict:
    return {settings.AXES_USERNAME_FORM_FIELD: user.email}


def is_locked(request, user: User) -> bool:
    return AxesProxyHandler.is_locked(request, credentials=_credentials(user))


@dataclass(frozen=True)
class CodeCheck:
    ok: bool
    recovery: bool = False


def check_code(request, user: User, code: str) -> CodeCheck:
    """A TOTP code or an unused recovery code. A wrong one is a failed sign-in (lockout,
    audit); a used recovery code is gone, and its use is audited."""
    code = "".join(code.split()).lower()
    device = totp_device(user)
    if device is not None and code.isdigit() and device.verify_token(code):
        return CodeCheck(True)
    static = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if static is not None and code.isalnum() and static.verify_token(code):
        left = static.token_set.count()
        record(Action.MFA_RECOVERY_USED, actor=user, summary=f"{left} left", request=request)
        return CodeCheck(True, recovery=True)
    user_login_failed.send(
        sender=__name__, credentials={**_credentials(user), "method": "mfa"}, request=request
    )
    return CodeCheck(False)


# --- enrolment --------------------------------------------------------------------------------


def totp_start(user: User) -> TOTPDevice:
    """An unconfirmed device with a fresh key, shown as a QR code until a code confirms it."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


@transaction.atomic
def totp_confirm(request, user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm enrolment with the first code; returns the new recovery codes, or None."""
    code = "".join(code.split())
    if not (code.isdigit() and device.verify_token(code)):
        user_login_failed.send(
            sender=__name__, credentials={**_credentials(user), "method": "mfa"}, request=request
        )
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    record(Action.MFA_ENABLED, actor=user, request=request)
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=c) for c in codes)
    return codes


@transaction.atomic
def recovery_codes_renew(request, user: User) -> list[str]:
    codes = _new_recovery_codes(user)
    record(Action.MFA_RECOVERY_RENEWED, actor=user, request=request)
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def mfa_disable(request, user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    record(Action.MFA_DISABLED, actor=user, request=request)


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an SVG QR code (segno, as on the dossier cover)."""
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(device.config_url, error="m").save(
        buffer, kind="svg", scale=5, border=2, xmldecl=False, svgns=True, title=None
    )
    return buffer.getvalue().decode()
