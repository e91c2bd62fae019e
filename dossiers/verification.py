"""Is this dossier genuine and current? Checks an uploaded PDF or filing package (ZIP).

Used by the public verification page and `manage.py verify_dossier`. A PDF is accepted only when
pyHanko's `bottom_line` holds against the portal's trust roots and the signature covers the whole
file: the portal never updates a dossier after signing, so anything appended (even an update
pyHanko would call harmless) means someone else changed it. For a package, manifest.json must
hash to the value in the signed PDF, and every file must match the manifest, with none extra.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import multiprocessing
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.utils import translation
from django.utils.translation import gettext as _

from dossiers import signing
from dossiers.models import Dossier, DossierStatus
from dossiers.package import MANIFEST_NAME

if TYPE_CHECKING:
    from filing.models import FilingPackage

logger = logging.getLogger(__name__)

CURRENT = "current"
SUPERSEDED = "superseded"
NOT_GENUINE = "not_genuine"
MAX_ZIP_MEMBERS = 10_000
INSPECTION_SECONDS = 30
PACKAGE_PREFIX = "PKG-"  # filing.models.new_package_number


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Verdict:
    outcome: str
    reasons: list[str] = field(default_factory=list)
    dossier: Dossier | FilingPackage | None = None  # what the portal issued under the number
    newer: Dossier | FilingPackage | None = None
    kind: str = ""  # "pdf" or "package"
    signer: str = ""
    files_checked: int = 0

    @property
    def genuine(self) -> bool:
        return self.outcome in (CURRENT, SUPERSEDED)


@dataclass
class _SignedPdf:
    number: str
    manifest_sha256: str
    sha256: str
    signer: str
    fingerprint: str


@dataclass
class _Inspection:
    """What the cryptographic checks found; no database involved, so it can run in a child."""

    kind: str
    pdf: _SignedPdf | None = None
    reason: str = ""
    files_checked: int = 0


def verify_file(handle: BinaryIO, size: int) -> Verdict:
    """Check an open file of `size` bytes (the caller enforces the size limit).

    The parsing and signature checks run in a forked child with a time limit: they read
    untrusted input on a public page, and a crafted PDF can keep a parser busy for minutes.
    """
    # A path the child can open itself: an upload's temporary file or a file opened here.
    # Never an upload's own name, which the client chose.
    source: str | bytes
    if isinstance(handle, TemporaryUploadedFile):
        source = handle.temporary_file_path()
    elif isinstance(handle, io.BufferedReader) and Path(str(handle.name)).is_file():
        source = str(handle.name)
    else:
        handle.seek(0)
        source = handle.read()
    inspection = _inspect_in_child(source)
    if inspection.pdf is None:
        return Verdict(NOT_GENUINE, [inspection.reason], kind=inspection.kind)
    return _conclude(inspection.pdf, kind=inspection.kind, files_checked=inspection.files_checked)


def _inspect_in_child(source: str | bytes) -> _Inspection:
    context = multiprocessing.get_context("fork")
    language = translation.get_language()
    roots = [c.dump() for c in signing.trust_roots()]  # settings are read in the parent
    with context.Pool(1) as pool:
        pending = pool.apply_async(_inspect, (source, language, roots))
        try:
            return pending.get(timeout=INSPECTION_SECONDS)
        except multiprocessing.TimeoutError:
            pool.terminate()
            return _Inspection("", reason=_("The file took too long to check."))


def _inspect(source: str | bytes, language: str, roots: list[bytes]) -> _Inspection:
    with translation.override(language):
        handle = open(source, "rb") if isinstance(source, str) else io.BytesIO(source)
        with handle:
            head = handle.read(5)
            handle.seek(0)
            kind = "pdf" if head.startswith(b"%") else "package" if head.startswith(b"PK") else ""
            try:
                if kind == "pdf":
                    return _Inspection(kind, pdf=_check_pdf(handle.read(), roots))
                if kind == "package":
                    return _check_package(handle, roots)
                raise _Refused(_("The file is neither a PDF nor a ZIP filing package."))
            except _Refused as exc:
                return _Inspection(kind, reason=exc.reason)
            except (zipfile.BadZipFile, zlib.error, EOFError):
                return _Inspection(
                    kind, reason=_("The package is damaged: a file in it cannot be read.")
                )


def _check_pdf(data: bytes, roots: list[bytes]) -> _SignedPdf:
    from asn1crypto import x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_regular_signatures
    except Exception:  # pyHanko raises many kinds on malformed input
        raise _Refused(_("The file is not a readable PDF.")) from None
    if not signatures:
        raise _Refused(_("The PDF carries no signature (a draft preview, or a copy)."))
    if len(signatures) != 1:
        raise _Refused(_("The PDF carries more than one signature; a dossier has exactly one."))
    # Cheap checks first: whether the signature's byte range reaches the end of the file takes
    # milliseconds, while pyHanko's analysis of what an appended update changed (which this
    # portal never accepts anyway) took minutes on a large dossier.
    try:
        coverage = signatures[0].evaluate_signature_coverage()
    except Exception as exc:  # a malformed byte range or cross-reference table
        logger.info("signature coverage check raised %r", exc)
        raise _Refused(_("The signature could not be validated.")) from None
    if coverage != SignatureCoverageLevel.ENTIRE_FILE:
        raise _Refused(_("Content was appended to the file after it was signed."))
    try:
        status = validate_pdf_signature(
            signatures[0],
            ValidationContext(trust_roots=[x509.Certificate.load(der) for der in roots]),
            skip_diff=True,  # the whole file is signed: there is no later revision to compare
        )
    except Exception as exc:
        logger.info("signature validation raised %r", exc)
        raise _Refused(_("The signature could not be validated.")) from None
    if not (status.intact and status.valid):
        raise _Refused(_("The content was changed after signing: the signature does not match."))
    if not status.trusted:
        raise _Refused(_("The signing certificate is not one the portal trusts."))
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE or not status.bottom_line:
        raise _Refused(_("Content was appended to the file after it was signed."))
    try:
        info = reader.trailer["/Info"]
    except KeyError:
        info = {}
    number = str(info.get("/dossiernumber", ""))
    cert = status.signing_cert
    return _SignedPdf(
        number=number,
        manifest_sha256=str(info.get("/manifestsha256", "")),
        sha256=hashlib.sha256(data).hexdigest(),
        signer=cert.subject.human_friendly,
        fingerprint=hashlib.sha256(cert.dump()).hexdigest(),
    )


def _conclude(pdf: _SignedPdf, *, kind: str, files_checked: int = 0) -> Verdict:
    if pdf.number.startswith(PACKAGE_PREFIX):
        return _conclude_filing_package(pdf, kind=kind, files_checked=files_checked)
    dossier = (
        Dossier.objects.select_related("assessment__service__provider", "assessment__questionnaire")
        .filter(number=pdf.number, status=DossierStatus.READY)
        .first()
        if pdf.number
        else None
    )
    base = {"kind": kind, "signer": pdf.signer, "files_checked": files_checked}
    if dossier is None:
        return Verdict(NOT_GENUINE, [_("The portal has no dossier with this number.")], **base)
    if dossier.pdf_sha256 != pdf.sha256 or dossier.signer_fingerprint != pdf.fingerprint:
        reason = _("The file is signed but is not the one the portal issued under this number.")
        return Verdict(NOT_GENUINE, [reason], dossier=dossier, **base)
    newer = dossier.superseded_by()
    if newer is not None or dossier.assessment.status == "superseded":
        return Verdict(SUPERSEDED, [], dossier=dossier, newer=newer, **base)
    return Verdict(CURRENT, [], dossier=dossier, **base)


def _conclude_filing_package(pdf: _SignedPdf, *, kind: str, files_checked: int) -> Verdict:
    """A route package's file list or one of its signed documents (filing.packages)."""
    from filing.models import FilingPackage

    package = (
        FilingPackage.objects.select_related("assessment__service__provider")
        .filter(number=pdf.number, status=DossierStatus.READY, kind="final")
        .first()
    )
    base = {"kind": kind, "signer": pdf.signer, "files_checked": files_checked}
    if package is None:
        return Verdict(NOT_GENUINE, [_("The portal has no package with this number.")], **base)
    if (
        pdf.sha256 not in package.signed_files.values()
        or package.signer_fingerprint != pdf.fingerprint
    ):
        reason = _("The file is signed but is not one the portal issued under this number.")
        return Verdict(NOT_GENUINE, [reason], dossier=package, **base)
    newer = package.superseded_by()
    if newer is not None or package.assessment.status == "superseded":
        return Verdict(SUPERSEDED, [], dossier=package, newer=newer, **base)
    return Verdict(CURRENT, [], dossier=package, **base)


def _check_package(handle: BinaryIO, roots: list[bytes]) -> _Inspection:
    try:
        zf = zipfile.ZipFile(handle)
        members = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _Refused(_("The file is not a readable ZIP package.")) from None
    limit = settings.DOSSIER_VERIFY_MAX_BYTES
    if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > 4 * limit:
        raise _Refused(_("The package is too large to check here."))
    by_name = {m.filename: m for m in members}
    if MANIFEST_NAME not in by_name:
        raise _Refused(_("The package has no manifest.json."))
    raw_manifest = _read_member(zf, by_name[MANIFEST_NAME], 16 * 1024 * 1024)
    try:
        manifest = json.loads(raw_manifest)
        pdf_name, files = manifest["pdf"], manifest["files"]
    except (ValueError, KeyError, TypeError):
        raise _Refused(_("The package's manifest.json is not readable.")) from None
    if pdf_name not in by_name:
        raise _Refused(_("The package does not contain the dossier PDF its manifest names."))
    pdf = _check_pdf(_read_member(zf, by_name[pdf_name], limit), roots)
    if hashlib.sha256(raw_manifest).hexdigest() != pdf.manifest_sha256:
        raise _Refused(_("manifest.json is not the manifest the signed PDF certifies."))
    listed = {MANIFEST_NAME, pdf_name}
    for entry in files:
        path = entry.get("path")
        if path not in by_name:
            raise _Refused(_("A file listed in the manifest is missing: %(path)s") % {"path": path})
        digest, count = _hash_member(zf, by_name[path], entry.get("size", -1))
        if digest != entry.get("sha256") or count != entry.get("size"):
            raise _Refused(_("A file does not match the manifest: %(path)s") % {"path": path})
        listed.add(path)
    extra = sorted(name for name in by_name if name not in listed and not name.endswith("/"))
    if extra:
        raise _Refused(
            _("The package holds a file the manifest does not list: %(path)s") % {"path": extra[0]}
        )
    return _Inspection("package", pdf=pdf, files_checked=len(files))


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    if info.file_size > limit:
        raise _Refused(_("A file in the package is too large to check here."))
    with zf.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise _Refused(_("A file in the package is too large to check here."))
    return data


def _hash_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, expected: int) -> tuple[str, int]:
    digest, count = hashlib.sha256(), 0
    with zf.open(info) as member:
        for chunk in iter(lambda: member.read(1 << 20), b""):
            count += len(chunk)
            if count > expected:  # more than the manifest says: stop reading (zip bombs)
                return "", count
            digest.update(chunk)
    return digest.hexdigest(), count
