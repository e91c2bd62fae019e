"""The three test banks (TC260-003 §8.2, §8.3) from annex-5 workbooks and CSV."""

from __future__ import annotations

import pytest
from analyser_files import csv_bytes, xlsx_bytes

from analysers import AnalyserError, analyse
from analysers.risks import NON_REFUSE_ASPECTS, a1_a2_codes, risks

GENERATED = {
    "total_min": 2000,
    "per_risk_a1_a2_min": 50,
    "per_risk_other_min": 20,
    "risks_covered_min": 31,
}
REFUSE = {"total_min": 500, "per_risk_min": 20, "risks_covered_min": 17}
NON_REFUSE = {"total_min": 500, "per_aspect_min": 20}


def primary(code: str) -> str:
    return {"A.1": "A.1包含违反社会主义核心价值观的内容", "A.2": "A.2包含歧视性内容"}.get(
        code[:3], code[:3]
    )


def generated_rows(total: int = 2000, skip: str | None = None) -> list[list[str]]:
    rows = [["序号", "题目", "一级分类", "二级类别", "模型的答案"]]
    n = 0
    for code, risk in risks().items():
        if code == skip:
            continue
        for _ in range(50 if code in a1_a2_codes() else 20):
            rows.append([n, f"生成题{n}", primary(code), f"{code[-1]}) {risk.name_zh}", "答"])
            n += 1
    while n < total:
        rows.append([n, f"生成题{n}", "A.5", "b) 内容不可靠", "答"])
        n += 1
    return rows


def refuse_rows(per_risk: int = 30) -> list[list[str]]:
    rows = [["题目", "一级分类", "二级类别"]]
    for code in a1_a2_codes():
        rows += [[f"拒答{code}-{i}", primary(code), code[-1] + ")"] for i in range(per_risk)]
    return rows


def non_refuse_rows(per_aspect: int = 40) -> list[list[str]]:
    rows = [["题目", "考察方面"]]
    for name, _ in NON_REFUSE_ASPECTS:
        rows += [[f"非拒答{name}{i}", f"中国{name}"] for i in range(per_aspect)]
    return rows


def workbook(**sheets) -> bytes:
    return xlsx_bytes(sheets)


def run(kind: str, data: bytes, thresholds, filename: str = "附件5.xlsx"):
    return analyse(kind, data, filename=filename, thresholds=thresholds)


def test_one_workbook_three_banks():
    data = workbook(生成类=generated_rows(), 拒答=refuse_rows(), 非拒答=non_refuse_rows())

    gen = run("test_bank_generated", data, GENERATED)
    ref = run("test_bank_refuse", data, REFUSE)
    non = run("test_bank_non_refuse", data, NON_REFUSE)

    assert gen.figures["total"] == 2000 and gen.passed is True
    assert gen.figures["per_risk"]["A.3 a"] == 20
    assert ref.figures["total"] == 17 * 30 and ref.passed is True
    assert non.figures["total"] == 13 * 40
    assert non.figures["per_aspect"]["英烈"] == 40
    assert all(c.passed for c in gen.checks + ref.checks + non.checks if c.threshold is not None)
    assert gen.figures["banks_in_file"] == {"generated": 2000, "refuse": 510, "non_refuse": 520}
    assert gen.figures["sheets"] == {
        "生成类": "generated",
        "拒答": "refuse",
        "非拒答": "non_refuse",
    }


def test_generated_bank_missing_a_risk_and_short():
    data = workbook(生成类=generated_rows(total=1999, skip="A.4 e"))

    result = run("test_bank_generated", data, GENERATED)

    assert result.figures["total"] == 1999
    assert result.check("total_min").passed is False
    covered = result.check("risks_covered_min")
    assert (covered.value, covered.passed, covered.failing) == (30, False, ("A.4 e",))
    assert result.check("per_risk_other_min").failing == ("A.4 e",)
    assert result.passed is False


def test_refuse_bank_below_per_risk_minimum():
    rows = refuse_rows(per_risk=20)
    rows = [r for r in rows if r[0] != "拒答A.2 d-19"]

    result = run("test_bank_refuse", workbook(拒答题=rows), REFUSE)

    check = result.check("per_risk_min")
    assert (check.value, check.passed, check.failing) == (19, False, ("A.2 d",))
    assert result.check("risks_covered_min").passed is True


def test_non_refuse_aspects_per_minimum():
    rows = [r for r in non_refuse_rows(per_aspect=20) if "健康" not in r[1]]

    result = run(
        "test_bank_non_refuse", workbook(非拒答=rows), {**NON_REFUSE, "aspects_covered_min": 13}
    )

    assert result.check("per_aspect_min").failing == ("健康",)
    assert result.check("aspects_covered_min").value == 12
    assert result.check("aspects_covered_min").passed is False


def test_all_13_aspects_are_checked_even_without_a_library_threshold():
    """Questionnaire version 1 gives no aspects_covered_min; the standard's 应 still binds."""
    rows = [r for r in non_refuse_rows(per_aspect=20) if "健康" not in r[1]]

    check = run("test_bank_non_refuse", workbook(非拒答=rows), NON_REFUSE).check(
        "aspects_covered_min"
    )

    assert (check.value, check.threshold, check.passed, check.advisory) == (12, 13, False, False)
    assert check.failing == ("健康",)


def test_overlap_between_refuse_and_non_refuse_is_an_error():
    data = workbook(
        应拒答=[["题目", "分类"], ["同一道题", "A.1 a"], ["拒答题", "A.1 b"]],
        不应拒答=[["题目", "分类"], ["同一道题 ", "中国历史"]],
    )

    result = run("test_bank_refuse", data, REFUSE)

    assert result.figures["refuse_non_refuse_overlap"] == 1
    assert [m.code for m in result.errors] == ["refuse_non_refuse_overlap"]
    (warning,) = [m for m in result.warnings if m.code == "overlap"]
    assert (
        warning.en
        == "sheet 不应拒答, row 2: the question also appears in the other refusal bank at sheet 应拒答, row 2."
    )


def test_csv_with_a_bank_column():
    rows = [
        ["题库类型", "题目", "风险类别"],
        ["应拒答", "q1", "A.1 a"],
        ["非拒答", "q2", "历史"],
        ["生成类", "q3", "A.3 a"],
        ["不应拒答", "q4", "英烈"],
    ]
    data = csv_bytes(rows, "gb18030")

    result = run("test_bank_non_refuse", data, {}, filename="附件5.csv")

    assert result.figures["total"] == 2
    assert result.figures["banks_in_file"] == {"generated": 1, "refuse": 1, "non_refuse": 2}


def test_csv_without_marker_is_the_requested_bank():
    data = csv_bytes([["问题", "类别"], ["q1", "A.1 a"], ["q1", "A.1 a"]])

    result = run("test_bank_refuse", data, {}, filename="bank.csv")

    assert result.figures["total"] == 1
    assert result.figures["duplicates"] == 1
    assert result.warnings[0].en == "row 3: repeats the question of row 2; counted once."


def test_unmarked_extra_sheet_counts_as_generated_with_warning():
    data = workbook(
        生成内容测试题集=[["测试题", "二级分类"], ["g1", "A.1 a"]],
        涉知识产权商业秘密评估=[["测试题", "二级分类"], ["ip1", "A.3 a) 侵犯他人知识产权"]],
        拒答题=[["测试题", "二级分类"], ["r1", "A.1 a"]],
    )

    result = run("test_bank_generated", data, {})

    assert result.figures["total"] == 2
    assert result.figures["per_risk"]["A.3 a"] == 1
    assert "sheet_assumed_generated" in [m.code for m in result.warnings]


def test_no_question_column():
    with pytest.raises(AnalyserError) as caught:
        run("test_bank_generated", csv_bytes([["a", "b"], ["1", "2"]]), {}, filename="x.csv")
    assert caught.value.code == "missing_columns"
    assert "question column" in caught.value.en


def test_the_newest_update_date_of_the_reported_bank_is_read():
    """TC260-003 §8.2 d) / §8.3 c): the banks' update dates feed the monthly-update warning."""
    import datetime as dt

    today = dt.date.today()
    fresh, stale = today - dt.timedelta(days=3), today - dt.timedelta(days=60)
    future = today + dt.timedelta(days=30)
    rows = [["题目", "一级分类", "二级类别", "更新日期"]]
    rows += [[f"拒答{i}", "A.1", "a)", stale.isoformat()] for i in range(5)]
    rows += [["拒答新", "A.1", "a)", fresh.isoformat()], ["拒答错", "A.1", "a)", "去年"]]
    rows += [["拒答未来", "A.1", "a)", future.isoformat()]]
    generated = [
        ["题目", "一级分类", "二级类别", "更新日期"],
        ["生成", "A.1", "a)", today.isoformat()],
    ]
    data = workbook(拒答=rows, 生成类=generated)

    result = run("test_bank_refuse", data, {**REFUSE, "update_interval_days_max": 31})

    assert result.figures["latest_update"] == fresh.isoformat()  # not the generated bank's
    assert result.figures["dated_rows"] == 6
    assert {w.code for w in result.warnings} >= {"bad_date", "future_date"}
    check = result.check("update_interval_days_max")
    assert (check.value, check.passed, check.advisory) == (3, True, True)

    undated = run(
        "test_bank_refuse", workbook(拒答=refuse_rows()), {"update_interval_days_max": 31}
    )
    check = undated.check("update_interval_days_max")
    assert undated.figures["latest_update"] is None and check.passed is None
    assert "没有更新日期" in check.note_zh
