"""The annex 4/5 workbooks of an assessment, written once and kept for the package builds and
downloads that follow.

A workbook is a function of: the uploads it is made from (each file's name, content hash and
bank, in the order the layout lists them), the code that reads and writes them (the analysers'
readers, `filing.annexes`, the risk list, openpyxl), `ANALYSER_MAX_BYTES`, the language and the
day (its 说明 sheet says 生成日期). The cache key is the SHA-256 of all of these, so a replaced
upload, another analyser version, another language or another day is another key: a stale
workbook is never found, only left behind, and the files of earlier days are deleted when one
of a new day is written. So the first package build (or annex download) of a day writes them,
and every later one that day (the draft, the signed package, a retry) reads them: they were
about a fifth of a package build's CPU (docs/benchmarks.md). The Word files of the package's
documents are kept beside them, by day too (filing/word_cache.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterable
from functools import cache
from importlib.metadata import version
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import translation

from filing import annexes
from filing.facts import FilingFacts

CACHE_DIR = "annex-cache"
_ROOT = Path(__file__).resolve().parent.parent
# Everything a workbook's content is computed from, besides the uploads.
_CODE = (
    *sorted((_ROOT / "analysers").glob("*.py")),
    _ROOT / "filing" / "annexes.py",
    _ROOT / "portal" / "text.py",
    _ROOT / "fixtures" / "library" / "risks.yaml",
)

KINDS = ("annex4", "annex5")


def _builders(kind: str) -> tuple[Callable[[FilingFacts], list[annexes.Source]], Callable]:
    return getattr(annexes, f"{kind}_sources"), getattr(annexes, f"build_{kind}")


@cache
def code_version() -> str:
    """The SHA-256 of the code and data that make a workbook (read once per process)."""
    digest = hashlib.sha256(f"openpyxl {version('openpyxl')}\n".encode())
    for path in _CODE:
        digest.update(path.relative_to(_ROOT).as_posix().encode() + b"\n" + path.read_bytes())
    return digest.hexdigest()


def key(kind: str, sources: Iterable[annexes.Source], day: dt.date) -> str:
    parts = {
        "kind": kind,
        "sources": [(s.name, s.sha256, s.default_bank) for s in sources],
        "code": code_version(),
        "max_bytes": settings.ANALYSER_MAX_BYTES,
        "language": translation.get_language() or "",
        "day": day.isoformat(),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def path_of(kind: str, facts: FilingFacts) -> str:
    """Where the workbook of `kind` for these uploads is kept today."""
    day = annexes.today()
    sources = _builders(kind)[0](facts)
    return f"{CACHE_DIR}/{day.isoformat()}/{kind}-{key(kind, sources, day)}.xlsx"


def kept(kind: str, facts: FilingFacts) -> bytes | None:
    """The workbook of `kind` if it is kept, else None (`workbook` writes it)."""
    return read_kept(path_of(kind, facts))


def workbook(kind: str, facts: FilingFacts) -> bytes:
    """The workbook's bytes: from the cache, or written now and kept."""
    sources_of, build = _builders(kind)
    path = path_of(kind, facts)
    data = read_kept(path)
    if data is not None:
        return data
    out = io.BytesIO()
    build(sources_of(facts), out, max_bytes=settings.ANALYSER_MAX_BYTES)
    data = out.getvalue()
    keep(path, data)
    return data


def read_kept(path: str) -> bytes | None:
    """A kept file (a ZIP: workbook or Word file), or None when it is missing or half written."""
    try:
        with default_storage.open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    # A file another build is still writing has no central directory at its end yet.
    try:
        zipfile.ZipFile(io.BytesIO(data)).close()
    except zipfile.BadZipFile:
        return None
    return data


def keep(path: str, data: bytes) -> None:
    """Keep a file at `path` (CACHE_DIR/day/...); the files of earlier days are deleted."""
    try:
        saved = default_storage.save(path, ContentFile(data))
    except OSError:
        return  # a cache that cannot be written only costs the next build the same work
    if saved != path:  # written meanwhile by another build: the same bytes, keep one
        with contextlib.suppress(OSError):
            default_storage.delete(saved)
    _forget_earlier_days(path.split("/")[1])


def _forget_earlier_days(day: str) -> None:
    try:
        days, _files = default_storage.listdir(CACHE_DIR)
    except OSError:
        return
    for name in days:
        if name < day:
            with contextlib.suppress(OSError):
                for file in default_storage.listdir(f"{CACHE_DIR}/{name}")[1]:
                    default_storage.delete(f"{CACHE_DIR}/{name}/{file}")
                default_storage.delete(f"{CACHE_DIR}/{name}")
