"""The assessment status machine: which status may follow which.

Every status change goes through `change_status`, which refuses any other move; on PostgreSQL a
trigger (migration 0003) refuses them too, so not even a raw UPDATE can skip review.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Assessment, Status

ALLOWED: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.SUBMITTED}),
    Status.SUBMITTED: frozenset({Status.IN_REVIEW}),
    Status.IN_REVIEW: frozenset(
        {Status.CHANGES_REQUESTED, Status.APPROVED, Status.REJECTED, Status.SUBMITTED}
    ),
    Status.CHANGES_REQUESTED: frozenset({Status.SUPERSEDED}),
    Status.APPROVED: frozenset({Status.SUPERSEDED}),
    Status.REJECTED: frozenset({Status.SUPERSEDED}),
    Status.SUPERSEDED: frozenset(),
}


class IllegalTransition(ValidationError):
    pass


def can_change(current: str, new: str) -> bool:
    return new in ALLOWED.get(current, frozenset())


# Who hears about a move: the notification kind sent when an assessment arrives in a status.
NOTIFY_ON = {
    Status.CHANGES_REQUESTED: "changes_requested",
    Status.APPROVED: "approved",
    Status.REJECTED: "rejected",
}


def change_status(
    assessment: Assessment,
    new: str,
    *,
    actor,
    fields: tuple[str, ...] = (),
    recorded: dict | None = None,
    audit_later: bool = False,
) -> str:
    """Move a locked assessment row to `new`, save it with `fields`, record the move in the audit
    trail (with `recorded`, what the actor confirmed on the way) and tell the people concerned
    (after commit); returns the old status.

    `audit_later`: the caller has slow work left in the transaction (a submission's filing
    checks, a revision's copies), and calls status_changed() once it is done: the audit event
    takes the chain's lock, which every audited write of the portal then waits for until the
    commit."""
    old = assessment.status
    if not can_change(old, new):
        raise IllegalTransition(
            _("An assessment cannot go from “%(old)s” to “%(new)s”.")
            % {"old": Status(old).label, "new": Status(new).label},
            code="illegal_transition",
        )
    assessment.status = new
    assessment.updated_at = timezone.now()
    assessment.save(update_fields=["status", "updated_at", *fields])
    if not audit_later:
        status_changed(assessment, old, actor=actor, recorded=recorded)
    return old


def status_changed(assessment: Assessment, old: str, *, actor, recorded: dict | None = None):
    """The notifications and the audit event of change_status's move from `old`; the event
    last, as it takes the audit chain's lock."""
    from audit.models import Action
    from audit.services import record
    from notifications.services import notify

    new = assessment.status
    kind = NOTIFY_ON.get(new)
    if new == Status.SUBMITTED and old == Status.DRAFT:
        kind = "resubmitted" if assessment.previous_id else "submitted"
    if kind:
        notify(kind, assessment=assessment, actor=actor)
    record(
        Action.ASSESSMENT_STATUS_CHANGED,
        actor=actor,
        obj=assessment,
        summary=f"{old} → {new}",
        before={"status": old},
        after={"status": new, **(recorded or {})},
    )


def trigger_sql() -> tuple[str, str]:
    """SQL creating and dropping the PostgreSQL guard of the same table of moves."""
    pairs = ", ".join(
        f"('{old}', '{new}')" for old, targets in sorted(ALLOWED.items()) for new in sorted(targets)
    )
    create = f"""
CREATE OR REPLACE FUNCTION assessments_guard_status() RETURNS trigger AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status
       AND (OLD.status, NEW.status) NOT IN (VALUES {pairs}) THEN
        RAISE EXCEPTION 'illegal assessment status change: % -> %', OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS assessments_guard_status ON assessments_assessment;
CREATE TRIGGER assessments_guard_status BEFORE UPDATE OF status ON assessments_assessment
    FOR EACH ROW EXECUTE FUNCTION assessments_guard_status();
"""
    drop = """
DROP TRIGGER IF EXISTS assessments_guard_status ON assessments_assessment;
DROP FUNCTION IF EXISTS assessments_guard_status();
"""
    return create, drop
