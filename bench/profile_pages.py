"""Where the time of the assessment page, the review page and the autosave goes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench \
        .venv/bin/python bench/profile_pages.py [--requests 30] [--only page,review,save]

Creates (drops first) the database named in DATABASE_URL with the benchmark data of
bench_assessment_page.py, then runs each request in this process through Django's test client
with DEBUG off, under pyinstrument, and prints the call tree (frames under 2 % hidden) plus the
query count of one request. No server, no network.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchdata


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--only", default="login,page,review,save")
    parser.add_argument("--lang", default="zh-hans")
    parser.add_argument(
        "--plain",
        action="store_true",
        help="switch the caches off for comparison: whole cards and question fragments rendered "
        "every time, "
        "widgets through Django's template renderer, every domain scored on every save",
    )
    parser.add_argument("--sql", action="store_true", help="print the queries of one request")
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
    from django.db import connection
    from django.test import Client
    from pyinstrument import Profiler

    if args.plain:
        from django.forms.renderers import DjangoTemplates

        from assessments import card_cache, question_static, scores
        from assessments.forms import AnswerForm

        card_cache.enabled = False
        question_static.enabled = False
        AnswerForm.default_renderer = DjangoTemplates
        scores.PARTS_MAX = 0  # every part dropped before the next is kept
    only = set(args.only.split(","))
    editor = benchdata.half_answered(1)[0]
    review = benchdata.in_review(1)[0] if "review" in only else None
    cookie = {"django_language": args.lang}

    def client_for(user):
        client = Client()
        client.force_login(user)
        client.cookies.load(cookie)
        return client

    cases = []
    page_client = client_for(editor["user"])
    if "login" in only:
        anonymous = Client()
        cases.append(("login page", lambda: anonymous.get("/accounts/login/")))
    if "page" in only:
        page_url = f"/assessments/{editor['assessment']}/?domain={benchdata.PAGE_DOMAIN}"
        cases.append(("assessment page", lambda: page_client.get(page_url)))
    if review is not None:
        review_client = client_for(review["reviewer"])
        review_url = f"/reviews/{review['assessment']}/?domain={benchdata.PAGE_DOMAIN}"
        cases.append(("review page", lambda: review_client.get(review_url)))
    if "save" in only:
        code = editor["text_question"]
        save_url = f"/assessments/{editor['assessment']}/answers/{code}/"
        revision = [editor["revisions"][code]]

        def save():
            response = page_client.post(
                save_url, {"revision": revision[0], "value": f"答案 {revision[0]}"}
            )
            revision[0] += 1
            return response

        cases.append(("autosave", save))

    print(f"load average at start: {benchdata.load_average()}")
    for name, call in cases:
        response = call()  # warm: catalogue, templates, translations
        assert response.status_code == 200, (name, response.status_code)
        queries: list[str] = []

        def count(execute, sql, *rest, queries=queries):
            queries.append(sql)
            return execute(sql, *rest)

        with connection.execute_wrapper(count):
            call()
        if args.sql:
            print(f"\n{name}: the queries of one request")
            for sql in queries:
                print("  ", sql[:160])
        # Without the profiler: wall time and this process's CPU time per request (the CPU
        # figure moves little when other processes share the machine; PostgreSQL's own work
        # is not in it).
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.requests):
            call()
        wall = (time.perf_counter() - wall) / args.requests
        cpu = (time.process_time() - cpu) / args.requests
        print(
            f"\n{name}: {wall * 1000:.1f} ms wall, {cpu * 1000:.1f} ms CPU per request "
            f"without the profiler ({args.requests} requests)"
        )
        start = time.perf_counter()
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(args.requests):
            call()
        profiler.stop()
        elapsed = (time.perf_counter() - start) / args.requests
        print(
            f"\n=== {name}: {elapsed * 1000:.1f} ms per request under the profiler, "
            f"{len(queries)} queries, load {benchdata.load_average()}"
        )
        print(
            profiler.output_text(
                unicode=True, color=False, processor_options={"filter_threshold": 0.02}
            )
        )
        # Self time per function: where the template engine and the forms spend it.
        flat = profiler.output_text(unicode=True, color=False, flat=True)
        print("\n".join(flat.splitlines()[:40]))


if __name__ == "__main__":
    main()
