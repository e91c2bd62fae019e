"""content_labels: one implicit label in the right place, valid JSON, a valid provider code
belonging to this provider; explicit labels for text."""

from __future__ import annotations

import io
import json

import pytest
from analyser_files import (
    BAD_CHECK_CODE,
    OTHER_CODE,
    OUR_USCC,
    jpeg,
    label_fields,
    mp3,
    mp4,
    office,
    payload,
    pdf,
    png,
    wav,
    webp,
    xmp_packet,
    zip_of,
)

from analysers import AnalyserError, analyse


def run(data: bytes, filename: str, expected_uscc: str | None = OUR_USCC):
    return analyse("content_labels", data, filename=filename, expected_uscc=expected_uscc)


def only_file(result):
    (info,) = result.figures["files"]
    return info


GOOD = payload()
BARE = payload(wrapped=False)


@pytest.mark.parametrize(
    ("filename", "data", "place", "form"),
    [
        ("a.png", png(itxt=GOOD), "PNG iTXt AIGC", "wrapped"),
        ("b.png", png(text=BARE), "PNG tEXt AIGC", "bare"),
        ("c.png", png(xmp=xmp_packet(BARE)), "PNG iTXt XMP TC260:AIGC", "bare"),
        ("d.jpg", jpeg(xmp_packet(GOOD)), "JPEG APP1 XMP TC260:AIGC", "wrapped"),
        ("e.jpg", jpeg(xmp_packet(BARE, as_element=True)), "JPEG APP1 XMP TC260:AIGC", "bare"),
        ("f.webp", webp(xmp_packet(GOOD)), "WebP XMP TC260:AIGC", "wrapped"),
        ("h.wav", wav((b"AIGC", GOOD.encode())), "WAV RIFF chunk AIGC", "wrapped"),
        ("i.mp4", mp4({"AIGC": BARE}), "MP4 moov/udta/meta keys+ilst AIGC", "bare"),
        ("j.docx", office("docx", {"AIGC": GOOD}), "Office custom.xml property AIGC", "wrapped"),
        ("k.xlsx", office("xlsx", {"AIGC": BARE}), "Office custom.xml property AIGC", "bare"),
        ("l.pptx", office("pptx", {"AIGC": GOOD}), "Office custom.xml property AIGC", "wrapped"),
        ("m.pdf", pdf({"Producer": "x", "AIGC": GOOD}), "PDF /AIGC", "wrapped"),
    ],
)
def test_a_well_labelled_file_passes_in_every_format(filename, data, place, form):
    result = run(data, filename)

    info = only_file(result)
    assert result.passed is True, [m.en for m in result.errors]
    assert info["labels_found"] == 1
    assert info["labels"][0]["place"] == place
    assert info["labels"][0]["form"] == form
    assert info["labels"][0]["fields"]["ContentProducer"] == "001191440300708461136T1XGW3"
    assert info["producer_matches"] is True
    assert result.check("one_implicit_label").passed is True


def test_mp3_txxx_label(tmp_path):
    result = run(mp3(tmp_path, txxx={"AIGC": GOOD}), "g.mp3")

    info = only_file(result)
    assert result.passed is True
    assert info["labels"][0]["place"] == "MP3 ID3v2 TXXX:AIGC"


def test_mp3_without_label_and_with_other_txxx(tmp_path):
    result = run(mp3(tmp_path, txxx={"comment": "hello"}), "g.mp3")

    assert result.passed is False
    assert result.check("one_implicit_label").passed is False
    assert [m.code for m in result.errors] == ["no_label"]
    assert "ID3v2 TXXX" in result.errors[0].en


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("plain.png", png()),
        ("plain.jpg", jpeg()),
        ("plain.webp", webp()),
        ("plain.wav", wav()),
        ("plain.mp4", mp4()),
        ("plain.docx", office("docx")),
        ("plain.pdf", pdf({"Producer": "x"})),
    ],
)
def test_missing_label_fails_and_says_where_it_belongs(filename, data):
    result = run(data, filename)

    assert result.passed is False
    assert only_file(result)["labels_found"] == 0
    assert result.errors[0].code == "no_label"
    assert result.errors[0].file == filename
    assert result.check("one_implicit_label").value == 0


def test_two_labels_in_one_png_fail():
    result = run(png(itxt=GOOD, xmp=xmp_packet(GOOD)), "double.png")

    info = only_file(result)
    assert info["labels_found"] == 2
    assert result.check("one_implicit_label").passed is False
    assert result.check("one_implicit_label").failing == ("double.png",)
    assert "several_labels" in [m.code for m in result.errors]


def test_two_aigc_keys_in_an_mp4_fail():
    data = mp4({"AIGC": GOOD}, moov={"AIGC": BARE})

    result = run(data, "double.mp4")

    places = [label["place"] for label in only_file(result)["labels"]]
    assert places == ["MP4 moov/udta/meta keys+ilst AIGC", "MP4 moov/meta keys+ilst AIGC"]
    assert result.check("one_implicit_label").passed is False
    assert "non_standard_place" in [m.code for m in result.warnings]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("{not json", "not_json"),
        (json.dumps(json.dumps({"AIGC": label_fields()})), "json_in_string"),
        (json.dumps({"AIGC": {"AIGC": label_fields()}}), "double_wrapped"),
        (payload(Label="4"), "label_value"),
        (payload(Label=None), "missing_key"),
        (payload(ProduceID=""), "empty_value"),
        (payload(ProduceID="ID 0001"), "charset"),  # space is outside 0x21-0x7E
        (payload(ProduceID="编号1"), "charset"),
        (payload(ProduceID="a\\b"), "charset"),  # backslash 0x5C is excluded
        (payload(Label=1), "not_string"),
        (payload(ContentProducer=BAD_CHECK_CODE), "producer_code"),
        (payload(ContentProducer="某某科技有限公司"), "producer_code"),
        (payload(ContentProducer=OTHER_CODE), "producer_mismatch"),
    ],
)
def test_bad_payloads_are_named(value, code):
    result = run(png(itxt=value), "x.png")

    assert result.passed is False
    assert code in [m.code for m in result.errors]
    assert result.check("one_implicit_label").passed is True


def test_wrong_check_character_is_explained():
    result = run(png(itxt=payload(ContentProducer=BAD_CHECK_CODE)), "x.png")

    (error,) = [m for m in result.errors if m.code == "producer_code"]
    assert "check character" in error.en
    assert result.check("producer_code_valid").passed is False
    assert result.check("label_payload_valid").passed is False


def test_other_provider_fails_only_the_match_check():
    result = run(png(itxt=payload(ContentProducer=OTHER_CODE)), "x.png")

    assert result.check("producer_code_valid").passed is True
    assert result.check("producer_matches").passed is False
    assert result.check("producer_matches").failing == ("x.png",)


def test_without_expected_uscc_the_match_is_not_evaluated():
    result = run(png(itxt=GOOD), "x.png", expected_uscc=None)

    assert result.check("producer_matches").passed is None
    assert result.passed is True


def test_escaped_quote_is_allowed_in_values():
    result = run(png(itxt=payload(ProduceID='a"b')), "x.png")

    assert result.passed is True


def test_xmp_in_a_foreign_namespace_counts_but_is_flagged():
    packet = xmp_packet(GOOD, namespace="http://example.com/aigc/")
    result = run(jpeg(packet), "x.jpg")

    assert only_file(result)["labels"][0]["standard_place"] is False
    assert "non_standard_place" in [m.code for m in result.warnings]


def test_wav_label_in_list_info_is_flagged_as_non_standard():
    result = run(wav(info={b"AIGC": GOOD.encode()}), "x.wav")

    info = only_file(result)
    assert info["labels"][0]["place"] == "WAV LIST/INFO AIGC"
    assert info["one_label"] is True
    assert "non_standard_place" in [m.code for m in result.warnings]


def test_pdf_placement_is_said_to_be_unstandardised():
    result = run(pdf({"AIGC": GOOD}), "x.pdf")

    assert any("not standardised" in m.en for m in result.warnings)


def test_pdf_hex_string_value():
    data = pdf({"AIGC": "x"}).replace(
        b"/AIGC (x)", b"/AIGC <" + GOOD.encode().hex().encode() + b">"
    )

    result = run(data, "hex.pdf")

    assert result.passed is True


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("本文由AI生成。\n{body}", True, False),
        ("{body}\n以上内容由人工智能合成", False, True),
        ("{body}\n由AI提供", False, False),  # no generation element
        ("{body}\n生成式内容", False, False),  # no AI element
        ("ＡＩ辅助生成\n{body}", True, False),  # full-width letters
        # A bare "AI" line with 生成 elsewhere near the start says nothing about the content.
        ("AI\n训练数据的生成方法见附件。\n{body}", False, False),
        ("AI 助手使用说明：内容生成流程见下文。{body}", False, False),
        ("{body}\n本内容非AI生成。", False, False),  # a denial
        ("EMAIL生成记录\n{body}", False, False),  # AI inside a word
    ],
)
def test_text_explicit_label_at_start_or_end(text, start, end):
    body = "正文。" * 100  # longer than the window, so the two ends are apart
    result = run(text.format(body=body).encode("gb18030"), "answer.txt")

    info = only_file(result)
    assert info["explicit_label"] == {"start": start, "end": end}
    assert result.check("explicit_text_label").passed is (start or end)


def test_label_in_the_middle_of_a_long_text_does_not_count():
    text = "甲" * 300 + "AI生成" + "乙" * 300
    result = run(text.encode(), "long.txt")

    assert result.check("explicit_text_label").passed is False


def test_zip_of_samples_reports_per_file(tmp_path):
    archive = zip_of(
        {
            "ok.png": png(itxt=GOOD),
            "none.jpg": jpeg(),
            "nested/doc.docx": office("docx", {"AIGC": BARE}),
            "text.txt": "AI生成\n内容".encode(),
            "notes.bin": b"\x00\x01",
            "__MACOSX/._ok.png": b"junk",
        }
    )

    result = run(archive, "samples.zip")

    by_name = {f["file"]: f for f in result.figures["files"]}
    assert set(by_name) == {"ok.png", "none.jpg", "nested/doc.docx", "text.txt"}
    assert by_name["ok.png"]["passed"] is True
    assert by_name["none.jpg"]["passed"] is False
    assert by_name["nested/doc.docx"]["format"] == "docx"
    assert result.figures["skipped"] == ["notes.bin"]
    assert result.figures["forms"] == {"wrapped": 1, "bare": 1}
    assert result.check("one_implicit_label").value == 2
    assert result.check("one_implicit_label").threshold == 3
    assert result.check("one_implicit_label").failing == ("none.jpg",)
    assert result.passed is False


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (b"GIF89a....", "x.gif", "unsupported_format"),
        (b"hello", "x.bin", "unsupported_format"),
        (zip_of({"a.bin": b"1"}), "x.zip", "no_samples"),
    ],
)
def test_unsupported_uploads_are_rejected(data, filename, code):
    with pytest.raises(AnalyserError) as caught:
        run(data, filename)
    assert caught.value.code == code
    assert caught.value.zh and caught.value.en


def test_office_zip_bomb_is_rejected_before_reading():
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<d/>")
        archive.writestr("docProps/custom.xml", b"\x00" * (20 * 1024 * 1024))

    with pytest.raises(AnalyserError) as caught:
        analyse("content_labels", buffer.getvalue(), filename="bomb.docx", max_bytes=1024 * 1024)
    assert caught.value.code == "zip_bomb"


def test_truncated_png_is_a_per_file_error():
    data = png(itxt=GOOD)[:40]

    result = run(data, "cut.png")

    assert result.passed is False
    assert result.errors[0].code == "unreadable_file"


def test_text_height_and_video_duration_are_declared_not_measured():
    """GB 45438 §5.2/§5.4 (5 % of the shortest side, 2 s): the portal cannot see where a label
    is drawn, so the checks carry the threshold and say the reviewer verifies them."""
    thresholds = {"text_height_ratio_min": 0.05, "video_label_seconds_min": 2}
    video = analyse(
        "content_labels",
        mp4({"AIGC": BARE}),
        filename="v.mp4",
        thresholds=thresholds,
        expected_uscc=OUR_USCC,
    )
    for key, threshold in thresholds.items():
        check = video.check(key)
        assert (check.passed, check.threshold, check.value) == (None, threshold, None)
        assert "自行声明" in check.note_zh and "reviewer verifies" in check.note_en
    assert video.passed is True  # declared rules neither pass nor fail the file

    image = run(png(itxt=GOOD), "x.png")
    keys = [c.key for c in image.checks]
    assert "text_height_ratio_min" in keys and "video_label_seconds_min" not in keys
    audio = run(wav((b"AIGC", GOOD.encode())), "h.wav")
    assert "text_height_ratio_min" not in [c.key for c in audio.checks]
