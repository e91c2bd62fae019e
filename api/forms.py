"""The token form of the profile page: a name, where the token acts (one provider, or the
review area), a role no higher than the person's there, and a lifetime."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from api.models import TokenRole
from providers.models import Membership

REVIEW = "review"
DAYS = (7, 30, 90, 180, 365)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What will use it, e.g. “CI keyword list upload”."),
    )
    scope = forms.ChoiceField(label=_("Acts for"))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(r, label) for r, label in TokenRole.choices if r != TokenRole.REVIEWER],
        initial=TokenRole.VIEWER,
        required=False,
        help_text=_("No higher than your own role there. Ignored for the review area."),
    )
    days = forms.TypedChoiceField(label=_("Valid for"), coerce=int, initial=90)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.memberships = {
            str(m.provider.public_id): m
            for m in Membership.objects.filter(user=user).select_related("provider")
        }
        choices = [(key, m.provider.name_zh) for key, m in self.memberships.items()]
        if user.is_reviewer:
            choices.append((REVIEW, _("The review area (reviewer)")))
        self.fields["scope"].choices = choices
        self.fields["days"].choices = [
            (d, _("%(n)d days") % {"n": d}) for d in DAYS if d <= settings.API_TOKEN_MAX_DAYS
        ]

    def token_arguments(self) -> dict:
        """Arguments for api.tokens.token_create."""
        scope = self.cleaned_data["scope"]
        if scope == REVIEW:
            provider, role = None, TokenRole.REVIEWER
        else:
            provider = self.memberships[scope].provider
            role = self.cleaned_data.get("role") or TokenRole.VIEWER
        return {
            "name": self.cleaned_data["name"],
            "provider": provider,
            "role": role,
            "days": self.cleaned_data["days"],
        }
