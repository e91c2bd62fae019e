"""Every named URL pattern of the project, so the access matrix can insist on covering them."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver


def named_urls(resolver=None, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            if entry.namespace == "admin":
                continue  # Django's own, guarded by is_staff; one row covers its index
            names |= named_urls(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(f"{namespace}{entry.name}")
    return names
