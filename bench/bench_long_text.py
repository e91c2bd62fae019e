"""Benchmark: render time of one long answer with the dossier's stylesheet, by length.

    .venv/bin/python bench/bench_long_text.py [--lengths 2500,5000,10000,20000,40000]

Renders (WeasyPrint, no Django) a question block as templates/dossiers/pdf/_domains.html lays
it out (label beside value) and a two-column form table, each holding one text of N characters
of mixed Chinese and English, with static/css/dossier.css. Time must grow linearly with N:
before the layout fix a 4 000-character cell took over 2 minutes (docs/benchmarks.md).
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SENTENCE = "训练数据来源合法性审查记录见附件三，covering 12 data sources and their licences；"

QUESTION = (
    '<div class="question"><div class="head"><span class="qcode">X-01</span>'
    '<span class="qtext">问题</span></div><dl><div><dt>答案</dt><dd>不符合</dd></div>'
    '<div><dt>理由说明</dt><dd class="pre">{text}</dd></div></dl></div>'
)
TABLE = '<table class="form"><tr><th>服务说明</th><td class="pre">{text}</td></tr></table>'


def render(body: str) -> tuple[float, int]:
    from weasyprint import CSS, HTML

    css = CSS(filename=str(ROOT / "static/css/dossier.css"))
    started = time.perf_counter()
    document = HTML(string=f'<html lang="zh-CN"><body>{body}</body></html>').render(
        stylesheets=[css]
    )
    return time.perf_counter() - started, len(document.pages)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lengths", default="2500,5000,10000,20000,40000")
    args = parser.parse_args()
    render("<p>warm-up</p>")  # fonts and the stylesheet load once
    print("| characters | layout | pages | seconds | ms per 1 000 characters |")
    print("|---:|---|---:|---:|---:|")
    for length in (int(n) for n in args.lengths.split(",")):
        text = (SENTENCE * (length // len(SENTENCE) + 1))[:length]
        for layout, template in (("answer (label beside value)", QUESTION), ("form table", TABLE)):
            seconds, pages = render(template.format(text=text))
            print(
                f"| {length} | {layout} | {pages} | {seconds:.2f} | "
                f"{1000 * seconds / (length / 1000):.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
