"""Check a dossier PDF or filing package the way the public verification page does.

    manage.py verify_dossier FILE

Reads only; exit status 0 when genuine and current, 1 when genuine but superseded, 2 when not
genuine.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from dossiers.verification import CURRENT, SUPERSEDED, verify_file


class Command(BaseCommand):
    help = "Verify a dossier PDF or filing package (ZIP): signature, manifest, record."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--max-mb", type=int, default=None, help="size limit (default: none)")

    def handle(self, *args, file: Path, max_mb: int | None, **options) -> None:
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        size = file.stat().st_size
        if max_mb is not None and size > max_mb * 1024 * 1024:
            raise CommandError(f"{file} is larger than {max_mb} MB.")
        with translation.override(settings.LANGUAGE_CODE), file.open("rb") as handle:
            verdict = verify_file(handle, size)
        if verdict.outcome == CURRENT:
            self.stdout.write(self.style.SUCCESS(f"GENUINE AND CURRENT: {verdict.dossier.number}"))
        elif verdict.outcome == SUPERSEDED:
            newer = f" by {verdict.newer.number}" if verdict.newer else ""
            self.stdout.write(
                self.style.WARNING(f"GENUINE BUT SUPERSEDED{newer}: {verdict.dossier.number}")
            )
        else:
            self.stdout.write(self.style.ERROR("NOT GENUINE"))
        for reason in verdict.reasons:
            self.stdout.write(f"  - {reason}")
        if verdict.genuine:
            self.stdout.write(f"  signed by: {verdict.signer}")
            if verdict.kind == "package":
                self.stdout.write(f"  files checked against the manifest: {verdict.files_checked}")
        if verdict.outcome != CURRENT:
            raise SystemExit(1 if verdict.outcome == SUPERSEDED else 2)
