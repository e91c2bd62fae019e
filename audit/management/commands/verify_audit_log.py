"""Check the audit trail's hash chain from the first event to the last.

Read-only: it changes nothing and is harmless to rerun (schedule it daily). It prints
"N events, chain intact" with the newest event's hash, which is worth keeping outside the
database (a cron log, a ticket): a chain cannot by itself show that its newest events were
removed, but a head hash noted earlier can. When the chain is broken it names the first broken
event and exits with status 1.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from audit.services import check_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exit 1 naming the first broken event."

    def handle(self, *args, **options) -> None:
        result = check_chain()
        if result.broken is not None:
            event = result.broken
            raise CommandError(
                f"Broken at event #{event.pk} ({event.occurred_at.isoformat()}, "
                f"{event.action}): {result.reason}"
            )
        head = f"; head #{result.head.pk} {result.head.hash}" if result.head else ""
        self.stdout.write(f"{result.count} events, chain intact{head}")
