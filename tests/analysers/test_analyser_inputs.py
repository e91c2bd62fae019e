"""Bad input: every analyser raises AnalyserError and nothing else; templates round-trip;
results survive JSON."""

from __future__ import annotations

import io
import random
import zipfile

import pytest
from analyser_files import csv_bytes, jpeg, mp4, office, payload, pdf, png, wav, webp, xlsx_bytes

from analysers import ANALYSERS, KINDS, AnalyserError, AnalyserResult, analyse, template

VALID_SAMPLES = {
    "keyword_list": (xlsx_bytes({"s": [["关键词", "类别"], ["a", "A.1 a"]]}), "k.xlsx"),
    "test_bank_generated": (xlsx_bytes({"生成类": [["题目", "类别"], ["q", "A.1 a"]]}), "b.xlsx"),
    "test_results": (csv_bytes([["题目", "预期行为", "结果"], ["q", "应拒答", "拒答"]]), "r.csv"),
    "training_sampling": (template("training_sampling", "xlsx").data, "s.xlsx"),
    "content_labels": (png(itxt=payload()), "x.png"),
}
LABEL_SAMPLES = [
    (jpeg(b"<x/>"), "x.jpg"),
    (webp(b"<x/>"), "x.webp"),
    (wav((b"AIGC", payload().encode())), "x.wav"),
    (mp4({"AIGC": payload()}), "x.mp4"),
    (office("docx", {"AIGC": payload()}), "x.docx"),
    (pdf({"AIGC": payload()}), "x.pdf"),
]


def call(kind: str, data: bytes, filename: str):
    try:
        return analyse(kind, data, filename=filename, thresholds={}, max_bytes=10 * 1024 * 1024)
    except AnalyserError as exc:
        assert exc.code and exc.zh and exc.en
        return exc


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", range(40))
def test_random_bytes_raise_only_analyser_error(kind, seed):
    rng = random.Random(seed)
    data = rng.randbytes(rng.choice([0, 1, 7, 100, 5000]))
    for name in ("upload.csv", "upload.xlsx", "upload.png", "upload.txt"):
        call(kind, data, name)


def mutations(data: bytes, seed: int, count: int = 25):
    rng = random.Random(seed)
    for _ in range(count):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        cut = rng.choice([len(mutated), rng.randrange(1, len(mutated))])
        yield bytes(mutated[:cut])


@pytest.mark.parametrize("kind", list(VALID_SAMPLES))
def test_damaged_valid_files_raise_only_analyser_error(kind):
    data, filename = VALID_SAMPLES[kind]
    for mutated in mutations(data, seed=hash(kind) % 1000):
        call("test_bank_generated" if kind == "test_bank_generated" else kind, mutated, filename)


@pytest.mark.parametrize(("data", "filename"), LABEL_SAMPLES)
def test_damaged_media_never_escape(data, filename):
    for mutated in mutations(data, seed=len(data), count=60):
        result = call("content_labels", mutated, filename)
        if isinstance(result, AnalyserResult):
            assert result.passed in (True, False)


def test_oversized_input_is_rejected_for_every_kind():
    for kind in KINDS:
        with pytest.raises(AnalyserError) as caught:
            analyse(kind, b"x" * 2000, filename="big.csv", max_bytes=1000)
        assert caught.value.code == "too_large"
        assert "1,000" in caught.value.en


def test_non_seekable_streams_are_bounded():
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            chunk = self._inner.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    ok = analyse(
        "keyword_list", Pipe(csv_bytes([["关键词", "类别"], ["a", "A.1 a"]])), filename="k.csv"
    )
    assert ok.figures["total"] == 1
    with pytest.raises(AnalyserError):
        analyse("keyword_list", Pipe(b"a" * 5000), filename="k.csv", max_bytes=100)


def test_paths_are_accepted(tmp_path):
    path = tmp_path / "k.csv"
    path.write_bytes(csv_bytes([["关键词", "类别"], ["a", "A.1 a"]]))

    assert analyse("keyword_list", path, filename="k.csv").figures["total"] == 1
    with pytest.raises(AnalyserError) as caught:
        analyse("keyword_list", tmp_path / "missing.csv", filename="m.csv")
    assert caught.value.code == "unreadable"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old_excel"),
        (pdf(), "not_a_table"),
        (b"a,b\x00,c\n", "binary_file"),
        (b"ab,\x80\xff\n" * 10, "bad_encoding"),
        (office("docx"), "not_xlsx"),
    ],
)
def test_tables_reject_what_they_cannot_read(data, code):
    with pytest.raises(AnalyserError) as caught:
        analyse("keyword_list", data, filename="x.csv")
    assert caught.value.code == code


def test_xlsx_bomb_is_rejected_before_openpyxl_reads_it():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (50 * 1024 * 1024))

    with pytest.raises(AnalyserError) as caught:
        analyse("keyword_list", buffer.getvalue(), filename="bomb.xlsx", max_bytes=10 * 1024 * 1024)
    assert caught.value.code == "zip_bomb"


def test_unknown_kind_and_bad_threshold_are_programming_errors():
    with pytest.raises(ValueError, match="unknown analyser kind"):
        analyse("nope", b"", filename="x")
    with pytest.raises(ValueError, match="must be a number"):
        analyse(
            "keyword_list",
            csv_bytes([["关键词"], ["a"]]),
            filename="k.csv",
            thresholds={"total_min": "many"},
        )


def test_registry_has_the_seven_kinds():
    assert set(ANALYSERS) == {
        "keyword_list",
        "test_bank_generated",
        "test_bank_refuse",
        "test_bank_non_refuse",
        "test_results",
        "training_sampling",
        "content_labels",
    }


def test_result_json_round_trip():
    data = csv_bytes([["关键词", "类别"], ["a", "A.1 a"], ["a", "A.9"]])
    result = analyse("keyword_list", data, filename="k.csv", thresholds={"total_min": 1})

    restored = AnalyserResult.from_json(result.to_json())

    assert restored == result
    assert restored.passed == result.passed
    assert '"zh"' in result.to_json() and "关键词" in result.to_json()


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "content_labels"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_templates_are_read_back_by_their_analyser(kind, fmt):
    made = template(kind, fmt)

    result = analyse(kind, made.data, filename=made.filename, thresholds={})

    assert result.errors == []
    if fmt == "csv":
        assert made.data.startswith(b"\xef\xbb\xbf")
    text = made.data.decode("utf-8-sig") if fmt == "csv" else ""
    if kind == "keyword_list" and fmt == "csv":
        assert "A.5 b) 内容不可靠" in text
        assert text.count("\n") == 32  # header + 31 risks


def test_xlsx_template_lists_the_31_risks():
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(template("test_results", "xlsx").data), read_only=True)

    assert workbook.sheetnames == ["生成类", "拒答", "非拒答", "说明", "风险类别"]
    risk_rows = list(workbook["风险类别"].iter_rows(values_only=True))
    assert len(risk_rows) == 32
    assert risk_rows[1][:2] == ("A.1 a", "煽动颠覆国家政权、推翻社会主义制度")
