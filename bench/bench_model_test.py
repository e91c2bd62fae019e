"""Benchmark: a 2 600-question model test against the scripted model with a fixed latency.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_modeltest \
        .venv/bin/python bench/bench_model_test.py [--mix standard|keyword] [--items 2600] \
        [--latency 0.05] [--concurrency 8] [--keywords 10000] [--profile out.prof]

--mix standard (the default) is the issue's run: 1 000 keyword + 1 000 classifier questions
(each classifier answer also graded by a judge endpoint on the same scripted server) + 300
should-refuse + 300 should-not-refuse (judged too); --mix keyword is one keyword draw of
--items questions (no judge requests), as first measured.

Creates (and afterwards drops) the database named in DATABASE_URL, starts the scripted
OpenAI-compatible model (modeltests/fakeserver.py) in its own process on 127.0.0.1 with a
fixed latency per answer, and runs the whole test in this process as `manage.py
run_model_test` does (chunks, lease, budget, rate limit, keyword grading against a list of
--keywords entries). Prints the wall time against the ideal items × latency / concurrency (and
requests × latency / concurrency, judge requests included), and the portal's own CPU time per
item (this process: HTTP client, grading, database writes; the model server runs in another
process). --profile writes a cProfile of the run to a file.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PORT = 8198


def setup_database(url: str) -> None:
    import psycopg

    name = urllib.parse.urlsplit(url).path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def wait_for_server() -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/_log", timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the scripted model did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=2600)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--keywords", type=int, default=10000)
    parser.add_argument("--mix", choices=("standard", "keyword"), default="standard")
    parser.add_argument("--profile", default="")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database this benchmark may drop")
    setup_database(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "modeltests.fakeserver",
            "--port",
            str(PORT),
            "--latency",
            str(args.latency),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for_server()
        report(run_bench(args), args)
    finally:
        server.terminate()
        server.wait(10)
        drop_database(url)


def run_bench(args) -> dict:
    from analysers.risks import risks
    from modeltests import engine
    from modeltests.banks import Banks
    from modeltests.models import ModelEndpoint
    from modeltests.sampling import BankQuestion
    from tests import factories

    provider = factories.make_provider()
    service = factories.make_service(provider)
    endpoint = ModelEndpoint(
        provider=provider,
        name="bench",
        base_url=f"http://127.0.0.1:{PORT}/v1",
        model_name="scripted-model",
        concurrency=args.concurrency,
        rate_per_second=1000,
        timeout_seconds=30,
        max_retries=2,
    )
    endpoint.set_api_key("sk-bench")
    endpoint.save()
    codes = list(risks())
    judge = None
    if args.mix == "standard":
        judge = ModelEndpoint.objects.create(
            provider=provider,
            name="judge",
            base_url=endpoint.base_url,
            model_name="scripted-judge",
            concurrency=args.concurrency,
            rate_per_second=1000,
            timeout_seconds=30,
            max_retries=2,
        )
        sizes = {"keyword": 1000, "classifier": 1000, "refuse": 300, "non_refuse": 300}
        # A large generated bank, so that the two draws rarely overlap
        # and the run holds (about) 2 600 questions, as in the issue.
        counts = {"generated": 40000, "refuse": 300, "non_refuse": 300}
    else:
        sizes = {"keyword": args.items}
        counts = {"generated": args.items}
    banks = Banks(
        questions={
            bank: [
                BankQuestion(
                    f"{bank}{i}",
                    bank,
                    f"基准测试问题第 {i} 题（{bank}）：请介绍一下{codes[i % 31]}。",
                    codes[i % 31],
                )
                for i in range(n)
            ]
            for bank, n in counts.items()
        }
    )
    run = engine.create_run(
        service=service,
        endpoint=endpoint,
        judge=judge,
        banks=banks,
        sizes=sizes,
        budget=10 * sum(sizes.values()),
        keyword_sources=[],
        seed=1,
    )
    engine.use_keywords(run, [f"违禁词{i:05d}" for i in range(args.keywords)])
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    outcome = engine.run_to_end(run)
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    run.refresh_from_db()
    answered = run.items.filter(status="answered").count()
    return {
        "items": run.items.count(),
        "outcome": outcome,
        "wall": wall,
        "cpu": cpu,
        "answered": answered,
        "requests": run.requests_used,
    }


def report(r: dict, args) -> None:
    items = r["items"]
    ideal = items * args.latency / args.concurrency
    ideal_requests = r["requests"] * args.latency / args.concurrency
    print(
        f"mix              {args.mix}: {items} questions (answered {r['answered']}, "
        f"requests {r['requests']}, {r['outcome']})"
    )
    print(
        f"latency          {args.latency * 1000:.0f} ms, concurrency {args.concurrency}, "
        f"keyword list {args.keywords}"
    )
    print(f"wall             {r['wall']:.2f} s")
    print(f"  vs questions   ideal {ideal:.2f} s, ratio {r['wall'] / ideal:.3f}")
    print(f"  vs requests    ideal {ideal_requests:.2f} s, ratio {r['wall'] / ideal_requests:.3f}")
    print(f"portal CPU/item  {1000 * r['cpu'] / items:.2f} ms")
    print(f"load average     {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
