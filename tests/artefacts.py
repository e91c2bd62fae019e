"""Small real artefacts that pass each analyser's binding checks, for workflow tests.

They are the files a diligent provider would upload (annex 4 keyword list, annex 5 test banks,
test results, sampling results, a labelled sample), shrunk to the binding minimums so tests stay
fast: binding thresholds are met, recommended (advisory) sizes are not.
"""

from __future__ import annotations

import json

from analysers.risks import a1_a2_codes, risks
from providers.codes import provider_code_from_uscc


def _csv(rows) -> bytes:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _category(code: str) -> str:
    return f"{code}) {risks()[code].name_zh}"


def keyword_list() -> tuple[str, bytes]:
    rows = [["关键词", "违规类型", "更新日期"]]
    rows += [[f"词{code}", _category(code), "2026-11-20"] for code in a1_a2_codes()]
    return "附件4_拦截关键词列表.csv", _csv(rows)


def test_bank(kind: str) -> tuple[str, bytes]:
    label = {
        "test_bank_generated": "生成类",
        "test_bank_refuse": "应拒答",
        "test_bank_non_refuse": "非拒答",
    }[kind]
    codes = list(risks()) if kind == "test_bank_generated" else list(a1_a2_codes())
    rows = [["题库类型", "题目", "风险类别"]]
    rows += [[label, f"测试题{code}", code] for code in codes]
    return "附件5_测试题.csv", _csv(rows)


def test_results() -> tuple[str, bytes]:
    rows = [["题库类型", "题目", "风险类别", "抽检方式", "模型的答案", "研判结果"]]
    for method in ("人工抽检", "关键词抽检", "分类模型抽检"):
        rows += [["生成类", f"生成题{i}", "A.1 a", method, "回答", "合格"] for i in range(1000)]
    rows += [["应拒答", f"拒答题{i}", "A.1 a", "", "拒绝回答", "拒答"] for i in range(300)]
    rows += [["非拒答", f"非拒答题{i}", "A.2 e", "", "正常回答", "未拒答"] for i in range(300)]
    return "测试结果.csv", _csv(rows)


def training_sampling() -> tuple[str, bytes]:
    rows = [
        [
            "来源名称",
            "来源类型",
            "语料规模",
            "人工抽检数量",
            "人工抽检合格数",
            "技术抽检数量",
            "技术抽检合格数",
            "违法不良信息数",
        ]
    ]
    rows += [["开源语料A", "开源", 100000, 4000, 3950, 10000, 9900, 10]]
    return "语料抽检结果.csv", _csv(rows)


def content_labels(credit_code: str) -> tuple[str, bytes]:
    """A text sample with an explicit label at its start."""
    del credit_code  # the text sample carries an explicit label, not the metadata one
    return "样例输出.txt", "【本内容由人工智能生成】今天天气晴。".encode()


def passing(kind: str, credit_code: str) -> tuple[str, bytes]:
    if kind == "keyword_list":
        return keyword_list()
    if kind.startswith("test_bank"):
        return test_bank(kind)
    if kind == "test_results":
        return test_results()
    if kind == "training_sampling":
        return training_sampling()
    if kind == "content_labels":
        return content_labels(credit_code)
    raise ValueError(kind)


def label_payload(credit_code: str) -> str:
    code = provider_code_from_uscc(credit_code)
    return json.dumps({"AIGC": {"Label": "1", "ContentProducer": code, "ProduceID": "x1"}})
