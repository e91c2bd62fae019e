"""Writes on providers, services, memberships and invitations. Views, admin and commands call
these; each validates with full_clean() and keeps at least one owner per provider.

Each change is written to the audit trail (audit.services.record) in the same transaction;
`request`, where a view has one, supplies the actor and the client address."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import Action
from audit.services import record
from outbox.services import dispatch
from providers.models import AIService, Invitation, Membership, Provider, Role
from providers.tasks import send_invitation_email

_INVITATION_SALT = "providers.invitation"


@transaction.atomic
def provider_create(*, owner: User, request: HttpRequest | None = None, **fields) -> Provider:
    provider = Provider(**fields)
    provider.full_clean()
    provider.save()
    membership = Membership.objects.create(provider=provider, user=owner, role=Role.OWNER)
    record(
        Action.PROVIDER_CHANGED,
        actor=owner,
        obj=provider,
        summary=provider.name_zh,
        after={name: getattr(provider, name) for name in fields},
        request=request,
    )
    record(
        Action.MEMBER_ADDED,
        actor=owner,
        obj=membership,
        summary=owner.email,
        after={"role": membership.role},
        request=request,
    )
    return provider


@transaction.atomic
def provider_update(
    *, provider: Provider, request: HttpRequest | None = None, **fields
) -> Provider:
    # From the database, not the instance: a bound ModelForm has already written its cleaned
    # values onto the instance it was given.
    stored = Provider.objects.filter(pk=provider.pk).values(*fields).first() or {}
    for name, value in fields.items():
        setattr(provider, name, value)
    provider.full_clean()
    provider.save()
    changed = [name for name in fields if stored.get(name) != getattr(provider, name)]
    if changed:
        record(
            Action.PROVIDER_CHANGED,
            obj=provider,
            summary=provider.name_zh,
            before={name: stored.get(name) for name in changed},
            after={name: getattr(provider, name) for name in changed},
            request=request,
        )
    return provider


SERVICE_FACTS = (
    "name",
    "modalities",
    "channels",
    "audience",
    "public_opinion",
    "minors_allowed",
    "emotional_interaction",
    "foundation_model_source",
    "foundation_model_name",
    "foundation_model_filing_number",
    "algorithm_filing_number",
    "gai_filing_number",
    "launch_status",
    "provider_code",
)


@transaction.atomic
def service_save(*, service: AIService) -> AIService:
    """Save a service; its facts decide which questions apply, so every change is audited."""
    stored = AIService.objects.filter(pk=service.pk).values(*SERVICE_FACTS).first() or {}
    service.full_clean()
    service.save()
    changed = [name for name in SERVICE_FACTS if stored.get(name) != getattr(service, name)]
    if changed:
        record(
            Action.SERVICE_CHANGED,
            obj=service,
            provider=service.provider,
            summary=service.name,
            before={name: stored.get(name) for name in changed} if stored else None,
            after={name: getattr(service, name) for name in changed},
        )
    return service


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps(str(invitation.public_id), salt=_INVITATION_SALT)


def invitation_from_token(token: str) -> Invitation:
    """The pending invitation behind a token, or ValidationError saying why not."""
    try:
        public_id = signing.loads(token, salt=_INVITATION_SALT, max_age=settings.INVITATION_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError(
            _("This invitation has expired. Ask the owner to send a new one."), code="expired"
        ) from None
    except signing.BadSignature:
        raise ValidationError(_("This invitation link is not valid."), code="invalid") from None
    invitation = Invitation.objects.select_related("provider").filter(public_id=public_id).first()
    if invitation is None or invitation.revoked_at is not None:
        raise ValidationError(_("This invitation was withdrawn."), code="revoked")
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been used."), code="used")
    return invitation


@transaction.atomic
def invitation_send(
    *,
    provider: Provider,
    email: str,
    role: str,
    invited_by: User,
    request: HttpRequest | None = None,
) -> Invitation:
    email = email.strip().lower()
    if provider.memberships.filter(user__email=email).exists():
        raise ValidationError({"email": _("This person is already a member.")})
    invitation = Invitation(provider=provider, email=email, role=role, invited_by=invited_by)
    invitation.full_clean()
    invitation.save()
    link = settings.SITE_URL + reverse(
        "providers:invitation_accept", kwargs={"token": invitation_token(invitation)}
    )
    # After commit, so the worker finds the row; through the broker, off the request path.
    dispatch(send_invitation_email, invitation.pk, link, translation.get_language())
    record(
        Action.INVITATION_SENT,
        actor=invited_by,
        obj=invitation,
        summary=email,
        after={"email": email, "role": invitation.role},
        request=request,
    )
    return invitation


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, user: User, request: HttpRequest | None = None
) -> Membership:
    if user.email.lower() != invitation.email.lower():
        raise PermissionDenied(_("This invitation was sent to another e-mail address."))
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ValidationError(_("This invitation has already been used."), code="used")
    membership, created = Membership.objects.get_or_create(
        provider=invitation.provider, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    record(
        Action.INVITATION_ACCEPTED, actor=user, obj=invitation, summary=user.email, request=request
    )
    if created:
        record(
            Action.MEMBER_ADDED,
            actor=user,
            obj=membership,
            summary=user.email,
            after={"role": membership.role},
            request=request,
        )
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, request: HttpRequest | None = None) -> Invitation:
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    record(
        Action.INVITATION_REVOKED,
        obj=invitation,
        summary=invitation.email,
        before={"role": invitation.role},
        request=request,
    )
    return invitation


def ensure_removable(membership: Membership) -> None:
    """Raises ValidationError if removing this membership would leave no owner."""
    _ensure_another_owner(membership)


def _ensure_another_owner(membership: Membership) -> None:
    others = Membership.objects.filter(provider=membership.provider, role=Role.OWNER).exclude(
        pk=membership.pk
    )
    if membership.role == Role.OWNER and not others.exists():
        raise ValidationError(
            _("A provider needs at least one owner. Make someone else owner first."),
            code="last_owner",
        )


@transaction.atomic
def membership_change_role(
    *, membership: Membership, role: str, request: HttpRequest | None = None
) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if role != Role.OWNER:
        _ensure_another_owner(membership)
    old_role = membership.role
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    if old_role != membership.role:
        record(
            Action.ROLE_CHANGED,
            obj=membership,
            summary=membership.user.email,
            before={"role": old_role},
            after={"role": membership.role},
            request=request,
        )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, request: HttpRequest | None = None) -> None:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    _ensure_another_owner(membership)
    # Recorded before the row goes, while it still has its provider and key.
    record(
        Action.MEMBER_REMOVED,
        obj=membership,
        summary=membership.user.email,
        before={"role": membership.role},
        request=request,
    )
    membership.delete()


# --- changes made in the Django admin ----------------------------------------------------------
# The admin saves models directly, past the services above; these record what it changed, so
# that a role granted or taken away there is as visible in the audit trail as one made on the
# members page. Called inside the admin's transaction, after the save (before, for removals).


def record_membership_saved(
    membership: Membership, *, before: dict | None, request: HttpRequest | None = None
) -> None:
    """`before`: the role (and provider and person) before the edit; None for a new member."""
    after = {"role": membership.role}
    if before is None:
        record(
            Action.MEMBER_ADDED,
            obj=membership,
            summary=membership.user.email,
            after=after,
            request=request,
        )
        return
    old = {key: value for key, value in before.items() if key == "role"}
    if before.get("user_id") not in (None, membership.user_id) or before.get("provider_id") not in (
        None,
        membership.provider_id,
    ):
        # Moved to another person or provider: the old membership ends, a new one begins.
        old.update(user_id=before.get("user_id"), provider_id=before.get("provider_id"))
        after.update(user_id=membership.user_id, provider_id=membership.provider_id)
    if old != after:
        record(
            Action.ROLE_CHANGED,
            obj=membership,
            summary=membership.user.email,
            before=old,
            after=after,
            request=request,
        )


def record_membership_removed(membership: Membership, request: HttpRequest | None = None) -> None:
    record(
        Action.MEMBER_REMOVED,
        obj=membership,
        summary=membership.user.email,
        before={"role": membership.role},
        request=request,
    )
