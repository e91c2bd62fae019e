"""A request budget per token (per person for the browser session), API_RATE_LIMIT."""

from __future__ import annotations

from rest_framework.throttling import SimpleRateThrottle

from api.models import AccessToken
from portal.ratelimit import CACHE_ERRORS, log_cache_down


class PerTokenRateThrottle(SimpleRateThrottle):
    scope = "api"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, AccessToken):
            # public_id, never reused: SQLite hands a deleted token's pk to the next one, which
            # would inherit its count.
            ident = f"token:{request.auth.public_id}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view):
        # Fails open while the cache (Redis) is unreachable, like the verification page.
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as exc:
            log_cache_down(exc)
            return True
