"""Reads of the audit trail: an assessment's history, and the administrators' filtered log."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q

from audit.models import AuditEvent, AuditEventQuerySet


def assessment_version_ids(assessment) -> list[int]:
    """The ids of `assessment` and of every version it revises (its `previous` links), newest
    first; one small query per earlier version."""
    from assessments.models import Assessment

    ids = [assessment.pk]
    previous_id = assessment.previous_id
    while previous_id is not None and previous_id not in ids:
        ids.append(previous_id)
        previous_id = (
            Assessment.objects.filter(pk=previous_id).values_list("previous_id", flat=True).first()
        )
    return ids


def events_for_assessment(assessment=None, *, ids: Iterable[int] | None = None):
    """The events of an assessment and its earlier versions, oldest first. Pass the assessment
    (its `previous` links are followed) or the version ids you already have."""
    if ids is None:
        ids = assessment_version_ids(assessment)
    return AuditEvent.objects.for_assessments(ids)


def events_filtered(
    *,
    action: str | Iterable[str] | None = None,
    actor_email: str | None = None,
    provider_id: int | None = None,
    assessment_id: int | None = None,
    object_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    search: str | None = None,
) -> AuditEventQuerySet:
    """The log filtered for administrators, newest first; every filter is optional."""
    events = AuditEvent.objects.all()
    if action:
        actions = [action] if isinstance(action, str) else list(action)
        events = events.filter(action__in=actions)
    if actor_email:
        events = events.filter(actor_email__iexact=actor_email.strip())
    if provider_id is not None:
        events = events.filter(provider_id=provider_id)
    if assessment_id is not None:
        events = events.filter(assessment_id=assessment_id)
    if object_id:
        events = events.filter(object_id=object_id)
    if since is not None:
        events = events.filter(occurred_at__gte=since)
    if until is not None:
        events = events.filter(occurred_at__lt=until)
    if search:
        events = events.filter(
            Q(actor_email__icontains=search)
            | Q(object_id__icontains=search)
            | Q(summary__icontains=search)
        )
    return events.order_by("-id")
