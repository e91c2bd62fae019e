"""Wall-time timeline of filing package builds: where the seconds of one build go, per process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_package \\
        .venv/bin/python bench/timeline_filing_package.py [--runs 3] [--route gai_filing]

Sets up the data of bench_filing_package.py (and drops its database afterwards), builds one
draft and then `--runs` final (signed) packages with `filing.services.package_build`, and prints
for each build every phase with its start and end (seconds since the build started, on the
monotonic clock every process shares) and the process it ran in: facts, checks, the layout,
each deferred piece in its forked render process (report PDF, Word files, workbooks, their
signatures; the report's parts, each in a process of its own, the wait for the page numbers
after their layout, and their merge), the file list, its signature, the ZIP, storage. The functions are wrapped here,
in the benchmark only; the portal's code is not changed by it.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_filing_package as bench


class Timeline:
    """Lines appended to a file, so that forked render processes add theirs to the parent's."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.started = 0.0

    def start(self) -> None:
        self.path.write_text("")
        self.started = time.perf_counter()

    def note(self, what: str) -> None:
        line = (
            f"{time.perf_counter() - self.started:7.3f} s  pid {os.getpid():>7}  "
            f"cpu {time.process_time():6.2f}  {what}\n"
        )
        with self.path.open("a") as handle:
            handle.write(line)

    def wrap(self, owner, name: str, label: str | None = None) -> None:
        original = getattr(owner, name)
        label = label or name

        @functools.wraps(original)
        def timed(*args, **kwargs):
            self.note(f"start {label}")
            try:
                return original(*args, **kwargs)
            finally:
                self.note(f"end   {label}")

        setattr(owner, name, timed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3, help="signed builds after one draft")
    parser.add_argument("--route", default="gai_filing")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database the benchmark may recreate.")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        os.environ.update(MEDIA_ROOT=str(workdir / "media"), PORTAL_VAR_DIR=str(workdir / "var"))
        assessment, editor = bench.setup(url, workdir)
        from django.conf import settings

        from dossiers import parallel, signing
        from filing import annex_cache, documents, docx, packages, pdf, services, word_cache
        from portal import forking

        timeline = Timeline(workdir / "timeline.txt")
        for owner, name, label in [
            (signing, "load_signing_key", None),
            (packages, "route_package", None),
            (packages, "facts_for", "facts"),
            (packages, "blocking_titles", "checks"),
            (documents, "application_form", "application form (blocks)"),
            (documents, "assessment_report", "report (blocks)"),
            (packages._Builder, "finish", "finish: deferred pieces"),
            (packages, "_signed_dossier", "signed dossier"),
            (packages, "file_list", "file list (blocks)"),
            (pdf, "render", "PDF"),
            (word_cache, "word", "Word (kept or written)"),
            (docx, "render", "Word written"),
            (annex_cache, "workbook", "workbook"),
            (signing, "sign_pdf", "sign"),
            (parallel._PartRenderer, "run", "report part (lay out, write)"),
            (
                parallel._PartRenderer,
                "_numbers",
                "page numbers (after layout, waits for all parts)",
            ),
            (parallel, "_assemble", "merge the parts"),
            (services, "write_file_atomically", "write ZIP to storage"),
        ]:
            timeline.wrap(owner, name, label)
        packages.LAYOUTS = {
            route: functools.partial(_layout, timeline, layout)
            for route, layout in packages.LAYOUTS.items()
        }
        start = forking._start

        def started(call, out):
            def noted():
                timeline.note("process begins")
                try:
                    return call()
                finally:
                    timeline.note("process ends")

            return start(noted, out)

        forking._start = started
        print(f"RENDER_PROCESSES={settings.RENDER_PROCESSES}, load average {_load()}")
        for preview in [True] + [False] * args.runs:
            package, _created = services.package_request(
                assessment=assessment, user=editor, route=args.route, preview=preview
            )
            timeline.start()
            cpu = bench._cpu()
            assert services.package_build(package.pk)
            timeline.note(f"built; CPU of all processes {bench._cpu() - cpu:.2f} s")
            print(f"\n{'draft' if preview else 'signed'} build, load average {_load()}")
            print(timeline.path.read_text(), end="", flush=True)
        from django.db import connections

        connections.close_all()
    import urllib.parse

    import psycopg

    name = urllib.parse.urlsplit(url).path.lstrip("/")
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _layout(timeline: Timeline, layout, builder) -> None:
    timeline.note("start layout (documents as blocks)")
    layout(builder)
    timeline.note("end   layout")


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
