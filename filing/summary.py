"""An assessment's filing routes and the pre-filing checks that block them, stored with it.

Lists that filter and sort by route or by blocking checks (the portfolio, the review queue)
cannot run the checks per row: they take tens of milliseconds per assessment. So the result of
the same functions the review desk uses (`reviews.services.route_blocks`, `blocking_checks`) is
stored on the assessment (`filing_routes`, `blocking_count`). Nothing DECIDES on the stored
result: approval blockers, the checks page and filing packages run the checks afresh; the
stored one only fills and filters lists.

Every change of an input counts up `Assessment.edit_revision` in the transaction that makes
it; `summary_revision` is the revision the stored result was computed at. Where it is computed:

- an autosaved answer (the hot path): not in the request. `answer_save` holds the row lock,
  counts up the revision and, when the stored result was current until then (the first save
  of a burst), queues `refresh_summary` after the commit with a delay of SUMMARY_DELAY; the
  saves of the burst that follow find it outdated already and queue nothing. The task
  (`catch_up`) computes from the database as it is then and stores the result only if no
  input changed meanwhile (`UPDATE ... WHERE edit_revision = R`, a compare-and-set: a save in
  progress holds the row lock, so the update waits for it and then matches no row), and tries
  again if one did. So a burst yields one computation and an older result never overwrites a
  newer one. Queued through the outbox: with Redis down the save succeeds and the sweeper
  sends the task later; it also re-queues outdated summaries a dead worker left;
- evidence, analyses, upgrades, a new draft or version (`refresh_assessment`) and the
  submission (the checks then read the frozen snapshot): in the same transaction;
- the provider's facts, which a draft reads live, and the public disclosure text, which a
  draft (and a snapshot taken before the text was frozen into it) reads live: the post_save
  signals of `Provider` and `Disclosure` below mark the summaries outdated and queue the task;
- the service's facts (its profile decides which questions apply, so the draft's progress and
  score are refreshed with it): the post_save signal of `AIService`.

Assessments from before these fields existed are filled in after `migrate` (the post_migrate
receiver below; `manage.py recompute_scores` recomputes everything).

No blocking check reads the date (only warnings do, such as the age of the keyword list), so a
stored result does not go stale overnight. `tests/test_filing_summary.py` compares the stored
result with a fresh computation after each of these changes (running the queued task).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F, Q
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
    """Compute and store now. The caller holds the assessment's row lock (or nothing else
    writes it, as after `migrate`)."""
    assessment.filing_routes, assessment.blocking_count = compute(assessment, state)
    type(assessment).objects.filter(pk=assessment.pk).update(
        filing_routes=assessment.filing_routes,
        blocking_count=assessment.blocking_count,
        edit_revision=F("edit_revision") + 1,
        summary_revision=F("edit_revision") + 1,
    )


# Seconds between the first autosave of a burst and the computation: the saves that follow
# within it share that one computation (lists show the result this much later).
SUMMARY_DELAY = 2
# Compare-and-set attempts of one task while the answers keep changing; then it queues itself
# again (with the delay) rather than hold a worker.
CATCH_UP_ATTEMPTS = 3


def queue_refresh(assessment_pk: int, *, delay: int = SUMMARY_DELAY) -> None:
    """Queue `refresh_summary` for after the current transaction commits."""
    from filing.tasks import refresh_summary
    from outbox.services import dispatch

    dispatch(refresh_summary, assessment_pk, countdown=delay, tell=False)


def mark_outdated(assessments) -> None:
    """An input of these assessments' summaries changed outside `answer_save` (which keeps the
    row lock and queues only the first save of a burst): count up and queue each."""
    pks = list(assessments.values_list("pk", flat=True))
    if pks:
        assessments.model.objects.filter(pk__in=pks).update(edit_revision=F("edit_revision") + 1)
        for pk in pks:
            queue_refresh(pk, delay=0)


def catch_up(assessment_pk: int) -> bool:
    """Bring the stored summary up to the current revision; True when it is current (or the
    assessment is gone), False when it kept changing and the task was queued again."""
    from assessments.models import Assessment

    for _attempt in range(CATCH_UP_ATTEMPTS):
        assessment = _affected(Q(pk=assessment_pk)).first()
        if assessment is None or not assessment.summary_outdated:
            return True
        revision = assessment.edit_revision
        # Read after the revision: whatever committed before is in the computation, whatever
        # commits after it counted the revision up, and the update below then matches nothing.
        routes, count = compute(assessment)
        stored = Assessment.objects.filter(pk=assessment_pk, edit_revision=revision).update(
            filing_routes=routes, blocking_count=count, summary_revision=revision
        )
        if stored:
            return True
    with transaction.atomic():
        queue_refresh(assessment_pk)
    return False


def _affected(condition: Q):
    from assessments.models import Assessment

    return Assessment.objects.filter(condition).select_related(
        "service__provider", "service__disclosure", "questionnaire"
    )


@receiver(post_save, sender=Provider, dispatch_uid="filing-summary-provider")
def _provider_saved(sender, instance, created, raw=False, **kwargs):
    if not created and not raw:
        mark_outdated(_affected(Q(service__provider=instance, snapshot__isnull=True)))


@receiver(post_save, sender=AIService, dispatch_uid="filing-summary-service")
def _service_saved(sender, instance, created, raw=False, **kwargs):
    if not created and not raw:
        from assessments.services import refresh_locked

        for pk in _affected(Q(service=instance, snapshot__isnull=True)).values_list(
            "pk", flat=True
        ):
            refresh_locked(pk)


@receiver(post_save, sender=Disclosure, dispatch_uid="filing-summary-disclosure")
def _disclosure_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        live = Q(snapshot__isnull=True) | ~Q(snapshot__has_key="disclosure")
        mark_outdated(_affected(Q(service_id=instance.service_id) & live))


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
