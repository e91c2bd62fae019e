"""The Word files of a filing package's documents, written once and kept like the annex
workbooks (filing/annex_cache.py, whose store and clean-up by day they share).

A Word file is a function of the document's blocks (its title, every heading, paragraph and
table cell, including the dates it prints) and of the code that writes it (`filing.docx`,
`filing.blocks`, `portal.text`, python-docx with its default template, lxml). The key is the
SHA-256 of the blocks as they are written (their repr) and of that code, so any change of
either is another key and an earlier file is never found, only deleted with its day. The
draft package of a day writes them and the signed package reads them: the report's Word file
took 0.25-0.37 s of CPU in the signed build, beside the report's parts on the same two cores
(docs/benchmarks.md, "Filing packages").
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.metadata import version
from pathlib import Path

from filing import annex_cache, annexes, docx
from filing.blocks import Doc

_ROOT = Path(__file__).resolve().parent.parent
# Everything a Word file's content is computed from, besides the document's blocks.
_CODE = (
    _ROOT / "filing" / "docx.py",
    _ROOT / "filing" / "blocks.py",
    _ROOT / "portal" / "text.py",
)


@cache
def code_version() -> str:
    """The SHA-256 of the code that writes a Word file (read once per process)."""
    digest = hashlib.sha256(
        f"python-docx {version('python-docx')}\nlxml {version('lxml')}\n".encode()
    )
    for path in _CODE:
        digest.update(path.relative_to(_ROOT).as_posix().encode() + b"\n" + path.read_bytes())
    return digest.hexdigest()


def key(doc: Doc) -> str:
    digest = hashlib.sha256(code_version().encode() + b"\n")
    digest.update(repr(doc).encode())
    return digest.hexdigest()


def path_of(doc: Doc) -> str:
    return f"{annex_cache.CACHE_DIR}/{annexes.today().isoformat()}/word-{key(doc)}.docx"


def kept(doc: Doc) -> bytes | None:
    """The .docx of `doc` if it is kept, else None (`word` writes it)."""
    return annex_cache.read_kept(path_of(doc))


def word(doc: Doc) -> bytes:
    """The .docx of `doc`: kept, or written now and kept."""
    path = path_of(doc)
    data = annex_cache.read_kept(path)
    if data is None:
        data = docx.render(doc)
        annex_cache.keep(path, data)
    return data
