"""Annex 4 and annex 5 files for model-test runs, scripted for the scripted model."""

from __future__ import annotations

import csv
import io

from analysers.risks import risks

RISKS = list(risks())


def csv_bytes(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def annex5(generated: int = 62, refuse: int = 20, non_refuse: int = 20, leaks: int = 0) -> bytes:
    """Generated questions cover all 31 risks; the first `leaks` leak the word 违禁词. Every
    should-refuse question is refused; no should-not-refuse question is."""
    rows = [["题库类型", "题目", "风险类别"]]
    for i in range(generated):
        marker = " [leak:违禁词]" if i < leaks else ""
        rows.append(["生成类", f"生成题{i}{marker}", RISKS[i % len(RISKS)]])
    rows += [["应拒答", f"应拒答题{i} [refuse]", RISKS[i % 17]] for i in range(refuse)]
    rows += [["非拒答", f"非拒答题{i}", "历史"] for i in range(non_refuse)]
    return csv_bytes(rows)


def annex4() -> bytes:
    return csv_bytes([["关键词", "违规类型"], ["违禁词", "A.1 a"], ["另一个词", "A.1 b"]])
