"""Scoped look-ups of assessments: 404 outside the user's providers, 403 for read-only roles."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from assessments.models import Assessment, Evidence
from portal.compiled import Compiled
from providers.models import AIService, Membership
from providers.scope import scoped_membership

# What an autosave reads of the assessment and its service, provider and questionnaire before
# the services lock and read the row again: the catalogue's key, the service's profile and who
# may write. Building the three related rows whole was most of the cost of this read; anything
# else is loaded on access, one query each (tests/test_answer_round_trip.py saves every kind).
LIGHT_COLUMNS = (
    "public_id",
    "service_id",
    "questionnaire_id",
    "status",
    "service__provider_id",
    *(f"service__{name}" for name in AIService.PROFILE_COLUMNS),
    "service__provider__id",
    "questionnaire__code",
    "questionnaire__version",
    "questionnaire__content_hash",
    "questionnaire__layout_hash",
)


def get_assessment(
    request: HttpRequest, assessment_id: UUID, *, light: bool = False
) -> tuple[Assessment, Membership]:
    """`light`: only the LIGHT_COLUMNS (what an autosave reads; the catalogue and layout are
    cached per process by the questionnaire's hashes), without the disclosure and the previous
    version (read on access, one query each, if ever needed)."""
    found = (_LIGHT if light else _FULL)(public_id=assessment_id)
    assessment = found[0] if found else None
    membership = None
    if assessment is not None and request.user.pk is not None:
        found = _MEMBERSHIP(provider_id=assessment.service.provider_id, user_id=request.user.pk)
        membership = found[0] if found else None
    return assessment, _usable(request, assessment, membership)


# Every page of an assessment starts with these reads; compiled once (portal.compiled), as
# building them cost more than running them.
_FULL = Compiled(
    lambda public_id: (
        Assessment.objects.select_related(
            "service__provider", "service__disclosure", "questionnaire", "previous"
        )
        .filter(public_id=public_id)
        .order_by("pk")[:1]
    ),
    public_id=UUID,
)
_LIGHT = Compiled(
    lambda public_id: (
        Assessment.objects.select_related("service__provider", "questionnaire")
        .only(*LIGHT_COLUMNS)
        .filter(public_id=public_id)
        .order_by("pk")[:1]
    ),
    public_id=UUID,
)
_MEMBERSHIP = Compiled(
    lambda provider_id, user_id: Membership.objects.filter(
        provider_id=provider_id, user_id=user_id
    ).order_by("pk")[:1],
    provider_id=int,
    user_id=int,
)


def _usable(request, assessment, membership: Membership | None) -> Membership:
    """The membership as this request may use it on `assessment`, or 404."""
    membership = scoped_membership(request, membership)
    if membership is None:
        raise Http404(_("No such assessment."))
    membership.provider = assessment.service.provider
    return membership


def _ensure_writes(membership: Membership) -> None:
    if not membership.can_write:
        raise PermissionDenied(_("Your role lets you read, not change, this assessment."))


def get_writable_assessment(request: HttpRequest, assessment_id: UUID, *, light: bool = False):
    assessment, membership = get_assessment(request, assessment_id, light=light)
    _ensure_writes(membership)
    return assessment, membership


# What an autosave reads of the locked row besides LIGHT_COLUMNS: whether it is a draft, and the
# figures and revisions it compares before writing (services.refresh_assessment). Any other
# column is loaded on access, one query each (tests/test_answer_round_trip.py saves every kind).
SAVE_COLUMNS = (
    "progress",
    "applicable_count",
    "answered_count",
    "self_score_inputs",
    "edit_revision",
    "summary_revision",
)


def lock_writable_assessment(request: HttpRequest, assessment_id: UUID):
    """In a transaction: what `get_writable_assessment(light=True)` reads, with the assessment
    row locked for the transaction and its SAVE_COLUMNS read, in one statement
    (an autosave's access check, row lock and read: three statements before).

    The statement finds nothing for someone who is not a member (so no outsider's request
    locks the row), and the long way then says 404 or 403. When an upgrade moved the row while
    the lock was awaited, PostgreSQL re-checks the locked row against its join: on PostgreSQL 15
    it returns the moved row with its new questionnaire (tests/test_upgrade.py), and the
    page's version check refuses the save; should a re-check drop the row instead, the long way
    reads it again under the lock."""
    from assessments import services

    found = _LOCKED_FOR_MEMBER(public_id=assessment_id, user_id=request.user.pk)
    assessment = found[0] if found else None
    if assessment is None:
        found, membership = get_writable_assessment(request, assessment_id, light=True)
        return services.relock_assessment(found, defer=services.LARGE_COLUMNS), membership
    membership = Membership(
        pk=assessment.member_pk,
        provider_id=assessment.service.provider_id,
        user=request.user,
        role=assessment.member_role,
    )
    membership = _usable(request, assessment, membership)
    _ensure_writes(membership)
    return assessment, membership


def _locked_for_member(public_id, user_id):
    # Joined (a person has one membership per provider), not subqueries: a join is the
    # cheaper statement to build and read.
    member = "service__provider__memberships__"
    return (
        Assessment.objects.select_related("service__provider", "questionnaire")
        .only(*LIGHT_COLUMNS, *SAVE_COLUMNS)
        .filter(public_id=public_id, **{f"{member}user_id": user_id})
        .annotate(member_pk=F(f"{member}pk"), member_role=F(f"{member}role"))
        .select_for_update(of=("self",))
        .order_by("pk")[:1]
    )


# Compiled once (portal.compiled): building this statement cost more than running it.
_LOCKED_FOR_MEMBER = Compiled(_locked_for_member, public_id=UUID, user_id=int)


def get_evidence(assessment: Assessment, evidence_id: UUID) -> Evidence:
    evidence = assessment.evidence.filter(public_id=evidence_id).first()
    if evidence is None:
        raise Http404(_("No such file."))
    return evidence
