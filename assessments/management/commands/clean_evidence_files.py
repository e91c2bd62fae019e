"""Remove evidence files that no evidence row names any more (beat runs it daily)."""

from django.core.management.base import BaseCommand

from assessments.storage import collect_orphans


class Command(BaseCommand):
    help = "Remove evidence files no evidence row names any more (older than an hour)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list, remove nothing")

    def handle(self, *args, dry_run=False, **options):
        removed = collect_orphans(dry_run=dry_run)
        for path in removed:
            self.stdout.write(path)
        verb = "would remove" if dry_run else "removed"
        self.stdout.write(f"{verb} {len(removed)} files")
