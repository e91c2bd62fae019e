"""Benchmark: a 2 600-question model test against the scripted model with a fixed latency.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_modeltest \
        .venv/bin/python bench/bench_model_test.py [--items 2600] [--latency 0.05] \
        [--concurrency 8] [--keywords 10000]

Creates (and afterwards drops) the database named in DATABASE_URL, starts the scripted
OpenAI-compatible model (modeltests/fakeserver.py) in its own process on 127.0.0.1 with a
fixed latency per answer, and runs the whole test in this process as `manage.py
run_model_test` does (chunks, lease, budget, rate limit, keyword grading against a list of
--keywords entries). Prints the wall time against the ideal items × latency / concurrency, and
the portal's own CPU time per item (this process: HTTP client, grading, database writes; the
model server runs in another process).
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
    banks = Banks(
        questions={
            "generated": [
                BankQuestion(
                    f"q{i}",
                    "generated",
                    f"基准测试问题第 {i} 题：请介绍一下{codes[i % 31]}。",
                    codes[i % 31],
                )
                for i in range(args.items)
            ]
        }
    )
    run = engine.create_run(
        service=service,
        endpoint=endpoint,
        banks=banks,
        sizes={"keyword": args.items},
        budget=args.items * 3,
        keyword_sources=[],
        seed=1,
    )
    engine.use_keywords(run, [f"违禁词{i:05d}" for i in range(args.keywords)])
    cpu0, wall0 = time.process_time(), time.perf_counter()
    outcome = engine.run_to_end(run)
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    run.refresh_from_db()
    answered = run.items.filter(status="answered").count()
    return {
        "outcome": outcome,
        "wall": wall,
        "cpu": cpu,
        "answered": answered,
        "requests": run.requests_used,
    }


def report(r: dict, args) -> None:
    ideal = args.items * args.latency / args.concurrency
    print(
        f"items            {args.items} (answered {r['answered']}, requests {r['requests']}, "
        f"{r['outcome']})"
    )
    print(
        f"latency          {args.latency * 1000:.0f} ms, concurrency {args.concurrency}, "
        f"keyword list {args.keywords}"
    )
    print(
        f"wall             {r['wall']:.2f} s (ideal {ideal:.2f} s, ratio {r['wall'] / ideal:.3f})"
    )
    print(f"portal CPU/item  {1000 * r['cpu'] / args.items:.2f} ms")
    print(
        f"wall overhead    {1000 * (r['wall'] - ideal) * args.concurrency / args.items:.2f} "
        "ms per item per slot"
    )


if __name__ == "__main__":
    main()
