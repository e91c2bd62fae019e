"""Scoped look-ups of dossiers: members of the provider only (404 otherwise), writers to act."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from assessments.access import get_assessment
from dossiers.models import Dossier
from providers.models import Membership


def get_dossier(
    request: HttpRequest, dossier_id: UUID, *, write: bool = False
) -> tuple[Dossier, Membership]:
    dossier = Dossier.objects.filter(public_id=dossier_id).select_related("assessment").first()
    if dossier is None:
        raise Http404(_("No such dossier."))
    assessment, membership = get_assessment(request, dossier.assessment.public_id)
    if write and not membership.can_write:
        raise PermissionDenied(_("Your role lets you read, not change, this assessment."))
    dossier.assessment = assessment
    return dossier, membership
