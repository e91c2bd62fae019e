"""JPEG: XMP packet in an APP1 segment, property TC260:AIGC."""

from __future__ import annotations

from typing import BinaryIO

from .binary import LabelReadError, read_exact, truncated, unpack
from .candidates import Extraction
from .xmp import xmp_candidates

XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
EXTENDED_XMP_HEADER = b"http://ns.adobe.com/xmp/extension/\x00"
_STANDALONE = {0x01, *range(0xD0, 0xD8)}
_MAX_SEGMENTS = 10_000


def extract(stream: BinaryIO) -> Extraction:
    if stream.read(2) != b"\xff\xd8":
        raise LabelReadError("不是 JPEG 文件。", "not a JPEG file.")
    result = Extraction.empty()
    for _ in range(_MAX_SEGMENTS):
        marker = _next_marker(stream)
        if marker in _STANDALONE:
            continue
        if marker in (0xD9, 0xDA):
            break  # metadata segments all come before the first scan
        (length,) = unpack(">H", stream.read(2), "JPEG")
        if length < 2:
            raise truncated("JPEG")
        if marker == 0xE1:
            data = read_exact(stream, length - 2, "JPEG APP1")
            if data.startswith(XMP_HEADER):
                result.candidates.extend(xmp_candidates(data[len(XMP_HEADER) :], "JPEG APP1"))
            elif data.startswith(EXTENDED_XMP_HEADER):
                result.notes.append(
                    (
                        "文件含扩展 XMP（ExtendedXMP），未检查其内容。",
                        "the file has ExtendedXMP segments; their content was not checked.",
                    )
                )
        else:
            stream.seek(length - 2, 1)
    return result


def _next_marker(stream: BinaryIO) -> int:
    byte = stream.read(1)
    if byte != b"\xff":
        raise LabelReadError("JPEG 段结构错误。", "the JPEG segment structure is broken.")
    while byte == b"\xff":  # fill bytes
        byte = stream.read(1)
    if not byte:
        raise truncated("JPEG")
    return byte[0]
