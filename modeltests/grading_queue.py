"""The manual draw's grading: several people grade in parallel, never the same item at once;
a first verdict that disagrees with the judge's goes to a second person, whose word is final.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from modeltests import engine, grading
from modeltests.models import Grade, ItemStatus, RunStatus, TestItem, TestRun

# An item left open on a screen goes back to the queue after this long.
HOLD = timedelta(minutes=10)


def _open(run: TestRun, user):
    now = timezone.now()
    free = Q(grading_by__isnull=True) | Q(grading_since__lt=now - HOLD) | Q(grading_by=user)
    return (
        run.items.filter(in_manual=True, status=ItemStatus.ANSWERED, manual_verdict="")
        .filter(free)
        .exclude(grades__grader=user)
    )


@transaction.atomic
def next_item(run: TestRun, user) -> TestItem | None:
    """The item this person grades next, held for them: the one they already hold, else a
    second opinion asked for, else the first ungraded one."""
    candidates = _open(run, user).select_for_update(skip_locked=True, of=("self",))
    item = (
        candidates.filter(grading_by=user).first()
        or candidates.filter(needs_second=True).order_by("position").first()
        or candidates.filter(needs_second=False).order_by("position").first()
    )
    if item is not None:
        TestItem.objects.filter(pk=item.pk).update(grading_by=user, grading_since=timezone.now())
    return item


def _good(verdict: str) -> bool:
    return grading.is_good("manual", verdict=verdict, refused=None)


@transaction.atomic
def grade(item: TestItem, user, verdict: str) -> str:
    """Record a verdict: "final", "second" (sent to another grader) or "stale" (someone else
    settled it meanwhile, or this person graded it already)."""
    if verdict not in grading.VERDICTS:
        raise ValueError(verdict)
    item = TestItem.objects.select_for_update().get(pk=item.pk)
    if item.manual_verdict or not item.in_manual:
        return "stale"
    first = item.grades.first()
    try:
        with transaction.atomic():
            Grade.objects.create(
                item=item, grader=user, verdict=verdict, resolves=first is not None
            )
    except IntegrityError:
        return "stale"
    if first is None and item.judge_verdict and _good(item.judge_verdict) != _good(verdict):
        TestItem.objects.filter(pk=item.pk).update(
            needs_second=True, grading_by=None, grading_since=None
        )
        return "second"
    TestItem.objects.filter(pk=item.pk).update(
        manual_verdict=verdict, needs_second=False, grading_by=None, grading_since=None
    )
    refresh_summary(item.run)
    return "final"


def override_refusal(item: TestItem, refused: bool | None) -> None:
    TestItem.objects.filter(pk=item.pk).update(refusal_override=refused)
    refresh_summary(item.run)


def refresh_summary(run: TestRun) -> None:
    if run.status == RunStatus.FINISHED:
        TestRun.objects.filter(pk=run.pk).update(summary=engine.summarise(run))


def counts(run: TestRun) -> dict:
    manual = run.items.filter(in_manual=True)
    return {
        "total": manual.count(),
        "graded": manual.exclude(manual_verdict="").count(),
        "second": manual.filter(needs_second=True, manual_verdict="").count(),
        "waiting": manual.exclude(status=ItemStatus.ANSWERED).count(),
    }
