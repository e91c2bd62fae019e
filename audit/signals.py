"""Sign-ins, sign-outs and failed sign-ins, recorded from django.contrib.auth's signals.

Connected in AuditConfig.ready(). A failed sign-in stores the name that was typed as the
actor's e-mail and nothing else of the credentials; never the password.
"""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.models import Action
from audit.services import record


@receiver(user_logged_in, dispatch_uid="audit_login")
def on_login(sender, request, user, **kwargs) -> None:
    record(Action.LOGIN, actor=user, request=request)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:  # signing out without a session is no event
        record(Action.LOGOUT, actor=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username") or credentials.get("email") or "")
    record(Action.LOGIN_FAILED, actor_email=username.strip(), request=request)
