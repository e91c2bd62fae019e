"""Writes on dossiers: request one, retry one, and build one (called by the Celery task).

A dossier is built from the assessment's submission snapshot (or, for a draft preview, from a
copy of the draft frozen when the preview was requested), never from live answer rows.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from assessments.models import Assessment, Status
from assessments.services import build_snapshot, canonical_json, load_state
from audit.models import Action
from audit.services import record as audit_record
from audit.services import record_read
from dossiers import package, signing
from dossiers.content import build_context
from dossiers.errors import DossierError
from dossiers.models import IN_PROGRESS, Dossier, DossierKind, DossierStatus, new_dossier_number
from dossiers.parallel import render_pdf
from dossiers.pdf import render_dossier_html
from notifications.services import notify
from portal.locks import exclusive
from portal.text import safe_filename

logger = logging.getLogger(__name__)
# Arbitrary first key of PostgreSQL's two-int advisory locks: "dossiers".
_LOCK_CLASS = 0x0D055
_FINAL_STATUSES = (Status.APPROVED,)


def _source_for(assessment: Assessment, user: User) -> tuple[str, dict | None, str]:
    """(kind, draft snapshot or None, SHA-256 of the source) for a new request."""
    if assessment.status in _FINAL_STATUSES:
        return DossierKind.FINAL, None, assessment.snapshot_sha256
    if assessment.snapshot:
        return DossierKind.PREVIEW, None, assessment.snapshot_sha256
    snapshot = build_snapshot(assessment, load_state(assessment), user)
    # Not submitted: no submission time or person, so the same draft hashes the same.
    snapshot["assessment"].update(submitted_at=None, submitted_by=None)
    return DossierKind.PREVIEW, snapshot, hashlib.sha256(canonical_json(snapshot)).hexdigest()


@transaction.atomic
def dossier_request(*, assessment: Assessment, user: User, edition: str) -> tuple[Dossier, bool]:
    """The dossier of this version and edition, queued if new. A second click returns the first
    one; an approved assessment gets a signed dossier, any other a draft preview."""
    # Lock the assessment: concurrent clicks queue here instead of racing to insert.
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("service__provider", "questionnaire", "previous")
        .get(pk=assessment.pk)
    )
    kind, draft, sha = _source_for(assessment, user)
    lookup = {"assessment": assessment, "kind": kind, "edition": edition, "snapshot_sha256": sha}
    existing = Dossier.objects.filter(**lookup).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            dossier = Dossier.objects.create(
                **lookup,
                number=new_dossier_number(),
                draft_snapshot=draft,
                assessment_version=assessment.version,
                requested_by=user,
                task_id=str(uuid.uuid4()),
            )
    except IntegrityError:
        # SQLite has no row locks: a concurrent request inserted the same dossier first.
        return Dossier.objects.get(**lookup), False
    _enqueue(dossier)
    return dossier, True


def _enqueue(dossier: Dossier) -> None:
    from dossiers.tasks import build_dossier
    from outbox.services import dispatch

    dispatch(build_dossier, dossier.pk, task_id=dossier.task_id)


@transaction.atomic
def dossier_retry(*, dossier: Dossier) -> bool:
    """Queue a failed (or lost) job again; the assessment is not touched."""
    task_id = str(uuid.uuid4())
    retryable = Dossier.objects.filter(pk=dossier.pk, status=DossierStatus.FAILED)
    if dossier.is_stale:
        retryable = Dossier.objects.filter(pk=dossier.pk, status__in=IN_PROGRESS)
    updated = retryable.update(
        status=DossierStatus.QUEUED,
        progress=0,
        error_code="",
        error_detail="",
        task_id=task_id,
        finished_at=None,
        updated_at=timezone.now(),
    )
    if updated:
        dossier.task_id = task_id
        _enqueue(dossier)
    return bool(updated)


# --- building (runs in the worker) --------------------------------------------------------------


def _progress(dossier: Dossier, status: str, progress: int) -> None:
    Dossier.objects.filter(pk=dossier.pk, status__in=IN_PROGRESS).update(
        status=status, progress=progress, updated_at=timezone.now()
    )


def dossier_build(dossier_id: int, *, worker: str = "") -> bool:
    """Build a queued dossier; False when another worker has it or it is finished already."""
    with exclusive(_LOCK_CLASS, dossier_id) as got:
        if not got:
            return False
        claimed = Dossier.objects.filter(pk=dossier_id, status__in=IN_PROGRESS).update(
            status=DossierStatus.RENDERING,
            progress=5,
            started_at=timezone.now(),
            attempts=F("attempts") + 1,
            claimed_by=worker[:120],
            updated_at=timezone.now(),
        )
        if not claimed:
            return False
        dossier = Dossier.objects.select_related(
            "assessment__service__provider", "assessment__questionnaire", "assessment__decided_by"
        ).get(pk=dossier_id)
        _build(dossier)
        return True


def _source_snapshot(dossier: Dossier) -> dict:
    assessment = dossier.assessment
    if dossier.is_final:
        if assessment.status not in _FINAL_STATUSES:
            raise DossierError("not_approved")
        if assessment.snapshot_sha256 != dossier.snapshot_sha256:
            raise DossierError("snapshot_mismatch")
        snapshot = assessment.snapshot
    else:
        snapshot = dossier.draft_snapshot or assessment.snapshot
    if not snapshot or hashlib.sha256(canonical_json(snapshot)).hexdigest() != (
        dossier.snapshot_sha256
    ):
        raise DossierError("snapshot_mismatch")
    return snapshot


def signature_reason(assessment: Assessment, number: str) -> str:
    reviewer = assessment.decided_by
    name = (reviewer.display_name or reviewer.email) if reviewer else "?"
    email = f" <{reviewer.email}>" if reviewer else ""
    return f"审核批准 Approved by reviewer {name}{email}; 备案材料 dossier {number}"


def _build(dossier: Dossier) -> None:
    assessment = dossier.assessment
    snapshot = _source_snapshot(dossier)
    key = signing.load_signing_key() if dossier.is_final else None  # fail before rendering
    manifest = package.build_manifest(
        number=dossier.number, snapshot=snapshot, snapshot_sha256=dossier.snapshot_sha256
    )
    media = Path(settings.MEDIA_ROOT)
    folder = f"dossiers/{dossier.public_id}"
    for leftover in (media / folder).glob(".tmp-*"):  # from an attempt whose worker died
        package.remove_quietly(leftover)
    _progress(dossier, DossierStatus.RENDERING, 15)
    context = build_context(
        dossier=dossier,
        assessment=assessment,
        snapshot=snapshot,
        manifest=manifest.data,
        manifest_sha256=manifest.sha256,
    )
    html = render_dossier_html(context, edition=dossier.edition)
    _progress(dossier, DossierStatus.RENDERING, 30)
    rendered = render_pdf(html)  # in parts by several processes when it is large
    pdf, sign_seconds, signed_at = rendered.data, None, None
    if key is not None:
        _progress(dossier, DossierStatus.SIGNING, 75)
        started = timezone.now()
        pdf = signing.sign_pdf(
            pdf,
            key=key,
            reason=signature_reason(assessment, dossier.number),
            location=settings.DOSSIER_SIGNING_LOCATION,
        )
        signed_at = timezone.now()
        sign_seconds = (signed_at - started).total_seconds()
    pdf_rel = f"{folder}/{package.pdf_name(dossier.number)}"
    package.write_file_atomically(pdf, media / pdf_rel)
    fields = {}
    if key is not None:
        _progress(dossier, DossierStatus.SIGNING, 85)
        package_rel = f"{folder}/package-{dossier.number}.zip"
        size, sha = package.write_package(manifest, pdf, media / package_rel)
        fields = {"package_path": package_rel, "package_size": size, "package_sha256": sha}
    with transaction.atomic():
        finished = Dossier.objects.filter(pk=dossier.pk, status__in=IN_PROGRESS).update(
            status=DossierStatus.READY,
            progress=100,
            finished_at=timezone.now(),
            updated_at=timezone.now(),
            pdf_path=pdf_rel,
            pdf_size=len(pdf),
            pdf_sha256=hashlib.sha256(pdf).hexdigest(),
            page_count=rendered.pages,
            manifest_sha256=manifest.sha256,
            signer_fingerprint=key.fingerprint if key else "",
            signed_at=signed_at,
            render_seconds=rendered.seconds,
            sign_seconds=sign_seconds,
            **fields,
        )
        if finished:
            _announce(dossier, pages=rendered.pages)


def _announce(dossier: Dossier, *, pages: int) -> None:
    """Audit event for every dossier; a notification to the provider's writers for signed ones.
    Inside the transaction that marks it ready, so they commit together."""
    assessment = dossier.assessment
    logger.info("dossier %s ready: %s pages", dossier.number, pages)
    if dossier.is_final:
        notify("dossier_ready", assessment=assessment, actor=dossier.requested_by)
    # Last: the audit chain's lock is held from here to the commit.
    audit_record(
        Action.DOSSIER_GENERATED,
        actor=dossier.requested_by,
        obj=dossier,
        assessment=assessment,
        summary=dossier.number,
        after={"kind": dossier.kind, "edition": dossier.edition, "pages": pages},
    )


def dossier_file_response(*, dossier: Dossier, which: str, request) -> FileResponse:
    """The PDF ("pdf") or the package ("package") of a ready dossier, download recorded; 404
    while it is not ready or has no such file. For the page and the API alike."""
    relative = dossier.pdf_path if which == "pdf" else dossier.package_path
    if dossier.status != DossierStatus.READY or not relative:
        raise Http404(_("This dossier has no such file."))
    path = Path(settings.MEDIA_ROOT) / relative
    if not path.is_file():
        raise Http404(_("This dossier has no such file."))
    dossier_downloaded(dossier=dossier, which=which, request=request)
    return FileResponse(path.open("rb"), as_attachment=True, filename=safe_filename(path.name))


def dossier_downloaded(*, dossier: Dossier, which: str, request) -> None:
    """Record that a member downloaded the PDF or the package, without waiting for the audit
    chain's lock behind a long audited write (record_read)."""
    record_read(
        Action.DOSSIER_DOWNLOADED,
        actor=request.user,
        obj=dossier,
        assessment=dossier.assessment,
        summary=f"{dossier.number} {which}",
        request=request,
    )


def dossier_fail(dossier_id: int, code: str, detail: str = "") -> None:
    """Mark a job failed with a reason; a finished dossier is never overwritten."""
    Dossier.mark_failed(dossier_id, code, detail)


def dossier_requeue(dossier_id: int) -> None:
    """Before a retry with backoff: show the job as queued again."""
    Dossier.mark_requeued(dossier_id)
