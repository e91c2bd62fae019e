"""The hash chain of audit events, as pure functions: no ORM, no settings.

Each event's hash is ``sha256(prev_hash + canonical(event))``, where ``canonical`` is a JSON
text of the event's content fields with sorted keys, unescaped non-ASCII characters and the
timestamp in UTC with microseconds. The first event links to ``GENESIS``.

The canonical form normalises what a database round trip may change (the time zone of the
timestamp, the spelling of an IPv6 address, the key order of JSON objects), so the hash computed
when the event is written equals the one recomputed from the row when the chain is verified.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64

# The fields that a hash covers, in no particular order (the JSON keys are sorted). The row id
# is not among them: it is assigned on insert, after the hash is computed; deleting or
# reordering rows still breaks the chain through `prev_hash`.
CONTENT_FIELDS = (
    "occurred_at",
    "action",
    "actor_id",
    "actor_email",
    "provider_id",
    "object_type",
    "object_id",
    "assessment_id",
    "summary",
    "before",
    "after",
    "ip",
)


def normalise_ip(value: str | None) -> str | None:
    """The address in one spelling (IPv4-mapped IPv6 unpacked), or None if it is not one."""
    if not value:
        return None
    try:
        address = ipaddress.ip_address(str(value).strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)


def timestamp(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(content: dict[str, Any]) -> str:
    """The JSON text the hash covers; `content` maps CONTENT_FIELDS to the event's values."""
    data = {name: content.get(name) for name in CONTENT_FIELDS}
    data["occurred_at"] = timestamp(data["occurred_at"])
    data["ip"] = normalise_ip(data["ip"])
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def compute_hash(prev_hash: str, content: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(content)).encode("utf-8")).hexdigest()
