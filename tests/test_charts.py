"""SVG charts of scores: valid XML, accessible, escaped, deterministic (no database)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from assessments.charts import (
    FONT_FAMILY,
    Series,
    domain_chart_svg,
    domain_chart_text,
    hbar_svg,
    radar_svg,
    red_line_chart_svg,
    red_line_chart_text,
)
from assessments.scoring import (
    AnswerInput,
    DomainSpec,
    QuestionSpec,
    ReviewVerdict,
    score_pair,
)

SVG = "{http://www.w3.org/2000/svg}"


def make_pair(n_domains, reviewed=True):
    """n domains d0..; each: C<i>a (clause, w2, red line in d0), C<i>b (clause, w1).

    Self: every a conforms, b conforms in even domains. Review: d1's a does not conform.
    Domain 0's title carries <&> to check the escaping.
    """
    domains = [
        DomainSpec(f"d{i}", f"领域{i} <安全&合规>" if i == 0 else f"领域{i}", f"Domain {i} <&>")
        for i in range(n_domains)
    ]
    questions, answers = [], []
    for i in range(n_domains):
        questions.append(QuestionSpec(f"C{i}a", f"d{i}", "clause", weight=2, red_line=i == 0))
        questions.append(QuestionSpec(f"C{i}b", f"d{i}", "clause", weight=1))
        answers.append(AnswerInput(f"C{i}a", "conform"))
        answers.append(AnswerInput(f"C{i}b", "conform" if i % 2 == 0 else "not_conform"))
    reviews = [ReviewVerdict("C1a", "does_not_conform")] if n_domains > 1 else []
    return score_pair(questions, domains, answers, reviews if reviewed else None)


def parse(svg):
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def texts(root):
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def chart(kind, n, reviewed=True, lang="zh"):
    pair = make_pair(n, reviewed)
    if kind == "domains":
        return domain_chart_svg(pair.self_assessed, pair.reviewed, lang=lang)
    return red_line_chart_svg(pair.self_assessed, pair.reviewed, lang=lang)


CASES = [
    (kind, n, reviewed, lang)
    for kind in ("domains", "red_lines")
    for n in (1, 2, 3, 15)
    for reviewed in (False, True)
    for lang in ("zh", "en")
]


@pytest.mark.parametrize(("kind", "n", "reviewed", "lang"), CASES)
def test_valid_accessible_svg(kind, n, reviewed, lang):
    svg = chart(kind, n, reviewed, lang)
    root = parse(svg)
    assert not svg.startswith("<?xml")  # inlined in HTML as is
    assert root.get("font-family") == FONT_FAMILY == "Noto Sans CJK SC, Noto Sans SC, sans-serif"
    assert root.get("role") == "img"
    ids = root.get("aria-labelledby").split()
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert ids == [title.get("id"), desc.get("id")]
    assert title.text and desc.text
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"


@pytest.mark.parametrize(("kind", "n", "reviewed", "lang"), CASES)
def test_deterministic(kind, n, reviewed, lang):
    assert chart(kind, n, reviewed, lang) == chart(kind, n, reviewed, lang)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_text_alternative_has_the_numbers(lang):
    """3 domains: self d0 100, d1 66.7, d2 100, overall 88.9; reviewed d1 0, overall 66.7."""
    pair = make_pair(3)
    desc = parse(domain_chart_svg(pair.self_assessed, pair.reviewed, lang=lang)).find(f"{SVG}desc")
    text = domain_chart_text(pair.self_assessed, pair.reviewed, lang=lang)
    assert desc.text == text
    for number in ("100.0", "66.7", "88.9", "0.0"):
        assert number in text
    assert ("领域1" if lang == "zh" else "Domain 1") in text
    assert ("审核后" if lang == "zh" else "Reviewed") in text


def test_red_line_text_alternative():
    """d0's C0a is the only red line: met in both; C1a is not a red line."""
    pair = make_pair(2)
    text = red_line_chart_text(pair.self_assessed, pair.reviewed, lang="en")
    assert "Self-assessed: 1 in total, Met 1, Not yet met 0, Failed 0" in text
    desc = parse(red_line_chart_svg(pair.self_assessed, pair.reviewed, lang="en"))
    assert desc.find(f"{SVG}desc").text == text


def test_failed_red_lines_are_named():
    questions = [QuestionSpec("RL-1", "d", "clause", red_line=True)]
    pair = score_pair(
        questions, [DomainSpec("d", "域", "D")], [AnswerInput("RL-1", "not_conform")], None
    )
    svg = red_line_chart_svg(pair.self_assessed, lang="zh")
    assert "RL-1" in parse(svg).find(f"{SVG}desc").text
    assert any("RL-1" in t for t in texts(parse(svg)))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_escaping(lang):
    pair = make_pair(3)
    svg = domain_chart_svg(pair.self_assessed, pair.reviewed, lang=lang)
    root = parse(svg)
    label = "领域0 <安全&合规>" if lang == "zh" else "Domain 0 <&>"
    assert any("<" in t and "&" in t for t in texts(root))
    assert label in root.find(f"{SVG}desc").text
    assert "&lt;" in svg and "&amp;" in svg
    assert "<安全" not in svg and "<&>" not in svg


def test_escaping_of_raw_series_and_control_characters():
    svg = radar_svg(
        ["a<b", "c&d", 'e"f\x07'],
        [Series("<self>", (1.0, 2.0, None))],
        title="t & <t>",
        desc="d > e",
        chart_id="x1",
    )
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "t & <t>"
    assert "<self>" in texts(root)
    assert 'e"f' in texts(root)


@pytest.mark.parametrize(("n", "radar"), [(1, False), (2, False), (3, True), (15, True)])
def test_radar_or_bar_fallback(n, radar):
    """A radar draws polygons; the bar fallback (<3 domains) draws none."""
    root = parse(chart("domains", n))
    polygons = list(root.iter(f"{SVG}polygon"))
    assert bool(polygons) is radar
    if radar:
        # 5 grid rings + one polygon per series, each with n points
        assert len(polygons) == 5 + 2
        assert all(len(p.get("points").split()) == n for p in polygons)


@pytest.mark.parametrize("missing", [0, 1, 3])
def test_an_unscored_axis_is_not_drawn_as_zero(missing):
    """A domain without a score (only advisory or not applicable questions) is labelled — and
    has no point: the outline joins the scored axes and never passes through the centre."""
    values = [80.0, 60.0, 40.0, 100.0]
    values[missing] = None
    root = parse(radar_svg(["a", "b", "c", "d"], [Series("s", tuple(values))], title="t", desc="d"))
    grid, series = list(root.iter(f"{SVG}polygon"))[:5], list(root.iter(f"{SVG}polygon"))[5]
    centre = grid[0].get("points").split()  # the innermost ring's corners surround the centre
    xs = [float(p.split(",")[0]) for p in centre]
    ys = [float(p.split(",")[1]) for p in centre]
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    points = [tuple(map(float, p.split(","))) for p in series.get("points").split()]
    assert len(points) == 3
    assert all(abs(x - cx) + abs(y - cy) > 10 for x, y in points)
    assert "—" in texts(root)


def test_forced_kinds():
    pair = make_pair(4)
    bar = parse(domain_chart_svg(pair.self_assessed, pair.reviewed, kind="bar"))
    assert not list(bar.iter(f"{SVG}polygon"))
    with pytest.raises(ValueError):
        radar_svg(["a", "b"], [Series("s", (1.0, 2.0))], title="t", desc="d")
    with pytest.raises(ValueError):
        domain_chart_svg(pair.self_assessed, kind="pie")


def test_series_differ_by_colour_and_dash():
    root = parse(chart("domains", 5))
    series = [p for p in root.iter(f"{SVG}polygon") if p.get("fill-opacity")]
    assert len(series) == 2
    assert series[0].get("stroke") != series[1].get("stroke")
    assert {p.get("stroke-dasharray") for p in series} == {None, "7 4"}


def test_bar_values_are_drawn():
    root = parse(chart("domains", 2))
    shown = texts(root)
    # d0: 100 both; d1: self 66.7, reviewed 0 (C1a rejected)
    assert shown.count("100.0") == 2
    assert "66.7" in shown and "0.0" in shown


def test_fifteen_domain_labels_all_present():
    root = parse(chart("domains", 15))
    shown = " ".join(texts(root))
    for i in range(15):
        assert f"领域{i}" in shown


def test_unscored_domain_is_a_dash():
    """d (one text question): no score, labelled — and named in the text alternative."""
    pair = score_pair(
        [QuestionSpec("T", "d", "text")],
        [DomainSpec("d", "域", "D")],
        [AnswerInput("T", "x")],
        None,
    )
    svg = domain_chart_svg(pair.self_assessed, lang="en")
    assert "—" in texts(parse(svg))
    assert "D: Self-assessed —" in domain_chart_text(pair.self_assessed, lang="en")


def test_no_red_lines():
    svg = red_line_chart_svg(make_pair(2).self_assessed.__class__.from_json(
        {**make_pair(2).self_assessed.to_json(), "red_lines": []}
    ), lang="en")  # fmt: skip
    assert "No applicable red-line questions" in texts(parse(svg))


@pytest.mark.parametrize("bad", ["", "1abc", "a b", 'a"b'])
def test_chart_id_is_validated(bad):
    pair = make_pair(3)
    with pytest.raises(ValueError):
        domain_chart_svg(pair.self_assessed, chart_id=bad)


def test_ids_follow_chart_id():
    pair = make_pair(3)
    root = parse(red_line_chart_svg(pair.self_assessed, chart_id="rl-2"))
    assert root.get("aria-labelledby") == "rl-2-title rl-2-desc"
    assert root.find(f".//{SVG}pattern").get("id") == "rl-2-hatch"


def test_mismatched_results_are_rejected():
    with pytest.raises(ValueError):
        domain_chart_svg(make_pair(3).self_assessed, make_pair(4).reviewed)
    with pytest.raises(ValueError):
        domain_chart_svg(make_pair(3).self_assessed, lang="fr")


def test_hbar_any_number_of_rows():
    svg = hbar_svg(
        [f"row {i}" for i in range(6)],
        [Series("s", tuple(float(i * 20) for i in range(6)))],
        title="t",
        desc="d",
    )
    assert len([r for r in parse(svg).iter(f"{SVG}rect") if r.get("height") == "18"]) == 5
