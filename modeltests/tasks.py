"""Background work of model tests: a run advances chunk by chunk, each chunk a task."""

from celery import shared_task

from modeltests import engine


@shared_task(acks_late=True, ignore_result=True)
def advance_run(run_id: int) -> str:
    """Send one chunk, then queue the next. Safe to deliver twice: a second delivery finds the
    lease held (busy) or the items answered."""
    outcome = engine.process_chunk(run_id)
    if outcome == "more":
        advance_run.delay(run_id)
    return outcome
