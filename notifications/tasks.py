"""Background work of notifications; tasks take ids and are safe to run twice."""

from celery import shared_task
from django.utils import timezone


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_email(notification_id: int) -> None:
    """Mail one notification, at most once. SMTP hiccups (OSError) retry with backoff."""
    from notifications.emails import build_message
    from notifications.models import Notification

    # The conditional update is the claim: of two runs of the same task, one gets the row.
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return
    notification = (
        Notification.objects.select_related("recipient", "actor", "assessment__service__provider")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or not notification.recipient.is_active:
        return
    try:
        build_message(notification).send()
    except OSError:
        # Give the claim back, or the retry would find the mail "sent" and skip it.
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise


@shared_task
def send_due_reminders() -> int:
    """Daily (CELERY_BEAT_SCHEDULE) and `manage.py send_due_reminders`."""
    from notifications.services import remind_due_reviews

    return len(remind_due_reviews())


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_digest_email(digest_id: int) -> None:
    """Mail one weekly digest, at most once (the same claim as send_notification_email)."""
    from notifications.emails import build_digest_message
    from notifications.models import Digest

    claimed = Digest.objects.filter(pk=digest_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return
    digest = Digest.objects.select_related("recipient").filter(pk=digest_id).first()
    if digest is None or not digest.recipient.is_active:
        return
    try:
        build_digest_message(digest).send()
    except OSError:
        Digest.objects.filter(pk=digest_id).update(emailed_at=None)
        raise


@shared_task
def send_weekly_digests() -> int:
    """Weekly (CELERY_BEAT_SCHEDULE): library changes that affect each person's services."""
    from notifications.digest import make_weekly_digests

    return len(make_weekly_digests())
