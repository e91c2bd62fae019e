"""Background work of the API: token uses that found the audit chain busy, queued before
they went through audit.services.record_read (audit.tasks.append_deferred); kept for the
messages still in the outbox or the broker."""

from celery import shared_task


@shared_task(bind=True, ignore_result=True)
def record_token_use(self, token_pk: int, summary: str, ip: str | None, used_at: str) -> None:
    from api.tokens import record_deferred_use

    record_deferred_use(
        token_pk=token_pk, summary=summary, ip=ip, used_at=used_at, key=self.request.id
    )
