"""The client's address, as every part of the portal sees it: the login lockout (django-axes),
the audit trail, API token use and the verification page's rate limit.

Behind PROXY_COUNT trusted reverse proxies REMOTE_ADDR is the innermost proxy, and the client is
the address the outermost proxy appended to X-Forwarded-For: the PROXY_COUNT-th entry from the
right. Entries further left are whatever the client sent and are never trusted.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from audit.chain import normalise_ip


def client_address(request: HttpRequest | None) -> str | None:
    """The client's address in one spelling, or None when there is none to be had."""
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR")
    proxies = getattr(settings, "PROXY_COUNT", 0) or 0
    if proxies:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            address = hops[-proxies]
    return normalise_ip(address)
