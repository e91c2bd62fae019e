"""Opening an upload: a path, a binary file object or bytes, bounded by `max_bytes`.

Every reader below needs to seek (encoding detection reads a text file twice, ZIP readers
jump to the central directory), so a non-seekable stream is spooled to a temporary file,
never past `max_bytes`.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from .report import AnalyserError

Source = bytes | bytearray | BinaryIO | str | os.PathLike[str]

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
_SPOOL_IN_MEMORY = 8 * 1024 * 1024
_COPY_CHUNK = 1024 * 1024


def too_large(size: int, max_bytes: int) -> AnalyserError:
    return AnalyserError(
        "too_large",
        f"文件过大（{size:,} 字节），上限为 {max_bytes:,} 字节。",
        f"The file is too large ({size:,} bytes); the limit is {max_bytes:,} bytes.",
    )


@contextmanager
def open_source(source: Source, *, max_bytes: int) -> Iterator[BinaryIO]:
    """Yield a seekable binary stream positioned at 0; a caller's stream is not closed."""
    if isinstance(source, bytes | bytearray):
        if len(source) > max_bytes:
            raise too_large(len(source), max_bytes)
        yield io.BytesIO(bytes(source))
        return
    if isinstance(source, str | os.PathLike):
        try:
            size = os.stat(source).st_size
            fh = open(source, "rb")  # closed by the with block below
        except OSError as exc:
            raise AnalyserError(
                "unreadable", "无法打开文件。", f"The file cannot be opened ({exc.strerror})."
            ) from exc
        with fh:
            if size > max_bytes:
                raise too_large(size, max_bytes)
            yield fh
        return
    stream = getattr(source, "file", source)  # Django's UploadedFile wraps the real file
    if _seekable(stream):
        stream.seek(0, io.SEEK_END)
        size = stream.tell()
        if size > max_bytes:
            raise too_large(size, max_bytes)
        stream.seek(0)
        yield stream
        return
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY) as spool:
        copied = 0
        while chunk := stream.read(_COPY_CHUNK):
            copied += len(chunk)
            if copied > max_bytes:
                raise too_large(copied, max_bytes)
            spool.write(chunk)
        spool.seek(0)
        yield spool  # type: ignore[misc]


def _seekable(stream: object) -> bool:
    try:
        return bool(stream.seekable())  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False


def read_head(stream: BinaryIO, size: int = 64) -> bytes:
    stream.seek(0)
    head = stream.read(size)
    stream.seek(0)
    return head


# --- ZIP containers (XLSX, DOCX, PPTX, sample archives) -----------------------------------

ZIP_MAX_MEMBERS = 10_000
# What zipfile raises on damaged, encrypted or exotic archives (unsupported compression
# raises NotImplementedError, a password-protected member RuntimeError).
ZIP_READ_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    NotImplementedError,
    RuntimeError,
    OSError,
    ValueError,
    EOFError,
)
# A member this large and this compressible is a bomb, not a spreadsheet: XLSX sheet XML
# compresses about 5-20:1, real bombs 1000:1 and more.
ZIP_MAX_RATIO = 200
ZIP_RATIO_MIN_SIZE = 1024 * 1024


def open_zip(
    stream: BinaryIO, *, max_uncompressed: int, what_zh: str, what_en: str
) -> zipfile.ZipFile:
    """Open a ZIP after checking its declared sizes.

    Checking the central directory is enough: zipfile never returns more bytes for a member
    than its declared size (and fails the CRC if the data differ), so the declared total
    bounds what any later reader can inflate.
    """
    try:
        archive = zipfile.ZipFile(stream)
        infos = archive.infolist()
    except ZIP_READ_ERRORS as exc:
        raise AnalyserError(
            "bad_zip",
            f"{what_zh}已损坏，无法作为 ZIP 容器读取。",
            f"The {what_en} is damaged and cannot be read as a ZIP container.",
        ) from exc
    if len(infos) > ZIP_MAX_MEMBERS:
        raise AnalyserError(
            "zip_bomb",
            f"{what_zh}包含 {len(infos)} 个条目，超过上限 {ZIP_MAX_MEMBERS}。",
            f"The {what_en} holds {len(infos)} entries, above the limit of {ZIP_MAX_MEMBERS}.",
        )
    total = sum(info.file_size for info in infos)
    if total > max_uncompressed:
        raise AnalyserError(
            "zip_bomb",
            f"{what_zh}解压后共 {total:,} 字节，超过上限 {max_uncompressed:,} 字节。",
            f"The {what_en} expands to {total:,} bytes, above the limit of "
            f"{max_uncompressed:,} bytes.",
        )
    for info in infos:
        if info.file_size >= ZIP_RATIO_MIN_SIZE and info.file_size > ZIP_MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise AnalyserError(
                "zip_bomb",
                f"{what_zh}中的条目 {info.filename} 压缩比异常（超过 {ZIP_MAX_RATIO}:1），拒绝读取。",
                f"The entry {info.filename} of the {what_en} is compressed more than "
                f"{ZIP_MAX_RATIO}:1; refusing to read it.",
            )
    return archive


def max_uncompressed_for(max_bytes: int) -> int:
    """Office files and sample archives may expand to 10 times the upload limit."""
    return max_bytes * 10
