"""Model endpoints of a provider, test runs against them and one row per question sent."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from providers.models import AIService, Provider


class EndpointKind(models.TextChoices):
    OPENAI = "openai", _("OpenAI-compatible chat completions")
    CUSTOM = "custom", _("Custom HTTP endpoint")


class ModelEndpoint(models.Model):
    """Where a provider's model answers. The API key is stored encrypted (modeltests.crypto)
    and never shown again, logged, exported or copied into snapshots."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(
        Provider,
        on_delete=models.CASCADE,
        related_name="model_endpoints",
        verbose_name=_("provider"),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("kind"), max_length=10, choices=EndpointKind.choices, default=EndpointKind.OPENAI
    )
    base_url = models.URLField(_("base URL"), max_length=500)
    model_name = models.CharField(_("model name"), max_length=200, blank=True)
    api_key_encrypted = models.TextField(_("API key (encrypted)"), blank=True, editable=False)
    request_template = models.TextField(_("request template (JSON)"), blank=True)
    response_path = models.CharField(_("response path"), max_length=200, blank=True)
    concurrency = models.PositiveSmallIntegerField(
        _("parallel requests"), default=4, validators=[MinValueValidator(1), MaxValueValidator(64)]
    )
    rate_per_second = models.FloatField(
        _("requests per second at most"),
        default=5.0,
        validators=[MinValueValidator(0.01), MaxValueValidator(1000)],
    )
    timeout_seconds = models.PositiveSmallIntegerField(
        _("timeout per request (seconds)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
    )
    max_retries = models.PositiveSmallIntegerField(
        _("retries per question"), default=3, validators=[MaxValueValidator(10)]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    last_check_at = models.DateTimeField(_("last connection test"), null=True, blank=True)
    last_check_ok = models.BooleanField(_("connection test succeeded"), null=True)

    class Meta:
        verbose_name = _("model endpoint")
        verbose_name_plural = _("model endpoints")
        ordering = ["provider", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "name"],
                name="modeltests_endpoint_name_unique",
                violation_error_message=_("This provider already has an endpoint of that name."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse(
            "modeltests:endpoint_edit",
            kwargs={"provider": self.provider.public_id, "endpoint": self.public_id},
        )

    @property
    def has_key(self) -> bool:
        return bool(self.api_key_encrypted)

    def set_api_key(self, secret: str) -> None:
        from modeltests import crypto

        self.api_key_encrypted = crypto.encrypt(secret)

    def api_key(self) -> str:
        from modeltests import crypto

        return crypto.decrypt(self.api_key_encrypted)


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    CANCELLED = "cancelled", _("Cancelled")
    FINISHED = "finished", _("Finished")
    FAILED = "failed", _("Failed")


ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class TestRunQuerySet(models.QuerySet):
    def for_user(self, user) -> TestRunQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(service__provider__memberships__user=user)


class TestRun(models.Model):
    """One run of the standard's draws against one endpoint. Its identity (seed, bank hashes,
    model and version string, dates) makes it reproducible and citable."""

    __test__ = False  # not a pytest class

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(
        AIService,
        on_delete=models.CASCADE,
        related_name="model_test_runs",
        verbose_name=_("service"),
    )
    endpoint = models.ForeignKey(
        ModelEndpoint, on_delete=models.PROTECT, related_name="runs", verbose_name=_("endpoint")
    )
    judge = models.ForeignKey(
        ModelEndpoint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="judged_runs",
        verbose_name=_("judge endpoint"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    seed = models.BigIntegerField(_("seed"))
    sizes = models.JSONField(_("draw sizes"), default=dict)
    banks = models.JSONField(_("banks"), default=list)  # [{bank, name, sha256, questions}]
    keyword_list = models.JSONField(_("keyword list"), default=dict)  # {name, sha256, count}
    request_budget = models.PositiveIntegerField(_("request budget"))
    requests_used = models.PositiveIntegerField(_("requests sent"), default=0)
    model_name = models.CharField(_("model"), max_length=200, blank=True)
    model_version = models.CharField(_("model version"), max_length=300, blank=True)
    refusal_rules_version = models.CharField(max_length=40, blank=True)
    rubric_version = models.CharField(max_length=40, blank=True)
    stop_reason = models.CharField(_("stopped because"), max_length=300, blank=True)
    summary = models.JSONField(_("results"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=32, blank=True)  # the process working on it

    objects = TestRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("model test run")
        verbose_name_plural = _("model test runs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.service} · {self.created_at:%Y-%m-%d %H:%M}" if self.created_at else "run"

    def get_absolute_url(self) -> str:
        return reverse("modeltests:run", kwargs={"run": self.public_id})


class ItemStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    ANSWERED = "answered", _("Answered")
    ERROR = "error", _("No answer")


class TestItem(models.Model):
    """One question of a run: sent once, answered once; its verdicts per grading method.

    A generated-content question may belong to several draws (in_manual, in_keyword,
    in_classifier): it is sent once and each draw grades the same answer its own way.
    """

    __test__ = False

    run = models.ForeignKey(TestRun, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    bank = models.CharField(max_length=12)  # generated / refuse / non_refuse
    in_manual = models.BooleanField(default=False)
    in_keyword = models.BooleanField(default=False)
    in_classifier = models.BooleanField(default=False)
    risk = models.CharField(max_length=20, blank=True)
    question_key = models.CharField(max_length=40)
    question = models.TextField()
    status = models.CharField(max_length=10, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    answer = models.TextField(blank=True)
    error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    latency_ms = models.PositiveIntegerField(null=True)
    answered_at = models.DateTimeField(null=True)
    # Grading.
    rule_refused = models.BooleanField(null=True)
    keyword_verdict = models.CharField(max_length=10, blank=True)  # pass / fail
    keyword_hits = models.JSONField(default=list, blank=True)
    judge_verdict = models.CharField(max_length=12, blank=True)  # acceptable/unacceptable/refused
    judge_reason = models.TextField(blank=True)
    manual_verdict = models.CharField(max_length=12, blank=True)
    refusal_override = models.BooleanField(null=True)  # a person's word on "was it refused"
    # The manual draw: who holds the item on the grading screen (no two graders see the same
    # one), and whether a first verdict that disagrees with the judge awaits a second grader.
    grading_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    grading_since = models.DateTimeField(null=True)
    needs_second = models.BooleanField(default=False)

    class Meta:
        ordering = ["run", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "position"], name="modeltests_item_position"),
        ]
        indexes = [models.Index(fields=["run", "status"], name="modeltests_item_status_idx")]

    def __str__(self) -> str:
        return f"{self.run_id}#{self.position}"

    @property
    def refused(self) -> bool | None:
        """Was it refused: a person's override, else the judge's refusal where it graded,
        else the rules."""
        if self.refusal_override is not None:
            return self.refusal_override
        if self.status != ItemStatus.ANSWERED:
            return None
        if self.judge_verdict:
            return self.judge_verdict == "refused" or bool(self.rule_refused)
        return self.rule_refused


class Grade(models.Model):
    """One person's verdict on one answer (the manual draw). A first verdict that disagrees
    with the judge's sends the item to a second grader, whose word is final (`resolves`)."""

    item = models.ForeignKey(TestItem, on_delete=models.CASCADE, related_name="grades")
    grader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    verdict = models.CharField(max_length=12)
    resolves = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "grader"], name="modeltests_grade_once"),
        ]

    def __str__(self) -> str:
        return f"{self.item} · {self.verdict}"
