"""Sign the audit chain's head into AUDIT_CHECKPOINT_DIR (what beat does on its schedule)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from audit.checkpoints import CheckpointError, write_checkpoint


class Command(BaseCommand):
    help = "Verify the audit chain and append a signed checkpoint of its head."

    def handle(self, *args, **options) -> None:
        try:
            checkpoint = write_checkpoint()
        except CheckpointError as exc:
            raise CommandError(str(exc)) from exc
        if checkpoint is None:
            self.stdout.write("The audit log is empty: nothing to checkpoint.")
        else:
            self.stdout.write(
                f"Checkpoint of event #{checkpoint.event_id} {checkpoint.hash} "
                f"({checkpoint.count} events), written {checkpoint.written_at}"
            )
