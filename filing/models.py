"""What the filing app stores: the algorithm-filing public disclosure text a provider edits, and
the route packages built in the background.

Everything else the filing documents need is read from the assessment (`filing.facts`).
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
from dossiers.models import DossierKind, DossierStatus, SignedBuild
from providers.models import AIService


class Disclosure(models.Model):
    """拟公示内容 (filing-practice §4.4) of a service's algorithm: drafted from the profile and
    the answers, then edited by the provider. One per service: the algorithm, not an
    assessment version, is what the regulator publishes."""

    service = models.OneToOneField(
        AIService,
        on_delete=models.CASCADE,
        related_name="disclosure",
        verbose_name=_("service"),
    )
    algorithm_name = models.CharField(_("algorithm name"), max_length=100)
    principle = models.TextField(_("basic principle"))
    mechanism = models.TextField(_("operating mechanism"))
    scenarios = models.TextField(_("application scenarios"))
    purpose = models.TextField(_("purpose and intent"))
    publicity = models.TextField(_("publicity (optional)"), blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last changed by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last change"), auto_now=True)

    class Meta:
        verbose_name = _("public disclosure text")
        verbose_name_plural = _("public disclosure texts")

    def __str__(self) -> str:
        return self.algorithm_name


class PackageRoute(models.TextChoices):
    GAI_FILING = "gai_filing", _("Generative-AI service filing")
    GAI_REGISTRATION = "gai_registration", _("Registration of a product calling a filed model")
    ALGORITHM_FILING = "algorithm_filing", _("Algorithm filing")


def new_package_number() -> str:
    """Printed in the signed PDFs and read back by the verification page; 40 random bits, like
    dossier numbers, so numbers cannot be enumerated."""
    return f"PKG-{timezone.localdate():%Y%m%d}-{secrets.token_hex(5).upper()}"


class FilingPackageQuerySet(models.QuerySet):
    def for_assessment(self, assessment: Assessment) -> FilingPackageQuerySet:
        return self.filter(assessment=assessment).order_by("-created_at")


class FilingPackage(SignedBuild, models.Model):
    """One route's filing package of one assessment version, built by a Celery task.

    A final package holds signed PDFs of its narrative documents and a signed list of its files
    (the PDF named in manifest.json), so the verification page checks it like a dossier.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(_("package number"), max_length=40, unique=True)
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="filing_packages",
        verbose_name=_("assessment"),
    )
    assessment_version = models.PositiveIntegerField(_("assessment version"))
    route = models.CharField(_("filing route"), max_length=20, choices=PackageRoute.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=DossierKind.choices)

    status = models.CharField(
        _("status"), max_length=10, choices=DossierStatus.choices, default=DossierStatus.QUEUED
    )
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    error_detail = models.CharField(_("error detail"), max_length=500, blank=True)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last change"), auto_now=True)

    zip_path = models.CharField(_("package file"), max_length=200, blank=True)
    zip_name = models.CharField(_("file name"), max_length=200, blank=True)
    zip_size = models.PositiveBigIntegerField(_("package size"), null=True, blank=True)
    zip_sha256 = models.CharField(_("package SHA-256"), max_length=64, blank=True)
    manifest_sha256 = models.CharField(_("manifest SHA-256"), max_length=64, blank=True)
    # path in the ZIP -> SHA-256 of every signed PDF, so each one verifies on its own too.
    signed_files = models.JSONField(_("signed PDFs"), default=dict, blank=True)
    signer_fingerprint = models.CharField(
        _("signer certificate SHA-256"), max_length=64, blank=True
    )
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    build_seconds = models.FloatField(_("build time (s)"), null=True, blank=True)

    objects = FilingPackageQuerySet.as_manager()

    class Meta:
        verbose_name = _("filing package")
        verbose_name_plural = _("filing packages")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="ready") | ~models.Q(zip_sha256=""),
                name="filing_package_ready_has_file",
            ),
        ]
        indexes = [
            models.Index(fields=["assessment", "-created_at"], name="filing_pkg_assessment_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("dossiers:verify_number", kwargs={"number": self.number})

    @property
    def is_package(self) -> bool:
        """Tells the shared verification page a package from a dossier."""
        return True

    def superseded_by(self) -> FilingPackage | None:
        """A signed package of the same route from a later assessment of the service."""
        if not self.is_final:
            return None
        return (
            FilingPackage.objects.filter(
                kind=DossierKind.FINAL,
                status=DossierStatus.READY,
                route=self.route,
                assessment__service_id=self.assessment.service_id,
                assessment__created_at__gt=self.assessment.created_at,
            )
            .exclude(assessment_id=self.assessment_id)
            .order_by("-assessment__created_at")
            .first()
        )
