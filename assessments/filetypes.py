"""What an uploaded file really is, judged by its bytes, and whether we accept it.

The name's extension is only checked against the content: a file whose content is not one of the
accepted kinds, or whose name claims another kind (an .exe renamed .pdf), is refused.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

from django.utils.translation import gettext as _

# Office files and ZIPs: refuse archives that would inflate past this, or inflate suspiciously.
MAX_UNCOMPRESSED = 500 * 1024 * 1024
MAX_RATIO = 200


@dataclass(frozen=True)
class Kind:
    key: str
    content_type: str
    extensions: tuple[str, ...]


KINDS = {
    k.key: k
    for k in [
        Kind("pdf", "application/pdf", (".pdf",)),
        Kind("png", "image/png", (".png",)),
        Kind("jpeg", "image/jpeg", (".jpg", ".jpeg")),
        Kind("gif", "image/gif", (".gif",)),
        Kind("webp", "image/webp", (".webp",)),
        Kind("wav", "audio/wav", (".wav",)),
        Kind("mp3", "audio/mpeg", (".mp3",)),
        Kind("mp4", "video/mp4", (".mp4", ".m4a", ".m4v", ".mov")),
        Kind(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            (".docx",),
        ),
        Kind(
            "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)
        ),
        Kind(
            "pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            (".pptx",),
        ),
        Kind("ole", "application/x-ole-storage", (".doc", ".xls", ".ppt")),
        Kind("zip", "application/zip", (".zip",)),
        Kind(
            "text",
            "text/plain",
            (".txt", ".csv", ".md", ".json", ".jsonl", ".log", ".tsv", ".yaml"),
        ),
    ]
}


class FileRefused(ValueError):
    """The file is not accepted; the message says why, for the person who uploaded it."""


def sanitise_name(name: str) -> str:
    """A safe display and download name: no path, no control characters, bounded length."""
    name = PurePath(name.replace("\\", "/")).name
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"/\\|?*]+', "_", name).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    stem = stem[:150] or "file"
    return f"{stem}.{ext[:10]}" if ext else stem


_UTF16_BOMS = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def _is_utf16_text(head: bytes) -> bool:
    """A UTF-16 text (Excel's "Unicode text" CSV) begins with a byte-order mark that is also an
    MP3 frame sync (FF FE): it is text if the rest decodes to printable characters."""
    for bom, encoding in _UTF16_BOMS:
        if head.startswith(bom):
            try:
                text = codecs.getincrementaldecoder(encoding)().decode(head[2:], final=False)
            except UnicodeDecodeError:
                return False
            return all(c in "\t\r\n" or unicodedata.category(c)[0] != "C" for c in text)
    return False


def _sniff(head: bytes) -> str | None:
    if _is_utf16_text(head):  # before the audio frame sync, which FF FE also matches
        return "text"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    return None


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            # final=False: the sample may end inside a multi-byte character.
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _zip_kind(fileobj: IO[bytes]) -> str:
    try:
        with zipfile.ZipFile(fileobj) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise FileRefused(_("The archive is damaged and cannot be opened.")) from None
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_UNCOMPRESSED or total / packed > MAX_RATIO:
        raise FileRefused(
            _("The archive unpacks to far more than its size (a ZIP bomb?) and is refused.")
        )
    names = {i.filename for i in infos}
    if "[Content_Types].xml" in names:
        for prefix, kind in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
            if any(n.startswith(prefix) for n in names):
                return kind
    return "zip"


def detect(fileobj: IO[bytes], name: str) -> Kind:
    """The accepted kind of a file, or FileRefused saying why it is not accepted."""
    fileobj.seek(0)
    head = fileobj.read(8192)
    fileobj.seek(0)
    if not head:
        raise FileRefused(_("The file is empty."))
    key = _sniff(head)
    if key == "zip":
        key = _zip_kind(fileobj)
        fileobj.seek(0)
    if key is None and _is_text(head):
        key = "text"
    if key is None:
        raise FileRefused(
            _(
                "This kind of file is not accepted. Upload PDF, images, office documents, "
                "CSV/XLSX, text, audio or video samples, or ZIP."
            )
        )
    kind = KINDS[key]
    ext = PurePath(name).suffix.lower()
    if ext and ext not in kind.extensions:
        raise FileRefused(
            _("The file is named %(ext)s but its content is %(kind)s; rename or re-export it.")
            % {"ext": ext, "kind": key.upper()}
        )
    return kind
