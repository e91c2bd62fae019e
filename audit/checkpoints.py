"""Signed checkpoints of the audit chain's head, kept outside the database.

A hash chain shows any edit, insertion or deletion *between* events, but not that its newest
events were removed, nor that someone with write access rewrote history and recomputed every
hash after the change. A checkpoint closes both gaps: on a schedule (beat, every
AUDIT_CHECKPOINT_MINUTES), the head event's id and hash and the number of events up to it are
signed with the portal's signing key (the dossier signer, dossiers/signing.py) and appended to
a file in AUDIT_CHECKPOINT_DIR, storage the database cannot reach (a separate volume, ideally
write-once). `verify_audit_log` checks every checkpoint against the table: a checkpointed event
that is gone, or whose hash changed, or a different number of events up to the newest
checkpoint, is reported. What happened after the newest checkpoint is covered by the chain
alone, so the interval bounds what could vanish unnoticed.

One JSON object a line: event_id, hash, count, written_at, fingerprint (SHA-256 of the signer
certificate), certificate (base64 DER) and signature (base64, over the canonical JSON of the
first five fields).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from django.conf import settings
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import check_chain

FILE_NAME = "checkpoints.jsonl"
SIGNED_FIELDS = ("event_id", "hash", "count", "written_at", "fingerprint")


class CheckpointError(Exception):
    """A checkpoint cannot be written (broken chain, no signing key, unwritable storage)."""


@dataclass(frozen=True)
class Checkpoint:
    event_id: int
    hash: str
    count: int
    written_at: str
    fingerprint: str
    certificate: str
    signature: str

    def payload(self) -> bytes:
        data = {name: getattr(self, name) for name in SIGNED_FIELDS}
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8")


def path() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR) / FILE_NAME


def read_all() -> tuple[list[Checkpoint], list[str]]:
    """The checkpoints in the order written, and the lines that are not checkpoints."""
    file = path()
    if not file.is_file():
        return [], []
    checkpoints, unreadable = [], []
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            checkpoints.append(Checkpoint(**{k: data[k] for k in Checkpoint.__annotations__}))
        except (ValueError, KeyError, TypeError):
            unreadable.append(f"line {number} of {file} is not a checkpoint")
    return checkpoints, unreadable


def write_checkpoint() -> Checkpoint | None:
    """Verify the chain and append a signed checkpoint of its head; None for an empty log.
    Nothing is appended when the head has not moved since the last checkpoint."""
    from dossiers.errors import DossierError
    from dossiers.signing import load_signing_key

    existing, _ = read_all()
    base = _resume_point(existing)
    result = check_chain(after=base[0], counted=base[1]) if base else check_chain()
    if result.broken is not None:
        # Signing a tampered head would vouch for it.
        raise CheckpointError(f"chain broken at event #{result.broken.pk}: {result.reason}")
    if result.head is None:
        return None
    if existing and (existing[-1].event_id, existing[-1].hash) == (
        result.head.pk,
        result.head.hash,
    ):
        return existing[-1]
    try:
        key = load_signing_key()
    except DossierError as exc:
        raise CheckpointError(f"no signing key to sign the checkpoint with ({exc})") from exc
    unsigned = Checkpoint(
        event_id=result.head.pk,
        hash=result.head.hash,
        count=result.count,
        written_at=timezone.now().isoformat(timespec="seconds"),
        fingerprint=key.fingerprint,
        certificate=base64.b64encode(key.signer.signing_cert.dump()).decode("ascii"),
        signature="",
    )
    signature = key.signer.sign_raw(unsigned.payload(), "sha256")
    checkpoint = Checkpoint(
        **{**unsigned.__dict__, "signature": base64.b64encode(signature).decode("ascii")}
    )
    file = path()
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        with open(file, "a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.write(json.dumps(checkpoint.__dict__, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise CheckpointError(f"cannot write {file}: {exc}") from exc
    return checkpoint


def _resume_point(checkpoints: list[Checkpoint]) -> tuple[AuditEvent, int] | None:
    """The newest trusted checkpoint's event and count, when the table still agrees with it;
    the chain up to it was verified when it was written. None when there is none (walk it all).
    A table that no longer agrees (its event gone or changed, events deleted or inserted
    before it) is refused: a new checkpoint would vouch for the rewritten history."""
    trusted = _trusted_fingerprints()
    newest = next(
        (
            c
            for c in reversed(checkpoints)
            if c.fingerprint in trusted and _fingerprint(c) == c.fingerprint and _signature_valid(c)
        ),
        None,
    )
    if newest is None:
        return None
    event = AuditEvent.objects.filter(pk=newest.event_id).first()
    if event is None or event.hash != newest.hash:
        raise CheckpointError(
            f"event #{newest.event_id} of the checkpoint written at {newest.written_at} is "
            "missing or changed: run verify_audit_log"
        )
    if AuditEvent.objects.filter(pk__lte=event.pk).count() != newest.count:
        raise CheckpointError(
            f"the number of events up to event #{event.pk} differs from the checkpoint written "
            f"at {newest.written_at}: run verify_audit_log"
        )
    return event, newest.count


def _fingerprint(checkpoint: Checkpoint) -> str:
    import hashlib

    try:
        return hashlib.sha256(base64.b64decode(checkpoint.certificate)).hexdigest()
    except ValueError:
        return ""


def _signature_valid(checkpoint: Checkpoint) -> bool:
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(checkpoint.certificate))
        signature = base64.b64decode(checkpoint.signature)
        public_key = certificate.public_key()
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, checkpoint.payload(), padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, checkpoint.payload(), ec.ECDSA(hashes.SHA256()))
        else:
            return False
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _trusted_fingerprints() -> set[str]:
    """The signer certificates whose checkpoints count: the portal's current one, and the
    earlier ones listed in AUDIT_CHECKPOINT_FINGERPRINTS (after a key change)."""
    from dossiers.errors import DossierError
    from dossiers.signing import load_signing_key

    trusted = {f.lower() for f in settings.AUDIT_CHECKPOINT_FINGERPRINTS}
    try:
        trusted.add(load_signing_key().fingerprint)
    except DossierError:
        pass
    return trusted


@dataclass(frozen=True)
class CheckpointCheck:
    problems: list[str]
    checked: int
    newest: Checkpoint | None


def check_checkpoints(chain_count: int) -> CheckpointCheck:
    """Compare every trusted checkpoint with the table (see the module docstring)."""
    checkpoints, problems = read_all()
    trusted = _trusted_fingerprints()
    valid: list[Checkpoint] = []
    for checkpoint in checkpoints:
        fingerprint = _fingerprint(checkpoint)
        if fingerprint != checkpoint.fingerprint or not _signature_valid(checkpoint):
            problems.append(
                f"the checkpoint of event #{checkpoint.event_id} written at "
                f"{checkpoint.written_at} has an invalid signature: the checkpoint file was edited"
            )
        elif fingerprint not in trusted:
            problems.append(
                f"the checkpoint of event #{checkpoint.event_id} written at "
                f"{checkpoint.written_at} is signed by a certificate the portal does not trust "
                f"({fingerprint}); list it in AUDIT_CHECKPOINT_FINGERPRINTS if it was the "
                "portal's before a key change"
            )
        else:
            valid.append(checkpoint)
    hashes_now = dict(
        AuditEvent.objects.filter(pk__in={c.event_id for c in valid}).values_list("pk", "hash")
    )
    for checkpoint in valid:
        current = hashes_now.get(checkpoint.event_id)
        if current is None:
            problems.append(
                f"event #{checkpoint.event_id}, the newest at the checkpoint of "
                f"{checkpoint.written_at}, is missing: events were deleted (or the log was "
                "emptied) after they were checkpointed"
            )
        elif current != checkpoint.hash:
            problems.append(
                f"event #{checkpoint.event_id} no longer has the hash checkpointed at "
                f"{checkpoint.written_at}: the history up to it was rewritten"
            )
    newest = valid[-1] if valid else None
    if newest is not None and newest.event_id in hashes_now:
        count = AuditEvent.objects.filter(pk__lte=newest.event_id).count()
        if count != newest.count:
            problems.append(
                f"{count} events up to event #{newest.event_id}, but {newest.count} when it was "
                f"checkpointed at {newest.written_at}: events were deleted or inserted"
            )
    if newest is None and chain_count:
        oldest = AuditEvent.objects.order_by("id").values_list("occurred_at", flat=True).first()
        overdue = timedelta(minutes=2 * settings.AUDIT_CHECKPOINT_MINUTES)
        if oldest is not None and timezone.now() - oldest > overdue:
            problems.append(
                f"no valid checkpoint in {path()}, though events are older than "
                f"{2 * settings.AUDIT_CHECKPOINT_MINUTES} minutes: is the beat service running, "
                "or was the checkpoint file removed?"
            )
    return CheckpointCheck(problems, len(valid), newest)
