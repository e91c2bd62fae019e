"""In-app notifications; each one is also e-mailed once (notifications.tasks)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment


class Kind(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ASSIGNED = "assigned", _("Assigned to you")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    DOSSIER_READY = "dossier_ready", _("Dossier ready")
    DUE_SOON = "due_soon", _("Review due soon")


# One sentence per kind, shared by the notification list and both halves of the e-mail.
MESSAGES = {
    Kind.SUBMITTED: _(
        "The self-assessment of %(service)s (%(provider)s), version %(version)s, "
        "was submitted for review."
    ),
    Kind.ASSIGNED: _(
        "You were assigned to review the self-assessment of %(service)s (%(provider)s), "
        "version %(version)s."
    ),
    Kind.CHANGES_REQUESTED: _(
        "The reviewer asked for changes to the self-assessment of %(service)s (%(provider)s), "
        "version %(version)s."
    ),
    Kind.RESUBMITTED: _(
        "The self-assessment of %(service)s (%(provider)s) was revised and submitted again "
        "as version %(version)s."
    ),
    Kind.APPROVED: _(
        "The self-assessment of %(service)s (%(provider)s), version %(version)s, was approved."
    ),
    Kind.REJECTED: _(
        "The self-assessment of %(service)s (%(provider)s), version %(version)s, was rejected."
    ),
    Kind.DOSSIER_READY: _(
        "The filing dossier of %(service)s (%(provider)s), version %(version)s, is ready."
    ),
    Kind.DUE_SOON: _(
        "The review of the self-assessment of %(service)s (%(provider)s), version %(version)s, "
        "is due on %(due)s."
    ),
}


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """Something a person should know about an assessment: shown in their list until read,
    and e-mailed once (`emailed_at` is the claim that makes the mail task idempotent)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("assessment"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The navbar badge counts a user's unread notifications every minute.
            models.Index(fields=["recipient", "read_at"], name="notifications_unread_idx"),
            # The list pages through a user's notifications, newest first.
            models.Index(fields=["recipient", "-created_at"], name="notifications_list_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_id}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    @property
    def message(self) -> str:
        """The sentence in the active language; needs assessment__service__provider loaded."""
        if self.assessment is None:
            return str(self.get_kind_display())
        assessment = self.assessment
        return MESSAGES[self.kind] % {
            "service": assessment.service.name,
            "provider": assessment.service.provider.name_zh,
            "version": assessment.version,
            "due": assessment.due_date.isoformat() if assessment.due_date else "—",
        }


class Digest(models.Model):
    """The weekly e-mail of library changes that affect a person's services: one row per
    person and week (the unique pair makes the weekly run idempotent), with what it says, so
    the mail task renders exactly what the run found; `emailed_at` is the mail task's claim."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="digests",
        verbose_name=_("recipient"),
    )
    week = models.DateField(_("week of"))  # the Monday of the ISO week it was made in
    content = models.JSONField(_("content"), default=list)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("weekly digest")
        verbose_name_plural = _("weekly digests")
        ordering = ["-week", "recipient"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "week"], name="notifications_one_digest_a_week"
            )
        ]

    def __str__(self) -> str:
        return f"{self.week} → {self.recipient_id}"
