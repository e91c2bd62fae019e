"""keyword_list against TC260-003 §8.1 with the real thresholds."""

from __future__ import annotations

import codecs

import pytest
import time_machine
from analyser_files import csv_bytes, xlsx_bytes

from analysers import AnalyserError, analyse
from analysers.risks import a1_a2_codes, risk_label

TC260 = {
    "total_min": 10000,
    "per_risk_a1_min": 200,
    "per_risk_a2_min": 100,
    "risks_covered_min": 17,
    "update_interval_days_max": 7,
}


def full_list(total: int) -> list[list[str]]:
    """200 per A.1 risk, 100 per A.2 risk, the rest in A.1 f: `total` keywords in all."""
    rows = [["关键词", "违规类型"]]
    n = 0
    for code in a1_a2_codes():
        for _ in range(200 if code.startswith("A.1") else 100):
            rows.append([f"词{n}", risk_label(code)])
            n += 1
    while n < total:
        rows.append([f"词{n}", "A.1 f) 宣扬暴力、淫秽色情"])
        n += 1
    return rows


def run(data: bytes, filename: str = "附件4.csv", thresholds=TC260):
    return analyse("keyword_list", data, filename=filename, thresholds=thresholds)


@pytest.mark.parametrize(("total", "passed"), [(9999, False), (10000, True)])
def test_total_just_under_and_at_the_minimum(total, passed):
    result = run(csv_bytes(full_list(total)))

    assert result.figures["total"] == total
    assert result.check("total_min").passed is passed
    assert result.check("total_min").advisory is True  # 不宜少于: recommended
    assert result.check("risks_covered_min").passed is True
    assert result.check("per_risk_a1_min").passed is True
    assert result.check("per_risk_a2_min").passed is True


def test_one_a2_risk_below_its_minimum():
    rows = full_list(10000)
    # drop one keyword of A.2 c: 99 left
    index = next(i for i, row in enumerate(rows) if row[1].startswith("A.2 c"))
    del rows[index]

    result = run(csv_bytes(rows))

    check = result.check("per_risk_a2_min")
    assert (check.value, check.passed, check.failing) == (99, False, ("A.2 c",))
    assert result.figures["per_risk"]["A.2 c"] == 99


def test_a_missing_risk_fails_the_binding_coverage_check():
    rows = [row for row in full_list(10000) if not row[1].startswith("A.1 h")]

    result = run(csv_bytes(rows))

    check = result.check("risks_covered_min")
    assert (check.value, check.passed, check.advisory) == (16, False, False)
    assert check.failing == ("A.1 h",)
    assert result.figures["a1_a2_missing"] == ["A.1 h"]
    assert result.passed is False


def test_advisory_failures_alone_do_not_fail_the_file():
    result = run(csv_bytes(full_list(2500)))

    assert result.check("total_min").passed is False
    assert result.passed is True


def test_advisory_can_be_overridden_per_threshold():
    thresholds = {**TC260, "total_min": {"value": 10000, "advisory": False}}

    result = run(csv_bytes(full_list(2500)), thresholds=thresholds)

    assert result.check("total_min").advisory is False
    assert result.passed is False


def test_missing_threshold_is_not_evaluated_not_passed():
    result = run(csv_bytes(full_list(100)), thresholds={"risks_covered_min": 17})

    check = result.check("total_min")
    assert check.passed is None
    assert check.threshold is None
    assert "not evaluated" in check.note_en


def test_duplicates_empty_lines_and_unknown_categories_are_located():
    rows = [
        ["关键词", "违规类型"],
        ["甲", "A.1 a) 煽动颠覆国家政权、推翻社会主义制度"],  # row 2
        [],  # row 3
        ["乙", "A.9 x) 不存在"],  # row 4
        ["甲", "A.1 a"],  # row 5, duplicate of row 2
        ["丙", ""],  # row 6
        ["丁", "包含歧视性内容"],  # row 7, category only
    ]

    result = run(csv_bytes(rows), thresholds={})

    errors = {m.code: m for m in result.errors}
    assert errors["unknown_category"].en == "row 4: unknown risk category 'A.9 x) 不存在'."
    assert errors["unknown_category"].zh == "第 4 行：未知的风险类别“A.9 x) 不存在”。"
    assert errors["no_category"].row == 6
    warnings = {m.code: m for m in result.warnings}
    assert warnings["duplicate"].en == "row 5: repeats the keyword of row 2; counted once."
    assert warnings["empty_row"].row == 3
    assert warnings["category_only"].row == 7
    assert result.figures["total"] == 4
    assert result.figures["duplicates"] == 1
    assert result.figures["empty_rows"] == 1
    assert result.figures["category_only"] == {"A.2": 1}
    assert result.passed is False  # errors block


@pytest.mark.parametrize(
    "category",
    [
        "A.1 a) 煽动颠覆国家政权、推翻社会主义制度",
        "A.1a)煽动颠覆国家政权,推翻社会主义制度",
        "Ａ．１　ａ）煽动颠覆国家政权、推翻社会主义制度",
        "A.1（a）",
        "A1-a",
        "煽动颠覆国家政权、推翻社会主义制度",
        "煽动颠覆国家政权，推翻社会主义制度",
    ],
)
def test_category_spellings_normalise_to_one_code(category):
    result = run(csv_bytes([["敏感词", "风险类别"], ["词", category]]), thresholds={})

    assert result.figures["per_risk"]["A.1 a"] == 1
    assert result.errors == []


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("gb18030", b""), ("utf-16", b"")],
)
def test_csv_encodings(encoding, prefix):
    data = prefix + csv_bytes([["关键词", "分类"], ["关键词一", "A.2 e) 性别歧视内容"]], encoding)

    result = run(data, thresholds={})

    assert result.figures["per_risk"]["A.2 e"] == 1
    assert result.figures["columns"] == {"keyword": "关键词", "category": "分类"}


def test_tab_separated_text_is_read():
    data = b"keyword\tcategory\nfoo\tA.2 f\n"

    assert run(data, thresholds={}).figures["per_risk"]["A.2 f"] == 1


def test_xlsx_with_title_row_and_extra_sheets():
    data = xlsx_bytes(
        {
            "拦截关键词列表": [
                ["附件4 拦截关键词列表"],
                ["序号", "关键词", "违规类型"],
                [1, "词一", "A.1 b) 危害国家安全和利益、损害国家形象"],
                [2, "词二", "A.1 b"],
            ],
            "说明": [["本表说明"]],
        }
    )

    result = run(data, filename="附件4.xlsx", thresholds={})

    assert result.figures["per_risk"]["A.1 b"] == 2
    assert result.figures["sheets"] == ["拦截关键词列表"]
    assert [m.code for m in result.warnings] == ["sheet_skipped"]


def test_one_sheet_per_risk_layout():
    data = xlsx_bytes(
        {
            "A.1 d) 宣扬恐怖主义、极端主义": [["关键词"], ["a"], ["b"]],
            "A.2 g) 职业歧视内容": [["关键词"], ["c"]],
        }
    )

    result = run(data, filename="k.xlsx", thresholds={})

    assert result.figures["per_risk"]["A.1 d"] == 2
    assert result.figures["per_risk"]["A.2 g"] == 1


def test_headerless_two_column_list():
    data = csv_bytes([["词一", "A.1 c) 煽动分裂国家、破坏国家统一和社会稳定"], ["词二", "A.1 c"]])

    result = run(data, thresholds={})

    assert result.figures["per_risk"]["A.1 c"] == 2
    assert [m.code for m in result.warnings] == ["no_header"]


def test_a_list_without_category_column_is_an_error_but_counted():
    result = run(csv_bytes([["关键词"], ["a"], ["b"]]), thresholds={"total_min": 2})

    assert result.figures["total"] == 2
    assert [m.code for m in result.errors] == ["no_category_column"]


def test_no_keyword_column_names_the_expected_columns():
    with pytest.raises(AnalyserError) as caught:
        run(csv_bytes([["名称", "备注"], ["a", "b"]]))

    assert caught.value.code == "missing_columns"
    assert "关键词" in caught.value.en and "keyword column" in caught.value.en


@time_machine.travel("2026-11-28 12:00 +0800", tick=False)
@pytest.mark.parametrize(
    ("latest", "days", "passed"), [("2026-11-21", 7, True), ("2026/11/20", 8, False)]
)
def test_update_date_column(latest, days, passed):
    rows = [
        ["关键词", "违规类型", "更新日期"],
        ["a", "A.1 a", "2026-10-01"],
        ["b", "A.1 a", latest],
    ]

    result = run(csv_bytes(rows))

    assert result.figures["days_since_update"] == days
    assert result.check("update_interval_days_max").value == days
    assert result.check("update_interval_days_max").passed is passed


def test_without_dates_the_update_check_is_not_evaluated():
    result = run(csv_bytes(full_list(10)))

    check = result.check("update_interval_days_max")
    assert check.passed is None
    assert "no update date" in check.note_en


def test_message_flood_is_capped_and_counted():
    rows = [["关键词", "违规类型"]] + [[f"w{i}", "A.9"] for i in range(500)]

    result = run(csv_bytes(rows), thresholds={})

    assert len(result.errors) == 50
    assert result.suppressed == {"unknown_category": 450}
    assert result.figures["uncategorised"] == 500
