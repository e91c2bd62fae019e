"""Benchmark: building each route's filing package for the full questionnaire.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_package \\
        .venv/bin/python bench/bench_filing_package.py [--runs 3]

Creates (and afterwards drops) the database named in DATABASE_URL, loads the questionnaire,
answers every applicable question as bench_dossier.py does (annex 4/5 files analysed, long
justifications), adds the corpus-source proof and the three signatories so that no pre-filing
check blocks, approves it and makes a development CA in a temporary folder. Then, per route
and kind (draft / signed), runs `filing.services.package_build` in this process `--runs` times
and prints the median wall time with the package's size and its file counts as a Markdown
table for docs/benchmarks.md. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import urllib.parse
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(url: str, workdir: Path):
    import psycopg

    name = urllib.parse.urlsplit(url).path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ["CELERY_BROKER_URL"] = "memory://"  # nothing consumes; builds run here
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_questionnaires", verbosity=0)
    from dossiers import signing
    from dossiers.testing import approve, make_assessment
    from library.layouts import get_layout
    from providers.models import Role
    from tests import factories

    signing.write_dev_ca(workdir / "signing")
    settings.DOSSIER_DEV_SIGNING_DIR = workdir / "signing"
    settings.DOSSIER_ALLOW_DEV_SIGNING = True
    provider = factories.make_provider(
        name_zh="北京示例智能科技有限公司",
        legal_representative="张三",
        security_lead="李四",
        legality_lead="王五",
        address="北京市海淀区中关村大街1号",
    )
    service = factories.make_service(
        provider, name="示例写作助手", channels=["web", "app", "api"], modalities=["text"]
    )
    editor = factories.make_member(provider, Role.EDITOR).user
    reviewer = factories.make_user(is_reviewer=True, display_name="赵审核")
    assessment = make_assessment(service, editor)
    licences = get_layout(assessment.questionnaire).code("corpus.open_source_licences")
    factories.attach(assessment, licences, editor, name="开源语料许可证.pdf")
    return approve(assessment, editor, reviewer), editor


def _cpu() -> float:
    """CPU seconds of this process and of its ended children (the forked render processes)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--routes", help="comma-separated routes (default: every route)")
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="run the builds under cProfile and write the statistics to FILE (python -m pstats)",
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database the benchmark may recreate.")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        os.environ.update(MEDIA_ROOT=str(workdir / "media"), PORTAL_VAR_DIR=str(workdir / "var"))
        assessment, editor = setup(url, workdir)
        from django.conf import settings

        from filing import packages, services
        from filing.facts import facts_for
        from filing.models import FilingPackage

        blocks = packages.blocking_titles(facts_for(assessment))
        if blocks:
            raise SystemExit(f"pre-filing checks block: {blocks}")
        print(
            "| route | kind | median s | min s | median CPU s | files | signed PDFs | ZIP MB |"
            " load average |"
        )
        print("|---|---|---:|---:|---:|---:|---:|---:|---|")
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
        routes = packages.routes_of(facts_for(assessment))
        if args.routes:
            routes = [r for r in routes if r in args.routes.split(",")]
        for route in routes:
            for preview in (True, False):
                seconds, cpu, package = [], [], None
                load = os.getloadavg()[0]
                for _run in range(args.runs):
                    package, _created = services.package_request(
                        assessment=assessment, user=editor, route=route, preview=preview
                    )
                    started, cpu_started = time.perf_counter(), _cpu()
                    if profiler:
                        profiler.enable()
                    assert services.package_build(package.pk)
                    if profiler:
                        profiler.disable()
                    seconds.append(time.perf_counter() - started)
                    cpu.append(_cpu() - cpu_started)
                    package = FilingPackage.objects.get(pk=package.pk)
                    assert package.status == "ready", (package.error_code, package.error_detail)
                with zipfile.ZipFile(Path(settings.MEDIA_ROOT) / package.zip_path) as zf:
                    files = len(zf.namelist())
                print(
                    f"| {route} | {'draft' if preview else 'signed'} | "
                    f"{statistics.median(seconds):.2f} | {min(seconds):.2f} | "
                    f"{statistics.median(cpu):.2f} | {files} | "
                    f"{len(package.signed_files)} | {package.zip_size / 1048576:.2f} | "
                    f"{load:.1f}–{os.getloadavg()[0]:.1f} |",
                    flush=True,
                )
        if profiler:
            profiler.dump_stats(args.profile)
        from django.db import connections

        connections.close_all()
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    import psycopg

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    main()
