"""Scoped look-ups: every view gets its provider through these, so tenancy lives in the query.

A non-member gets 404 (the object's existence is not revealed); a member without the needed
role gets 403.
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from providers.models import AIService, Membership, Provider
from providers.scope import scoped_membership


def get_membership(request: HttpRequest, provider_id: UUID) -> Membership:
    membership = (
        Membership.objects.select_related("provider")
        .filter(provider__public_id=provider_id, user=request.user)
        .first()
    )
    membership = scoped_membership(request, membership)
    if membership is None:
        raise Http404(_("No such provider."))
    return membership


def get_writable_membership(request: HttpRequest, provider_id: UUID) -> Membership:
    membership = get_membership(request, provider_id)
    if not membership.can_write:
        raise PermissionDenied(_("Your role lets you read, not change, this provider's data."))
    return membership


def get_owner_membership(request: HttpRequest, provider_id: UUID) -> Membership:
    membership = get_membership(request, provider_id)
    if not membership.is_owner:
        raise PermissionDenied(_("Only the provider's owners can do this."))
    return membership


def get_service(provider: Provider, service_id: UUID) -> AIService:
    service = provider.services.filter(public_id=service_id).first()
    if service is None:
        raise Http404(_("No such service."))
    service.provider = provider
    return service
