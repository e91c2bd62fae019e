"""Writing and verifying the audit trail.

How to record an event (the one write API; call it from services, not from views):

    from audit.models import Action
    from audit.services import record

    record(
        Action.ASSESSMENT_STATUS_CHANGED,
        actor=user,                  # a User; omitted, it is request.user (unless
                                     # actor_email is given: a failed sign-in's typed name)
        obj=assessment,              # any model: object_type = model name, object_id =
                                     # public_id (or pk); an Assessment also fills assessment_id
        assessment=assessment,       # optional: sets assessment_id for the history page;
                                     # objects with an `assessment_id` (Evidence, Answer)
                                     # fill it by themselves
        provider=provider,           # optional: derived from obj or assessment when omitted
        summary=str(assessment),     # short and language-neutral (a name, a file name, an
                                     # e-mail address); the action label says what happened,
                                     # in the reader's language
        before={"status": "draft"},  # only the fields that changed; dates, decimals, UUIDs
        after={"status": "submitted"},   # and lazy strings are converted to JSON-safe values
        request=request,             # optional: the client address (REMOTE_ADDR, or
                                     # X-Forwarded-For behind PROXY_COUNT proxies)
    )

What the lead still wires up in assessments/ and reviews/: ASSESSMENT_STARTED,
ASSESSMENT_STATUS_CHANGED, ANSWER_CHANGED (before/after of the answer's fields),
EVIDENCE_UPLOADED / _DOWNLOADED / _DELETED (obj=evidence, summary=file name), REVIEW_VERDICT,
ASSESSMENT_ASSIGNED, DOSSIER_GENERATED / _DOWNLOADED. Sign-ins and sign-outs are recorded by
audit/signals.py; memberships, invitations and provider details by providers/services.py.

Call record() inside the transaction of the change it describes and, where possible, as its
last statement. The event then commits or rolls back with the change. On PostgreSQL each
append takes a transaction-level advisory lock, held until the enclosing transaction ends, so
that the chain follows commit order; audited writes are therefore serialised from their
record() call to their commit, which is why record() should come last: no file stored or
hashed, no state recomputed, no rendering after it (assessments.services.evidence_add_many
stores every file first; change_status(audit_later=True) lets a submission do its slow work
before the move's event). tests.concurrency.SlowSteps checks that in tests.

The event of a read (a download, a view, an export, an API call) goes through record_read,
which does not wait for that lock: with it held, a task appends the event a moment later.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from audit import chain
from audit.context import current_request
from audit.models import AuditEvent
from portal.client_address import client_address

# pg_advisory_xact_lock key for appending to the chain ("auditlog" in ASCII); any constant
# works as long as nothing else in the database uses the same one.
CHAIN_LOCK_KEY = 0x6175646974_6C6F67

_LOCK_AND_HEAD = (
    f"SELECT pg_advisory_xact_lock({CHAIN_LOCK_KEY:d}); "
    f'SELECT "hash" FROM "{AuditEvent._meta.db_table}" ORDER BY "id" DESC LIMIT 1'
)
# The same, for a writer that would rather not wait (record(wait=False)): true if granted.
_TRY_LOCK_AND_HEAD = (
    f"SELECT pg_try_advisory_xact_lock({CHAIN_LOCK_KEY:d}); "
    f'SELECT "hash" FROM "{AuditEvent._meta.db_table}" ORDER BY "id" DESC LIMIT 1'
)
_SUMMARY_MAX = AuditEvent._meta.get_field("summary").max_length
_EMAIL_MAX = AuditEvent._meta.get_field("actor_email").max_length
_OBJECT_ID_MAX = AuditEvent._meta.get_field("object_id").max_length


def json_safe(value):
    """`value` as it reads back from a JSON column: dates as ISO text, decimals and UUIDs as
    strings, tuples as lists. The hash is computed over this form, so it survives storage."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _object_key(obj) -> tuple[str, str]:
    if obj is None:
        return "", ""
    key = getattr(obj, "public_id", None) or obj.pk
    return obj._meta.model_name, str(key)[:_OBJECT_ID_MAX]


def _assessment_id(obj, assessment) -> int | None:
    if assessment is not None:
        return assessment.pk
    if obj is not None and obj._meta.label == "assessments.Assessment":
        return obj.pk
    return getattr(obj, "assessment_id", None)


def _provider_id(provider, obj, assessment, assessment_id) -> int | None:
    if provider is not None:
        return provider.pk
    if obj is not None and obj._meta.label == "providers.Provider":
        return obj.pk
    if getattr(obj, "provider_id", None) is not None:
        return obj.provider_id
    if assessment is not None:
        return assessment.service.provider_id
    if assessment_id is not None:
        from assessments.models import Assessment

        return (
            Assessment.objects.filter(pk=assessment_id)
            .values_list("service__provider_id", flat=True)
            .first()
        )
    return None


class _ChainBusy(Exception):
    """record(wait=False) found the chain's lock held by another transaction."""


def lock_chain() -> None:
    """Take the chain's lock now, until the enclosing transaction ends: for a writer that must
    check the log and append to it as one step (append_deferred)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT pg_advisory_xact_lock({CHAIN_LOCK_KEY:d})")


def _previous_hash(*, wait: bool = True) -> str:
    """The hash of the last event, taken under a lock that only the end of the enclosing
    transaction releases, so no other writer can link to the same predecessor. `wait=False`:
    _ChainBusy at once if another transaction holds the lock (PostgreSQL only)."""
    if connection.vendor == "postgresql":
        # Two statements in one round trip (every audited write pays for it). Without
        # parameters psycopg sends them as one simple query, and PostgreSQL takes a new snapshot
        # for each statement of it: the SELECT sees every event committed before the lock was
        # granted. Both are constants, so nothing is interpolated from outside.
        with connection.cursor() as cursor:
            cursor.execute(_LOCK_AND_HEAD if wait else _TRY_LOCK_AND_HEAD)
            if not wait and not cursor.fetchone()[0]:
                raise _ChainBusy
            cursor.nextset()
            row = cursor.fetchone()
        last = row[0] if row else None
    else:
        # Elsewhere (SQLite in development): lock the last row where the database can. Should
        # two writers still race, the unique prev_hash makes the second insert fail rather than
        # fork the chain.
        last = (
            AuditEvent.objects.select_for_update().order_by("-id").values_list("hash", flat=True)
        ).first()
    return last or chain.GENESIS


def record(
    action: str,
    *,
    actor=None,
    provider=None,
    obj=None,
    assessment=None,
    summary: str = "",
    before: dict | None = None,
    after: dict | None = None,
    request: HttpRequest | None = None,
    actor_email: str | None = None,
    ip: str | None = None,
    wait: bool = True,
) -> AuditEvent | None:
    """Append one event to the audit trail and return it (see the module docstring).

    `ip`: the client address when there is no request (a task recording a request's event).
    `wait=False`: None, and nothing written, if another transaction holds the chain's lock
    (on PostgreSQL; elsewhere it waits), for a writer with a way to record later instead
    (record_read)."""
    event = _event(
        action,
        actor=actor,
        provider=provider,
        obj=obj,
        assessment=assessment,
        summary=summary,
        before=before,
        after=after,
        request=request,
        actor_email=actor_email,
        ip=ip,
    )
    return _append(event, wait=wait)


def _event(
    action,
    *,
    actor=None,
    provider=None,
    obj=None,
    assessment=None,
    summary="",
    before=None,
    after=None,
    request=None,
    actor_email=None,
    ip=None,
) -> AuditEvent:
    """The event's content, not yet in the chain."""
    if request is None:
        request = current_request.get()
    # A given actor_email (a failed sign-in's typed name) is the whole identification.
    if actor is None and actor_email is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if actor_email is None:
        actor_email = actor.email if actor is not None else ""
    object_type, object_id = _object_key(obj)
    assessment_id = _assessment_id(obj, assessment)
    return AuditEvent(
        action=action,
        actor_id=actor.pk if actor is not None else None,
        actor_email=(actor_email or "")[:_EMAIL_MAX],
        provider_id=_provider_id(provider, obj, assessment, assessment_id),
        object_type=object_type,
        object_id=object_id,
        assessment_id=assessment_id,
        summary=str(summary or "")[:_SUMMARY_MAX],
        before=json_safe(before),
        after=json_safe(after),
        ip=ip or client_address(request),
    )


def _append(event: AuditEvent, *, wait: bool = True) -> AuditEvent | None:
    # No savepoint: an event belongs to the change it records, and fails with it. Except for a
    # writer that does not wait: a busy chain must not doom the caller's transaction.
    try:
        with transaction.atomic(savepoint=not wait):
            event.prev_hash = _previous_hash(wait=wait)
            # Taken under the lock, so timestamps follow the order of the chain.
            event.occurred_at = timezone.now()
            event.hash = event.computed_hash()
            event.save()
    except _ChainBusy:
        return None
    return event


# Events of reads (nothing in the database changes with them) that record_read may leave to a
# task rather than wait for the chain's lock. A task's message names its action, which must be
# one of these: a queued message cannot add any other kind of event to the trail.
DEFERRABLE = frozenset(
    {
        "token_used",
        "evidence_downloaded",
        "dossier_downloaded",
        "package_downloaded",
        "model_test_items_viewed",
        "portfolio_exported",
    }
)
# The fields of a deferred event in its task's message: the content the chain's hash covers
# but the time, which is set when the event joins the chain.
_DEFERRED_FIELDS = tuple(name for name in chain.CONTENT_FIELDS if name != "occurred_at")


def record_read(
    action: str,
    *,
    actor=None,
    provider=None,
    obj=None,
    assessment=None,
    summary: str = "",
    after: dict | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent | None:
    """record() for the event of a read (a download, a view of a model test's questions and
    answers, an export, an API call), which must not wait for the chain's lock: any audited write holds
    it from its record() to its commit, and a read would be answered only then.

    Appended now if the lock is free, as record() would. If another transaction holds it, the
    event goes to the outbox in its own short transaction and audit.tasks.append_deferred
    appends it once the lock is free (None here): with the time of the read in
    `after.used_at` (the event's own time is when it joined the chain), and a key in
    `after.use` that makes a second delivery of the message append nothing."""
    if action not in DEFERRABLE:
        raise ValueError(f"{action} is not the event of a read (audit.services.DEFERRABLE)")
    used_at = timezone.now()
    event = _event(
        action,
        actor=actor,
        provider=provider,
        obj=obj,
        assessment=assessment,
        summary=summary,
        after=after,
        request=request,
    )
    appended = _append(event, wait=False)
    if appended is None:
        defer(event, used_at=used_at)
    return appended


def defer(event: AuditEvent, *, used_at, key: str | None = None) -> None:
    """Queue the event (not in the chain) for audit.tasks.append_deferred. The reads run in
    autocommit, so the outbox row commits and goes to the broker at once."""
    from audit.tasks import append_deferred
    from outbox.services import dispatch

    fields = {name: getattr(event, name) for name in _DEFERRED_FIELDS}
    fields["after"] = {
        **(fields["after"] or {}),
        "used_at": used_at.isoformat(),
        "use": key or str(uuid.uuid4()),
    }
    with transaction.atomic():
        dispatch(append_deferred, fields, tell=False)


def append_deferred(fields: dict) -> AuditEvent | None:
    """The event record_read could not append at once, appended now, waiting for the lock;
    nothing if an event with its key is in the chain already (the outbox sent it twice)."""
    if fields.get("action") not in DEFERRABLE or not (fields.get("after") or {}).get("use"):
        raise ValueError(f"not a deferred event of a read: {fields.get('action')!r}")
    event = AuditEvent(**{name: fields[name] for name in _DEFERRED_FIELDS if name in fields})
    with transaction.atomic():
        lock_chain()  # the check and the append as one step
        done = AuditEvent.objects.filter(action=event.action, after__use=event.after["use"])
        if done.exists():
            return None
        return _append(event)


@dataclass(frozen=True)
class ChainCheck:
    count: int
    broken: AuditEvent | None = None
    reason: str = ""
    head: AuditEvent | None = None


def check_chain(
    *, chunk_size: int = 2000, after: AuditEvent | None = None, counted: int = 0
) -> ChainCheck:
    """Walk every event in id order and stop at the first one whose hash does not match its
    content, or whose `prev_hash` does not name the event before it (an event was deleted,
    inserted or reordered). Reads only; streams, so memory stays flat on a long log.

    With `after` (an event already vouched for, `counted` events up to it) the walk starts
    behind it, so a checkpoint costs the events since the last one, not the whole log.

    A hash chain alone cannot notice that the newest events were removed; compare the head
    hash with one noted earlier (the verify_audit_log command prints it) for that."""
    expected_prev = after.hash if after else chain.GENESIS
    previous: AuditEvent | None = after
    count = counted if after else 0
    events = AuditEvent.objects.order_by("id")
    if after is not None:
        events = events.filter(id__gt=after.pk)
    for event in events.iterator(chunk_size=chunk_size):
        if event.prev_hash != expected_prev:
            after = f"event #{previous.pk}" if previous else "the start of the log"
            reason = (
                f"its previous-hash link does not match {after}: "
                "an event before it was deleted, altered or inserted"
            )
            return ChainCheck(count, event, reason, previous)
        if event.computed_hash() != event.hash:
            reason = "its content does not match its hash: the event was altered"
            return ChainCheck(count, event, reason, previous)
        expected_prev = event.hash
        previous = event
        count += 1
    return ChainCheck(count, head=previous)


def verify_chain() -> AuditEvent | None:
    """The first broken event, or None if the chain is intact. The returned event carries the
    reason in `chain_error`; check_chain() gives the count and head as well."""
    result = check_chain()
    if result.broken is not None:
        result.broken.chain_error = result.reason
    return result.broken
