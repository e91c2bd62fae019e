"""The portfolio page and its workbook (assessments.portfolio)."""

from __future__ import annotations

from collections import Counter

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from assessments import portfolio
from assessments.portfolio_export import workbook
from audit.models import Action
from audit.services import record_read
from filing.summary import ROUTE_LABELS
from portal.text import safe_filename

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
def portfolio_page(request: HttpRequest) -> HttpResponse:
    filters = portfolio.Filters.from_query(request.GET)
    services = portfolio.portfolio_for(request.user, filters)
    page = Paginator(services, portfolio.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/portfolio.html",
        {
            "rows": portfolio.rows_of(page),
            "page": page,
            "filters": filters,
            "providers": portfolio.providers_of(request.user),
            "status_choices": portfolio.status_choices(),
            "route_choices": [(code, str(label)) for code, label in ROUTE_LABELS.items()],
            "verdict_choices": portfolio.verdict_choices(),
            "due_choices": portfolio.DUE_CHOICES.items(),
            "sort_choices": [(code, label) for code, (label, _o) in portfolio.SORTS.items()],
            "export_query": query.urlencode(),
        },
    )


@require_GET
def portfolio_export(request: HttpRequest) -> HttpResponse:
    """What the filters select, all pages, in the order shown."""
    filters = portfolio.Filters.from_query(request.GET)
    rows = portfolio.rows_of(portfolio.portfolio_for(request.user, filters))
    # On each provider's audit trail: who took its services' figures away, and how many.
    counts = Counter(row.provider for row in rows)
    for provider, count in sorted(counts.items(), key=lambda item: item[0].pk):
        # Not waiting for the audit chain's lock behind a long audited write (record_read).
        record_read(
            Action.PORTFOLIO_EXPORTED,
            provider=provider,
            obj=provider,
            summary=provider.name_zh,
            after={"services_exported": count},
            request=request,
        )
    name = safe_filename(f"{_('Portfolio')}-{timezone.localdate().isoformat()}.xlsx")
    response = HttpResponse(workbook(rows), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
