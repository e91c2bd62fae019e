"""How the API knows who calls: a personal access token (`Authorization: Bearer gaip_…`) for
pipelines, or the browser session with its CSRF token for people."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from api.tokens import TokenRefused, token_for_secret


class AccessTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the token as: Authorization: Bearer <token>.")
            )
        try:
            secret = header[1].decode("ascii")
            token, scope = token_for_secret(secret)
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from None
        except TokenRefused as refusal:
            raise exceptions.AuthenticationFailed(str(refusal)) from None
        # On the Django request, so that the page helpers (providers/scope.py) see it too.
        request._request.token_scope = scope
        return token.user, token

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'
