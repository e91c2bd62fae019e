"""Providers (organisations), their generative-AI services and their people."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from providers import codes


def _run(check, value: str) -> None:
    if not value:
        return
    try:
        check(value)
    except codes.CodeError as exc:
        raise ValidationError(exc.message, code=exc.code) from exc


def validate_uscc(value: str) -> None:
    _run(codes.validate_uscc, value)


def validate_provider_code(value: str) -> None:
    _run(codes.validate_provider_code, value)


def validate_algorithm_filing_number(value: str) -> None:
    _run(codes.validate_algorithm_filing_number, value)


def validate_gai_filing_number(value: str) -> None:
    _run(codes.validate_gai_filing_number, value)


class ProviderQuerySet(models.QuerySet):
    def for_user(self, user) -> ProviderQuerySet:
        """Providers the user is a member of; the one place tenant scoping starts."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)


class Provider(models.Model):
    """An organisation that provides generative-AI services to the public."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name_zh = models.CharField(_("legal name (Chinese)"), max_length=200)
    name_en = models.CharField(_("legal name (English)"), max_length=200, blank=True)
    credit_code = models.CharField(
        _("Unified Social Credit Code"),
        max_length=18,
        unique=True,
        validators=[validate_uscc],
        help_text=_("18 characters, GB 32100-2015; the check character is verified."),
    )
    address = models.CharField(_("registered address"), max_length=300, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=100)
    security_lead = models.CharField(
        _("cybersecurity / compliance lead"),
        max_length=100,
        blank=True,
        help_text=_("Signs the self-assessment report as the person in charge of the assessment."),
    )
    legality_lead = models.CharField(
        _("legality lead"),
        max_length=100,
        blank=True,
        help_text=_("Signs the self-assessment report for the legality part (legal officer)."),
    )
    pi_officer = models.CharField(
        _("personal-information protection officer"), max_length=100, blank=True
    )
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProviderQuerySet.as_manager()

    class Meta:
        verbose_name = _("provider")
        verbose_name_plural = _("providers")
        ordering = ["name_zh"]

    def __str__(self) -> str:
        return self.name_zh

    def get_absolute_url(self) -> str:
        return reverse("providers:detail", kwargs={"provider": self.public_id})


class Modality(models.TextChoices):
    TEXT = "text", _("Text")
    IMAGE = "image", _("Image")
    AUDIO = "audio", _("Audio")
    VIDEO = "video", _("Video")
    CODE = "code", _("Code")
    VIRTUAL_SCENE = "virtual_scene", _("Virtual scene")


class Channel(models.TextChoices):
    WEB = "web", _("Website")
    APP = "app", _("Mobile app")
    MINI_PROGRAM = "mini_program", _("Mini-program")
    API = "api", _("API")


class Audience(models.TextChoices):
    PUBLIC_CN = "public_cn", _("The public in mainland China")
    ENTERPRISE_CN = "enterprise_cn", _("Enterprise users only")
    OUTSIDE_CN = "outside_cn", _("Not offered in mainland China")


class FoundationModelSource(models.TextChoices):
    SELF_DEVELOPED = "self_developed", _("Self-developed")
    THIRD_PARTY = "third_party", _("Third party's model")


class LaunchStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    TESTING = "testing", _("In testing")
    LAUNCHED = "launched", _("Launched")
    SUSPENDED = "suspended", _("Suspended")


class AIServiceQuerySet(models.QuerySet):
    def for_user(self, user) -> AIServiceQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(provider__memberships__user=user)


class AIService(models.Model):
    """A generative-AI service of a provider; its facts decide which questions apply."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="services", verbose_name=_("provider")
    )
    name = models.CharField(_("service name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    modalities = models.JSONField(_("modalities"), default=list)
    channels = models.JSONField(_("channels"), default=list)
    audience = models.CharField(
        _("audience"), max_length=20, choices=Audience.choices, default=Audience.PUBLIC_CN
    )
    public_opinion = models.BooleanField(
        _("public-opinion attribute or social-mobilisation capability"), default=False
    )
    minors_allowed = models.BooleanField(_("minors may use the service"), default=False)
    # Anthropomorphic Services Measures Art. 2: the new questionnaire domain applies only then
    emotional_interaction = models.BooleanField(
        _("offers sustained emotional interaction (anthropomorphic companion)"),
        default=False,
        help_text=_(
            "The service simulates a person's personality and communication style for ongoing "
            "emotional interaction, e.g. companion chat or virtual characters. Customer support, "
            "Q&A, work assistance and education without it do not count."
        ),
    )
    foundation_model_source = models.CharField(
        _("foundation model"),
        max_length=20,
        choices=FoundationModelSource.choices,
        default=FoundationModelSource.SELF_DEVELOPED,
    )
    foundation_model_name = models.CharField(_("foundation model name"), max_length=200, blank=True)
    foundation_model_filing_number = models.CharField(
        _("foundation model filing number"),
        max_length=60,
        blank=True,
        validators=[validate_gai_filing_number],
    )
    algorithm_filing_number = models.CharField(
        _("algorithm filing number"),
        max_length=40,
        blank=True,
        validators=[validate_algorithm_filing_number],
        help_text=_("网信算备 followed by 21 digits and 号."),
    )
    gai_filing_number = models.CharField(
        _("generative-AI filing or registration number"),
        max_length=60,
        blank=True,
        validators=[validate_gai_filing_number],
    )
    launch_status = models.CharField(
        _("launch status"),
        max_length=20,
        choices=LaunchStatus.choices,
        default=LaunchStatus.PLANNED,
    )
    provider_code = models.CharField(
        _("service-provider code"),
        max_length=27,
        blank=True,
        validators=[validate_provider_code],
        help_text=_(
            "27 characters (TC260-PG-20252A), written into implicit content labels. "
            "Left empty, it is derived from the credit code."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = AIServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("AI service")
        verbose_name_plural = _("AI services")
        ordering = ["provider", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "name"],
                name="providers_service_name_unique",
                violation_error_message=_("This provider already has a service of that name."),
            ),
            models.CheckConstraint(
                condition=~models.Q(foundation_model_source="third_party")
                | ~models.Q(foundation_model_name=""),
                name="providers_service_third_party_named",
                violation_error_message=_("Name the third party's foundation model."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse(
            "providers:service_detail",
            kwargs={"provider": self.provider.public_id, "service": self.public_id},
        )

    def clean(self) -> None:
        errors = {}
        if self.foundation_model_source == FoundationModelSource.THIRD_PARTY:
            if not self.foundation_model_name:
                errors["foundation_model_name"] = _("Name the third party's foundation model.")
        if self.provider_code and self.provider_id:
            try:
                codes.validate_provider_code(self.provider_code, uscc=self.provider.credit_code)
            except codes.CodeError as exc:
                errors["provider_code"] = exc.message
        if errors:
            raise ValidationError(errors)

    @property
    def modality_labels(self) -> list[str]:
        return [Modality(m).label for m in self.modalities if m in Modality.values]

    @property
    def channel_labels(self) -> list[str]:
        return [Channel(c).label for c in self.channels if c in Channel.values]

    def effective_provider_code(self) -> str:
        """The code typed in, or the one derived from the provider's credit code."""
        if self.provider_code:
            return self.provider_code
        try:
            return codes.provider_code_from_uscc(self.provider.credit_code)
        except codes.CodeError:
            return ""

    # The columns profile() reads: a read that needs only the profile may load only these.
    PROFILE_COLUMNS = (
        "modalities",
        "channels",
        "audience",
        "public_opinion",
        "minors_allowed",
        "foundation_model_source",
        "foundation_model_filing_number",
        "algorithm_filing_number",
        "gai_filing_number",
        "launch_status",
        "emotional_interaction",
    )

    def profile(self) -> dict:
        """The facts questionnaire conditions read (docs/library-format.md, `profile.*`)."""
        return {
            "modalities": list(self.modalities),
            "channels": list(self.channels),
            "audience": self.audience,
            "public_opinion": self.public_opinion,
            "minors_allowed": self.minors_allowed,
            "foundation_model_source": self.foundation_model_source,
            "foundation_model_filed": self.foundation_model_source
            == FoundationModelSource.THIRD_PARTY
            and bool(self.foundation_model_filing_number),
            "provides_api": Channel.API in self.channels,
            "has_algorithm_filing": bool(self.algorithm_filing_number),
            "has_gai_filing": bool(self.gai_filing_number),
            "launch_status": self.launch_status,
            "emotional_interaction": self.emotional_interaction,
        }


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    EDITOR = "editor", _("Editor")
    VIEWER = "viewer", _("Viewer")


WRITE_ROLES = (Role.OWNER, Role.EDITOR)


class Membership(models.Model):
    """A user's role in a provider."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(
        Provider,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("provider"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["provider", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "user"],
                name="providers_membership_unique",
                violation_error_message=_("This person is already a member."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.provider} ({self.get_role_display()})"

    @property
    def can_write(self) -> bool:
        return self.role in WRITE_ROLES

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER


class InvitationQuerySet(models.QuerySet):
    def pending(self) -> InvitationQuerySet:
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)


class Invitation(models.Model):
    """An owner's invitation of a person, by e-mail, to join a provider with a role."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(
        Provider,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("provider"),
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.EDITOR)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="providers_invitation_one_pending",
                violation_error_message=_("An invitation to this address is already pending."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.provider}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None
