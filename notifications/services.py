"""Who hears about what, and the rows that tell them.

Callers (the review state machine, the dossier task, the reminder job) call `notify()` inside
the transaction that changes the assessment: the rows commit with it, and each e-mail is queued
only after the commit, so a rolled-back change sends nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from assessments.models import Assessment, Status
from notifications.models import Kind, Notification
from notifications.tasks import send_notification_email
from outbox.services import dispatch
from providers.models import WRITE_ROLES

# Kinds meant for reviewers; the provider's writers get the others.
REVIEWER_KINDS = frozenset({Kind.SUBMITTED, Kind.RESUBMITTED, Kind.DUE_SOON})
PROVIDER_KINDS = frozenset(
    {Kind.CHANGES_REQUESTED, Kind.APPROVED, Kind.REJECTED, Kind.DOSSIER_READY}
)
# Statuses a reviewer still has to act on, so a due date is worth a reminder.
AWAITING_REVIEW = (Status.SUBMITTED, Status.IN_REVIEW)
# "Not reminded in the last day", with slack: the daily beat run must not be skipped because
# yesterday's run committed a few seconds later in the day than today's starts.
REMINDER_QUIET_PERIOD = timedelta(hours=20)


def eligible_reviewers(assessment: Assessment) -> QuerySet[User]:
    """Active reviewers with no membership in the assessment's provider (conflict of interest)."""
    provider_id = assessment.service.provider_id
    return User.objects.filter(is_active=True, is_reviewer=True).exclude(
        memberships__provider_id=provider_id
    )


def recipients_for(kind: str, assessment: Assessment) -> QuerySet[User]:
    active = User.objects.filter(is_active=True)
    if kind == Kind.ASSIGNED:
        return active.filter(pk=assessment.assigned_to_id)
    if kind in REVIEWER_KINDS:
        # The assignee when there is an active one; otherwise the pool, so nothing waits unseen.
        assignee = active.filter(pk=assessment.assigned_to_id)
        if assessment.assigned_to_id and assignee.exists():
            return assignee
        return eligible_reviewers(assessment)
    if kind in PROVIDER_KINDS:
        return active.filter(
            memberships__provider_id=assessment.service.provider_id,
            memberships__role__in=WRITE_ROLES,
        )
    raise ValueError(f"Unknown notification kind {kind!r}")


@transaction.atomic
def notify(kind: str, *, assessment: Assessment, actor: User | None = None) -> list[Notification]:
    """One notification per recipient of `kind` (never the actor), each e-mailed after commit."""
    kind = Kind(kind)
    recipients = recipients_for(kind, assessment)
    if actor is not None:
        recipients = recipients.exclude(pk=actor.pk)
    rows = Notification.objects.bulk_create(
        Notification(recipient_id=pk, kind=kind, assessment=assessment, actor=actor)
        for pk in recipients.order_by("pk").values_list("pk", flat=True)
    )
    for row in rows:
        dispatch(send_notification_email, row.pk)
    return rows


def link_for(notification: Notification) -> str:
    """Where a notification leads, as a path (e-mails prefix settings.SITE_URL): reviewers to
    the review page, the provider's people to their assessment."""
    if notification.assessment is None:
        return reverse("notifications:list")
    if notification.kind in REVIEWER_KINDS or notification.kind == Kind.ASSIGNED:
        return reverse("reviews:detail", args=[notification.assessment.public_id])
    return notification.assessment.get_absolute_url()


def absolute_link(notification: Notification) -> str:
    return settings.SITE_URL + link_for(notification)


def mark_read(notification: Notification) -> None:
    now = timezone.now()
    # Conditional, so a second click keeps the first reading time.
    if Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now):
        notification.read_at = now


def mark_all_read(user: User) -> int:
    return Notification.objects.filter(recipient=user).unread().update(read_at=timezone.now())


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user).unread().count()


def remind_due_reviews() -> list[Notification]:
    """`due_soon` notifications for reviews due within settings.REVIEW_REMINDER_DAYS (overdue
    ones included) that had no reminder in the last day; rerunning the same day sends nothing."""
    horizon = timezone.localdate() + timedelta(days=settings.REVIEW_REMINDER_DAYS)
    recent = Notification.objects.filter(
        assessment=OuterRef("pk"),
        kind=Kind.DUE_SOON,
        created_at__gte=timezone.now() - REMINDER_QUIET_PERIOD,
    )
    due = (
        Assessment.objects.filter(status__in=AWAITING_REVIEW, due_date__lte=horizon)
        .exclude(Exists(recent))
        .select_related("service")
        .order_by("due_date", "pk")
    )
    sent: list[Notification] = []
    for assessment in due:
        # One transaction per assessment: a failure part-way keeps the reminders already made.
        sent += notify(Kind.DUE_SOON, assessment=assessment)
    return sent
