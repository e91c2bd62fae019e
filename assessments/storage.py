"""Where evidence files live: one file per SHA-256 (evidence/ab/abcd…), shared by every
upload of the same content and by later versions that carry the evidence forward.

A removed evidence row leaves its file, because another row may share it; `collect_orphans`
(`manage.py clean_evidence_files`, daily by beat) removes files no row names any more. Each
provider has a storage quota counted over its distinct files.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.filetypes import FileRefused
from assessments.models import Evidence, evidence_path

logger = logging.getLogger(__name__)

ROOT = "evidence"
# A file written by an upload whose row is not committed yet must not be collected.
GRACE = dt.timedelta(hours=1)


def store(evidence: Evidence, upload) -> None:
    """Point the evidence at its content's file, writing the file only if it is new."""
    path = evidence_path(evidence, "")
    if default_storage.exists(path):
        evidence.file.name = path
        return
    saved = default_storage.save(path, upload)
    if saved != path:  # another upload of the same content won the race: keep one copy
        default_storage.delete(saved)
    evidence.file.name = path


def used_bytes(provider_id: int) -> int:
    """The provider's evidence storage: each distinct file once."""
    # GROUP BY rather than DISTINCT ON, which SQLite (the embedded default) lacks.
    per_file = (
        Evidence.objects.filter(assessment__service__provider_id=provider_id)
        .values("sha256")
        .annotate(file_size=Max("size"))
        .order_by()
    )
    return sum(row["file_size"] for row in per_file)


def check_quota(
    *, provider_id: int, sha256: str, size: int, pending: dict[str, int] | None = None
) -> None:
    """FileRefused when a new file would take the provider past EVIDENCE_QUOTA_BYTES; a file
    the provider already stores costs nothing. `pending` ({sha256: size}): files the same
    change adds before this one, checked but without their rows yet, which count too."""
    quota = settings.EVIDENCE_QUOTA_BYTES
    if not quota:
        return
    pending = pending or {}
    if sha256 in pending or _stores(provider_id, sha256):
        return
    used = used_bytes(provider_id)
    used += sum(s for digest, s in pending.items() if not _stores(provider_id, digest))
    if used + size > quota:
        raise FileRefused(
            _(
                "Your organisation's evidence storage is full: %(used)s MB of %(quota)s MB "
                "used. Remove files that are no longer needed from open drafts, or ask the "
                "portal team for a larger quota."
            )
            % {"used": round(used / 1048576, 1), "quota": quota // 1048576}
        )


def _stores(provider_id: int, sha256: str) -> bool:
    return Evidence.objects.filter(
        assessment__service__provider_id=provider_id, sha256=sha256
    ).exists()


def collect_orphans(*, now: dt.datetime | None = None, dry_run: bool = False) -> list[str]:
    """Remove evidence files that no row names and that are older than GRACE."""
    now = now or timezone.now()
    named = set(Evidence.objects.values_list("file", flat=True))
    # Dossiers and packages read evidence by its hash (evidence/ab/<sha256>), even for a row
    # whose file was stored under another name before storage was content-addressed.
    hashes = set(Evidence.objects.values_list("sha256", flat=True))
    from assessments.upgrade import retired_hashes  # upgrade builds on storage, not the reverse

    hashes |= retired_hashes()
    removed = []
    for path in _walk(ROOT):
        if path in named or path.rsplit("/", 1)[-1] in hashes:
            continue
        try:
            if now - default_storage.get_modified_time(path) < GRACE:
                continue
        except (FileNotFoundError, NotImplementedError):
            continue
        if not dry_run:
            default_storage.delete(path)
        removed.append(path)
    if removed:
        logger.info("removed %d evidence files no longer referenced", len(removed))
    return removed


def _walk(directory: str):
    try:
        folders, files = default_storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{directory}/{name}"
    for folder in folders:
        yield from _walk(f"{directory}/{folder}")
