"""Scoped look-up of filing packages: members of the provider only (404 otherwise)."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from assessments.access import get_assessment
from filing.models import FilingPackage
from providers.models import Membership


def get_package(
    request: HttpRequest, package_id: UUID, *, write: bool = False
) -> tuple[FilingPackage, Membership]:
    package = (
        FilingPackage.objects.filter(public_id=package_id).select_related("assessment").first()
    )
    if package is None:
        raise Http404(_("No such package."))
    assessment, membership = get_assessment(request, package.assessment.public_id)
    if write and not membership.can_write:
        raise PermissionDenied(_("Your role lets you read, not change, this assessment."))
    package.assessment = assessment
    return package, membership
