"""The portfolio: every service of every provider a person belongs to, with its current
assessment, filtered and sorted in the database.

A group compliance team or a consultancy sees dozens of services at once, so nothing here is
computed per row: the figures are the ones stored with each assessment (progress and score by
`assessments.services.refresh_assessment`, filing routes and blocking pre-filing checks by
`filing.summary`). A page costs the same queries whatever the number of services: the count,
the page of services with the figures that filter and sort, and the current assessments of the
page.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Answer, Assessment, Status
from assessments.scoring import VERDICT_LABELS, Verdict
from filing.summary import ROUTE_LABELS, route_codes, route_label
from library.i18n import text_language
from portal.text import strip_controls
from providers.models import AIService, Provider

PAGE_SIZE = 25
NO_ASSESSMENT = "none"
DUE_SOON_DAYS = 30
DUE_CHOICES = {
    "overdue": _("Overdue"),
    "soon": _("Due within 30 days"),
    "none": _("No due date"),
}
SORTS = {
    "provider": (_("Provider"), ("provider__name_zh", "name")),
    "service": (_("Service"), ("name", "provider__name_zh")),
    "status": (_("Status"), ("current_status", "provider__name_zh", "name")),
    "progress": (_("Least progress first"), ("current_percent", "provider__name_zh", "name")),
    "score": (_("Lowest score first"), ("current_score", "provider__name_zh", "name")),
    "blocking": (
        _("Most blocking checks first"),
        ("-current_blocking", "provider__name_zh", "name"),
    ),
    "due": (_("Review due"), ("current_due", "provider__name_zh", "name")),
    "remediation": (_("Remediation due"), ("current_remediation", "provider__name_zh", "name")),
    "updated": (_("Last change"), ("-current_updated", "provider__name_zh", "name")),
}
# Assessments wait for a reviewer by their review due date only while they are in review.
REVIEW_PENDING = (Status.SUBMITTED, Status.IN_REVIEW)


def verdict_label(code: str | None) -> str:
    if not code or code not in VERDICT_LABELS:
        return ""
    zh, en = VERDICT_LABELS[code]
    return en if text_language() == "en" else zh


def verdict_choices() -> list[tuple[str, str]]:
    return [(str(v), verdict_label(v)) for v in Verdict]


def status_choices() -> list[tuple[str, str]]:
    return [(NO_ASSESSMENT, str(_("No assessment yet"))), *Status.choices]


@dataclass
class Filters:
    search: str = ""
    provider: str = ""  # a provider's public id
    status: str = ""
    route: str = ""
    verdict: str = ""
    due: str = ""
    sort: str = "provider"

    @classmethod
    def from_query(cls, query) -> Filters:
        def pick(name: str, allowed) -> str:
            value = query.get(name, "")
            return value if value in allowed else ""

        return cls(
            search=strip_controls(query.get("q", "")).strip()[:200],
            provider=_uuid(query.get("provider", "")),
            status=pick("status", {NO_ASSESSMENT, *Status.values}),
            route=pick("route", ROUTE_LABELS),
            verdict=pick("verdict", {str(v) for v in Verdict}),
            due=pick("due", DUE_CHOICES),
            sort=pick("sort", SORTS) or "provider",
        )

    @property
    def active(self) -> bool:
        return any((self.search, self.provider, self.status, self.route, self.verdict, self.due))


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        return ""


def _score(field: str):
    return Cast(KeyTextTransform("overall", field), FloatField())


def portfolio_for(user, filters: Filters) -> QuerySet[AIService]:
    """The user's services (tenant scoping: AIService.objects.for_user) with their current
    (newest) assessment's figures as annotations, filtered and sorted."""
    newest = Assessment.objects.filter(service=OuterRef("pk")).order_by("-created_at", "-pk")
    services = (
        AIService.objects.for_user(user)
        .select_related("provider")
        .annotate(current_pk=Subquery(newest.values("pk")[:1]))
    )
    current = Assessment.objects.filter(pk=OuterRef("current_pk"))

    def of_current(expression):
        return Subquery(current.annotate(value=expression).values("value")[:1])

    remediation = (
        Answer.objects.filter(assessment=OuterRef("current_pk"), remediation_due__isnull=False)
        .values("assessment")
        .annotate(first=Min("remediation_due"))
        .values("first")[:1]
    )
    services = services.annotate(
        current_status=of_current(F("status")),
        current_percent=of_current(
            Case(
                When(applicable_count=0, then=Value(0)),
                default=F("answered_count") * 100 / F("applicable_count"),
                output_field=IntegerField(),
            )
        ),
        current_score=of_current(Coalesce(_score("reviewed_score"), _score("self_score"))),
        current_verdict=of_current(
            Coalesce(
                KeyTextTransform("verdict", "reviewed_score"),
                KeyTextTransform("verdict", "self_score"),
            )
        ),
        current_blocking=of_current(F("blocking_count")),
        current_due=of_current(
            Case(When(status__in=REVIEW_PENDING, then=F("due_date")), default=None)
        ),
        current_remediation=Subquery(remediation),
        current_updated=of_current(F("updated_at")),
    )
    return _filtered(services, filters, current).order_by(*_ordering(filters.sort), "pk")


def _ordering(sort: str):
    """Empty values last in both directions, on PostgreSQL and SQLite alike."""
    return [
        F(name[1:]).desc(nulls_last=True) if name.startswith("-") else F(name).asc(nulls_last=True)
        for name in SORTS[sort][1]
    ]


def _filtered(services, filters: Filters, current) -> QuerySet[AIService]:
    if filters.search:
        term = filters.search
        services = services.filter(
            Q(name__icontains=term)
            | Q(provider__name_zh__icontains=term)
            | Q(provider__name_en__icontains=term)
            | Q(provider__credit_code__iexact=term)
        )
    if filters.provider:
        services = services.filter(provider__public_id=filters.provider)
    if filters.status == NO_ASSESSMENT:
        services = services.filter(current_pk__isnull=True)
    elif filters.status:
        services = services.filter(current_status=filters.status)
    if filters.route:
        services = services.filter(Exists(current.filter(filing_routes__has_key=filters.route)))
    if filters.verdict:
        services = services.filter(current_verdict=filters.verdict)
    today = timezone.localdate()
    if filters.due == "overdue":
        services = services.filter(Q(current_due__lt=today) | Q(current_remediation__lt=today))
    elif filters.due == "soon":
        window = (today, today + timedelta(days=DUE_SOON_DAYS))
        services = services.filter(
            Q(current_due__range=window) | Q(current_remediation__range=window)
        )
    elif filters.due == "none":
        services = services.filter(current_due__isnull=True, current_remediation__isnull=True)
    return services


@dataclass
class Row:
    service: AIService
    current: Assessment | None
    remediation_due: date | None

    @property
    def provider(self) -> Provider:
        return self.service.provider

    @property
    def routes(self) -> list[str]:
        return [route_label(c) for c in route_codes(self.current and self.current.filing_routes)]

    @property
    def score(self) -> float | None:
        if self.current is None:
            return None
        score = self.current.reviewed_score or self.current.self_score or {}
        return score.get("overall")

    @property
    def advisory(self) -> str | None:
        """`3 / 12`: the advisory questions that conform, of those that apply (outside the
        score); None when none applies."""
        if self.current is None:
            return None
        score = self.current.reviewed_score or self.current.self_score or {}
        advisory = score.get("advisory") or {}
        if not advisory.get("applicable"):
            return None
        return f"{advisory['conforming']} / {advisory['applicable']}"

    @property
    def verdict_code(self) -> str:
        if self.current is None:
            return ""
        score = self.current.reviewed_score or self.current.self_score or {}
        return score.get("verdict") or ""

    @property
    def verdict(self) -> str:
        return verdict_label(self.verdict_code)

    @property
    def remediation_overdue(self) -> bool:
        return self.remediation_due is not None and self.remediation_due < timezone.localdate()

    @property
    def reviewed(self) -> bool:
        return bool(self.current and self.current.reviewed_score)

    @property
    def review_due(self) -> date | None:
        if self.current is None or self.current.status not in REVIEW_PENDING:
            return None
        return self.current.due_date

    @property
    def status_label(self) -> str:
        return str(self.current.get_status_display() if self.current else _("No assessment yet"))


# What a row shows of its assessment; the snapshot (the whole submitted answers) stays behind.
CURRENT_FIELDS = (
    "public_id",
    "service_id",
    "version",
    "status",
    "answered_count",
    "applicable_count",
    "self_score",
    "reviewed_score",
    "filing_routes",
    "blocking_count",
    "edit_revision",  # with summary_revision: routes and checks still being updated
    "summary_revision",
    "due_date",
    "submitted_at",
    "updated_at",
)


def rows_of(services) -> list[Row]:
    """Rows for a page (or the whole export) of `portfolio_for`: one query for the current
    assessments, whatever their number."""
    services = list(services)
    ids = [s.current_pk for s in services if s.current_pk]
    current = {a.pk: a for a in Assessment.objects.filter(pk__in=ids).only(*CURRENT_FIELDS)}
    return [Row(s, current.get(s.current_pk), s.current_remediation) for s in services]


def providers_of(user) -> QuerySet[Provider]:
    return Provider.objects.for_user(user).order_by("name_zh")
