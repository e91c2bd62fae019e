"""Mixed load: providers, reviewers and document requests at once, against the real stack.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_mixed \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/15 \
        .venv/bin/python bench/bench_mixed_load.py [--users 40] [--seconds 60]

Recreates the database named in DATABASE_URL and EMPTIES the Redis database named in
CELERY_BROKER_URL (give it one of your own). Starts gunicorn (2 sync workers, DEBUG=false) on
127.0.0.1 and one Celery worker (concurrency 1) on that Redis, then runs `--users` simulated
people for `--seconds`:

- providers (most of them): open a domain of their assessment, then autosave answers (a new
  justification each time) about once a second; three people per assessment, each owning the
  questions it types in, so no save conflicts;
- reviewers (a fifth): open the review page of their submission, then set verdicts about once
  a second;
- `--documents` people (default 2): one asks for a dossier, one for a draft filing package,
  then poll the panel every 2 s like the page does.

Afterwards it checks that every acknowledged save and verdict is stored (revisions counted in
the database), waits (bounded) until the worker's queue is empty and the documents are
finished, and prints p50/p95 per endpoint, errors and the load average. Traffic stays on the
loopback interface; every loop and wait is bounded.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchdata

PORT = 8117
BASE = f"http://127.0.0.1:{PORT}"
TIMEOUT = 60  # seconds per request
IN_PROGRESS = ("queued", "rendering", "signing")


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.acked: dict[tuple[str, str], int] = defaultdict(int)  # (kind, assessment) -> count

    def call(self, endpoint: str, client, request, ok=(200,)) -> bytes | None:
        start = time.perf_counter()
        try:
            with client.open(request, timeout=TIMEOUT) as response:
                body = response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            body, status = exc.read(), exc.code
        except OSError as exc:
            body, status = None, repr(exc)
        elapsed = time.perf_counter() - start
        with self.lock:
            self.times[endpoint].append(elapsed)
            if status not in ok:
                self.errors[endpoint].append(str(status))
                return None
        return body


def _csrf(client, url: str, rec: Recorder, endpoint: str) -> str | None:
    html = rec.call(endpoint, client, url)
    if html is None:
        return None
    found = re.search(rb'"X-CSRFToken": "([^"]+)"', html) or re.search(
        rb'name="csrfmiddlewaretoken" value="([^"]+)"', html
    )
    return found.group(1).decode() if found else None


def _post(url: str, data: dict, token: str, htmx: bool = True) -> urllib.request.Request:
    headers = {"X-CSRFToken": token, "Referer": BASE + "/"}
    if htmx:
        headers["HX-Request"] = "true"
    return urllib.request.Request(
        url, data=urllib.parse.urlencode(data, doseq=True).encode(), headers=headers
    )


def provider(person: dict, codes: list[str], rec: Recorder, stop: float, seed: int) -> None:
    rnd = random.Random(seed)
    client = benchdata.opener(person["session"])
    base = f"{BASE}/assessments/{person['assessment']}/"
    revisions = person["revisions"]
    while time.monotonic() < stop:
        token = _csrf(client, f"{base}?domain={benchdata.PAGE_DOMAIN}", rec, "assessment page")
        if token is None:
            time.sleep(1)
            continue
        for _ in range(5):
            if time.monotonic() >= stop:
                return
            time.sleep(rnd.uniform(0.5, 1.5))
            code = rnd.choice(codes)
            data = {
                **person["typed"][code],
                "revision": revisions[code],
                "note": f"第{revisions[code] + 1}版说明",
            }
            if rec.call("autosave", client, _post(f"{base}answers/{code}/", data, token)):
                revisions[code] += 1
                with rec.lock:
                    rec.acked[("save", person["assessment"])] += 1


def reviewer(person: dict, rec: Recorder, stop: float, seed: int) -> None:
    rnd = random.Random(seed)
    client = benchdata.opener(person["session"])
    base = f"{BASE}/reviews/{person['assessment']}/"
    questions = list(person["questions"])
    rnd.shuffle(questions)
    while time.monotonic() < stop and questions:
        token = _csrf(client, f"{base}?domain={benchdata.PAGE_DOMAIN}", rec, "review page")
        if token is None:
            time.sleep(1)
            continue
        for _ in range(3):
            if time.monotonic() >= stop or not questions:
                return
            time.sleep(rnd.uniform(0.5, 1.5))
            code = questions.pop()
            data = {"verdict": "accepted", "comment": ""}
            if rec.call("verdict", client, _post(f"{base}verdicts/{code}/", data, token)):
                with rec.lock:
                    rec.acked[("verdict", person["assessment"])] += 1


def documents(person: dict, kind: str, route: str, rec: Recorder, stop: float) -> None:
    client = benchdata.opener(person["session"])
    page = f"{BASE}/assessments/{person['assessment']}/?domain={benchdata.PAGE_DOMAIN}"
    token = _csrf(client, page, rec, "assessment page")
    if token is None:
        return
    if kind == "dossier":
        url = f"{BASE}/dossiers/assessment/{person['assessment']}/generate/"
        panel = f"{BASE}/dossiers/assessment/{person['assessment']}/"
        rec.call("dossier request", client, _post(url, {"edition": "zh"}, token))
    else:
        url = f"{BASE}/filing/assessment/{person['assessment']}/package/"
        panel = f"{BASE}/filing/assessment/{person['assessment']}/packages/"
        rec.call("package request", client, _post(url, {"route": route, "preview": "1"}, token))
    while time.monotonic() < stop:
        time.sleep(2)
        request = urllib.request.Request(panel, headers={"HX-Request": "true"})
        rec.call(f"{kind} panel poll", client, request)


def start_worker(env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(benchdata.ROOT / ".venv/bin/celery"),
            "-A",
            "portal",
            "worker",
            "-l",
            "warning",
            "--concurrency",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=benchdata.ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def drained(broker: str, timeout: float) -> tuple[bool, float]:
    """Wait until no task is queued or unacknowledged in Redis and every document finished."""
    import redis

    from dossiers.models import Dossier
    from filing.models import FilingPackage
    from outbox.models import OutboxMessage

    r = redis.Redis.from_url(broker)
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        queued = sum(r.llen(k) for k in r.scan_iter(match="celery*") if r.type(k) == b"list")
        unacked = r.hlen("unacked")
        busy = (
            Dossier.objects.filter(status__in=IN_PROGRESS).exists()
            or FilingPackage.objects.filter(status__in=IN_PROGRESS).exists()
            or OutboxMessage.objects.exists()
        )
        if not queued and not unacked and not busy:
            return True, time.monotonic() - start
        time.sleep(1)
    return False, time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--documents", type=int, default=2, choices=(0, 1, 2))
    parser.add_argument("--drain-timeout", type=float, default=600)
    args = parser.parse_args()
    url = benchdata.require_postgres()
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis://127.0.0.1"):
        raise SystemExit("Set CELERY_BROKER_URL to a Redis database of yours on 127.0.0.1.")
    import redis

    redis.Redis.from_url(broker).flushdb()
    reviewers = max(1, args.users // 5)
    providers = args.users - reviewers - args.documents
    assessments = max(1, providers // 3)  # about three people type in each assessment
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        paths = {"MEDIA_ROOT": str(work / "media"), "PORTAL_VAR_DIR": str(work / "var")}
        os.environ.update(paths)
        benchdata.recreate_database(url)
        benchdata.setup_django()
        benchdata.migrate_and_load()
        from dossiers import signing

        signing.write_dev_ca(work / "signing")
        t0 = time.monotonic()
        drafts = benchdata.half_answered(assessments, editors=3)
        submissions = benchdata.in_review(reviewers, reviewed=False, realistic=False)
        print(f"set-up: {time.monotonic() - t0:.0f} s", flush=True)
        env = benchdata.server_env(
            CELERY_BROKER_URL=broker,
            DOSSIER_SIGNING_KEY=str(work / "signing/DEVELOPMENT-ONLY-dossier-signer.key.pem"),
            DOSSIER_SIGNING_CERT=str(work / "signing/DEVELOPMENT-ONLY-dossier-signer.cert.pem"),
            DOSSIER_SIGNING_CHAIN=str(work / "signing/DEVELOPMENT-ONLY-root-ca.cert.pem"),
            **paths,
        )
        server = benchdata.start_gunicorn(PORT, env)
        worker = start_worker(env, work / "worker.log")
        try:
            result = run(args, drafts, submissions, providers, broker)
        finally:
            benchdata.stop(server)
            benchdata.stop(worker)
            errors = [
                line
                for line in (work / "worker.log").read_text(errors="replace").splitlines()
                if "ERROR" in line or "Traceback" in line
            ]
            if errors:
                print("worker errors:", *errors[:20], sep="\n")
    print(result)


def run(args, drafts, submissions, providers: int, broker: str) -> str:
    from assessments.models import Answer, Assessment
    from assessments.services import get_catalogue
    from reviews.models import AnswerReview

    rec = Recorder()
    threads = []
    load_start = benchdata.load_average()
    stop = time.monotonic() + args.seconds
    before = {}
    for i in range(providers):
        draft = drafts[i % len(drafts)]
        person = {**draft, "session": draft["sessions"][(i // len(drafts)) % 3]}
        # Each person types justifications into questions of its own, so saves never conflict.
        mine = sorted(draft["typed"])[i // len(drafts) :: 3]
        person["revisions"] = draft["revisions"]  # shared per assessment, disjoint codes
        threads.append(threading.Thread(target=provider, args=(person, mine, rec, stop, i)))
        before[draft["assessment"]] = sum(draft["revisions"].values())
    for i, submission in enumerate(submissions):
        threads.append(threading.Thread(target=reviewer, args=(submission, rec, stop, 100 + i)))
    if args.documents:
        owner = drafts[0]
        routes = Assessment.objects.get(pk=owner["assessment_pk"]).filing_routes or {}
        route = next((r for r in routes if r in ("gai_filing", "algorithm_filing")), "gai_filing")
        kinds = ["dossier", "package"][: args.documents]
        for kind in kinds:
            person = {**owner, "session": owner["sessions"][0]}
            threads.append(
                threading.Thread(target=documents, args=(person, kind, route, rec, stop))
            )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=args.seconds + 2 * TIMEOUT)
    load_end = benchdata.load_average()
    ok, waited = drained(broker, args.drain_timeout)

    # What the database holds against what the clients were told.
    lines = []
    saves_acked = sum(n for (kind, _a), n in rec.acked.items() if kind == "save")
    saves_stored = 0
    for draft in drafts:
        catalogue = get_catalogue(Assessment.objects.get(pk=draft["assessment_pk"]).questionnaire)
        pks = [catalogue.by_code[c].pk for c in draft["typed"]]
        stored = sum(
            Answer.objects.filter(
                assessment_id=draft["assessment_pk"], question_id__in=pks
            ).values_list("revision", flat=True)
        )
        start = sum(draft["initial_revisions"][c] for c in draft["typed"])
        saves_stored += stored - start
    verdicts_acked = sum(n for (kind, _a), n in rec.acked.items() if kind == "verdict")
    verdicts_stored = AnswerReview.objects.filter(
        assessment_id__in=[s["assessment_pk"] for s in submissions]
    ).count()
    from dossiers.models import Dossier
    from filing.models import FilingPackage

    docs = [f"dossier {d.status} ({d.page_count or '?'} pages)" for d in Dossier.objects.all()]
    docs += [f"package {p.status}" for p in FilingPackage.objects.all()]

    lines.append(
        f"{args.users} users ({providers} providers on {len(drafts)} assessments, "
        f"{len(submissions)} reviewers, {args.documents} document requests) for "
        f"{args.seconds:.0f} s; gunicorn 2 sync workers, PostgreSQL, Redis, 1 Celery worker"
    )
    lines.append(f"load average at start: {load_start}; at the end: {load_end}")
    lines.append("")
    lines.append("| endpoint | requests | p50 ms | p95 ms | max ms | errors |")
    lines.append("|---|---:|---:|---:|---:|---:|")
    for endpoint in sorted(rec.times):
        samples = rec.times[endpoint]
        errors = rec.errors.get(endpoint, [])
        lines.append(
            f"| {endpoint} | {len(samples)} | {statistics.median(samples) * 1000:.0f} | "
            f"{benchdata.percentile(samples, 0.95) * 1000:.0f} | {max(samples) * 1000:.0f} | "
            f"{len(errors)}{' (' + ', '.join(sorted(set(errors))) + ')' if errors else ''} |"
        )
    lines.append("")
    lines.append(f"saves acknowledged {saves_acked}, stored {saves_stored}")
    lines.append(f"verdicts acknowledged {verdicts_acked}, stored {verdicts_stored}")
    lines.append(f"documents: {', '.join(docs) or 'none'}")
    lines.append(
        f"worker queue drained: {'yes' if ok else 'NO'} ({waited:.0f} s after the load ended)"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
