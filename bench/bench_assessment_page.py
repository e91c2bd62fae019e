"""Benchmark: the assessment page, the review page and the autosave under gunicorn with
PostgreSQL, beside the login page of the same server as the floor of the stack.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench \
        .venv/bin/python bench/bench_assessment_page.py [--requests 200] [--saves 100] \
        [--port 8107] [--worker redis://127.0.0.1:6379/N]

Creates (drops first) the database named in DATABASE_URL: the full questionnaire, eight
providers with a half-answered draft each, and one full submission in review with a verdict on
every answer. Starts gunicorn on 127.0.0.1 (2 sync workers, DEBUG=false), then measures, in
one run:

- the login page and the assessment page (domain 内容安全): sequential latency, then
  requests/s with 4 concurrent clients; the ratios page/login;
- the review page of the full submission (same domain): sequential latency;
- the autosave: sequential latency on one assessment, then 8 clients on 8 assessments at once
  (each saving text answers of its own assessment): latency and saves/s.

The load average is printed with the figures (the machine may be shared), and the CPU time the
server's processes spent per save (gunicorn's workers; PostgreSQL's own work is not in it).
Without `--worker` the background work the saves queue (the filing summary, filing.summary)
goes to an in-memory broker and is never done; with `--worker` (a Redis database the benchmark
may empty) the server queues it there and one Celery worker does it beside the server, as in
production: its CPU time is printed too, and the run waits (bounded) until every summary has
caught up. Traffic stays on the loopback interface; every loop is bounded.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchdata

PORT = int(os.environ.get("BENCH_PORT", "8107"))  # another port when two people measure
BASE = f"http://127.0.0.1:{PORT}"


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def burst(fn, total: int, clients: int) -> tuple[float, list[float]]:
    """Requests/s of `total` calls spread over `clients` threads, and each call's latency."""

    def one(_):
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = list(pool.map(one, range(total)))
    return total / (time.perf_counter() - start), latencies


def row(name: str, samples: list[float], rps: float | None = None) -> str:
    ms = lambda p: f"{benchdata.percentile(samples, p) * 1000:.1f}"  # noqa: E731
    rate = f"{rps:.1f}" if rps is not None else ""
    return (
        f"| {name} | {len(samples)} | {statistics.median(samples) * 1000:.1f} | {ms(0.95)} | "
        f"{ms(0.99)} | {rate} |"
    )


class Editor:
    """A signed-in editor who autosaves text answers of one assessment, in turn."""

    def __init__(self, person: dict):
        self.client = benchdata.opener(person["session"])
        self.base = f"{BASE}/assessments/{person['assessment']}/"
        self.page = f"{self.base}?domain={benchdata.PAGE_DOMAIN}"
        response = self.client.open(self.page)
        html = response.read().decode()
        if response.url != self.page or 'id="questions"' not in html:
            raise SystemExit(f"not the assessment page: {response.url}")
        token = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
        self.client.addheaders.append(("X-CSRFToken", token))
        self.client.addheaders.append(("Referer", BASE + "/"))
        self.codes = person["text_questions"]
        self.revisions = dict(person["revisions"])
        self.turn = 0

    def get_page(self) -> None:
        self.client.open(self.page).read()

    def save(self) -> None:
        code = self.codes[self.turn % len(self.codes)]
        self.turn += 1
        body = urllib.parse.urlencode(
            {"revision": self.revisions[code], "value": f"答案 {self.revisions[code]}"}
        )
        request = urllib.request.Request(
            f"{self.base}answers/{code}/", data=body.encode(), method="POST"
        )
        with self.client.open(request) as response:
            if response.status != 200:
                raise SystemExit(f"autosave answered {response.status}")
            response.read()
        self.revisions[code] += 1


def summaries_caught_up(timeout: float = 60.0) -> str:
    """Wait until no assessment's filing summary is outdated; how long that took."""
    from django.db.models import F

    from assessments.models import Assessment

    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if not Assessment.objects.exclude(summary_revision=F("edit_revision")).exists():
            return f"yes, {time.monotonic() - start:.1f} s after the last save"
        time.sleep(0.2)
    return f"NO, still outdated {timeout:.0f} s after the last save"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--saves", type=int, default=100, help="per client in the 8-client run")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--port", type=int, default=PORT)
    parser.add_argument("--worker", default="", help="redis:// database for a real worker")
    args = parser.parse_args()
    global BASE
    BASE = f"http://127.0.0.1:{args.port}"
    url = benchdata.require_postgres()
    benchdata.recreate_database(url)
    benchdata.setup_django()
    benchdata.migrate_and_load()
    drafts = benchdata.half_answered(args.writers)
    review = benchdata.in_review(1)[0]
    env = benchdata.server_env(**({"CELERY_BROKER_URL": args.worker} if args.worker else {}))
    worker = None
    if args.worker:
        import redis

        redis.Redis.from_url(args.worker).flushdb()
        worker = subprocess.Popen(
            [
                str(benchdata.ROOT / ".venv/bin/celery"),
                *("-A", "portal", "worker", "-l", "warning", "--concurrency", "1"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            cwd=benchdata.ROOT,
            env=env,
        )
    process = benchdata.start_gunicorn(args.port, env)
    try:
        load_start = benchdata.load_average()
        n = args.requests
        login = benchdata.opener(None)

        def get_login():
            login.open(f"{BASE}/accounts/login/").read()

        editors = [Editor(d) for d in drafts]
        reviewer = benchdata.opener(review["session"])
        review_url = f"{BASE}/reviews/{review['assessment']}/?domain={benchdata.PAGE_DOMAIN}"

        def get_review():
            reviewer.open(review_url).read()

        for warm in (get_login, editors[0].get_page, get_review, editors[0].save):
            for _ in range(4):  # both workers: catalogue, templates, fragments
                warm()
        cpu = benchdata.cpu_seconds(process.pid)
        login_seq = timed(get_login, n)
        cpu_login = benchdata.cpu_seconds(process.pid) - cpu
        login_rps, login_lat = burst(get_login, n, args.concurrency)
        cpu = benchdata.cpu_seconds(process.pid)
        page_seq = timed(editors[0].get_page, n)
        cpu_page = benchdata.cpu_seconds(process.pid) - cpu
        page_rps, page_lat = burst(editors[0].get_page, n, args.concurrency)
        review_seq = timed(get_review, max(20, n // 4))
        cpu = benchdata.cpu_seconds(process.pid)
        worker_cpu = benchdata.cpu_seconds(worker.pid) if worker else 0.0
        save_seq = timed(editors[0].save, n)
        cpu_seq = benchdata.cpu_seconds(process.pid) - cpu

        def writer(editor):
            return timed(editor.save, args.saves)

        cpu = benchdata.cpu_seconds(process.pid)
        start = time.perf_counter()
        with ThreadPoolExecutor(len(editors)) as pool:
            per_writer = list(pool.map(writer, editors))
        saves_rps = sum(len(s) for s in per_writer) / (time.perf_counter() - start)
        cpu_conc = benchdata.cpu_seconds(process.pid) - cpu
        save_conc = [x for s in per_writer for x in s]
        load_end = benchdata.load_average()
        caught_up = summaries_caught_up() if worker else None
        if worker:
            worker_cpu = benchdata.cpu_seconds(worker.pid) - worker_cpu
    finally:
        benchdata.stop(process)
        if worker:
            benchdata.stop(worker)

    print(
        f"Full questionnaire, domain '{benchdata.PAGE_DOMAIN}', gunicorn 2 sync workers, "
        f"PostgreSQL, DEBUG=false; load average at start {load_start}, at the end {load_end}"
    )
    print()
    print("| endpoint | requests | median ms | p95 ms | p99 ms | requests/s |")
    print("|---|---:|---:|---:|---:|---:|")
    print(row("login page (GET, sequential)", login_seq))
    print(row(f"login page (GET, {args.concurrency} clients)", login_lat, login_rps))
    print(row("assessment page (GET, sequential)", page_seq))
    print(row(f"assessment page (GET, {args.concurrency} clients)", page_lat, page_rps))
    print(row("review page, full submission (GET, sequential)", review_seq))
    print(row("autosave (POST, sequential)", save_seq, len(save_seq) / sum(save_seq)))
    print(
        row(
            f"autosave (POST, {len(editors)} clients on {len(editors)} assessments)",
            save_conc,
            saves_rps,
        )
    )
    saves = len(save_seq) + len(save_conc)
    print(
        f"\nServer CPU per request (gunicorn workers, sequential): login page "
        f"{cpu_login / len(login_seq) * 1000:.1f} ms, assessment page "
        f"{cpu_page / len(page_seq) * 1000:.1f} ms"
    )
    print(
        f"Server CPU per save (gunicorn workers): {cpu_seq / len(save_seq) * 1000:.1f} ms "
        f"sequential, {cpu_conc / len(save_conc) * 1000:.1f} ms with {len(editors)} clients"
    )
    if worker:
        print(
            f"Celery worker CPU over both autosave runs: {worker_cpu:.2f} s, "
            f"{worker_cpu / saves * 1000:.1f} ms per save; every filing summary caught up "
            f"afterwards: {caught_up}"
        )
    else:
        print("No worker: the saves' background work (filing summary) was not done.")
    print()
    print(
        f"assessment page / login page: median {statistics.median(page_seq) / statistics.median(login_seq):.1f}x, "
        f"requests/s {page_rps / login_rps:.2f}x ({page_rps:.1f} against {login_rps:.1f})"
    )


if __name__ == "__main__":
    main()
