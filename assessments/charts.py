"""Server-side SVG charts of a score: a radar of the domain scores and a bar of the red lines.

Pure and deterministic (same input, same bytes): the same markup is inlined in the web page and
in the WeasyPrint PDF. Every chart is `role="img"` with `aria-labelledby` pointing at its
`<title>` and `<desc>`; the `<desc>` is the text alternative with all the numbers (also available
on its own through `domain_chart_text` / `red_line_chart_text` for a visible caption or table).
The root carries `font-family="Noto Sans CJK SC, Noto Sans SC, sans-serif"` so WeasyPrint finds
CJK glyphs, and all text is XML-escaped. There is no XML declaration, so the markup can be
inlined in HTML as is (mark it safe in the template).

Series style: self-assessed is blue, solid, round markers; reviewed is orange, dashed, square
markers, so the two differ in colour and in line pattern. A radar needs three axes: with one or
two domains `domain_chart_svg` draws horizontal bars instead.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from assessments.scoring import BASIS_LABELS, RED_LINE_LABELS, RedLineStatus, ScoreResult

__all__ = [
    "FONT_FAMILY",
    "Series",
    "domain_chart_svg",
    "domain_chart_text",
    "hbar_svg",
    "radar_svg",
    "red_line_chart_svg",
    "red_line_chart_text",
]

FONT_FAMILY = "Noto Sans CJK SC, Noto Sans SC, sans-serif"

INK = "#1f2933"
MUTED = "#52606d"
GRID = "#cbd2d9"
AXIS = "#9aa5b1"
# (stroke/fill colour, dash array or None, marker shape) per series, in order.
SERIES_STYLES = (
    ("#1f5fa8", None, "circle"),
    ("#c2410c", "7 4", "square"),
)
RED_LINE_COLOURS = {
    RedLineStatus.MET: "#2f7d32",
    RedLineStatus.NOT_YET_MET: "#f0b429",
    RedLineStatus.FAILED: "#c62828",
}

_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_TEXT = {
    "domain_title": ("各领域得分", "Domain scores"),
    "red_title": ("红线项", "Red lines"),
    "no_red_lines": ("无适用的红线项", "No applicable red-line questions"),
    "failed_list": ("未满足的红线项", "Failed red lines"),
    "total": ("共 {n} 项", "{n} in total"),
    "scale": ("得分 0–100", "Score 0–100"),
}


@dataclass(frozen=True)
class Series:
    """One line of values, one per axis; None means not scored (drawn at 0, shown as —)."""

    label: str
    values: tuple[float | None, ...]


# --------------------------------------------------------------------------- helpers


def _esc(text: str) -> str:
    """XML-escape text and drop the characters XML 1.0 cannot carry."""
    return html.escape(_INVALID_XML.sub("", str(text)), quote=True)


def _n(value: float) -> str:
    """A coordinate with at most two decimals, stable across platforms."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _char_width(ch: str, size: float) -> float:
    if ord(ch) >= 0x2E80 or ch in "—…":
        return size
    if ch in "il.,:;'|!()[] ":
        return size * 0.3
    if ch.isupper() or ch in "mwMW":
        return size * 0.68
    return size * 0.55


def _text_width(text: str, size: float) -> float:
    return sum(_char_width(ch, size) for ch in text)


def _wrap(text: str, size: float, width: float, max_lines: int = 2) -> list[str]:
    """Wrap at spaces (Latin) or between CJK characters, lines balanced; ellipsis past max_lines."""
    lines = _wrap_greedy(text, size, width, max_lines)
    if len(lines) > 1 and not lines[-1].endswith("…"):
        # Narrow the width while the line count holds, so no line is left with one character.
        narrower = width
        while narrower > size:
            candidate = _wrap_greedy(text, size, narrower - size / 2, max_lines)
            if len(candidate) != len(lines) or candidate[-1].endswith("…"):
                break
            lines, narrower = candidate, narrower - size / 2
    return lines


def _wrap_greedy(text: str, size: float, width: float, max_lines: int) -> list[str]:
    tokens = re.findall(r"[\u2e80-\uffff]|[^\s\u2e80-\uffff]+|\s+", text.strip())
    lines: list[str] = []
    line = ""
    for token in tokens:
        candidate = line + token
        if line and _text_width(candidate.rstrip(), size) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line = candidate
    if line.strip():
        lines.append(line.rstrip())
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and _text_width(last + "…", size) > width:
            last = last[:-1]
        lines = [*lines[: max_lines - 1], last.rstrip() + "…"]
    return lines or [""]


def _check_id(chart_id: str) -> None:
    if not _ID_RE.match(chart_id):
        raise ValueError(f"chart_id must match {_ID_RE.pattern}")


def _open_svg(chart_id: str, width: float, height: float, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}" height="{_n(height)}" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="{FONT_FAMILY}" font-size="12" fill="{INK}">',
        f'<title id="{chart_id}-title">{_esc(title)}</title>',
        f'<desc id="{chart_id}-desc">{_esc(desc)}</desc>',
    ]


def _text(x: float, y: float, text: str, *, size: float = 12, anchor: str = "start", **attrs: str):
    extra = "".join(f' {k.replace("_", "-")}="{_esc(v)}"' for k, v in attrs.items())
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" text-anchor="{anchor}"{extra}>'
        f"{_esc(text)}</text>"
    )


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return (
            f'<rect x="{_n(x - 3.5)}" y="{_n(y - 3.5)}" width="7" height="7" fill="{colour}" '
            f'stroke="#ffffff" stroke-width="1"/>'
        )
    return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="4" fill="{colour}" stroke="#ffffff" stroke-width="1"/>'


def _dash(dash: str | None) -> str:
    return "" if dash is None else f' stroke-dasharray="{dash}"'


def _legend(series: Sequence[Series], centre_x: float, y: float, bars: bool = False) -> list[str]:
    """A centred legend: a line sample with its marker (or a bar swatch), then the label."""
    size = 12
    widths = [40 + _text_width(s.label, size) for s in series]
    gap = 28
    x = centre_x - (sum(widths) + gap * (len(series) - 1)) / 2
    out = ['<g class="legend">']
    for s, w, (colour, dash, shape) in zip(series, widths, SERIES_STYLES, strict=False):
        if bars:
            out.append(
                f'<rect x="{_n(x + 2)}" y="{_n(y - 6)}" width="26" height="12" '
                f"{_bar_style(colour, dash)}/>"
            )
        else:
            out.append(
                f'<line x1="{_n(x)}" y1="{_n(y)}" x2="{_n(x + 30)}" y2="{_n(y)}" '
                f'stroke="{colour}" stroke-width="2.5"{_dash(dash)}/>'
            )
            out.append(_marker(shape, x + 15, y, colour))
        out.append(_text(x + 38, y + 4, s.label, size=size))
        x += w + gap
    out.append("</g>")
    return out


def _bar_style(colour: str, dash: str | None) -> str:
    if dash is None:
        return f'fill="{colour}"'
    return f'fill="{colour}" fill-opacity="0.25" stroke="{colour}" stroke-width="1.5"{_dash(dash)}'


def _check_series(labels: Sequence[str], series: Sequence[Series]) -> None:
    if not 1 <= len(series) <= len(SERIES_STYLES):
        raise ValueError(f"between 1 and {len(SERIES_STYLES)} series")
    for s in series:
        if len(s.values) != len(labels):
            raise ValueError(
                f"series {s.label!r} has {len(s.values)} values for {len(labels)} axes"
            )


def _value_line(series: Sequence[Series], i: int) -> str:
    return " / ".join(_score(s.values[i]) for s in series)


# --------------------------------------------------------------------------- radar


def radar_svg(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str,
    chart_id: str = "radar",
) -> str:
    """A radar (3+ axes) on a 0–100 scale, grid at every 20, axes clockwise from the top."""
    _check_id(chart_id)
    _check_series(labels, series)
    n = len(labels)
    if n < 3:
        raise ValueError("a radar needs at least 3 axes; use hbar_svg")
    label_size = 12 if n <= 8 else 11
    value_size = label_size - 1
    radius = 150 if n <= 8 else 170
    label_gap = 14
    wrap_width = 150 if n <= 8 else 118
    angles = [-math.pi / 2 + 2 * math.pi * i / n for i in range(n)]

    # Lay the label blocks out around (0, 0) first, then size the canvas to fit them.
    blocks = []  # [i, anchor, x, top, left, right, height, rows]
    for i, label in enumerate(labels):
        cos, sin = math.cos(angles[i]), math.sin(angles[i])
        x, y = (radius + label_gap) * cos, (radius + label_gap) * sin
        anchor = "start" if cos > 0.1 else "end" if cos < -0.1 else "middle"
        rows = [(line, label_size, INK) for line in _wrap(label, label_size, wrap_width)]
        rows.append((_value_line(series, i), value_size, MUTED))
        h = sum(size + 3 for _, size, _ in rows)
        w = max(_text_width(text, size) for text, size, _ in rows)
        left = {"start": x, "end": x - w, "middle": x - w / 2}[anchor]
        # Centred on the label point, pushed outwards by the axis direction.
        blocks.append([i, anchor, x, y - h / 2 + sin * h / 2, left, left + w, h, rows])
    # Nudge blocks that collide with a neighbour nearer the sides up (top half) or down.
    placed: list[list] = []
    for block in sorted(blocks, key=lambda b: (abs(math.sin(angles[b[0]])), b[0])):
        sin = math.sin(angles[block[0]])
        moved = True
        while moved:
            moved = False
            for other in placed:
                if (
                    block[4] < other[5] + 4
                    and other[4] < block[5] + 4
                    and block[3] < other[3] + other[6]
                    and other[3] < block[3] + block[6]
                ):
                    block[3] = other[3] + other[6] + 1 if sin >= 0 else other[3] - block[6] - 1
                    moved = True
        placed.append(block)
    half_w = max(radius, *(max(-b[4], b[5]) for b in blocks)) + 16
    top_y = min(-radius, *(b[3] for b in blocks))
    bottom_y = max(radius, *(b[3] + b[6] for b in blocks))
    width = 2 * half_w
    cx, cy = half_w, 14 - top_y
    legend_y = cy + bottom_y + 24
    height = legend_y + 18

    def point(i: int, r: float) -> tuple[float, float]:
        return cx + r * math.cos(angles[i]), cy + r * math.sin(angles[i])

    out = _open_svg(chart_id, width, height, title, desc)
    out.append(f'<rect x="0" y="0" width="{_n(width)}" height="{_n(height)}" fill="#ffffff"/>')
    # Grid rings and spokes.
    out.append(f'<g class="grid" fill="none" stroke="{GRID}" stroke-width="1">')
    for ring in (20, 40, 60, 80, 100):
        pts = " ".join(
            f"{_n(x)},{_n(y)}" for x, y in (point(i, radius * ring / 100) for i in range(n))
        )
        stroke = f' stroke="{AXIS}"' if ring == 100 else ""
        out.append(f'<polygon points="{pts}"{stroke}/>')
    for i in range(n):
        x, y = point(i, radius)
        out.append(f'<line x1="{_n(cx)}" y1="{_n(cy)}" x2="{_n(x)}" y2="{_n(y)}"/>')
    out.append("</g>")
    out.append(f'<g class="scale" fill="{MUTED}">')
    for ring in (20, 40, 60, 80, 100):
        out.append(_text(cx + 4, cy - radius * ring / 100 + 11, str(ring), size=9))
    out.append("</g>")
    # Series, the first drawn last so it stays on top.
    for s, (colour, dash, shape) in reversed(list(zip(series, SERIES_STYLES, strict=False))):
        # An axis without a score (labelled —) has no point: the outline joins its scored
        # neighbours instead of dipping to the centre, where it would read as a score of 0.
        pts = [
            point(i, radius * max(0.0, min(100.0, v)) / 100)
            for i, v in enumerate(s.values)
            if v is not None
        ]
        out.append('<g class="series">')
        out.append(
            f'<polygon points="{" ".join(f"{_n(x)},{_n(y)}" for x, y in pts)}" fill="{colour}" '
            f'fill-opacity="0.10" stroke="{colour}" stroke-width="2.25" '
            f'stroke-linejoin="round"{_dash(dash)}/>'
        )
        for x, y in pts:
            out.append(_marker(shape, x, y, colour))
        out.append("</g>")
    # Axis labels with their values.
    out.append('<g class="labels">')
    for _i, anchor, x, y0, _left, _right, _h, rows in blocks:
        for text, size, colour in rows:
            out.append(_text(cx + x, cy + y0 + size, text, size=size, anchor=anchor, fill=colour))
            y0 += size + 3
    out.append("</g>")
    out.extend(_legend(series, cx, legend_y))
    out.append("</svg>")
    return "\n".join(out)


# --------------------------------------------------------------------------- horizontal bars


def hbar_svg(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str,
    chart_id: str = "bars",
) -> str:
    """Horizontal bars on a 0–100 scale, one group per label (any number of labels)."""
    _check_id(chart_id)
    _check_series(labels, series)
    label_w, bar_w, value_w = 190, 380, 56
    bar_h = 18 if len(series) == 1 else 14
    group_h = len(series) * bar_h + (len(series) - 1) * 3
    row_h = max(group_h, 32) + 14
    x0 = 16 + label_w
    width = x0 + bar_w + value_w + 16
    top = 30
    height = top + row_h * len(labels) + 46
    out = _open_svg(chart_id, width, height, title, desc)
    out.append(f'<rect x="0" y="0" width="{_n(width)}" height="{_n(height)}" fill="#ffffff"/>')
    bottom = top + row_h * len(labels)
    out.append(f'<g class="grid" stroke="{GRID}" stroke-width="1">')
    for tick in range(0, 101, 20):
        x = x0 + bar_w * tick / 100
        out.append(f'<line x1="{_n(x)}" y1="{_n(top - 6)}" x2="{_n(x)}" y2="{_n(bottom)}"/>')
    out.append("</g>")
    out.append(f'<g class="scale" fill="{MUTED}">')
    for tick in range(0, 101, 20):
        out.append(_text(x0 + bar_w * tick / 100, top - 10, str(tick), size=10, anchor="middle"))
    out.append("</g>")
    for i, label in enumerate(labels):
        y = top + row_h * i + (row_h - group_h) / 2
        lines = _wrap(label, 12, label_w - 10)
        ly = top + row_h * i + row_h / 2 - (len(lines) * 15) / 2 + 11
        for line in lines:
            out.append(_text(x0 - 10, ly, line, anchor="end"))
            ly += 15
        for s, (colour, dash, _shape) in zip(series, SERIES_STYLES, strict=False):
            v = s.values[i]
            w = bar_w * max(0.0, min(100.0, v or 0.0)) / 100
            style = _bar_style(colour, dash)
            if w > 0:
                out.append(
                    f'<rect x="{_n(x0)}" y="{_n(y)}" width="{_n(w)}" height="{bar_h}" {style}/>'
                )
            out.append(_text(x0 + w + 6, y + bar_h / 2 + 4, _score(v), size=11, fill=colour))
            y += bar_h + 3
    out.append(
        f'<line x1="{_n(x0)}" y1="{_n(top - 6)}" x2="{_n(x0)}" y2="{_n(bottom)}" stroke="{AXIS}"/>'
    )
    out.extend(_legend(series, width / 2, height - 18, bars=True))
    out.append("</svg>")
    return "\n".join(out)


# --------------------------------------------------------------------------- from score results


def _lang_index(lang: str) -> int:
    if lang not in ("zh", "en"):
        raise ValueError("lang must be 'zh' or 'en'")
    return 0 if lang == "zh" else 1


def _results(self_result: ScoreResult, reviewed: ScoreResult | None) -> list[ScoreResult]:
    results = [self_result] if reviewed is None else [self_result, reviewed]
    if reviewed is not None and [d.code for d in reviewed.domains] != [
        d.code for d in self_result.domains
    ]:
        raise ValueError("self-assessed and reviewed results have different domains")
    return results


def domain_chart_text(
    self_result: ScoreResult, reviewed: ScoreResult | None = None, *, lang: str = "zh"
) -> str:
    """The text alternative of the domain chart: every number it shows."""
    li = _lang_index(lang)
    results = _results(self_result, reviewed)
    names = [BASIS_LABELS[r.basis][li] for r in results]
    sep, colon = ("；", "：") if li == 0 else ("; ", ": ")
    parts = []
    overall = ", ".join(f"{n} {_score(r.overall)}" for n, r in zip(names, results, strict=True))
    parts.append(("总分" if li == 0 else "Overall") + colon + overall)
    for i, d in enumerate(self_result.domains):
        title = d.title_zh if li == 0 else d.title_en
        values = ", ".join(
            f"{n} {_score(r.domains[i].score)}" for n, r in zip(names, results, strict=True)
        )
        parts.append(f"{title}{colon}{values}")
    return _TEXT["scale"][li] + ("。" if li == 0 else ". ") + sep.join(parts)


def domain_chart_svg(
    self_result: ScoreResult,
    reviewed: ScoreResult | None = None,
    *,
    lang: str = "zh",
    chart_id: str = "domain-scores",
    kind: str = "auto",
) -> str:
    """Domain scores: a radar for 3+ domains, else horizontal bars (`kind` radar|bar|auto).

    Self-assessed and reviewed are drawn together when `reviewed` is given. Domains whose
    score is None are labelled — and have no point (bars: none; radar: the outline joins the
    scored neighbours).
    """
    li = _lang_index(lang)
    results = _results(self_result, reviewed)
    labels = [d.title_zh if li == 0 else d.title_en for d in self_result.domains]
    series = [Series(BASIS_LABELS[r.basis][li], tuple(d.score for d in r.domains)) for r in results]
    title = _TEXT["domain_title"][li]
    desc = domain_chart_text(self_result, reviewed, lang=lang)
    if kind not in ("auto", "radar", "bar"):
        raise ValueError("kind must be auto, radar or bar")
    if kind == "bar" or (kind == "auto" and len(labels) < 3):
        return hbar_svg(labels, series, title=title, desc=desc, chart_id=chart_id)
    return radar_svg(labels, series, title=title, desc=desc, chart_id=chart_id)


_STACK = (RedLineStatus.MET, RedLineStatus.NOT_YET_MET, RedLineStatus.FAILED)


def _red_counts(result: ScoreResult) -> dict[str, int]:
    return {s: sum(1 for r in result.red_lines if r.status == s) for s in _STACK}


def red_line_chart_text(
    self_result: ScoreResult, reviewed: ScoreResult | None = None, *, lang: str = "zh"
) -> str:
    """The text alternative of the red-line chart: counts per status and the failed codes."""
    li = _lang_index(lang)
    sep, colon = ("；", "：") if li == 0 else ("; ", ": ")
    parts = []
    for r in _results(self_result, reviewed):
        counts = _red_counts(r)
        total = sum(counts.values())
        body = _TEXT["total"][li].format(n=total)
        body += (", " if li else "，") + (", " if li else "，").join(
            f"{RED_LINE_LABELS[s][li]} {counts[s]}" for s in _STACK
        )
        if r.failed_red_lines:
            codes = ("、" if li == 0 else ", ").join(r.failed_red_lines)
            body += f" ({codes})" if li else f"（{codes}）"
        parts.append(f"{BASIS_LABELS[r.basis][li]}{colon}{body}")
    return _TEXT["red_title"][li] + ("。" if li == 0 else ". ") + sep.join(parts)


def red_line_chart_svg(
    self_result: ScoreResult,
    reviewed: ScoreResult | None = None,
    *,
    lang: str = "zh",
    chart_id: str = "red-lines",
) -> str:
    """A stacked bar per basis: red lines met, not yet met and failed (hatched), with counts."""
    _check_id(chart_id)
    li = _lang_index(lang)
    results = _results(self_result, reviewed)
    label_w, bar_w, bar_h, row_h = 110, 440, 26, 44
    x0 = 16 + label_w
    width = x0 + bar_w + 90
    failed_lines = [
        _wrap(
            f"{BASIS_LABELS[r.basis][li]} · {_TEXT['failed_list'][li]}"
            + ("：" if li == 0 else ": ")
            + ("、" if li == 0 else ", ").join(r.failed_red_lines),
            11,
            width - 32,
            max_lines=3,
        )
        for r in results
        if r.failed_red_lines
    ]
    top = 14
    foot = 16 * sum(len(lines) for lines in failed_lines) + (8 if failed_lines else 0)
    height = top + row_h * len(results) + foot + 40
    out = _open_svg(
        chart_id,
        width,
        height,
        _TEXT["red_title"][li],
        red_line_chart_text(self_result, reviewed, lang=lang),
    )
    hatch = f"{chart_id}-hatch"
    out.append(
        f'<defs><pattern id="{hatch}" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" '
        f'fill="{RED_LINE_COLOURS[RedLineStatus.FAILED]}"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" stroke-width="2" '
        f'stroke-opacity="0.55"/></pattern></defs>'
    )
    out.append(f'<rect x="0" y="0" width="{_n(width)}" height="{_n(height)}" fill="#ffffff"/>')
    fills = {
        RedLineStatus.MET: RED_LINE_COLOURS[RedLineStatus.MET],
        RedLineStatus.NOT_YET_MET: RED_LINE_COLOURS[RedLineStatus.NOT_YET_MET],
        RedLineStatus.FAILED: f"url(#{hatch})",
    }
    text_fill = {
        RedLineStatus.MET: "#ffffff",
        RedLineStatus.NOT_YET_MET: INK,
        RedLineStatus.FAILED: "#ffffff",
    }
    for row, r in enumerate(results):
        y = top + row_h * row + (row_h - bar_h) / 2
        out.append(_text(x0 - 10, y + bar_h / 2 + 4, BASIS_LABELS[r.basis][li], anchor="end"))
        counts = _red_counts(r)
        total = sum(counts.values())
        if total == 0:
            out.append(
                f'<rect x="{_n(x0)}" y="{_n(y)}" width="{bar_w}" height="{bar_h}" fill="none" '
                f'stroke="{GRID}" stroke-dasharray="4 3"/>'
            )
            out.append(
                _text(
                    x0 + bar_w / 2,
                    y + bar_h / 2 + 4,
                    _TEXT["no_red_lines"][li],
                    size=11,
                    anchor="middle",
                    fill=MUTED,
                )
            )
            continue
        x = x0
        for status in _STACK:
            if not counts[status]:
                continue
            w = bar_w * counts[status] / total
            out.append(
                f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{bar_h}" '
                f'fill="{fills[status]}" stroke="#ffffff" stroke-width="1"/>'
            )
            if w >= 18:
                out.append(
                    _text(
                        x + w / 2,
                        y + bar_h / 2 + 4,
                        str(counts[status]),
                        size=12,
                        anchor="middle",
                        fill=text_fill[status],
                        font_weight="bold",
                    )
                )
            x += w
        out.append(
            _text(
                x0 + bar_w + 8,
                y + bar_h / 2 + 4,
                _TEXT["total"][li].format(n=total),
                size=11,
                fill=MUTED,
            )
        )
    y = top + row_h * len(results) + 10
    for lines in failed_lines:
        for line in lines:
            out.append(_text(16, y + 4, line, size=11, fill=RED_LINE_COLOURS[RedLineStatus.FAILED]))
            y += 16
    # Legend.
    ly = height - 16
    items = [(fills[s], RED_LINE_LABELS[s][li]) for s in _STACK]
    widths = [22 + _text_width(label, 12) for _, label in items]
    lx = width / 2 - (sum(widths) + 24 * (len(items) - 1)) / 2
    out.append('<g class="legend">')
    for (fill, label), w in zip(items, widths, strict=True):
        out.append(f'<rect x="{_n(lx)}" y="{_n(ly - 6)}" width="14" height="12" fill="{fill}"/>')
        out.append(_text(lx + 20, ly + 4, label))
        lx += w + 24
    out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)
