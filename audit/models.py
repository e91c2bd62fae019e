"""The audit trail: append-only, hash-chained events (see audit/services.py to write them)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from audit import chain


class AppendOnlyError(Exception):
    """Raised on any attempt to edit or delete an audit event through the ORM."""


_REFUSAL = "audit events are append-only"


class Action(models.TextChoices):
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Failed sign-in")
    LOGOUT = "logout", _("Signed out")
    ROLE_CHANGED = "role_changed", _("Role changed")
    MEMBER_ADDED = "member_added", _("Member added")
    MEMBER_REMOVED = "member_removed", _("Member removed")
    INVITATION_SENT = "invitation_sent", _("Invitation sent")
    INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted")
    INVITATION_REVOKED = "invitation_revoked", _("Invitation withdrawn")
    PROVIDER_CHANGED = "provider_changed", _("Provider details changed")
    SERVICE_CHANGED = "service_changed", _("Service profile changed")
    ASSESSMENT_STARTED = "assessment_started", _("Assessment started")
    ASSESSMENT_STATUS_CHANGED = "assessment_status_changed", _("Assessment status changed")
    ANSWER_CHANGED = "answer_changed", _("Answer changed")
    EVIDENCE_UPLOADED = "evidence_uploaded", _("Evidence uploaded")
    EVIDENCE_DOWNLOADED = "evidence_downloaded", _("Evidence downloaded")
    EVIDENCE_DELETED = "evidence_deleted", _("Evidence deleted")
    REVIEW_VERDICT = "review_verdict", _("Review verdict")
    ASSESSMENT_ASSIGNED = "assessment_assigned", _("Assessment assigned")
    DOSSIER_GENERATED = "dossier_generated", _("Dossier generated")
    DOSSIER_DOWNLOADED = "dossier_downloaded", _("Dossier downloaded")
    DISCLOSURE_CHANGED = "disclosure_changed", _("Public disclosure text changed")
    PACKAGE_GENERATED = "package_generated", _("Filing package generated")
    PACKAGE_DOWNLOADED = "package_downloaded", _("Filing package downloaded")
    TOKEN_CREATED = "token_created", _("API token created")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    TOKEN_USED = "token_used", _("API token used")
    MFA_ENABLED = "mfa_enabled", _("Two-factor sign-in turned on")
    MFA_DISABLED = "mfa_disabled", _("Two-factor sign-in turned off")
    MFA_RECOVERY_USED = "mfa_recovery_used", _("Recovery code used")
    MFA_RECOVERY_RENEWED = "mfa_recovery_renewed", _("Recovery codes renewed")
    MODEL_ENDPOINT_CHANGED = "model_endpoint_changed", _("Model endpoint changed")
    MODEL_TEST_STARTED = "model_test_started", _("Model test started")
    MODEL_TEST_CONTROLLED = "model_test_controlled", _("Model test paused, resumed or cancelled")
    MODEL_TEST_ITEMS_VIEWED = (
        "model_test_items_viewed",
        _("Model test questions and answers viewed"),
    )
    MODEL_TEST_ATTACHED = "model_test_attached", _("Model test attached to an assessment")
    QUESTIONNAIRE_UPGRADED = (
        "questionnaire_upgraded",
        _("Assessment moved to a newer questionnaire version"),
    )
    QUESTIONNAIRE_UPGRADE_UNDONE = (
        "questionnaire_upgrade_undone",
        _("Move to a newer questionnaire version undone"),
    )
    PORTFOLIO_EXPORTED = "portfolio_exported", _("Portfolio exported")


class AuditEventQuerySet(models.QuerySet):
    """Reads only: bulk writes would bypass the chain, bulk edits and deletes would break it."""

    def update(self, **kwargs):
        raise AppendOnlyError(_REFUSAL)

    def delete(self):
        raise AppendOnlyError(_REFUSAL)

    def bulk_create(self, *args, **kwargs):
        raise AppendOnlyError("audit events are written one by one by audit.services.record()")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError(_REFUSAL)

    def for_assessments(self, assessment_ids) -> AuditEventQuerySet:
        return self.filter(assessment_id__in=list(assessment_ids)).order_by("id")


class AuditEvent(models.Model):
    """Who did what to which object, when and from where. Written only by
    `audit.services.record()`, never edited or deleted: `save()` inserts only, `delete()` and
    the queryset's `update()`/`delete()` raise, and on PostgreSQL a trigger refuses UPDATE and
    DELETE as well (migration 0002).

    The actor, provider and assessment are plain integers, not foreign keys: deleting a user or
    a provider must not cascade into, or SET_NULL, rows that may never change. `actor_email`
    keeps who it was after the account is gone.
    """

    occurred_at = models.DateTimeField(_("time"), db_index=True)
    action = models.CharField(_("action"), max_length=40, choices=Action.choices)
    actor_id = models.BigIntegerField(_("actor ID"), null=True, blank=True)
    actor_email = models.CharField(_("actor"), max_length=254, blank=True)
    provider_id = models.BigIntegerField(_("provider ID"), null=True, blank=True)
    object_type = models.CharField(_("object type"), max_length=50, blank=True)
    object_id = models.CharField(_("object"), max_length=64, blank=True)
    assessment_id = models.BigIntegerField(_("assessment ID"), null=True, blank=True)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-id"]
        constraints = [
            # Two events can never claim the same predecessor: a chain cannot fork, even if
            # two writers race on a database without the advisory lock.
            models.UniqueConstraint(fields=["prev_hash"], name="audit_event_prev_hash_unique"),
        ]
        indexes = [
            # An assessment's history page: events of its versions, in order.
            models.Index(fields=["assessment_id", "id"], name="audit_event_assessment_idx"),
            # Scoping by provider (a provider's own log), newest first.
            models.Index(fields=["provider_id", "-id"], name="audit_event_provider_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding or self.pk is not None:
            raise AppendOnlyError(_REFUSAL)
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(_REFUSAL)

    def content(self) -> dict:
        """The fields the hash covers (audit.chain.CONTENT_FIELDS) with their values."""
        return {name: getattr(self, name) for name in chain.CONTENT_FIELDS}

    def computed_hash(self) -> str:
        return chain.compute_hash(self.prev_hash, self.content())

    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for each field whose value differs, for people to read."""
        before = self.before if isinstance(self.before, dict) else {}
        after = self.after if isinstance(self.after, dict) else {}
        rows = []
        for key in sorted(set(before) | set(after)):
            old, new = before.get(key), after.get(key)
            if old != new:
                rows.append((key, old, new))
        return rows
