"""Filing dossiers: the signed PDF (and its ZIP package) built from an assessment's snapshot.

Each row is one background job and its outcome. The Celery task moves it through
queued → rendering → signing → ready (or failed); the web panel polls the row, never Celery.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment


class DossierStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RENDERING = "rendering", _("Rendering")
    SIGNING = "signing", _("Signing")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


IN_PROGRESS = (DossierStatus.QUEUED, DossierStatus.RENDERING, DossierStatus.SIGNING)


class DossierKind(models.TextChoices):
    FINAL = "final", _("Signed filing dossier")
    PREVIEW = "preview", _("Draft preview (not for filing)")


class Edition(models.TextChoices):
    ZH = "zh", _("Chinese")
    EN = "en", _("English")
    BILINGUAL = "bilingual", _("Chinese and English")


def new_dossier_number() -> str:
    """Printed on the cover and in the verification address: a date and 40 random bits, so
    numbers cannot be enumerated on the public verification page."""
    return f"GAI-{timezone.localdate():%Y%m%d}-{secrets.token_hex(5).upper()}"


class DossierQuerySet(models.QuerySet):
    def for_assessment(self, assessment: Assessment) -> DossierQuerySet:
        return self.filter(assessment=assessment).order_by("-created_at")

    def final_ready(self) -> DossierQuerySet:
        return self.filter(kind=DossierKind.FINAL, status=DossierStatus.READY)


class SignedBuild:
    """What a row built and signed by a background task knows of itself: its kind, whether the
    job runs, whether its message was lost, and the two writes its task makes on the way.
    Shared by dossiers and filing packages (filing.models.FilingPackage)."""

    @property
    def is_final(self) -> bool:
        return self.kind == DossierKind.FINAL

    @property
    def in_progress(self) -> bool:
        return self.status in IN_PROGRESS

    @property
    def is_stale(self) -> bool:
        """In progress for longer than a task may run: its message was lost; offer a retry."""
        limit = settings.DOSSIER_TASK_TIME_LIMIT + 120
        return self.in_progress and (timezone.now() - self.updated_at).total_seconds() > limit

    @classmethod
    def mark_failed(cls, pk: int, code: str, detail: str = "") -> None:
        """Failed with a reason; a finished row is never overwritten."""
        cls.objects.filter(pk=pk, status__in=IN_PROGRESS).update(
            status=DossierStatus.FAILED,
            error_code=code,
            error_detail=detail[:500],
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )

    @classmethod
    def mark_requeued(cls, pk: int) -> None:
        """Before a retry with backoff: shown as queued again."""
        cls.objects.filter(pk=pk, status__in=IN_PROGRESS).update(
            status=DossierStatus.QUEUED, updated_at=timezone.now()
        )


class Dossier(SignedBuild, models.Model):
    """One generated dossier of one assessment version, in one edition."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(_("dossier number"), max_length=40, unique=True)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="dossiers", verbose_name=_("assessment")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=DossierKind.choices)
    edition = models.CharField(
        _("edition"), max_length=10, choices=Edition.choices, default=Edition.ZH
    )
    # What it was built from: the submission snapshot (final) or a frozen copy of the draft's
    # answers at request time (preview, kept in `draft_snapshot`).
    snapshot_sha256 = models.CharField(_("source SHA-256"), max_length=64)
    draft_snapshot = models.JSONField(_("draft snapshot"), null=True, blank=True)
    assessment_version = models.PositiveIntegerField(_("assessment version"))

    status = models.CharField(
        _("status"), max_length=10, choices=DossierStatus.choices, default=DossierStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    error_detail = models.CharField(_("error detail"), max_length=500, blank=True)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_by = models.CharField(_("worker"), max_length=120, blank=True)

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last change"), auto_now=True)

    pdf_path = models.CharField(_("PDF file"), max_length=200, blank=True)
    pdf_size = models.PositiveBigIntegerField(_("PDF size"), null=True, blank=True)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    package_path = models.CharField(_("package file"), max_length=200, blank=True)
    package_size = models.PositiveBigIntegerField(_("package size"), null=True, blank=True)
    package_sha256 = models.CharField(_("package SHA-256"), max_length=64, blank=True)
    manifest_sha256 = models.CharField(_("manifest SHA-256"), max_length=64, blank=True)
    signer_fingerprint = models.CharField(
        _("signer certificate SHA-256"), max_length=64, blank=True
    )
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    render_seconds = models.FloatField(_("render time (s)"), null=True, blank=True)
    sign_seconds = models.FloatField(_("signing time (s)"), null=True, blank=True)

    objects = DossierQuerySet.as_manager()

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-created_at"]
        constraints = [
            # Two clicks, two tabs or two workers never make two dossiers of the same source.
            models.UniqueConstraint(
                fields=["assessment", "kind", "edition", "snapshot_sha256"],
                name="dossiers_one_per_source",
                violation_error_message=_("This dossier exists already."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status="ready") | ~models.Q(pdf_sha256=""),
                name="dossiers_ready_has_pdf",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="preview") | models.Q(draft_snapshot__isnull=True),
                name="dossiers_final_reads_submission",
            ),
        ]
        indexes = [
            # The panel lists an assessment's dossiers, newest first.
            models.Index(fields=["assessment", "-created_at"], name="dossiers_assessment_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("dossiers:verify_number", kwargs={"number": self.number})

    def superseded_by(self) -> Dossier | None:
        """A signed dossier of a later assessment of the same service, if any."""
        if not self.is_final:
            return None
        return (
            Dossier.objects.final_ready()
            .filter(
                assessment__service_id=self.assessment.service_id,
                assessment__created_at__gt=self.assessment.created_at,
            )
            .exclude(assessment_id=self.assessment_id)
            .select_related("assessment")
            .order_by("-assessment__created_at")
            .first()
        )
