"""Benchmark: a filing dossier for the full questionnaire with realistic answers and evidence.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_dossier \\
        .venv/bin/python bench/bench_dossier.py [--editions zh,bilingual] [--runs 2] \\
        [--long-answers 10000] [--parallel 2]

Creates (and afterwards drops) the database named in DATABASE_URL, loads the questionnaire,
answers every applicable question (long justifications, three clauses with remediation plans,
the annex 4/5 files analysed), approves it and makes a development CA in a temporary folder.
Then, per edition and run, each in a fresh subprocess so peak RSS is its own:

- ours: `dossiers.services.dossier_build` (snapshot check, manifest, HTML, WeasyPrint with
  PDF/UA tags, PAdES signature, package ZIP) after the imports a worker does at start-up, wall
  time, CPU seconds and peak RSS;
- WeasyPrint alone: `HTML(string=...).write_pdf()` with default options on the same HTML, and
  again with `pdf_variant="pdf/ua-1"` (the tagged PDF we must produce).

Prints a Markdown table for docs/benchmarks.md with the load average over each row. CPU seconds
are the figure on a shared machine; wall time only on an idle one. `--profile FILE` prints where
a build's time goes instead. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


PDF_VARIANT = "pdf/ua-1"  # as dossiers.pdf.PDF_VARIANT (not imported: the parent has no Django yet)


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ["CELERY_BROKER_URL"] = "memory://"  # nothing consumes; tasks run in children
    import django

    django.setup()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_build(dossier_id: int) -> dict:
    _setup_django()
    from dossiers.models import Dossier
    from dossiers.services import dossier_build
    from dossiers.tasks import warm_up

    warm_up()  # as every worker process does when it starts

    started, cpu = time.perf_counter(), time.process_time()
    assert dossier_build(dossier_id, worker="bench")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    d = Dossier.objects.get(pk=dossier_id)
    assert d.status == "ready", (d.error_code, d.error_detail)
    return {
        "seconds": seconds,
        "cpu": cpu,
        "peak_mb": _peak_mb(),
        "pages": d.page_count,
        "render": d.render_seconds,
        "sign": d.sign_seconds,
        "pdf_mb": d.pdf_size / 1048576,
        "package_mb": (d.package_size or 0) / 1048576,
    }


# Where the time of a build goes: exclusive (own) time of every profiled function, summed by
# the part of the pipeline its module belongs to. First match wins.
PROFILE_PARTS = (
    ("signing (pyHanko, cryptography)", ("pyhanko", "asn1crypto", "cryptography", "oscrypto")),
    ("PDF tags (PDF/UA structure tree)", ("weasyprint/pdf/tags",)),
    ("fonts: subsetting and embedding", ("weasyprint/pdf/fonts", "fontTools", "hb_subset")),
    ("PDF drawing and writing", ("weasyprint/draw", "weasyprint/pdf", "pydyf", "zlib")),
    ("CSS: parsing, selector matching, cascade", ("weasyprint/css", "cssselect2", "tinycss2")),
    ("text shaping and line breaking (Pango)", ("weasyprint/text", "pango", "_cffi")),
    ("layout (blocks, tables, floats, pages)", ("weasyprint/layout", "weasyprint/formatting")),
    ("HTML parsing and box tree", ("weasyprint/html", "tinyhtml5", "html5lib", "weasyprint/")),
    ("our HTML (Django templates, context)", ("django/template", "dossiers/", "templatetags")),
    ("database, manifest, package, hashing", ("django/", "psycopg", "zipfile", "hashlib")),
)


def _part(filename: str, name: str) -> str:
    where = f"{filename}:{name}"
    return next((label for label, keys in PROFILE_PARTS if any(k in where for k in keys)), "other")


def summarise_profile(path: str) -> list[tuple[str, float]]:
    """Own time per part; a built-in (C) function's time goes to the parts of its callers."""
    import pstats

    totals: dict[str, float] = {}
    for (filename, _line, name), (_cc, _nc, own, _cum, callers) in (
        pstats.Stats(path).stats.items()  # type: ignore[attr-defined]
    ):
        shares = [(_part(filename, name), own)]
        if filename == "~" and callers:
            shares = [(_part(c[0], c[2]), timing[2]) for c, timing in callers.items()]
        for part, seconds in shares:
            totals[part] = totals.get(part, 0.0) + seconds
    return sorted(totals.items(), key=lambda item: -item[1])


def child_profile(dossier_id: int, out: str) -> dict:
    """The build under cProfile, after the imports a long-running worker has done already."""
    import cProfile

    _setup_django()
    from dossiers.services import dossier_build
    from dossiers.tasks import warm_up

    warm_up()

    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    assert dossier_build(dossier_id, worker="bench")
    profiler.disable()
    seconds = time.perf_counter() - started
    profiler.dump_stats(out)
    from dossiers.models import Dossier

    pages = Dossier.objects.get(pk=dossier_id).page_count
    return {"seconds": seconds, "pages": pages, "parts": summarise_profile(out)}


def child_steps(html_path: str) -> dict:
    """Wall time of WeasyPrint's steps (its progress log) in our `html_to_pdf`, unprofiled."""
    import logging

    _setup_django()
    import weasyprint  # noqa: F401

    from dossiers.pdf import html_to_pdf

    marks: list[tuple[str, float]] = []

    class Marks(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            # "Step 5 - Creating layout - Page 3": per step, pages summed.
            step = record.getMessage().split(" - ")[1]
            marks.append((step, time.perf_counter()))

    logger = logging.getLogger("weasyprint.progress")
    logger.setLevel(logging.INFO)
    logger.addHandler(Marks())
    html = Path(html_path).read_text(encoding="utf-8")
    started = time.perf_counter()
    rendered = html_to_pdf(html)
    ended = time.perf_counter()
    steps: dict[str, float] = {}
    for (label, at), (_next, until) in zip(marks, [*marks[1:], ("end", ended)], strict=True):
        steps[label] = steps.get(label, 0.0) + until - at
    return {"seconds": ended - started, "pages": rendered.pages, "steps": steps}


def child_render(html_path: str, processes: str) -> dict:
    """`dossiers.parallel.render_pdf` on our HTML with `processes` render processes (1: the
    one-process render); CPU seconds of this process and of the render processes it forked."""
    _setup_django()
    import logging

    from django.conf import settings

    from dossiers.parallel import render_pdf
    from dossiers.tasks import warm_up

    warm_up()
    settings.RENDER_PROCESSES = int(processes)
    settings.DOSSIER_PARALLEL_MIN_PAGES = 1
    parts = []

    class PartLog(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage().startswith("dossier part "):
                parts.append(record.args[2])  # the part's CPU seconds at each step

    log = logging.getLogger("dossiers.parallel")
    log.setLevel(logging.DEBUG)
    log.addHandler(PartLog())
    html = Path(html_path).read_text(encoding="utf-8")
    load = os.getloadavg()[0]
    started, cpu = time.perf_counter(), _cpu_with_children()
    own = time.process_time()
    rendered = render_pdf(html)
    own = time.process_time() - own
    total_cpu = _cpu_with_children() - cpu
    # What the wall time would be on 2 idle cores, from the CPU seconds of each step: the parts
    # wait for the slowest layout, then draw; 2 cores do at most 2 CPU seconds a second.
    critical = own
    if parts:
        critical += max(p["layout"] for p in parts) + max(p["written"] - p["layout"] for p in parts)
    return {
        "seconds": time.perf_counter() - started,
        "cpu": total_cpu,
        "idle_2_cores": max(critical, total_cpu / 2),
        "pages": rendered.pages,
        "parts": len(parts),
        "load": f"{load:.1f}–{os.getloadavg()[0]:.1f}",
    }


def _cpu_with_children() -> float:
    own, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def child_weasyprint(html_path: str, variant: str = "") -> dict:
    """WeasyPrint alone on our HTML: default options, or `variant` (our "pdf/ua-1")."""
    from weasyprint import HTML

    html = Path(html_path).read_text(encoding="utf-8")
    options = {"pdf_variant": variant} if variant else {}
    started, cpu = time.perf_counter(), time.process_time()
    document = HTML(string=html, base_url=(ROOT / "static").as_uri() + "/").render(**options)
    document.write_pdf(**options)
    return {
        "seconds": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "peak_mb": _peak_mb(),
        "pages": len(document.pages),
    }


def setup(url: str, workdir: Path, editions: list[str], long_answers: int = 0) -> dict[str, int]:
    import psycopg

    name = urllib.parse.urlsplit(url).path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    _setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_questionnaires", verbosity=0)
    from dossiers import signing
    from dossiers.content import build_context
    from dossiers.models import Dossier
    from dossiers.package import build_manifest
    from dossiers.pdf import render_dossier_html
    from dossiers.services import dossier_request
    from dossiers.testing import approve, lengthen_first_domain, make_assessment
    from providers.models import Role
    from tests import factories

    signing.write_dev_ca(workdir / "signing")
    provider = factories.make_provider(
        name_zh="北京示例智能科技有限公司",
        security_lead="李四",
        legality_lead="王五",
        address="北京市海淀区中关村大街1号",
    )
    service = factories.make_service(
        provider, name="示例写作助手", channels=["web", "app", "api"], modalities=["text", "image"]
    )
    editor = factories.make_member(provider, Role.EDITOR).user
    reviewer = factories.make_user(is_reviewer=True, display_name="赵审核")
    assessment = make_assessment(service, editor)
    if long_answers:
        lengthen_first_domain(assessment, long_answers)
    assessment = approve(assessment, editor, reviewer)
    ids = {}
    for edition in editions:
        dossier, _ = dossier_request(assessment=assessment, user=editor, edition=edition)
        ids[edition] = dossier.pk
        manifest = build_manifest(
            number=dossier.number,
            snapshot=assessment.snapshot,
            snapshot_sha256=assessment.snapshot_sha256,
        )
        context = build_context(
            dossier=Dossier.objects.get(pk=dossier.pk),
            assessment=assessment,
            snapshot=assessment.snapshot,
            manifest=manifest.data,
            manifest_sha256=manifest.sha256,
        )
        (workdir / f"{edition}.html").write_text(
            render_dossier_html(context, edition=edition), encoding="utf-8"
        )
    return ids


def run_child(args: list[str], env: dict) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--editions", default="zh,bilingual")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument(
        "--long-answers",
        type=int,
        default=0,
        metavar="N",
        help="every text field of every answer of the first domain N characters long",
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="build each edition once under cProfile (stats to FILE-EDITION.prof, its HTML to "
        "FILE-EDITION.html) and print where the time goes instead of the timing table",
    )
    parser.add_argument(
        "--parallel",
        type=int,
        metavar="PROCESSES",
        help="render each edition's HTML in one process and in parts by PROCESSES processes "
        "(dossiers/parallel.py), alternately, and print both with the speed-up",
    )
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        kind, value, *rest = args.child
        if kind == "profile":
            result = child_profile(int(value), rest[0])
        elif kind == "steps":
            result = child_steps(value)
        elif kind == "render":
            result = child_render(value, rest[0])
        else:
            result = child_build(int(value)) if kind == "build" else child_weasyprint(value, *rest)
        print(json.dumps(result))
        return
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database the benchmark may recreate.")
    editions = args.editions.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env = {
            **os.environ,
            "MEDIA_ROOT": str(workdir / "media"),
            "PORTAL_VAR_DIR": str(workdir / "var"),
            "DOSSIER_SIGNING_KEY": str(workdir / "signing/DEVELOPMENT-ONLY-dossier-signer.key.pem"),
            "DOSSIER_SIGNING_CERT": str(
                workdir / "signing/DEVELOPMENT-ONLY-dossier-signer.cert.pem"
            ),
            "DOSSIER_SIGNING_CHAIN": str(workdir / "signing/DEVELOPMENT-ONLY-root-ca.cert.pem"),
        }
        os.environ.update({k: env[k] for k in ("MEDIA_ROOT", "PORTAL_VAR_DIR")})
        ids = setup(url, workdir, editions, args.long_answers)
        from dossiers.models import Dossier

        if args.profile:
            for edition in editions:
                Dossier.objects.filter(pk=ids[edition]).update(status="queued", progress=0)
                out = f"{args.profile}-{edition}.prof"
                shutil.copy(workdir / f"{edition}.html", f"{args.profile}-{edition}.html")
                result = run_child(["profile", str(ids[edition]), out], env)
                total = sum(seconds for _part, seconds in result["parts"])
                print(f"\n{edition}: {result['pages']} pages, {total:.1f} s profiled ({out})\n")
                print("| part | s | share |\n|---|---:|---:|")
                for part, seconds in result["parts"]:
                    print(f"| {part} | {seconds:.2f} | {seconds / total:.0%} |")
                steps = run_child(["steps", str(workdir / f"{edition}.html")], env)
                print(f"\n{edition}: `html_to_pdf` unprofiled {steps['seconds']:.1f} s\n")
                print("| WeasyPrint step | s | share |\n|---|---:|---:|")
                for step, seconds in steps["steps"].items():
                    print(f"| {step} | {seconds:.2f} | {seconds / steps['seconds']:.0%} |")
            _drop(url)
            return
        if args.parallel:
            _compare_parallel(workdir, editions, args.runs, args.parallel, env)
            _drop(url)
            return
        print(
            "| edition | pages | ours s | ours CPU s | pages per CPU s | render s | sign s |"
            " WeasyPrint alone s | alone CPU s | ratio (CPU) | alone PDF/UA CPU s | ratio to it"
            " (CPU) | ours peak MB | WeasyPrint peak MB | PDF MB | package MB | load average |"
        )
        print(
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
        )
        for edition in editions:
            for _run in range(args.runs):
                load = os.getloadavg()[0]
                Dossier.objects.filter(pk=ids[edition]).update(status="queued", progress=0)
                ours = run_child(["build", str(ids[edition])], env)
                alone = run_child(["weasy", str(workdir / f"{edition}.html")], env)
                tagged = run_child(["weasy", str(workdir / f"{edition}.html"), PDF_VARIANT], env)
                print(
                    f"| {edition} | {ours['pages']} | {ours['seconds']:.1f} | {ours['cpu']:.1f} | "
                    f"{ours['pages'] / ours['cpu']:.1f} | {ours['render']:.1f} | "
                    f"{ours['sign']:.2f} | {alone['seconds']:.1f} | {alone['cpu']:.1f} | "
                    f"{ours['seconds'] / alone['seconds']:.2f} "
                    f"({ours['cpu'] / alone['cpu']:.2f}) | {tagged['cpu']:.1f} | "
                    f"{ours['cpu'] / tagged['cpu']:.2f} | {ours['peak_mb']:.0f} | "
                    f"{alone['peak_mb']:.0f} | {ours['pdf_mb']:.1f} | {ours['package_mb']:.1f} | "
                    f"{load:.1f}–{os.getloadavg()[0]:.1f} |",
                    flush=True,
                )
    _drop(url)


def _compare_parallel(workdir: Path, editions: list[str], runs: int, processes: int, env) -> None:
    print(
        f"| edition | pages | one process s | CPU s | {processes} processes s | CPU s (all) "
        "| parts | speed-up (wall) | CPU ratio | estimated idle 2-core s | estimated speed-up "
        "| load average (one; parts) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for edition in editions:
        html = str(workdir / f"{edition}.html")
        for _run in range(runs):
            one = run_child(["render", html, "1"], env)
            many = run_child(["render", html, str(processes)], env)
            assert one["pages"] == many["pages"], (one, many)
            print(
                f"| {edition} | {one['pages']} | {one['seconds']:.1f} | {one['cpu']:.1f} | "
                f"{many['seconds']:.1f} | {many['cpu']:.1f} | {many['parts']} | "
                f"{one['seconds'] / many['seconds']:.2f} | {many['cpu'] / one['cpu']:.2f} | "
                f"{many['idle_2_cores']:.1f} | {one['cpu'] / many['idle_2_cores']:.2f} | "
                f"{one['load']}; {many['load']} |",
                flush=True,
            )


def _drop(url: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    main()
