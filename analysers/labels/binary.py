"""Bounded reads for the hand-written container parsers.

Each parser reads headers and only the small metadata payloads it needs; everything else
is skipped with seek, so a 2 GB video costs a few hundred bytes of reads.
"""

from __future__ import annotations

import struct
import zlib
from typing import BinaryIO

# A metadata payload (XMP packet, ID3 tag, custom.xml, keys/ilst box) beyond this is not a
# label but an attack or a mistake.
MAX_METADATA_BYTES = 4 * 1024 * 1024


class LabelReadError(Exception):
    """A recognised container is damaged; reported per file, never raised to the caller."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


def truncated(what: str) -> LabelReadError:
    return LabelReadError(f"{what} 数据不完整（文件被截断）。", f"{what} data is truncated.")


def read_exact(stream: BinaryIO, size: int, what: str) -> bytes:
    if size < 0 or size > MAX_METADATA_BYTES:
        raise LabelReadError(
            f"{what} 的长度 {size} 不合理。", f"{what} declares an implausible length ({size})."
        )
    data = stream.read(size)
    if len(data) != size:
        raise truncated(what)
    return data


def unpack(fmt: str, data: bytes, what: str) -> tuple[int, ...]:
    try:
        return struct.unpack(fmt, data)
    except struct.error as exc:
        raise truncated(what) from exc


def inflate(data: bytes, what: str) -> bytes:
    """zlib-decompress without letting a small payload expand past the metadata limit."""
    decompressor = zlib.decompressobj()
    try:
        out = decompressor.decompress(data, MAX_METADATA_BYTES)
    except zlib.error as exc:
        raise LabelReadError(f"{what} 无法解压。", f"{what} cannot be decompressed.") from exc
    if decompressor.unconsumed_tail:
        raise LabelReadError(
            f"{what} 解压后过大。", f"{what} expands beyond {MAX_METADATA_BYTES} bytes."
        )
    return out


def size_of(stream: BinaryIO) -> int:
    here = stream.tell()
    end = stream.seek(0, 2)
    stream.seek(here)
    return end
