"""The provider dashboard: each service with its current assessment and what needs attention."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.models import Assessment, Status
from providers.models import AIService, Provider


@dataclass
class Row:
    service: AIService
    current: Assessment | None
    count: int
    attention: list[str]

    @property
    def score(self):
        score = (self.current.self_score or {}) if self.current else {}
        return score.get("overall")

    @property
    def verdict(self):
        score = (self.current.self_score or {}) if self.current else {}
        return score.get("verdict")


def _attention(service: AIService, current: Assessment | None) -> list[str]:
    notes = []
    if current is None:
        notes.append(_("No self-assessment yet."))
        return notes
    if current.status == Status.CHANGES_REQUESTED:
        notes.append(_("A reviewer asked for changes."))
    elif current.status == Status.DRAFT:
        missing = current.remaining_count
        if missing:
            notes.append(
                ngettext("%(n)d answer to go.", "%(n)d answers to go.", missing) % {"n": missing}
            )
        else:
            notes.append(_("Ready to submit."))
    failed = (current.self_score or {}).get("red_lines") or []
    failed_codes = [r["code"] for r in failed if r.get("status") == "failed"]
    if failed_codes:
        notes.append(_("Red lines failed: %(codes)s") % {"codes": ", ".join(failed_codes)})
    return notes


def dashboard_rows(provider: Provider) -> list[Row]:
    """One query for services and one for all their assessments, whatever their number."""
    services = provider.services.order_by("name").prefetch_related(
        Prefetch("assessments", queryset=Assessment.objects.order_by("-created_at"))
    )
    rows = []
    for service in services:
        assessments = list(service.assessments.all())
        current = assessments[0] if assessments else None
        rows.append(Row(service, current, len(assessments), _attention(service, current)))
    return rows
