"""Assessments of a service against one questionnaire version, their answers and evidence."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from library.models import Question, Questionnaire
from providers.models import AIService


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SUPERSEDED = "superseded", _("Superseded")


OPEN_STATUSES = (
    Status.DRAFT,
    Status.SUBMITTED,
    Status.IN_REVIEW,
    Status.CHANGES_REQUESTED,
)
EDITABLE_STATUSES = (Status.DRAFT,)


class AssessmentQuerySet(models.QuerySet):
    def for_user(self, user) -> AssessmentQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(service__provider__memberships__user=user)

    def open(self) -> AssessmentQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class Assessment(models.Model):
    """One version of a service's self-assessment. A revision is a new row (`previous` points
    at the version it revises); submitted versions are frozen in `snapshot`."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(
        AIService,
        on_delete=models.CASCADE,
        related_name="assessments",
        verbose_name=_("service"),
    )
    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("questionnaire"),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_version",
        verbose_name=_("previous version"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last change"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    # Review: who reviews it, by when, what they concluded (reviews.services writes these).
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_assessments",
        verbose_name=_("reviewer"),
    )
    due_date = models.DateField(_("review due"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    review_summary = models.TextField(_("reviewer's opinion"), blank=True)
    reviewed_score = models.JSONField(_("reviewed score"), null=True, blank=True)
    # Derived on every answer change by services.refresh_assessment(); read by lists.
    progress = models.JSONField(_("progress"), default=dict, blank=True)
    answered_count = models.PositiveIntegerField(_("answered"), default=0)
    applicable_count = models.PositiveIntegerField(_("applicable"), default=0)
    self_score = models.JSONField(_("self-assessed score"), null=True, blank=True)
    # scores.inputs_digest of what self_score was computed from, written with it in the same
    # UPDATE: an autosave that leaves the digest the same leaves the score (40 KB) unwritten.
    self_score_inputs = models.CharField(
        _("self-assessed score's inputs"), max_length=64, blank=True, editable=False
    )
    # Derived with them by filing.summary: route code -> codes of the pre-filing checks that
    # block its package, and the number of distinct blocking checks (None: not computed yet).
    filing_routes = models.JSONField(_("filing routes"), null=True, blank=True)
    blocking_count = models.PositiveIntegerField(
        _("blocking pre-filing checks"), null=True, blank=True
    )
    # The autosave leaves the summary to a background task (filing.summary): every change of
    # its inputs counts up `edit_revision` in the transaction that makes it, and the summary
    # stored is that of `summary_revision`; it is being updated while the two differ.
    edit_revision = models.PositiveBigIntegerField(_("edit revision"), default=0)
    summary_revision = models.PositiveBigIntegerField(_("filing summary revision"), default=0)
    snapshot = models.JSONField(_("submission snapshot"), null=True, blank=True)
    snapshot_sha256 = models.CharField(_("snapshot SHA-256"), max_length=64, blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "questionnaire"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="assessments_one_open_per_service",
                violation_error_message=_(
                    "This service already has an open assessment of this questionnaire."
                ),
            ),
            models.UniqueConstraint(
                fields=["service", "questionnaire", "version"],
                name="assessments_version_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(status=Status.DRAFT) | ~models.Q(snapshot_sha256=""),
                name="assessments_submitted_has_snapshot",
                violation_error_message=_("Only drafts may lack a submission snapshot."),
            ),
        ]
        indexes = [
            # The provider dashboard lists each service's assessments, newest first.
            models.Index(fields=["service", "-created_at"], name="assessments_service_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.service} · v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("assessments:detail", kwargs={"assessment": self.public_id})

    @property
    def summary_outdated(self) -> bool:
        """The stored filing routes and blocking checks are being recomputed."""
        return self.summary_revision != self.edit_revision

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def failed_red_lines(self) -> list[str]:
        """Codes of the red lines the self-assessed score fails."""
        lines = (self.self_score or {}).get("red_lines") or []
        return [r["code"] for r in lines if r.get("status") == "failed"]

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return (
            self.due_date is not None
            and self.status in (Status.SUBMITTED, Status.IN_REVIEW)
            and self.due_date < timezone.localdate()
        )

    @property
    def remaining_count(self) -> int:
        """Answers and files still missing before submission: the length of
        services.missing_for_submission when the assessment was last refreshed."""
        return max(self.applicable_count - self.answered_count, 0)

    @property
    def percent_done(self) -> int:
        if not self.applicable_count:
            return 0
        return round(100 * self.answered_count / self.applicable_count)


class ClauseResult(models.TextChoices):
    CONFORM = "conform", _("Conforms")
    NOT_CONFORM = "not_conform", _("Does not conform")
    NA = "na", _("Not applicable")


class NonConformity(models.TextChoices):
    ALTERNATIVE = "alternative", _("An equivalent alternative measure is in place")
    REMEDIATION = "remediation", _("Measures are taken; a remediation plan follows")


class Answer(models.Model):
    """The answer to one question. `revision` grows with every save, so two people editing the
    same answer cannot overwrite each other silently."""

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="answers",
        verbose_name=_("assessment"),
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="+", verbose_name=_("question")
    )
    value = models.JSONField(_("answer"), null=True, blank=True)
    note = models.TextField(_("justification"), blank=True)
    na_reason = models.TextField(_("why not applicable"), blank=True)
    nonconformity = models.CharField(
        _("how the gap is handled"), max_length=20, choices=NonConformity.choices, blank=True
    )
    alternative_measure = models.TextField(_("alternative measure"), blank=True)
    alternative_proof = models.TextField(_("proof of its effectiveness"), blank=True)
    measures_taken = models.TextField(_("measures taken"), blank=True)
    remediation_plan = models.TextField(_("remediation plan"), blank=True)
    remediation_due = models.DateField(_("target date"), null=True, blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "question"],
                name="assessments_one_answer_per_question",
                violation_error_message=_("This question has an answer already."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.question_id}"

    @property
    def is_answered(self) -> bool:
        return is_answered(self.value)


def is_answered(value) -> bool:
    """An answer's stored value says something (an answer row may hold only a note)."""
    return value not in (None, "", [])


def evidence_path(instance: Evidence, filename: str) -> str:
    # Content-addressed: a revision that carries evidence forward shares the same file.
    return f"evidence/{instance.sha256[:2]}/{instance.sha256}"


class Evidence(models.Model):
    """A file attached to an answer; stored outside the static root, served by a checked view."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="evidence",
        verbose_name=_("assessment"),
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="+", verbose_name=_("question")
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    observed_on = models.DateField(_("observation date"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at"]
        indexes = [
            models.Index(fields=["assessment", "question"], name="assessments_evidence_q_idx")
        ]

    def __str__(self) -> str:
        return self.name


class AnalysisStatus(models.TextChoices):
    PENDING = "pending", _("Analysing")
    DONE = "done", _("Analysed")
    FAILED = "failed", _("Could not be analysed")


class Analysis(models.Model):
    """What an evidence analyser measured in one uploaded artefact (keyword list, test bank ...).

    Computed by a Celery task after the upload commits; `passed` is None while pending and when
    no binding check could be evaluated.
    """

    evidence = models.OneToOneField(
        Evidence, on_delete=models.CASCADE, related_name="analysis", verbose_name=_("evidence")
    )
    kind = models.CharField(_("analyser"), max_length=40)
    status = models.CharField(
        _("status"), max_length=10, choices=AnalysisStatus.choices, default=AnalysisStatus.PENDING
    )
    passed = models.BooleanField(_("passed"), null=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    error_zh = models.TextField(_("error (Chinese)"), blank=True)
    error_en = models.TextField(_("error (English)"), blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("analysis")
        verbose_name_plural = _("analyses")

    def __str__(self) -> str:
        return f"{self.kind}: {self.get_status_display()}"


class QuestionnaireUpgrade(models.Model):
    """One move of an assessment in flight to a newer questionnaire version (assessments.upgrade).

    `retired` keeps, read-only, the answers and files of the questions that did not carry over
    (removed, or changed in wording, kind, options or thresholds) exactly as they were; `moved`
    is what undo needs to put the carried answers and files back on the old questions."""

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="upgrades",
        verbose_name=_("assessment"),
    )
    from_questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("from questionnaire version"),
    )
    to_questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("to questionnaire version"),
    )
    from_version = models.PositiveIntegerField(_("assessment version before"))
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("moved by"),
    )
    performed_at = models.DateTimeField(_("moved"), auto_now_add=True)
    carried = models.JSONField(_("carried over"), default=list)
    marked = models.JSONField(_("new or changed questions"), default=list)
    retired = models.JSONField(_("answers kept from the earlier version"), default=list)
    moved = models.JSONField(_("rows moved"), default=dict)
    audit_event_id = models.BigIntegerField(_("audit event"), null=True)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)

    class Meta:
        verbose_name = _("questionnaire upgrade")
        verbose_name_plural = _("questionnaire upgrades")
        ordering = ["-performed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.assessment} · v{self.from_questionnaire_id} → v{self.to_questionnaire_id}"
