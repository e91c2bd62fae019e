"""The pre-filing checks as the pages show them: results grouped by area, links resolved."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from filing.checks import NOT_AUTOMATED, CheckResult, Link, Report, run_checks
from filing.facts import FilingFacts, facts_for


@dataclass(frozen=True)
class Row:
    result: CheckResult
    links: list[tuple[str, str]]  # (text, url)


def provider_urls(assessment, facts: FilingFacts) -> Callable[[Link], str]:
    base = assessment.get_absolute_url()

    def url(link: Link) -> str:
        if link.kind == "evidence":
            return reverse(
                "assessments:evidence_download",
                kwargs={"assessment": assessment.public_id, "evidence": link.ref},
            )
        return f"{base}?domain={facts.domains.get(link.ref, '')}#q-{link.ref}"

    return url


def reviewer_urls(assessment, facts: FilingFacts) -> Callable[[Link], str]:
    base = reverse("reviews:detail", kwargs={"assessment": assessment.public_id})

    def url(link: Link) -> str:
        if link.kind == "evidence":
            return reverse(
                "reviews:evidence",
                kwargs={"assessment": assessment.public_id, "evidence": link.ref},
            )
        return f"{base}?domain={facts.domains.get(link.ref, '')}#q-{link.ref}"

    return url


def checks_context(assessment, *, reviewer: bool = False, facts: FilingFacts | None = None) -> dict:
    """What templates/filing/_checks.html needs, under the name `filing`. The review page may
    call this and include the partial, or load it from filing:review_checks."""
    facts = facts or facts_for(assessment)
    report: Report = run_checks(facts)
    url = (reviewer_urls if reviewer else provider_urls)(assessment, facts)
    groups = []
    for group in report.by_area():
        rows = [
            Row(r, [(link.label or link.ref, url(link)) for link in r.links])
            for r in group["results"]
        ]
        groups.append({**group, "rows": rows})
    return {
        "report": report,
        "groups": groups,
        "blocks": [Row(r, []) for r in report.blocks],
        "not_automated": NOT_AUTOMATED,
        "reviewer": reviewer,
        "assessment": assessment,
    }
