"""Single sign-on with the company's OpenID Connect provider (mozilla-django-oidc).

A person is matched by e-mail address, and only by one the provider says it has verified
(`email_verified`); an unverified or unknown address is refused with a message on the sign-in
page. With OIDC_CREATE_USERS on, an unknown verified address gets an account on first sign-in,
with no provider membership (an owner invites them, or an administrator adds them) and no
password. The sign-in then goes through the same second-factor step as a password sign-in
(accounts/mfa.py).
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

from accounts.models import User
from audit.models import Action
from audit.services import record

logger = logging.getLogger(__name__)
REFUSAL = "oidc_refusal"  # request attribute: why the provider's answer was not accepted


def enabled() -> bool:
    return bool(getattr(settings, "OIDC_RP_CLIENT_ID", ""))


class SSOBackend(OIDCAuthenticationBackend):
    def _refuse(self, message: str, email: str = "") -> None:
        setattr(self.request, REFUSAL, (message, email))

    def verify_claims(self, claims) -> bool:
        email = (claims.get("email") or "").strip()
        if not email:
            self._refuse(_("The identity provider did not give an e-mail address."))
            return False
        if claims.get("email_verified") is not True:
            self._refuse(
                _(
                    "The identity provider has not verified the address %(email)s, so it "
                    "cannot be matched to an account here."
                )
                % {"email": email},
                email,
            )
            return False
        return True

    def filter_users_by_claims(self, claims):
        return User.objects.filter(email__iexact=claims["email"].strip(), is_active=True)

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if not self.verify_claims(claims):
            return None
        users = list(self.filter_users_by_claims(claims)[:2])
        if len(users) == 1:
            return self.update_user(users[0], claims)
        email = claims["email"].strip()
        if not users and self.get_settings("OIDC_CREATE_USER", False):
            return self.create_user(claims)
        self._refuse(
            _(
                "No account of the portal uses the address %(email)s. Ask an owner of your "
                "provider to invite you, or an administrator to add you."
            )
            % {"email": email},
            email,
        )
        return None

    def create_user(self, claims) -> User:
        user = User(
            email=claims["email"].strip().lower(),
            display_name=(claims.get("name") or "")[:100],
        )
        user.set_unusable_password()
        user.save()
        logger.info("account created on first single sign-on: %s", user.email)
        return user

    def update_user(self, user, claims):
        if not user.display_name and claims.get("name"):
            user.display_name = claims["name"][:100]
            user.save(update_fields=["display_name"])
        return user


class SSOCallbackView(OIDCAuthenticationCallbackView):
    """The provider's answer: a refusal is explained on the sign-in page and audited; an
    accepted person goes on to the second-factor step like after a password."""

    def login_failure(self):
        message, email = getattr(self.request, REFUSAL, None) or (
            _("Single sign-on did not succeed; please try again."),
            "",
        )
        record(Action.LOGIN_FAILED, actor_email=email, summary="sso", request=self.request)
        messages.error(self.request, message)
        return HttpResponseRedirect(reverse("accounts:login"))

    def login_success(self):
        from accounts.mfa import begin_login

        return begin_login(
            self.request,
            self.user,
            backend="accounts.oidc.SSOBackend",
            next_url=self.success_url,
            method="sso",
        )


def end_session_url(request, id_token: str | None) -> str | None:
    """Where to send the browser after signing out here, to sign out at the provider too."""
    endpoint = getattr(settings, "OIDC_OP_LOGOUT_ENDPOINT", "")
    if not (endpoint and id_token):
        return None
    query = {
        "id_token_hint": id_token,
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("accounts:login")),
    }
    return f"{endpoint}?{urlencode(query)}"
