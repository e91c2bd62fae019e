"""Personal access tokens: make one, revoke one, and find the one a request presents.

The secret is 32 random bytes behind a recognisable prefix (so that secret scanners and people
can tell what leaked); only its SHA-256 is stored, which is enough for a secret of that
strength and lets the look-up be one indexed query.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from api.models import AccessToken, TokenRole
from audit.models import Action
from audit.services import record, record_read
from portal.client_address import client_address
from providers.models import Membership, Provider
from providers.scope import REVIEWER, ROLE_RANK, TokenScope, lower_role

SECRET_PREFIX = "gaip_"
_SHOWN = 12  # characters of the secret kept to name the token in lists


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def allowed_roles(user: User, provider: Provider | None) -> list[str]:
    """The roles a token of this person may carry for this provider (None: the review area)."""
    if provider is None:
        return [TokenRole.REVIEWER] if user.is_reviewer else []
    membership = Membership.objects.filter(user=user, provider=provider).first()
    if membership is None:
        return []
    return [role for role in ROLE_RANK if ROLE_RANK[role] <= ROLE_RANK[membership.role]]


@transaction.atomic
def token_create(
    *,
    user: User,
    name: str,
    provider: Provider | None,
    role: str,
    days: int,
    request=None,
) -> tuple[AccessToken, str]:
    """A new token and its secret, which is shown once and never stored."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Name the token after what will use it.")})
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ValidationError(
            {
                "days": _("A token lives between 1 and %(max)d days.")
                % {"max": settings.API_TOKEN_MAX_DAYS}
            }
        )
    if role not in allowed_roles(user, provider):
        raise ValidationError(
            {"role": _("A token's role cannot be higher than your own role at the provider.")}
        )
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = AccessToken.objects.create(
        user=user,
        name=name,
        provider=provider,
        role=role,
        key_hash=hash_secret(secret),
        prefix=secret[:_SHOWN],
        expires_at=timezone.now() + timedelta(days=days),
    )
    record(
        Action.TOKEN_CREATED,
        actor=user,
        obj=token,
        provider=provider,
        summary=f"{token.name} {token.prefix}…",
        after={"role": role, "expires_at": token.expires_at},
        request=request,
    )
    return token, secret


@transaction.atomic
def token_revoke(*, token: AccessToken, user: User, request=None) -> AccessToken:
    if token.user_id != user.pk:
        raise PermissionDenied(_("Only the token's owner can revoke it."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(
            Action.TOKEN_REVOKED,
            actor=user,
            obj=token,
            provider=token.provider,
            summary=f"{token.name} {token.prefix}…",
            request=request,
        )
    return token


class TokenRefused(Exception):
    """The secret names no usable token; the message says why, in the caller's language."""


def token_for_secret(secret: str) -> tuple[AccessToken, TokenScope]:
    """The token a request presents and the scope it may act in, or TokenRefused."""
    token = (
        AccessToken.objects.select_related("user", "provider")
        .filter(key_hash=hash_secret(secret))
        .first()
    )
    if token is None or not token.user.is_active:
        raise TokenRefused(_("This token is not valid."))
    if token.revoked_at is not None:
        raise TokenRefused(_("This token has been revoked."))
    if token.expires_at <= timezone.now():
        raise TokenRefused(_("This token has expired; make a new one on your profile page."))
    if token.role == REVIEWER:
        if not token.user.is_reviewer:
            raise TokenRefused(_("This token's person is no longer a reviewer."))
        return token, TokenScope(None, REVIEWER)
    membership = Membership.objects.filter(user=token.user, provider=token.provider).first()
    if membership is None:
        raise TokenRefused(_("This token's person is no longer a member of its provider."))
    return token, TokenScope(token.provider_id, lower_role(token.role, membership.role))


def token_used(*, token: AccessToken, request, status: int) -> None:
    """Every use is audited, with the client address; the token remembers when it was last
    used (one short UPDATE, without touching the row's other fields).

    The call does not wait for the audit chain's lock (any audited write holds it from its
    record() to its commit: a questionnaire move, a submission ...): with the lock held, the
    event is appended a moment later by a task, with the time of the use (record_read)."""
    now = timezone.now()
    address = client_address(request)
    AccessToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=address)
    record_read(
        Action.TOKEN_USED,
        actor=token.user,
        obj=token,
        provider=token.provider,
        summary=f"{request.method} {request.path} {status} · {token.prefix}…"[:500],
        request=request,
    )
