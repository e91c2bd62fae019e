"""An assessment's filing routes and the pre-filing checks that block them, stored with it.

Lists that filter and sort by route or by blocking checks (the portfolio, the review queue)
cannot run the checks per row: they take tens of milliseconds per assessment. So the result of
the same functions the review desk uses (`reviews.services.route_blocks`, `blocking_checks`) is
stored on the assessment (`filing_routes`, `blocking_count`) and recomputed wherever an input
changes, in the same transaction:

- a draft's answers, evidence and analyses: `assessments.services.refresh_assessment`;
- submission (the checks then read the frozen snapshot): `assessment_submit`;
- the provider's facts, which a draft reads live: the post_save signal of `Provider` below;
- the service's facts (its profile decides which questions apply, so the draft's progress and
  score are refreshed with it): the post_save signal of `AIService`;
- the public disclosure text, which a draft (and a snapshot taken before the text was
  frozen into it) reads live: the post_save signal of `Disclosure`.

Assessments from before these fields existed are filled in after `migrate` (the post_migrate
receiver below; `manage.py recompute_scores` recomputes everything).

No blocking check reads the date (only warnings do, such as the age of the keyword list), so a
stored result does not go stale overnight. `tests/test_filing_summary.py` compares the stored
result with a fresh computation after each of these changes.
"""

from __future__ import annotations

import logging

from django.db.models import Q
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from filing.facts import facts_for
from filing.models import Disclosure, PackageRoute
from providers.models import AIService, Provider

logger = logging.getLogger(__name__)

UNDETERMINED = "undetermined"
NO_FILING = "none"
# Every route code the library loader accepts (library.loading.ROUTES; a test keeps the two
# equal), by the short label lists and filters show.
ROUTE_LABELS = {
    **dict(PackageRoute.choices),
    "anthropomorphic_assessment": _("Anthropomorphic-service security assessment"),
    UNDETERMINED: _("Route undetermined"),
    NO_FILING: _("No filing required"),
}
# The order of the questionnaires' route lists; lists show routes in it.
ROUTE_ORDER = tuple(ROUTE_LABELS)


def route_label(code: str) -> str:
    return str(ROUTE_LABELS.get(code, _("Other route")))


def route_codes(stored) -> list[str]:
    """The stored routes in their usual order (the database keeps JSON keys in its own)."""
    stored = stored or {}
    known = [code for code in ROUTE_ORDER if code in stored]
    return known + sorted(code for code in stored if code not in ROUTE_LABELS)


def compute(assessment, state=None) -> tuple[dict[str, list[str]], int]:
    """Route code -> codes of the checks blocking its package (empty for a route without a
    package, such as "no filing required"), and the number of distinct blocking checks."""
    from reviews.services import blocking_checks, route_blocks

    facts = facts_for(assessment, state=None if assessment.snapshot else state)
    routes = route_blocks(assessment, facts)
    blocked = {r.code: [check.code for check in r.blocks] for r in routes}
    return {code: blocked.get(code, []) for code in facts.routes}, len(blocking_checks(routes))


def store(assessment, state=None) -> None:
    assessment.filing_routes, assessment.blocking_count = compute(assessment, state)
    type(assessment).objects.filter(pk=assessment.pk).update(
        filing_routes=assessment.filing_routes, blocking_count=assessment.blocking_count
    )


def _affected(condition: Q):
    from assessments.models import Assessment

    return Assessment.objects.filter(condition).select_related(
        "service__provider", "service__disclosure", "questionnaire"
    )


@receiver(post_save, sender=Provider, dispatch_uid="filing-summary-provider")
def _provider_saved(sender, instance, created, raw=False, **kwargs):
    if not created and not raw:
        for assessment in _affected(Q(service__provider=instance, snapshot__isnull=True)):
            store(assessment)


@receiver(post_save, sender=AIService, dispatch_uid="filing-summary-service")
def _service_saved(sender, instance, created, raw=False, **kwargs):
    if not created and not raw:
        from assessments.services import refresh_assessment

        for assessment in _affected(Q(service=instance, snapshot__isnull=True)):
            refresh_assessment(assessment)


@receiver(post_save, sender=Disclosure, dispatch_uid="filing-summary-disclosure")
def _disclosure_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        live = Q(snapshot__isnull=True) | ~Q(snapshot__has_key="disclosure")
        for assessment in _affected(Q(service_id=instance.service_id) & live):
            store(assessment)


def fill_missing(**kwargs) -> int:
    """Compute the summary of every assessment that has none yet; one query when all have one.
    An assessment whose checks fail is logged and left empty (shown as "—"), not a failed
    migration."""
    filled = 0
    for assessment in _affected(Q(blocking_count__isnull=True)).iterator(chunk_size=100):
        try:
            store(assessment)
        except Exception:
            logger.exception("filing summary of assessment %s", assessment.pk)
        else:
            filled += 1
    return filled


def _migrated(sender, **kwargs):
    # Sent after all migrations have run (so the schema is the one the checks' queries expect),
    # once for this app per `migrate`.
    fill_missing()
