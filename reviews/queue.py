"""The reviewer queue: what waits for review, filtered and sorted in the query."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from accounts.models import User
from assessments.models import Assessment, Status
from providers.models import Membership

SORTS = {
    "submitted": "submitted_at",
    "-submitted": "-submitted_at",
    "due": "due_date",
    "provider": "service__provider__name_zh",
}
STATUSES = (Status.SUBMITTED, Status.IN_REVIEW, Status.CHANGES_REQUESTED)


@dataclass
class Filters:
    status: str = "open"
    assignee: str = "any"
    overdue: bool = False
    sort: str = "submitted"


def queue_for(reviewer: User, filters: Filters) -> QuerySet[Assessment]:
    own = Membership.objects.filter(user=reviewer, provider_id=OuterRef("service__provider_id"))
    queryset = Assessment.objects.exclude(Exists(own)).select_related(
        "service__provider", "assigned_to", "questionnaire"
    )
    if filters.status == "open":
        queryset = queryset.filter(status__in=(Status.SUBMITTED, Status.IN_REVIEW))
    elif filters.status in Status.values and filters.status != Status.DRAFT:
        queryset = queryset.filter(status=filters.status)
    else:
        queryset = queryset.exclude(status=Status.DRAFT)
    if filters.assignee == "me":
        queryset = queryset.filter(assigned_to=reviewer)
    elif filters.assignee == "unassigned":
        queryset = queryset.filter(assigned_to__isnull=True)
    if filters.overdue:
        queryset = queryset.filter(
            due_date__lt=timezone.localdate(), status__in=(Status.SUBMITTED, Status.IN_REVIEW)
        )
    return queryset.order_by(SORTS.get(filters.sort, "submitted_at"), "pk")
