"""MP4/MOV (ISO-BMFF): key AIGC in moov/udta/meta 'keys', its value in 'ilst'.

Only box headers are read on the way down; the payloads of 'keys' and 'ilst' are the only
data loaded, so a large video costs a handful of small reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from .binary import LabelReadError, read_exact, size_of, unpack
from .candidates import Candidate, Extraction

_MAX_BOXES = 100_000


def _boxes(stream: BinaryIO, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, content start, content end) for each box in [start, end)."""
    pos = start
    for _ in range(_MAX_BOXES):
        if pos + 8 > end:
            return
        stream.seek(pos)
        size, kind = unpack(">I4s", stream.read(8), "MP4")
        header = 8
        if size == 1:
            (size,) = unpack(">Q", stream.read(8), "MP4")
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise LabelReadError(
                f"MP4 box {kind!r} 长度错误。", f"the MP4 box {kind!r} has a broken size."
            )
        yield kind, pos + header, pos + size
        pos += size


def _child(stream: BinaryIO, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    for found, child_start, child_end in _boxes(stream, start, end):
        if found == kind:
            return child_start, child_end
    return None


def extract(stream: BinaryIO) -> Extraction:
    end = size_of(stream)
    stream.seek(4)
    if stream.read(4) != b"ftyp":
        raise LabelReadError("不是 MP4 文件。", "not an MP4 file.")
    result = Extraction.empty()
    moov = _child(stream, 0, end, b"moov")
    if moov is None:
        result.notes.append(("文件中没有 moov box。", "the file has no moov box."))
        return result
    udta = _child(stream, *moov, b"udta")
    if udta is not None:
        meta = _child(stream, *udta, b"meta")
        if meta is not None:
            _meta(stream, *meta, "MP4 moov/udta/meta", True, result)
    # Some writers put the metadata directly under moov; it counts, but is not the place
    # the practice guide gives.
    meta = _child(stream, *moov, b"meta")
    if meta is not None:
        _meta(stream, *meta, "MP4 moov/meta", False, result)
    return result


def _meta(
    stream: BinaryIO, start: int, end: int, where: str, standard: bool, result: Extraction
) -> None:
    # ISO 'meta' is a full box (4 bytes version/flags); QuickTime's is not. Tell them apart
    # by where the first child box's type sits.
    stream.seek(start + 4)
    if stream.read(4) != b"hdlr":
        start += 4
    keys_box = _child(stream, start, end, b"keys")
    ilst_box = _child(stream, start, end, b"ilst")
    if keys_box is None or ilst_box is None:
        return
    keys = _keys(stream, *keys_box)
    for kind, item_start, item_end in _boxes(stream, *ilst_box):
        (index,) = unpack(">I", kind, "MP4 ilst")
        if not 1 <= index <= len(keys) or keys[index - 1] != "AIGC":
            continue
        for value in _data_values(stream, item_start, item_end):
            result.candidates.append(Candidate(f"{where} keys+ilst AIGC", value, standard))


def _keys(stream: BinaryIO, start: int, end: int) -> list[str]:
    stream.seek(start)
    data = read_exact(stream, end - start, "MP4 keys")
    _, count = unpack(">II", data[:8], "MP4 keys")
    keys: list[str] = []
    pos = 8
    for _ in range(min(count, 10_000)):
        size, _namespace = unpack(">I4s", data[pos : pos + 8], "MP4 keys")
        if size < 8 or pos + size > len(data):
            raise LabelReadError("MP4 keys 表损坏。", "the MP4 keys table is damaged.")
        keys.append(data[pos + 8 : pos + size].decode("utf-8", errors="replace"))
        pos += size
    return keys


def _data_values(stream: BinaryIO, start: int, end: int) -> Iterator[str]:
    for kind, data_start, data_end in _boxes(stream, start, end):
        if kind != b"data" or data_end - data_start < 8:
            continue
        stream.seek(data_start + 8)  # type indicator and locale
        raw = read_exact(stream, data_end - data_start - 8, "MP4 data")
        yield raw.decode("utf-8", errors="replace").strip()
