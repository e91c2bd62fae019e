"""MP3: an ID3v2 TXXX frame with description AIGC, read with mutagen."""

from __future__ import annotations

from typing import BinaryIO

from mutagen.id3 import ID3, ID3NoHeaderError

from .binary import LabelReadError
from .candidates import Candidate, Extraction


def extract(stream: BinaryIO) -> Extraction:
    result = Extraction.empty()
    try:
        tags = ID3(stream)
    except ID3NoHeaderError:
        return result
    # mutagen reports damaged tags through several exception types (its own errors,
    # struct/ValueError/KeyError from frame parsing); all mean "unreadable tag" here.
    except Exception as exc:
        raise LabelReadError("ID3 标签已损坏，无法读取。", "the ID3 tag is damaged.") from exc
    for frame in tags.getall("TXXX"):
        value = "\x00".join(str(t) for t in frame.text).strip()
        if frame.desc == "AIGC":
            result.candidates.append(Candidate("MP3 ID3v2 TXXX:AIGC", value))
        elif frame.desc.strip().upper() == "AIGC":
            result.candidates.append(Candidate(f"MP3 ID3v2 TXXX:{frame.desc}", value, False))
    return result
