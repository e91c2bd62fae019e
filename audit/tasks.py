"""Periodic work of the audit trail (beat: CELERY_BEAT_SCHEDULE)."""

from celery import shared_task


@shared_task
def write_audit_checkpoint() -> int | None:
    """Sign the chain's head into AUDIT_CHECKPOINT_DIR; the id of the checkpointed event."""
    from audit.checkpoints import write_checkpoint

    checkpoint = write_checkpoint()
    return checkpoint.event_id if checkpoint else None


@shared_task(ignore_result=True)
def append_deferred(fields: dict) -> None:
    """The event of a read that found the chain's lock held (audit.services.record_read)."""
    from audit.services import append_deferred as append

    append(fields)
