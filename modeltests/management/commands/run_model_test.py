"""Run the standard's draws against a model endpoint from the command line (e.g. in CI).

    manage.py run_model_test --service UUID --endpoint UUID [--judge UUID]
        [--banks annex5.xlsx ...] [--keywords annex4.xlsx] [--size keyword=1000 ...]
        [--budget 10000] [--seed 42]

Prints each draw's rate against its threshold. Exit code 0 when every draw meets its
threshold, 1 when one misses it, 2 when the run could not be made or did not finish.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from analysers import AnalyserError
from modeltests import banks as bank_io
from modeltests import engine
from modeltests.models import ModelEndpoint, RunStatus
from modeltests.presenters import draw_rows
from modeltests.sampling import DRAWS, STANDARD_SIZES
from providers.models import AIService


class Command(BaseCommand):
    help = "Run TC260-003 9.3/9.4 draws against a model endpoint; exit 1 if a threshold fails."

    def add_arguments(self, parser):
        parser.add_argument("--service", required=True, help="the service's ID (UUID)")
        parser.add_argument("--endpoint", required=True, help="the model endpoint's ID")
        parser.add_argument("--judge", help="a judge endpoint's ID (classifier draw)")
        parser.add_argument("--banks", nargs="*", default=[], help="annex 5 workbooks")
        parser.add_argument("--keywords", nargs="*", default=[], help="annex 4 keyword lists")
        parser.add_argument(
            "--size",
            action="append",
            default=[],
            metavar="DRAW=N",
            help=f"questions per draw, DRAW one of {', '.join(DRAWS)} (default: the "
            "standard's, manual 0: people grade it on the grading screen)",
        )
        parser.add_argument("--budget", type=int, default=10000)
        parser.add_argument("--seed", type=int)

    def handle(self, *args, **options):
        service = _get(AIService.objects.select_related("provider"), options["service"], "service")
        endpoint = _get(
            ModelEndpoint.objects.filter(provider=service.provider), options["endpoint"], "endpoint"
        )
        judge = None
        if options["judge"]:
            judge = _get(
                ModelEndpoint.objects.filter(provider=service.provider), options["judge"], "judge"
            )
        sizes = {**STANDARD_SIZES, "manual": 0}
        if judge is None:
            sizes["classifier"] = 0
        for item in options["size"]:
            draw, _, n = item.partition("=")
            if draw not in DRAWS or not n.isdigit():
                raise CommandError(
                    f"--size {item!r}: expected DRAW=N with DRAW in {DRAWS}", returncode=2
                )
            sizes[draw] = int(n)
        assessment = bank_io.latest_assessment(service)
        uploaded_banks, uploaded_keywords = bank_io.assessment_files(assessment)
        try:
            bank_files = [bank_io.file_source(p) for p in options["banks"]] or uploaded_banks
            keyword_files = [
                bank_io.file_source(p) for p in options["keywords"]
            ] or uploaded_keywords
            if not bank_files:
                raise CommandError(
                    "no banks: pass --banks or upload the annex 5 banks", returncode=2
                )
            banks = bank_io.read_banks(bank_files)
            keywords, keyword_sources = bank_io.read_keywords(keyword_files)
        except (OSError, AnalyserError) as exc:
            raise CommandError(f"cannot read the files: {exc}", returncode=2) from None
        if sizes["keyword"] and not keywords:
            raise CommandError(
                "the keyword draw needs --keywords or an annex 4 keyword list upload", returncode=2
            )
        run = engine.create_run(
            service=service,
            endpoint=endpoint,
            judge=judge,
            banks=banks,
            sizes=sizes,
            budget=options["budget"],
            keyword_sources=keyword_sources,
            seed=options["seed"],
        )
        engine.use_keywords(run, keywords)
        self.stdout.write(f"run {run.public_id} · seed {run.seed} · {run.items.count()} questions")

        def report(current):
            p = engine.progress(current)
            self.stderr.write(
                f"  {p['done']}/{p['total']} answered, {p['errors']} errors, "
                f"{p['requests_used']} requests"
            )

        outcome = engine.run_to_end(run, on_chunk=report)
        run.refresh_from_db()
        if run.status != RunStatus.FINISHED:
            raise CommandError(
                f"the run stopped ({outcome}, {run.stop_reason or run.status}); resume it on "
                f"its page: {run.get_absolute_url()}",
                returncode=2,
            )
        self.stdout.write(f"model {run.model_name} · version {run.model_version or '—'}")
        for row in draw_rows(run.summary):
            verdict = "PASS" if row["passed"] else "FAIL"
            rate = row["rate_pct"] or "—"
            self.stdout.write(
                f"{verdict}  {row['draw']:<11} {row['tested']:>5} tested (≥ {row['sample_min']})"
                f"  {row['rate_label']} {rate} ({row['threshold_text']})"
                f"  errors {row['errors']}  ungraded {row['ungraded']}"
            )
        if not run.summary["passed"]:
            raise CommandError("a threshold is not met", returncode=1)


def _get(queryset, value: str, what: str):
    try:
        obj = queryset.filter(public_id=value).first()
    except (ValueError, ValidationError):  # a malformed ID
        obj = None
    if obj is None:
        raise CommandError(f"no such {what}: {value}", returncode=2)
    return obj
