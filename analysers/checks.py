"""Comparing a figure with a threshold from the question library.

Thresholds arrive as `{key: number}`; a value may also be `{"value": n, "advisory": bool}`
to override whether the check binds. Without an override a check binds or advises as the
standard's modal verb says (应 binds; 宜/不宜 advise, TC260-003 §9.1 d) and note 2).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from numbers import Real
from typing import Any

from .report import Check, Comparison

Thresholds = Mapping[str, Any]

_COMPARE = {
    "ge": lambda v, t: v >= t,
    "le": lambda v, t: v <= t,
    "gt": lambda v, t: v > t,
    "lt": lambda v, t: v < t,
    "eq": lambda v, t: v == t,
}


@dataclass(frozen=True)
class CheckSpec:
    key: str
    label_zh: str
    label_en: str
    comparison: Comparison
    advisory: bool = False
    # Used when the library gives no threshold: only for a rule fixed by the standard
    # itself (full coverage of a closed list), so that questionnaire versions that
    # predate the threshold still check it.
    default: float | None = None


def threshold_of(thresholds: Thresholds, spec: CheckSpec) -> tuple[float | None, bool]:
    """(threshold or None, advisory) for a spec; raises ValueError on a malformed entry."""
    raw = thresholds.get(spec.key, spec.default)
    advisory = spec.advisory
    if isinstance(raw, Mapping):
        advisory = bool(raw.get("advisory", advisory))
        raw = raw.get("value")
    if raw is None:
        return None, advisory
    if isinstance(raw, bool) or not isinstance(raw, Real) or math.isnan(raw):
        raise ValueError(f"threshold {spec.key!r} must be a number, not {raw!r}")
    return raw, advisory


def evaluate(
    spec: CheckSpec,
    value: float | None,
    thresholds: Thresholds,
    *,
    failing: Iterable[str] = (),
    note: tuple[str, str] = ("", ""),
    scope: str = "",
    label: tuple[str, str] | None = None,
) -> Check:
    """`label` replaces the spec's (zh, en) label, e.g. to name the draw of a scoped check."""
    threshold, advisory = threshold_of(thresholds, spec)
    note_zh, note_en = note
    if threshold is None:
        passed = None
        note_zh = note_zh or "未提供阈值，未评估。"
        note_en = note_en or "No threshold given; not evaluated."
    elif value is None:
        passed = None
        note_zh = note_zh or "无法计算该数值，未评估。"
        note_en = note_en or "The figure cannot be computed; not evaluated."
    else:
        passed = bool(_COMPARE[spec.comparison](value, threshold))
    if isinstance(value, float):
        value = round(value, 6)
    label_zh, label_en = label or (spec.label_zh, spec.label_en)
    return Check(
        key=spec.key,
        label_zh=label_zh,
        label_en=label_en,
        value=value,
        threshold=threshold,
        comparison=spec.comparison,
        passed=passed,
        advisory=advisory,
        failing=tuple(failing) if passed is False else (),
        note_zh=note_zh,
        note_en=note_en,
        scope=scope,
    )


def per_item_minimum(
    spec: CheckSpec, counts: Mapping[str, int], items: Iterable[str], thresholds: Thresholds
) -> Check:
    """A per-risk (or per-aspect) minimum: value is the smallest count, failing lists the
    items below the threshold."""
    items = list(items)
    threshold, _ = threshold_of(thresholds, spec)
    lowest = min((counts.get(item, 0) for item in items), default=0)
    failing = (
        [item for item in items if counts.get(item, 0) < threshold] if threshold is not None else []
    )
    return evaluate(spec, lowest, thresholds, failing=failing)


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None
