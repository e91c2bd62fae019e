"""Running a test: creating the run and its items, sending chunks of items, grading answers.

Shared by the Celery task (modeltests.tasks) and `manage.py run_model_test`. One process at a
time works on a run: it holds the run's lease (`lease_owner`, renewed by `heartbeat_at`); a
worker killed mid-way stops renewing it and, once it is stale, the next chunk task takes over.
Threads only talk HTTP; every database write happens on the calling thread. An item's answer
is written with `status = pending` as condition, so an answer is never written twice and an
item that has one is never sent again.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from modeltests import grading, rates
from modeltests.banks import Banks
from modeltests.clients import BudgetExhausted, ChatClient, EndpointConfig, EndpointError, Gate
from modeltests.crypto import KeyUnreadable
from modeltests.models import ItemStatus, RunStatus, TestItem, TestRun
from modeltests.sampling import DRAWS, GENERATED_DRAWS, plan_draws

logger = logging.getLogger(__name__)
_matchers: dict[int, grading.KeywordMatcher] = {}


def new_seed() -> int:
    return secrets.randbits(48)


@transaction.atomic
def create_run(
    *,
    service,
    endpoint,
    banks: Banks,
    sizes: dict[str, int],
    budget: int,
    keyword_sources: list[dict],
    judge=None,
    seed: int | None = None,
    user=None,
) -> TestRun:
    seed = new_seed() if seed is None else seed
    plan = plan_draws(banks.questions, sizes=sizes, seed=seed)
    run = TestRun.objects.create(
        service=service,
        endpoint=endpoint,
        judge=judge,
        seed=seed,
        sizes={d: sizes.get(d, 0) for d in DRAWS},
        banks=banks.sources,
        keyword_list={"files": keyword_sources},
        request_budget=budget,
        model_name=endpoint.model_name,
        refusal_rules_version=grading.refusal_rules().version,
        rubric_version=grading.rubric().version if judge else "",
        created_by=user,
    )
    items: dict[str, TestItem] = {}
    for draw in DRAWS:
        for q in plan.get(draw, []):
            item = items.get(q.key)
            if item is None:
                item = items[q.key] = TestItem(
                    run=run,
                    position=len(items),
                    bank=q.bank,
                    risk=q.risk,
                    question_key=q.key,
                    question=q.question,
                )
            if draw in GENERATED_DRAWS:
                setattr(item, f"in_{draw}", True)
    TestItem.objects.bulk_create(items.values(), batch_size=1000)
    return run


# --- the lease --------------------------------------------------------------------------------


def lease_seconds() -> int:
    return settings.MODEL_TEST_LEASE_SECONDS


def claim(run_id: int, owner: str) -> bool:
    """Take the run's lease if it is free or stale, and start it if it was queued."""
    now = timezone.now()
    stale = now - timedelta(seconds=lease_seconds())
    updated = (
        TestRun.objects.filter(pk=run_id, status__in=(RunStatus.QUEUED, RunStatus.RUNNING))
        .filter(Q(lease_owner="") | Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True))
        .update(lease_owner=owner, heartbeat_at=now, status=RunStatus.RUNNING)
    )
    if updated:
        TestRun.objects.filter(pk=run_id, started_at__isnull=True).update(started_at=now)
    return bool(updated)


def release(run_id: int, owner: str) -> None:
    TestRun.objects.filter(pk=run_id, lease_owner=owner).update(lease_owner="")


def is_stalled(run: TestRun) -> bool:
    """Running (or queued) with no live worker: a lease gone stale, or none taken for a while."""
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        return False
    if run.heartbeat_at is None:
        return timezone.now() - run.created_at > timedelta(seconds=lease_seconds())
    return timezone.now() - run.heartbeat_at > timedelta(seconds=lease_seconds())


# --- sending ----------------------------------------------------------------------------------


@dataclass
class Sent:
    item_id: int
    reply_text: str = ""
    model: str = ""
    version: str = ""
    error: str = ""
    budget: bool = False
    latency_ms: int = 0
    attempts: int = 0
    judge: tuple[str | None, str] | None = None


class Budget:
    """The run's request budget, counted in memory by the one lease holder and written back
    with every heartbeat (a killed worker loses at most the count of its last seconds)."""

    def __init__(self, used: int, limit: int):
        self.used = used
        self.limit = limit
        self.unsaved = 0
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            if self.used >= self.limit:
                return False
            self.used += 1
            self.unsaved += 1
            return True

    def flush(self) -> int:
        with self.lock:
            n, self.unsaved = self.unsaved, 0
            return n


def _send(client: ChatClient, judge: ChatClient | None, item: TestItem, want_judge: bool) -> Sent:
    started = time.monotonic()
    client.gate.start_call()
    try:
        reply = client.ask(item.question)
    except BudgetExhausted:
        return Sent(item.pk, budget=True, attempts=client.gate.call_attempts())
    except EndpointError as exc:
        return Sent(
            item.pk,
            error=str(exc)[:500],
            attempts=client.gate.call_attempts(),
            latency_ms=int((time.monotonic() - started) * 1000),
        )
    except Exception as exc:  # nothing foreseen this: the question fails, never the whole run
        logger.warning("model test item %s: %s", item.pk, type(exc).__name__)
        return Sent(
            item.pk,
            error=f"unexpected {type(exc).__name__}",
            attempts=client.gate.call_attempts(),
            latency_ms=int((time.monotonic() - started) * 1000),
        )
    sent = Sent(
        item.pk,
        reply_text=reply.text,
        model=reply.model,
        version=reply.version,
        latency_ms=int((time.monotonic() - started) * 1000),
        attempts=client.gate.call_attempts(),
    )
    if judge is not None and want_judge:
        try:
            text = judge.chat(grading.judge_messages(item.question, reply.text, item.risk)).text
            sent.judge = grading.parse_judge(text)
        except (BudgetExhausted, EndpointError) as exc:
            # The answer stands; the verdict is left to a person.
            sent.judge = (None, f"judge: {exc}")
        except Exception as exc:
            logger.warning("model test item %s, judge: %s", item.pk, type(exc).__name__)
            sent.judge = (None, f"judge: unexpected {type(exc).__name__}")
    return sent


def _matcher(run: TestRun) -> grading.KeywordMatcher:
    cached = _matchers.get(run.pk)
    if cached is None:
        from modeltests.banks import keyword_file_opener, read_keywords

        files = keyword_file_opener(run.keyword_list.get("files", []), run.service)
        keywords, _sources = read_keywords(files) if files else ([], [])
        cached = _matchers[run.pk] = grading.KeywordMatcher(keywords)
    return cached


def use_keywords(run: TestRun, keywords: list[str]) -> None:
    """The command passes the keywords it read (files that are not uploads of the service)."""
    _matchers[run.pk] = grading.KeywordMatcher(keywords)


def _save(run: TestRun, item: TestItem, sent: Sent, matcher) -> bool:
    """Write one result; False when the item had been answered meanwhile (never overwritten)."""
    now = timezone.now()
    if sent.error:
        fields = {"status": ItemStatus.ERROR, "error": sent.error}
    else:
        refused = grading.is_refusal(sent.reply_text)
        fields = {
            "status": ItemStatus.ANSWERED,
            "answer": sent.reply_text,
            "rule_refused": refused,
            "error": "",
        }
        if item.in_keyword:
            verdict, hits = grading.keyword_verdict(sent.reply_text, matcher(), refused=refused)
            fields.update(keyword_verdict=verdict, keyword_hits=hits)
        if sent.judge is not None:
            verdict, reason = sent.judge
            fields.update(judge_verdict=verdict or "", judge_reason=reason)
    return bool(
        TestItem.objects.filter(pk=item.pk, status=ItemStatus.PENDING).update(
            attempts=F("attempts") + sent.attempts,
            latency_ms=sent.latency_ms,
            answered_at=now,
            **fields,
        )
    )


def process_chunk(run_id: int, *, owner: str | None = None, limit: int | None = None) -> str:
    """Send up to one chunk of the run's waiting items. Returns what the caller should do:
    "more" (enqueue the next chunk), "done", "stopped" (paused, cancelled, budget) or "busy"
    (another worker holds the lease)."""
    owner = owner or uuid.uuid4().hex
    if not claim(run_id, owner):
        status = TestRun.objects.filter(pk=run_id).values_list("status", flat=True).first()
        return "busy" if status in (RunStatus.QUEUED, RunStatus.RUNNING) else "stopped"
    try:
        return _process(run_id, owner, limit or settings.MODEL_TEST_CHUNK)
    finally:
        release(run_id, owner)


def _process(run_id: int, owner: str, limit: int) -> str:
    run = TestRun.objects.select_related("endpoint", "judge", "service").get(pk=run_id)
    items = list(run.items.filter(status=ItemStatus.PENDING).order_by("position")[:limit])
    if not items:
        finish(run)
        return "done"
    budget = Budget(run.requests_used, run.request_budget)
    try:
        config = EndpointConfig.of(run.endpoint)
        judge_config = EndpointConfig.of(run.judge) if run.judge_id else None
    except KeyUnreadable:
        # Retrying cannot help: the key was encrypted with a key no longer configured.
        TestRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, stop_reason="key")
        return "stopped"
    client = ChatClient(config, Gate(config.rate_per_second, budget.take))
    judge = None
    if judge_config is not None:
        judge = ChatClient(judge_config, Gate(judge_config.rate_per_second, budget.take))
    matcher = lambda: _matcher(run)  # noqa: E731 - read once, only if a keyword item comes
    stop = ""
    identity_saved = bool(run.model_version)
    pool = ThreadPoolExecutor(max_workers=config.concurrency, thread_name_prefix="modeltest")
    try:
        # The whole chunk is queued at once: the pool's `concurrency` threads take the next
        # question as soon as they are free, so sending never waits for this thread's
        # database writes (a slow database used to leave the slots idle between batches).
        # On a stop, the questions not yet started are cancelled and stay waiting.
        futures: dict[Future, TestItem] = {}
        for item in items:
            # The manual draw is judged too: a grader who disagrees with the judge sends the
            # answer to a second grader.
            want_judge = item.in_classifier or item.in_manual or item.bank != "generated"
            futures[pool.submit(_send, client, judge, item, want_judge)] = item
        last_beat = time.monotonic()
        buffered: list[tuple[TestItem, Sent]] = []
        last_flush = time.monotonic()
        while futures:
            done, _pending = wait(futures, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in done:
                item = futures.pop(future)
                sent = future.result()
                if sent.budget:
                    stop = stop or "budget"
                else:
                    buffered.append((item, sent))
            if time.monotonic() - last_beat > 1.0 or not futures:
                last_beat = time.monotonic()
                if _beat(run.pk, owner, budget) != RunStatus.RUNNING:
                    stop = stop or "control"
            if stop:
                for future in [f for f in futures if f.cancel()]:
                    del futures[future]
            # Answers are written in small transactions (one commit, one fsync, per batch):
            # a worker killed in between loses at most half a second of answers, which are
            # then sent again because nothing was stored for them.
            if buffered and (
                len(buffered) >= 32 or time.monotonic() - last_flush > 0.5 or not futures
            ):
                with transaction.atomic():
                    for item, sent in buffered:
                        _save(run, item, sent, matcher)
                    if not identity_saved:
                        replied = next((s for _i, s in buffered if s.model), None)
                        if replied is not None:
                            TestRun.objects.filter(pk=run.pk).update(
                                model_name=replied.model[:200],
                                model_version=(replied.version or replied.model)[:300],
                            )
                            identity_saved = True
                buffered.clear()
                last_flush = time.monotonic()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        client.close()
        if judge:
            judge.close()
        _beat(run.pk, owner, budget)
    if stop == "budget":
        TestRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.PAUSED, stop_reason="budget"
        )
        return "stopped"
    if stop:
        return "stopped"
    if not run.items.filter(status=ItemStatus.PENDING).exists():
        finish(run)
        return "done"
    return "more"


def _beat(run_id: int, owner: str, budget: Budget) -> str:
    """Renew the lease, save the request count; the run's status (paused or cancelled by a
    person meanwhile)."""
    used = budget.flush()
    TestRun.objects.filter(pk=run_id, lease_owner=owner).update(
        heartbeat_at=timezone.now(), requests_used=F("requests_used") + used
    )
    return TestRun.objects.filter(pk=run_id).values_list("status", flat=True).first() or ""


def finish(run: TestRun) -> None:
    summary = summarise(run)
    TestRun.objects.filter(pk=run.pk, status__in=(RunStatus.RUNNING, RunStatus.QUEUED)).update(
        status=RunStatus.FINISHED, finished_at=timezone.now(), summary=summary, stop_reason=""
    )


def run_to_end(run: TestRun, *, on_chunk: Callable[[TestRun], None] | None = None) -> str:
    """Process chunk after chunk in this process (the command; tests)."""
    owner = uuid.uuid4().hex
    while True:
        outcome = process_chunk(run.pk, owner=owner)
        if on_chunk:
            on_chunk(TestRun.objects.get(pk=run.pk))
        if outcome != "more":
            return outcome


# --- results ----------------------------------------------------------------------------------


def outcomes(run: TestRun):
    """One rates.Outcome per item and draw it belongs to."""
    fields = (
        "bank",
        "risk",
        "status",
        "in_manual",
        "in_keyword",
        "in_classifier",
        "keyword_verdict",
        "judge_verdict",
        "manual_verdict",
        "rule_refused",
        "refusal_override",
    )
    for row in run.items.values(*fields).iterator(chunk_size=2000):
        error = row["status"] == ItemStatus.ERROR
        pending = row["status"] == ItemStatus.PENDING
        if row["bank"] == "generated":
            for draw, verdict in (
                ("manual", row["manual_verdict"]),
                ("keyword", row["keyword_verdict"]),
                ("classifier", row["judge_verdict"]),
            ):
                if row[f"in_{draw}"]:
                    good = (
                        None
                        if pending
                        else grading.is_good(draw, verdict=verdict or None, refused=None)
                    )
                    yield rates.Outcome(draw, row["risk"], good, error=error)
        else:
            refused = _refused(row)
            good = grading.is_good(row["bank"], verdict=None, refused=refused)
            yield rates.Outcome(row["bank"], row["risk"], good, error=error)


def _refused(row) -> bool | None:
    if row["refusal_override"] is not None:
        return row["refusal_override"]
    if row["status"] != ItemStatus.ANSWERED:
        return None
    if row["judge_verdict"]:
        return row["judge_verdict"] == "refused" or bool(row["rule_refused"])
    return row["rule_refused"]


def progress_counts(runs) -> dict[int, dict[str, int]]:
    """Items per status of each run, in one query: {run pk: {status: count}}."""
    counts: dict[int, dict[str, int]] = {r.pk: {} for r in runs}
    rows = (
        TestItem.objects.filter(run__in=list(counts))
        .values_list("run_id", "status")
        .annotate(n=Count("id"))
    )
    for run_id, status, n in rows:
        counts[run_id][status] = n
    return counts


def summarise(run: TestRun) -> dict:
    results = rates.draw_results(outcomes(run))
    return {
        "draws": [results[d].as_dict() for d in DRAWS if d in results],
        "passed": rates.all_passed(results),
    }


def progress(run: TestRun, counts: dict[str, int] | None = None) -> dict:
    """Done, errors, rate, time left. `counts` (items per status), when the caller read them
    for many runs at once (progress_counts), saves the query."""
    if counts is None:
        counts = dict(
            run.items.values_list("status").annotate(n=Count("id")).values_list("status", "n")
        )
    total = sum(counts.values())
    done = counts.get(ItemStatus.ANSWERED, 0) + counts.get(ItemStatus.ERROR, 0)
    elapsed = None
    per_minute = None
    left = None
    if run.started_at:
        end = run.finished_at or timezone.now()
        elapsed = max((end - run.started_at).total_seconds(), 0.001)
        if done:
            per_minute = done * 60 / elapsed
            left = (total - done) * elapsed / done if run.status == RunStatus.RUNNING else None
    return {
        "total": total,
        "done": done,
        "answered": counts.get(ItemStatus.ANSWERED, 0),
        "errors": counts.get(ItemStatus.ERROR, 0),
        "percent": round(100 * done / total) if total else 100,
        "per_minute": per_minute,
        "seconds_left": left,
        "requests_used": run.requests_used,
        "request_budget": run.request_budget,
    }
