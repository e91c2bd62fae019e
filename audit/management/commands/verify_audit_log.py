"""Check the audit trail's hash chain from the first event to the last, and the signed
checkpoints of its head (audit/checkpoints.py) against it.

Read-only: it changes nothing and is harmless to rerun (schedule it daily). It prints
"N events, chain intact" with the newest event's hash, and the newest checkpoint that matches.
A broken chain names the first broken event; a checkpoint whose event is gone or changed shows
that the newest events were deleted or history rewritten. Either exits with status 1.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from audit.checkpoints import check_checkpoints, path
from audit.services import check_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain and checkpoints; exit 1 naming what is broken."

    def handle(self, *args, **options) -> None:
        result = check_chain()
        problems = []
        if result.broken is not None:
            event = result.broken
            problems.append(
                f"Broken at event #{event.pk} ({event.occurred_at.isoformat()}, "
                f"{event.action}): {result.reason}"
            )
        checkpoints = check_checkpoints(result.count)
        problems += [f"Checkpoint: {problem}" for problem in checkpoints.problems]
        if problems:
            raise CommandError("\n".join(problems))
        head = f"; head #{result.head.pk} {result.head.hash}" if result.head else ""
        self.stdout.write(f"{result.count} events, chain intact{head}")
        newest = checkpoints.newest
        if newest is not None:
            self.stdout.write(
                f"{checkpoints.checked} checkpoints match; the newest, of event "
                f"#{newest.event_id} ({newest.count} events), written {newest.written_at}"
            )
        else:
            self.stdout.write(f"No checkpoint yet in {path()}")
