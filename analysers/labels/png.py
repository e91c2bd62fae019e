"""PNG: text chunks with keyword AIGC, or XMP (keyword XML:com.adobe.xmp) with TC260:AIGC."""

from __future__ import annotations

from typing import BinaryIO

from .binary import LabelReadError, inflate, read_exact, truncated, unpack
from .candidates import Candidate, Extraction
from .xmp import xmp_candidates

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_TEXT_CHUNKS = {b"tEXt", b"iTXt", b"zTXt"}
_MAX_CHUNKS = 100_000


def extract(stream: BinaryIO) -> Extraction:
    if stream.read(8) != SIGNATURE:
        raise LabelReadError("不是 PNG 文件。", "not a PNG file.")
    result = Extraction.empty()
    for _ in range(_MAX_CHUNKS):
        head = stream.read(8)
        if not head:
            result.notes.append(("PNG 缺少 IEND 结束块。", "the PNG has no IEND chunk."))
            break
        length, kind = unpack(">I4s", head, "PNG")
        if kind in _TEXT_CHUNKS:
            _text_chunk(kind, read_exact(stream, length, "PNG"), result)
        else:
            if length > 0x7FFFFFFF:
                raise truncated("PNG")
            stream.seek(length, 1)
        if len(stream.read(4)) != 4:  # CRC
            raise truncated("PNG")
        if kind == b"IEND":
            break
    return result


def _text_chunk(kind: bytes, data: bytes, result: Extraction) -> None:
    keyword, sep, rest = data.partition(b"\x00")
    if not sep:
        return
    name = kind.decode("ascii")
    if kind == b"tEXt":
        text = rest
    elif kind == b"zTXt":
        text = inflate(rest[1:], "PNG zTXt")
    else:
        # iTXt: compression flag, method, language tag \0, translated keyword \0, text
        if len(rest) < 2:
            raise truncated("PNG iTXt")
        compressed = rest[0] == 1
        _lang, _, rest2 = rest[2:].partition(b"\x00")
        _translated, _, text = rest2.partition(b"\x00")
        if compressed:
            text = inflate(text, "PNG iTXt")
    if keyword == b"AIGC":
        value = text.decode("utf-8" if kind == b"iTXt" else "latin-1", errors="replace")
        result.candidates.append(Candidate(f"PNG {name} AIGC", value.strip()))
    elif keyword == b"XML:com.adobe.xmp":
        result.candidates.extend(xmp_candidates(text, f"PNG {name}"))
    elif keyword.lower() == b"aigc":
        value = text.decode("utf-8", errors="replace")
        result.candidates.append(Candidate(f"PNG {name} {keyword.decode('latin-1')}", value, False))
