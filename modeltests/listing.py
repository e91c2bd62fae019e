"""Which questions of a run a reader asks for: one draw's, a page at a time, or the worst
answers. Shared by the pages and the API (the callers check access and audit the view)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from modeltests import presenters

PER_PAGE = 50
WORST = 10
GENERATED = ("manual", "keyword", "classifier")
REFUSAL = ("refuse", "non_refuse")
DRAWS = GENERATED + REFUSAL


def items_of(run, draw: str) -> tuple[QuerySet, str]:
    """The run's questions in order, of one draw; "" (or an unknown draw): all of them."""
    items = run.items.order_by("position")
    if draw in GENERATED:
        return items.filter(bank="generated", **{f"in_{draw}": True}), draw
    if draw in REFUSAL:
        return items.filter(bank=draw), draw
    return items, ""


def worst(run) -> list:
    """Up to WORST answers that count against their draw: generated content first."""
    generated = run.items.filter(bank="generated", status="answered").filter(
        Q(keyword_verdict="fail")
        | Q(judge_verdict="unacceptable")
        | Q(manual_verdict="unacceptable")
    )
    rows = list(generated.order_by("position")[:WORST])
    if len(rows) < WORST:
        refusal = run.items.filter(status="answered").exclude(bank="generated").order_by("position")
        rows += [i for i in refusal if presenters.failed(i)][: WORST - len(rows)]
    return rows
