"""PDF: a /AIGC key (usually in the document Info dictionary).

Placement in PDF is implementation practice, not a published rule. The file is scanned
for the key in bounded chunks; keys inside compressed object streams are not seen.
"""

from __future__ import annotations

from typing import BinaryIO

from .candidates import Candidate, Extraction

_CHUNK = 1024 * 1024
_OVERLAP = 64 * 1024  # the value after /AIGC must fit in the overlap to be read whole
_KEY = b"/AIGC"


def extract(stream: BinaryIO) -> Extraction:
    result = Extraction.empty()
    # An incremental update keeps the older Info dictionary in the file; the same value
    # twice is one label, so values are collected as distinct.
    values: dict[str, None] = {}
    window = b""
    window_start = 0  # file offset of window[0]
    done_before = 0  # matches before this file offset were read already
    eof = False
    while not eof:
        chunk = stream.read(_CHUNK)
        eof = len(chunk) < _CHUNK
        window += chunk
        # A match near the end may have its value cut off: it waits for the next window.
        limit = len(window) if eof else len(window) - _OVERLAP
        pos = window.find(_KEY, max(done_before - window_start, 0))
        while 0 <= pos < limit:
            value = _value_after(window, pos + len(_KEY))
            if value is not None:
                values.setdefault(value, None)
            pos = window.find(_KEY, pos + 1)
        done_before = window_start + max(limit, 0)
        keep = window[-_OVERLAP:]
        window_start += len(window) - len(keep)
        window = keep
    for value in values:
        result.candidates.append(Candidate("PDF /AIGC", value))
    result.notes.append(
        (
            "PDF 中隐式标识的位置尚无公开标准（实践中使用文档信息字典 /AIGC）；压缩对象流中的内容未检查。",
            "the placement of the implicit label in PDF is not standardised (practice: the "
            "document Info dictionary key /AIGC); compressed object streams were not searched.",
        )
    )
    return result


def _value_after(data: bytes, pos: int) -> str | None:
    while pos < len(data) and data[pos : pos + 1] in b" \t\r\n\x00\x0c":
        pos += 1
    if data[pos : pos + 1] == b"(":
        raw = _literal(data, pos + 1)
    elif data[pos : pos + 1] == b"<" and data[pos : pos + 2] != b"<<":
        end = data.find(b">", pos)
        if end < 0:
            return None
        hex_digits = bytes(c for c in data[pos + 1 : end] if chr(c) in "0123456789abcdefABCDEF")
        raw = bytes.fromhex((hex_digits + b"0" * (len(hex_digits) % 2)).decode("ascii"))
    else:
        return None
    if raw is None:
        return None
    if raw.startswith(b"\xfe\xff"):
        return raw[2:].decode("utf-16-be", errors="replace").strip()
    return raw.decode("latin-1").strip()


_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f"}


def _literal(data: bytes, pos: int) -> bytes | None:
    """A PDF literal string starting after its "(": balanced parentheses, backslash escapes."""
    out = bytearray()
    depth = 1
    while pos < len(data):
        c = data[pos]
        if c == 0x5C:  # backslash
            nxt = data[pos + 1 : pos + 2]
            if not nxt:
                return None
            if nxt[0] in _ESCAPES:
                out += _ESCAPES[nxt[0]]
                pos += 2
            elif nxt in b"01234567":
                octal = b""
                for digit in data[pos + 1 : pos + 4]:
                    if not 0x30 <= digit <= 0x37:
                        break
                    octal += bytes([digit])
                out.append(int(octal, 8) & 0xFF)
                pos += 1 + len(octal)
            elif nxt in b"\r\n":
                pos += 2
            else:
                out += nxt
                pos += 2
            continue
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return bytes(out)
        out.append(c)
        pos += 1
    return None
