"""Scoped look-ups of assessments: 404 outside the user's providers, 403 for read-only roles."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from assessments.models import Assessment, Evidence
from providers.models import Membership
from providers.scope import scoped_membership

# Large JSON columns that a write through the services never reads from the view's copy (the
# services lock and read the row again): decoding them cost more than the autosave's own work.
HEAVY_FIELDS = (
    "self_score",
    "reviewed_score",
    "snapshot",
    "filing_routes",
    "previous__self_score",
    "previous__reviewed_score",
    "previous__snapshot",
    "previous__filing_routes",
)


def get_assessment(
    request: HttpRequest, assessment_id: UUID, *, light: bool = False
) -> tuple[Assessment, Membership]:
    """`light`: without the HEAVY_FIELDS, the questionnaire's stored layout and routes (about
    30 KB of JSON; the catalogue and layout are cached per process by their hashes), the
    disclosure and the previous version (read on access, one query each, if ever needed): what
    an autosave reads."""
    if light:
        found = Assessment.objects.select_related("service__provider", "questionnaire")
        found = found.defer(
            *(f for f in HEAVY_FIELDS if not f.startswith("previous__")),
            "questionnaire__layout",
            "questionnaire__filing_routes",
        )
    else:
        found = Assessment.objects.select_related(
            "service__provider", "service__disclosure", "questionnaire", "previous"
        )
    assessment = found.filter(public_id=assessment_id).first()
    membership = None
    if assessment is not None:
        membership = Membership.objects.filter(
            provider_id=assessment.service.provider_id, user=request.user
        ).first()
    membership = scoped_membership(request, membership)
    if membership is None:
        raise Http404(_("No such assessment."))
    membership.provider = assessment.service.provider
    return assessment, membership


def get_writable_assessment(request: HttpRequest, assessment_id: UUID, *, light: bool = False):
    assessment, membership = get_assessment(request, assessment_id, light=light)
    if not membership.can_write:
        raise PermissionDenied(_("Your role lets you read, not change, this assessment."))
    return assessment, membership


def get_evidence(assessment: Assessment, evidence_id: UUID) -> Evidence:
    evidence = assessment.evidence.filter(public_id=evidence_id).first()
    if evidence is None:
        raise Http404(_("No such file."))
    return evidence
