"""RIFF containers: WebP (XMP in the 'XMP ' chunk) and WAV (a chunk with ID 'AIGC')."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from .binary import LabelReadError, read_exact, size_of, unpack
from .candidates import Candidate, Extraction
from .xmp import xmp_candidates

_MAX_CHUNKS = 100_000


def _chunks(stream: BinaryIO, start: int, end: int, what: str) -> Iterator[tuple[bytes, int, int]]:
    """(fourcc, data offset, data size) for each chunk in [start, end)."""
    pos = start
    for _ in range(_MAX_CHUNKS):
        if pos + 8 > end:
            return
        stream.seek(pos)
        fourcc, size = unpack("<4sI", stream.read(8), what)
        if pos + 8 + size > end:
            raise LabelReadError(
                f"{what} 块 {fourcc!r} 超出文件末尾。",
                f"{what} chunk {fourcc!r} runs past the end.",
            )
        yield fourcc, pos + 8, size
        pos += 8 + size + (size & 1)  # chunks are padded to even length


def _riff_bounds(stream: BinaryIO, form: bytes, what: str) -> tuple[int, int]:
    tag, size, kind = unpack("<4sI4s", stream.read(12), what)
    if tag != b"RIFF" or kind != form:
        raise LabelReadError(f"不是 {what} 文件。", f"not a {what} file.")
    # Writers that stream often leave the RIFF size wrong; trust the file length.
    return 12, min(8 + size, size_of(stream)) if size >= 4 else size_of(stream)


def _text(stream: BinaryIO, offset: int, size: int, what: str) -> str:
    stream.seek(offset)
    data = read_exact(stream, size, what)
    return data.rstrip(b"\x00").decode("utf-8", errors="replace").strip()


def extract_webp(stream: BinaryIO) -> Extraction:
    start, end = _riff_bounds(stream, b"WEBP", "WebP")
    result = Extraction.empty()
    for fourcc, offset, size in _chunks(stream, start, end, "WebP"):
        if fourcc == b"XMP ":
            stream.seek(offset)
            result.candidates.extend(xmp_candidates(read_exact(stream, size, "WebP XMP"), "WebP"))
        elif fourcc == b"AIGC":
            result.candidates.append(
                Candidate("WebP chunk AIGC", _text(stream, offset, size, "WebP"), False)
            )
    return result


def extract_wav(stream: BinaryIO) -> Extraction:
    start, end = _riff_bounds(stream, b"WAVE", "WAV")
    result = Extraction.empty()
    for fourcc, offset, size in _chunks(stream, start, end, "WAV"):
        if fourcc == b"AIGC":
            result.candidates.append(
                Candidate("WAV RIFF chunk AIGC", _text(stream, offset, size, "WAV"))
            )
        elif fourcc == b"LIST" and size >= 4:
            stream.seek(offset)
            if stream.read(4) != b"INFO":
                continue
            for sub, sub_offset, sub_size in _chunks(stream, offset + 4, offset + size, "WAV LIST"):
                if sub == b"AIGC":
                    value = _text(stream, sub_offset, sub_size, "WAV")
                    result.candidates.append(Candidate("WAV LIST/INFO AIGC", value, False))
    return result
