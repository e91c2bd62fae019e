"""Personal access tokens for the REST API.

A token acts for one person, within one provider and with a role no higher than the person's
there (or, for a reviewer, in the review area only). Only the SHA-256 of the secret is stored:
the secret is shown once, when the token is made. The role actually used is the lower of the
token's and the person's current one, so removing a member or lowering a role takes effect on
their tokens at once.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from providers.models import Provider


class TokenRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    EDITOR = "editor", _("Editor")
    VIEWER = "viewer", _("Viewer")
    REVIEWER = "reviewer", _("Reviewer")


class AccessTokenQuerySet(models.QuerySet):
    def active(self) -> AccessTokenQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class AccessToken(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="access_tokens",
        verbose_name=_("person"),
    )
    name = models.CharField(_("name"), max_length=100)
    provider = models.ForeignKey(
        Provider,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="access_tokens",
        verbose_name=_("provider"),
    )
    role = models.CharField(_("role"), max_length=10, choices=TokenRole.choices)
    key_hash = models.CharField(_("SHA-256 of the secret"), max_length=64, unique=True)
    prefix = models.CharField(_("beginning of the secret"), max_length=16)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")
        ordering = ["-created_at"]
        constraints = [
            # Provider roles need a provider; the reviewer role has none.
            models.CheckConstraint(
                condition=models.Q(role="reviewer", provider__isnull=True)
                | (~models.Q(role="reviewer") & models.Q(provider__isnull=False)),
                name="api_token_scope_matches_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
