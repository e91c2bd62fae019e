"""What an upload is, judged by its bytes: text with a UTF-16 byte-order mark is text."""

from __future__ import annotations

import io

import pytest

from assessments import filetypes

CSV = "关键词,违规类型\r\n示例词,A.1 a\r\n"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_csv_with_its_byte_order_mark_is_text(encoding):
    data = CSV.encode(encoding)
    if encoding != "utf-16":
        data = ("\ufeff" + CSV).encode(encoding)
    assert data[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert filetypes.detect(io.BytesIO(data), "关键词.csv").key == "text"


def test_an_mp3_frame_is_still_audio():
    frame = b"\xff\xfb\x90\x64" + bytes(range(256)) * 8  # MPEG-1 layer III, then binary data
    assert filetypes.detect(io.BytesIO(frame), "sample.mp3").key == "mp3"
    # Binary after FF FE that does not read as text is not taken for text either.
    binary = b"\xff\xfe" + bytes(range(256)) * 8
    with pytest.raises(filetypes.FileRefused):
        filetypes.detect(io.BytesIO(binary), "sample.csv")
