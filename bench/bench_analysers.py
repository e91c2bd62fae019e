"""Time and peak memory of the evidence analysers on large generated inputs.

Usage: .venv/bin/python bench/bench_analysers.py [--quick]

Each case runs in its own subprocess twice: once for wall time and peak RSS
(resource.getrusage), once under tracemalloc for the peak of Python allocations (slower,
so its time is not reported). Two sizes per analyser show whether time grows linearly and
memory stays flat.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _risk_labels() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from analysers.risks import risk_label, risks

    return [risk_label(code) for code in risks()]


def make_keywords_csv(path: Path, n: int) -> None:
    labels = _risk_labels()
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["关键词", "违规类型", "更新日期"])
        for i in range(n):
            writer.writerow([f"关键词{i:07d}", labels[i % 17], "2026-11-20"])


def make_keywords_xlsx(path: Path, n: int) -> None:
    from openpyxl import Workbook

    labels = _risk_labels()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("拦截关键词列表")
    sheet.append(["关键词", "违规类型"])
    for i in range(n):
        sheet.append([f"关键词{i:07d}", labels[i % 17]])
    workbook.save(path)


def make_results_xlsx(path: Path, n: int) -> None:
    from openpyxl import Workbook

    labels = _risk_labels()
    workbook = Workbook(write_only=True)
    for name, header, verdicts in (
        ("生成类", "研判结果", ("通过", "通过", "不通过")),
        ("拒答", "是否拒答", ("是", "是", "否")),
        ("非拒答", "是否拒答", ("否", "否", "是")),
    ):
        sheet = workbook.create_sheet(name)
        sheet.append(["序号", "题目", "二级分类", "抽检方式", "模型的答案", header])
        methods = ("人工抽检", "关键词抽检", "分类模型抽检") if name == "生成类" else ("",)
        for i in range(n // 3):
            method = methods[i % len(methods)]
            sheet.append(
                [i, f"{name}测试题{i}", labels[i % 31], method, "模型回答" * 10, verdicts[i % 3]]
            )
    workbook.save(path)


def make_images_zip(path: Path, n: int) -> None:
    from PIL import Image, PngImagePlugin

    label = json.dumps(
        {
            "AIGC": {
                "Label": "1",
                "ContentProducer": "001191440300708461136T1XGW3",
                "ProduceID": "IMG-0001",
                "ReservedCode1": "",
                "ContentPropagator": "",
                "PropagateID": "",
                "ReservedCode2": "",
            }
        }
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for i in range(n):
            info = PngImagePlugin.PngInfo()
            info.add_itxt("AIGC", label.replace("0001", f"{i:04d}"))
            buffer = io.BytesIO()
            # Noise, so the files have a realistic size (about 200 KB) that the reader must skip.
            pixels = random.Random(i).randbytes(256 * 256 * 3)
            Image.frombytes("RGB", (256, 256), pixels).save(buffer, "PNG", pnginfo=info)
            archive.writestr(f"samples/{i:04d}.png", buffer.getvalue())


CASES = [
    ("keyword_list", "keywords_50k.csv", make_keywords_csv, 50_000),
    ("keyword_list", "keywords_200k.csv", make_keywords_csv, 200_000),
    ("keyword_list", "keywords_50k.xlsx", make_keywords_xlsx, 50_000),
    ("keyword_list", "keywords_200k.xlsx", make_keywords_xlsx, 200_000),
    ("test_results", "results_5k.xlsx", make_results_xlsx, 5_000),
    ("test_results", "results_20k.xlsx", make_results_xlsx, 20_000),
    ("test_bank_generated", "results_20k.xlsx", None, 20_000),
    ("content_labels", "images_50.zip", make_images_zip, 50),
    ("content_labels", "images_200.zip", make_images_zip, 200),
]


def child(kind: str, path: str, traced: bool) -> None:
    """Run one analysis and print a JSON line with its measurements."""
    import resource
    import tracemalloc

    sys.path.insert(0, str(ROOT))
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_I18N=False)
    from analysers import analyse

    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    result = analyse(kind, Path(path), filename=Path(path).name, thresholds={}, max_bytes=2**30)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if traced else None
    figures = result.figures
    count = figures.get("total", figures.get("files_checked"))
    if kind == "test_results":
        count = sum(figures[b]["tested"] for b in ("generated", "refuse", "non_refuse"))
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "traced_peak_mb": peak / 2**20 if peak is not None else None,
                "count": count,
            }
        )
    )


def measure(kind: str, path: Path, traced: bool) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)] + (["--traced"] if traced else []),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", nargs=2)
    parser.add_argument("--traced", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(*args.child, traced=args.traced)
        return
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        print(
            f"{'analyser':<20} {'input':<20} {'size MB':>8} {'items':>8} {'time s':>7} "
            f"{'peak RSS MB':>11} {'traced peak MB':>14}"
        )
        for kind, name, maker, n in CASES:
            path = directory / name
            if maker is not None and not path.exists():
                maker(path, n)
            timed = measure(kind, path, traced=False)
            traced = measure(kind, path, traced=True)
            print(
                f"{kind:<20} {name:<20} {path.stat().st_size / 2**20:>8.1f} {timed['count']:>8} "
                f"{timed['seconds']:>7.2f} {timed['rss_mb']:>11.0f} {traced['traced_peak_mb']:>14.1f}"
            )


if __name__ == "__main__":
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)
    main()
