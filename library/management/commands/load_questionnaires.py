"""Load or update the provision library and the questionnaires from fixtures/.

Touches instruments, provisions and risks (updated in place) and questionnaire versions (created
once; a loaded version whose file changed is refused: give it a new version). Rerunning with
unchanged files changes nothing.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from library.loading import LoadError, load_library


class Command(BaseCommand):
    help = "Validate and load fixtures/library and fixtures/questionnaires (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--root", type=Path, help="fixtures folder (default: fixtures/)")
        parser.add_argument(
            "--replace-unused",
            action="store_true",
            help="replace a changed questionnaire version that no assessment uses yet",
        )

    def handle(self, *args, root=None, replace_unused=False, **options):
        try:
            report = load_library(root, replace_unused=replace_unused)
        except LoadError as exc:
            lines = "\n".join(f"  - {p}" for p in exc.problems)
            raise CommandError(
                f"The library was not loaded ({len(exc.problems)} problems):\n{lines}"
            ) from None
        for line in report.questionnaires:
            self.stdout.write(f"Questionnaire {line}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Library: {report.instruments} instruments, {report.provisions} provisions "
                f"({report.assessable_provisions} assessable), {report.risks} risks, "
                f"{report.questions} questions."
            )
        )
        if report.uncovered:
            self.stdout.write(
                self.style.WARNING(
                    "Assessable provisions no question cites: " + ", ".join(report.uncovered)
                )
            )
