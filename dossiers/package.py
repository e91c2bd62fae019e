"""The filing package: a ZIP of the signed PDF, every evidence file, the analyser results, the
submission snapshot, and `manifest.json` listing each of those files with its SHA-256 and size.

The manifest is built before the PDF is rendered: its SHA-256 is printed in the PDF (and stored
in its signed metadata), so the signature covers the whole package. The PDF itself cannot be in
the manifest it certifies; it is named there and checked by its own signature.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.core.files.storage import default_storage

from assessments.services import canonical_json
from dossiers.errors import DossierError, TransientError
from portal.text import safe_filename

MANIFEST_NAME = "manifest.json"
SNAPSHOT_NAME = "snapshot.json"
MANIFEST_FORMAT = 1


def pdf_name(number: str) -> str:
    return f"dossier-{number}.pdf"


def evidence_storage_path(sha256: str) -> str:
    """Evidence files are content-addressed (assessments.models.evidence_path)."""
    return f"evidence/{sha256[:2]}/{sha256}"


def _safe(name: str) -> str:
    return safe_filename(name)


@dataclass
class Manifest:
    data: dict
    raw: bytes
    sha256: str
    blobs: dict[str, bytes]  # generated files (analysis results, snapshot), by path


def build_manifest(*, number: str, snapshot: dict, snapshot_sha256: str) -> Manifest:
    """The manifest from the snapshot alone; the evidence hashes are the snapshot's and are
    checked against the stored files when the package is written."""
    files, blobs = [], {}
    raw_snapshot = canonical_json(snapshot)
    blobs[SNAPSHOT_NAME] = raw_snapshot
    files.append(_entry(SNAPSHOT_NAME, raw_snapshot, kind="snapshot"))
    for i, e in enumerate(snapshot["evidence"], start=1):
        path = f"evidence/{i:03d}-{_safe(e['name'])}"
        files.append(
            {
                "path": path,
                "sha256": e["sha256"],
                "size": e["size"],
                "kind": "evidence",
                "evidence_id": e["id"],
                "question": e["question"],
            }
        )
        if e.get("analysis"):
            result_path = f"analysis/{i:03d}-{_safe(e['name'])}.json"
            raw = canonical_json(e["analysis"])
            blobs[result_path] = raw
            files.append(_entry(result_path, raw, kind="analysis", question=e["question"]))
    data = {
        "format": MANIFEST_FORMAT,
        "dossier": number,
        "pdf": pdf_name(number),
        "assessment": snapshot["assessment"]["id"],
        "assessment_version": snapshot["assessment"]["version"],
        "snapshot_sha256": snapshot_sha256,
        "files": files,
    }
    raw = canonical_json(data)
    return Manifest(data, raw, hashlib.sha256(raw).hexdigest(), blobs)


def _entry(path: str, raw: bytes, **extra) -> dict:
    return {"path": path, "sha256": hashlib.sha256(raw).hexdigest(), "size": len(raw), **extra}


def write_package(manifest: Manifest, pdf: bytes, target: Path) -> tuple[int, str]:
    """Write the ZIP to a temporary name beside `target`, checking every evidence file against
    the manifest, then rename it into place. Returns (size, SHA-256)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".zip")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(manifest.data["pdf"], pdf, compress_type=zipfile.ZIP_STORED)
            zf.writestr(MANIFEST_NAME, manifest.raw)
            for entry in manifest.data["files"]:
                if entry["kind"] == "evidence":
                    _copy_evidence(zf, entry)
                else:
                    zf.writestr(entry["path"], manifest.blobs[entry["path"]])
        digest = hashlib.sha256()
        with open(tmp, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        size = os.path.getsize(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return size, digest.hexdigest()


def _copy_evidence(zf: zipfile.ZipFile, entry: dict) -> None:
    source = evidence_storage_path(entry["sha256"])
    try:
        handle = default_storage.open(source, "rb")
    except FileNotFoundError:
        raise DossierError("evidence_missing", entry["path"]) from None
    except OSError as exc:
        raise TransientError(f"evidence storage: {exc}") from exc
    digest, size = hashlib.sha256(), 0
    with handle, zf.open(entry["path"], "w", force_zip64=True) as out:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    if digest.hexdigest() != entry["sha256"] or size != entry["size"]:
        raise DossierError("evidence_changed", entry["path"])


def write_file_atomically(data: bytes, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_quietly(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
