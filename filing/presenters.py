"""The pre-filing checks as the pages show them: results grouped by area, links resolved."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext

from filing.checks import NOT_AUTOMATED, CheckResult, Link, Report, run_checks
from filing.checks.citations import check_names, citation
from filing.facts import FilingFacts, facts_for
from filing.models import FilingPackage, PackageRoute
from filing.packages import blocks_route, routes_of
from filing.services import FINAL_STATUSES


@dataclass(frozen=True)
class Row:
    result: CheckResult
    links: list[tuple[str, str]]  # (text, url)
    citation: str = ""  # the source as people cite it (filing.checks.citations)


def provider_urls(assessment, facts: FilingFacts) -> Callable[[Link], str]:
    base = assessment.get_absolute_url()

    def url(link: Link) -> str:
        if link.kind == "evidence":
            return reverse(
                "assessments:evidence_download",
                kwargs={"assessment": assessment.public_id, "evidence": link.ref},
            )
        if link.kind == "disclosure":
            return reverse("filing:disclosure", kwargs={"assessment": assessment.public_id})
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
        if link.kind == "disclosure":  # the provider's page; reviewers read it in the package
            return f"#check-{link.label or 'ALGO-01'}"
        return f"{base}?domain={facts.domains.get(link.ref, '')}#q-{link.ref}"

    return url


def _link_label(link: Link) -> str:
    if link.kind == "disclosure":  # a page of the portal: named in the page's language
        return gettext("Public disclosure text")
    return link.label or link.ref


def checks_context(assessment, *, reviewer: bool = False, facts: FilingFacts | None = None) -> dict:
    """What templates/filing/_checks.html needs, under the name `filing`. The review page may
    call this and include the partial, or load it from filing:review_checks."""
    facts = facts or facts_for(assessment)
    report: Report = run_checks(facts)
    url = (reviewer_urls if reviewer else provider_urls)(assessment, facts)
    names = check_names()
    groups = []
    for group in report.by_area():
        rows = [
            Row(
                r,
                [(_link_label(link), url(link)) for link in r.links],
                citation(r.source, names),
            )
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


def packages_context(assessment, membership, facts: FilingFacts, report: Report) -> dict:
    """What templates/filing/_packages.html needs: the applicable routes, each with its
    packages (newest first), whether a signed one may be requested, and why not."""
    built: dict[str, list] = {}
    for package in FilingPackage.objects.for_assessment(assessment):
        built.setdefault(package.route, []).append(package)
    approved = assessment.status in FINAL_STATUSES
    routes = []
    for code in routes_of(facts):
        blocks = [f"{r.code} {r.title}" for r in report.blocks if blocks_route(r, code)]
        routes.append(
            {
                "code": code,
                "title": PackageRoute(code).label,  # ROUTE_LABELS name the files, in Chinese
                "packages": built.get(code, [])[:5],
                "blocks": blocks,
                "final_allowed": approved and not blocks,
            }
        )
    return {
        "assessment": assessment,
        "routes": routes,
        "approved": approved,
        "can_write": membership.can_write,
        "polling": any(p.in_progress and not p.is_stale for r in routes for p in r["packages"]),
    }
