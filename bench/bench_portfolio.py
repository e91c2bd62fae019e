"""The portfolio page and its export with many services, and what storing the filing routes and
blocking checks (filing.summary) adds to every recomputation of a draft.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_portfolio \
        .venv/bin/python bench/bench_portfolio.py [--services 600] [--requests 20]

Creates (drops first) the database named in DATABASE_URL, loads the questionnaires, gives one
provider `--services` services with stored assessments (tests/test_portfolio.py's mix of
statuses, routes, verdicts and due dates) and one half-answered draft of the full questionnaire,
then runs each request in this process through Django's test client with DEBUG off. Prints the
median and p95 of each (the query counts are pinned in tests/test_portfolio.py). No server, no
network.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchdata


def timed(fn, n: int) -> tuple[float, float]:
    fn()  # warm (catalogue cache, templates)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=600)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    url = benchdata.require_postgres()
    benchdata.recreate_database(url)
    os.environ.update(
        {
            k: v
            for k, v in benchdata.server_env(ALLOWED_HOSTS="testserver").items()
            if k != "CELERY_BROKER_URL"
        }
    )
    benchdata.setup_django()
    benchdata.migrate_and_load()
    from django.test import Client
    from django.urls import reverse

    from assessments import services
    from assessments.models import Assessment
    from filing import summary
    from providers.models import Role
    from tests import factories
    from tests.test_portfolio import make_portfolio

    provider = factories.make_provider()
    officer = factories.make_member(provider, Role.VIEWER).user
    make_portfolio(provider, args.services)
    draft = benchdata.half_answered(1)[0]
    client = Client()
    client.force_login(officer)
    page, export = reverse("assessments:portfolio"), reverse("assessments:portfolio_export")

    print(f"load average {benchdata.load_average()}; {args.services} services")
    print("| request | median | p95 |\n|---|---:|---:|")
    cases = [
        ("portfolio, page 1", page, {}),
        (
            "portfolio, route filter, most blocking first",
            page,
            {"route": "gai_filing", "sort": "blocking"},
        ),
        ("portfolio, search, page 5", page, {"q": "组合", "page": 5}),
        (f"export, all {args.services} services", export, {}),
    ]
    for label, path, query in cases:
        assert client.get(path, query).status_code == 200
        median, p95 = timed(lambda p=path, q=query: client.get(p, q), args.requests)
        print(f"| {label} | {median:.1f} ms | {p95:.1f} ms |")

    assessment = Assessment.objects.select_related(
        "service__provider", "service__disclosure", "questionnaire"
    ).get(pk=draft["assessment_pk"])
    state = services.load_state(assessment)
    median, p95 = timed(lambda: services.refresh_assessment(assessment, state), args.requests)
    print(f"| refresh_assessment of a half-answered full draft | {median:.1f} ms | {p95:.1f} ms |")
    median, p95 = timed(lambda: summary.compute(assessment, state), args.requests)
    print(f"| of it: filing routes and blocking checks | {median:.1f} ms | {p95:.1f} ms |")


if __name__ == "__main__":
    main()
