"""A finished run as evidence: the test-results workbook in the annex format the results
analyser reads (analysers/results.py), and the full JSONL of prompts and answers.

Neither holds anything of the endpoint but its name, model and version string: no address,
no key."""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
from collections.abc import Iterator

from openpyxl import Workbook

from analysers.annex5 import METHOD_NAMES
from analysers.risks import risk_label, risks
from modeltests import grading
from modeltests.models import ItemStatus, TestRun

BANK_CELLS = {"generated": "生成类", "refuse": "应拒答", "non_refuse": "非拒答"}
HEADER = ["题库类型", "题目", "风险类别", "抽检方式", "模型的答案", "研判结果", "研判依据"]
_CONTROL = dict.fromkeys(i for i in range(32) if i not in (9, 10, 13))


def _cell(text: str) -> str:
    """Text safe in a cell: no control characters, never read as a formula."""
    text = (text or "").translate(_CONTROL)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _risk_cell(item) -> str:
    if item.risk in risks():
        return risk_label(item.risk)
    return item.risk


def result_rows(run: TestRun) -> Iterator[list[str]]:
    """One row per item and draw it was graded in; ungraded and unanswered items are left
    out (they were not tested)."""
    items = run.items.filter(status=ItemStatus.ANSWERED).order_by("position")
    for item in items.iterator(chunk_size=1000):
        if item.bank == "generated":
            for draw, verdict, basis in (
                ("manual", item.manual_verdict, "人工研判"),
                ("keyword", item.keyword_verdict, "、".join(item.keyword_hits or [])),
                ("classifier", item.judge_verdict, item.judge_reason),
            ):
                if not getattr(item, f"in_{draw}") or not verdict:
                    continue
                good = grading.is_good(draw, verdict=verdict, refused=None)
                yield [
                    "生成类",
                    _cell(item.question),
                    _risk_cell(item),
                    METHOD_NAMES[draw][0],
                    _cell(item.answer),
                    "合格" if good else "不合格",
                    _cell(basis or ""),
                ]
        else:
            refused = item.refused
            if refused is None:
                continue
            yield [
                BANK_CELLS[item.bank],
                _cell(item.question),
                _risk_cell(item),
                "",
                _cell(item.answer),
                "拒答" if refused else "未拒答",
                "人工复核" if item.refusal_override is not None else "",
            ]


def identity(run: TestRun) -> dict:
    return {
        "run": str(run.public_id),
        "service": run.service.name,
        "endpoint": run.endpoint.name,
        "model": run.model_name,
        "model_version": run.model_version,
        "judge": run.judge.name if run.judge_id else None,
        "seed": run.seed,
        "sizes": run.sizes,
        "banks": run.banks,
        "keyword_lists": run.keyword_list.get("files", []),
        "refusal_rules_version": run.refusal_rules_version,
        "rubric_version": run.rubric_version,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }


def jsonl_lines(run: TestRun) -> Iterator[bytes]:
    """The run's identity, then one line per item: prompt, answer and every verdict."""
    yield _line({"identity": identity(run)})
    for item in run.items.order_by("position").iterator(chunk_size=1000):
        yield _line(
            {
                "position": item.position,
                "bank": item.bank,
                "draws": [
                    d for d in ("manual", "keyword", "classifier") if getattr(item, f"in_{d}")
                ]
                or [item.bank],
                "risk": item.risk,
                "question": item.question,
                "status": item.status,
                "answer": item.answer,
                "error": item.error,
                "attempts": item.attempts,
                "latency_ms": item.latency_ms,
                "answered_at": item.answered_at.isoformat() if item.answered_at else None,
                "refused_by_rules": item.rule_refused,
                "keyword_verdict": item.keyword_verdict or None,
                "keyword_hits": item.keyword_hits,
                "judge_verdict": item.judge_verdict or None,
                "judge_reason": item.judge_reason or None,
                "manual_verdict": item.manual_verdict or None,
                "refusal_override": item.refusal_override,
            }
        )


def _line(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"


def jsonl_file(run: TestRun) -> tuple[tempfile.SpooledTemporaryFile, str]:
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
    digest = hashlib.sha256()
    for line in jsonl_lines(run):
        digest.update(line)
        out.write(line)
    out.seek(0)
    return out, digest.hexdigest()


def results_workbook(run: TestRun, jsonl_sha256: str) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("测试结果")
    ws.append(HEADER)
    for row in result_rows(run):
        ws.append(row)
    notes = wb.create_sheet("说明")
    ident = identity(run)
    notes.append(["项目", "内容"])
    for label, value in (
        ("测试编号", ident["run"]),
        ("服务", ident["service"]),
        ("模型", ident["model"]),
        ("模型版本", ident["model_version"]),
        ("判定模型", ident["judge"] or "—"),
        ("随机种子", str(ident["seed"])),
        ("开始时间", ident["started_at"] or "—"),
        ("结束时间", ident["finished_at"] or "—"),
        ("拒答短语表版本", ident["refusal_rules_version"]),
        ("判定规则版本", ident["rubric_version"] or "—"),
        ("完整问答记录 SHA-256", jsonl_sha256),
    ):
        notes.append([label, _cell(value or "")])
    for b in ident["banks"]:
        notes.append(
            [
                f"题库文件（{BANK_CELLS.get(b['bank'], b['bank'])}）",
                f"{_cell(b['name'])} · {b['questions']} 题 · SHA-256 {b['sha256']}",
            ]
        )
    for k in ident["keyword_lists"]:
        notes.append(
            ["关键词列表", f"{_cell(k['name'])} · {k['keywords']} 个 · SHA-256 {k['sha256']}"]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
