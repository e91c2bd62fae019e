"""Writes on filing packages: request one (a member's click), build one (the Celery task), and
record a download. Views and the task share these; packages.py knows nothing of rows.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from assessments.models import Assessment, Status
from audit.models import Action
from audit.services import record as audit_record
from audit.services import record_read
from dossiers import signing
from dossiers.errors import DossierError
from dossiers.models import IN_PROGRESS, DossierKind, DossierStatus
from dossiers.package import remove_quietly, write_file_atomically
from filing import packages
from filing.facts import facts_for
from filing.models import FilingPackage, new_package_number
from portal.locks import exclusive
from portal.text import safe_filename

logger = logging.getLogger(__name__)
_LOCK_CLASS = 0x0F11E  # first key of the advisory lock: "filing"
FINAL_STATUSES = (Status.APPROVED,)


class PackageRefused(Exception):
    """The request cannot be queued; the message says why and what to do."""


@transaction.atomic
def package_request(
    *, assessment: Assessment, user: User, route: str, preview: bool
) -> tuple[FilingPackage, bool]:
    """Queue one route's package. A final (signed) package needs an approved assessment and no
    blocking pre-filing check; a draft package is always possible. A click while the same
    package is being built returns that one."""
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("service__provider", "questionnaire")
        .get(pk=assessment.pk)
    )
    facts = facts_for(assessment)
    if route not in packages.routes_of(facts):
        raise PackageRefused(_("This filing route does not apply to the service."))
    if not preview:
        if assessment.status not in FINAL_STATUSES:
            raise PackageRefused(
                _(
                    "A signed package is made from an approved assessment. Until then, build a "
                    "draft package."
                )
            )
        titles = packages.blocking_titles(facts, route)
        if titles:
            raise PackageRefused(str(packages.PackageBlocked(titles)))
    kind = DossierKind.PREVIEW if preview else DossierKind.FINAL
    running = FilingPackage.objects.filter(
        assessment=assessment, route=route, kind=kind, status__in=IN_PROGRESS
    ).first()
    if running is not None:
        return running, False
    package = FilingPackage.objects.create(
        number=new_package_number(),
        assessment=assessment,
        assessment_version=assessment.version,
        route=route,
        kind=kind,
        requested_by=user,
        task_id=str(uuid.uuid4()),
    )
    _enqueue(package)
    return package, True


def _enqueue(package: FilingPackage) -> None:
    from filing.tasks import build_package
    from outbox.services import dispatch

    dispatch(build_package, package.pk, task_id=package.task_id)


@transaction.atomic
def package_retry(*, package: FilingPackage) -> bool:
    """Queue a failed (or lost) build again."""
    retryable = FilingPackage.objects.filter(pk=package.pk, status=DossierStatus.FAILED)
    if package.is_stale:
        retryable = FilingPackage.objects.filter(pk=package.pk, status__in=IN_PROGRESS)
    task_id = str(uuid.uuid4())
    updated = retryable.update(
        status=DossierStatus.QUEUED,
        error_code="",
        error_detail="",
        task_id=task_id,
        finished_at=None,
        updated_at=timezone.now(),
    )
    if updated:
        package.task_id = task_id
        _enqueue(package)
    return bool(updated)


# --- building (runs in the worker) --------------------------------------------------------------


def package_build(package_id: int) -> bool:
    """Build a queued package; False when another worker has it or it is finished already."""
    with exclusive(_LOCK_CLASS, package_id) as got:
        if not got:
            return False
        claimed = FilingPackage.objects.filter(pk=package_id, status__in=IN_PROGRESS).update(
            status=DossierStatus.RENDERING, updated_at=timezone.now()
        )
        if not claimed:
            return False
        package = FilingPackage.objects.select_related(
            "assessment__service__provider", "assessment__questionnaire", "assessment__decided_by"
        ).get(pk=package_id)
        _build(package)
        return True


def signature_reason(package: FilingPackage) -> str:
    reviewer = package.assessment.decided_by
    name = (reviewer.display_name or reviewer.email) if reviewer else "?"
    return f"审核批准 Approved by reviewer {name}; 备案材料包 filing package {package.number}"


def _build(package: FilingPackage) -> None:
    started = time.perf_counter()
    assessment = package.assessment
    sign = None
    if package.is_final:
        if assessment.status not in FINAL_STATUSES:
            raise DossierError("not_approved")
        key = signing.load_signing_key()  # fails before anything is rendered
        reason = signature_reason(package)

        def sign(data: bytes) -> bytes:
            return signing.sign_pdf(
                data, key=key, reason=reason, location=settings.DOSSIER_SIGNING_LOCATION
            )

    built = packages.route_package(
        assessment,
        package.route,
        preview=not package.is_final,
        number=package.number if package.is_final else "",
        sign=sign,
    )
    relative = f"filing/{package.public_id}/{built.name}"
    target = Path(settings.MEDIA_ROOT) / relative
    for leftover in target.parent.glob(".tmp-*"):  # from an attempt whose worker died
        remove_quietly(leftover)
    write_file_atomically(built.data, target)
    with transaction.atomic():
        finished = FilingPackage.objects.filter(pk=package.pk, status__in=IN_PROGRESS).update(
            status=DossierStatus.READY,
            finished_at=timezone.now(),
            updated_at=timezone.now(),
            zip_path=relative,
            zip_name=built.name,
            zip_size=len(built.data),
            zip_sha256=hashlib.sha256(built.data).hexdigest(),
            manifest_sha256=built.manifest_sha256,
            signed_files=built.signed,
            signer_fingerprint=key.fingerprint if sign else "",
            signed_at=timezone.now() if sign else None,
            build_seconds=time.perf_counter() - started,
        )
        if finished:
            audit_record(
                Action.PACKAGE_GENERATED,
                actor=package.requested_by,
                obj=package,
                assessment=assessment,
                summary=f"{package.number} {package.route}",
                after={"kind": package.kind, "route": package.route, "files": len(built.signed)},
            )
    logger.info("filing package %s ready in %.1fs", package.number, time.perf_counter() - started)


def package_fail(package_id: int, code: str, detail: str = "") -> None:
    FilingPackage.mark_failed(package_id, code, detail)


def package_requeue(package_id: int) -> None:
    FilingPackage.mark_requeued(package_id)


def package_file_response(*, package: FilingPackage, request) -> FileResponse:
    """The ZIP of a ready package, download recorded; 404 while there is none. For the page
    and the API alike."""
    path = Path(settings.MEDIA_ROOT) / package.zip_path if package.zip_path else None
    if package.status != DossierStatus.READY or path is None or not path.is_file():
        raise Http404(_("This package has no file."))
    package_downloaded(package=package, request=request)
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=safe_filename(package.zip_name),
        content_type="application/zip",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def package_downloaded(*, package: FilingPackage, request) -> None:
    # Not waiting for the audit chain's lock behind a long audited write (record_read).
    record_read(
        Action.PACKAGE_DOWNLOADED,
        actor=request.user,
        obj=package,
        assessment=package.assessment,
        summary=package.number,
        request=request,
    )
