"""The reviewer queue: what waits for review, filtered and sorted in the query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from assessments.models import Assessment, Status
from filing.summary import ROUTE_LABELS
from portal.text import strip_controls
from providers.models import Membership

SORTS = {
    "submitted": "submitted_at",
    "-submitted": "-submitted_at",
    "due": "due_date",
    "provider": "service__provider__name_zh",
}
STATUSES = (Status.SUBMITTED, Status.IN_REVIEW, Status.CHANGES_REQUESTED)


PAGE_SIZE = 25
DUE_CHOICES = ("any", "overdue", "week", "none")


@dataclass
class Filters:
    status: str = "open"
    assignee: str = "any"
    overdue: bool = False
    sort: str = "submitted"
    search: str = ""  # provider (Chinese or English name, credit code) or service name
    due: str = "any"  # overdue, due within a week, without a due date
    route: str = "any"  # a filing route code (filing.summary.ROUTE_LABELS)

    @classmethod
    def from_query(cls, query) -> Filters:
        due = query.get("due", "any")
        if query.get("overdue") == "1":  # the older link form
            due = "overdue"
        return cls(
            status=query.get("status", "open"),
            assignee=query.get("assignee", "any"),
            overdue=due == "overdue",
            sort=query.get("sort", "submitted"),
            search=strip_controls(query.get("q", "")).strip()[:200],
            due=due if due in DUE_CHOICES else "any",
            route=query.get("route") if query.get("route") in ROUTE_LABELS else "any",
        )


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
    today = timezone.localdate()
    if filters.overdue or filters.due == "overdue":
        queryset = queryset.filter(
            due_date__lt=today, status__in=(Status.SUBMITTED, Status.IN_REVIEW)
        )
    elif filters.due == "week":
        queryset = queryset.filter(due_date__gte=today, due_date__lte=today + timedelta(days=7))
    elif filters.due == "none":
        queryset = queryset.filter(due_date__isnull=True)
    if filters.route != "any":
        # Stored with the assessment by filing.summary, from the same checks as the review page.
        queryset = queryset.filter(filing_routes__has_key=filters.route)
    if filters.search:
        term = filters.search
        queryset = queryset.filter(
            Q(service__provider__name_zh__icontains=term)
            | Q(service__provider__name_en__icontains=term)
            | Q(service__provider__credit_code__iexact=term)
            | Q(service__name__icontains=term)
        )
    return queryset.order_by(SORTS.get(filters.sort, "submitted_at"), "pk")
