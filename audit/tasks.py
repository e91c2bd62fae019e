"""Periodic work of the audit trail (beat: CELERY_BEAT_SCHEDULE)."""

from celery import shared_task


@shared_task
def write_audit_checkpoint() -> int | None:
    """Sign the chain's head into AUDIT_CHECKPOINT_DIR; the id of the checkpointed event."""
    from audit.checkpoints import write_checkpoint

    checkpoint = write_checkpoint()
    return checkpoint.event_id if checkpoint else None
