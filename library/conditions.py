"""Applicability conditions: data in the YAML, checked when loaded, evaluated without eval.

Grammar (docs/library-format.md):
    {all: [c, ...]} | {any: [c, ...]} | {not: c}
    {field: <name>, equals: v} | {field: <name>, in: [v, ...]}
    {field: <name>, contains: v} | {field: <name>, answered: true|false}
Fields are `profile.<fact>` (the service profile) or `answer.<QUESTION CODE>` (a gate answer).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

PROFILE_FIELDS: dict[str, tuple[str, tuple[Any, ...] | None]] = {
    "modalities": ("list", ("text", "image", "audio", "video", "code", "virtual_scene")),
    "channels": ("list", ("web", "app", "mini_program", "api")),
    "audience": ("choice", ("public_cn", "enterprise_cn", "outside_cn")),
    "public_opinion": ("bool", None),
    "minors_allowed": ("bool", None),
    "foundation_model_source": ("choice", ("self_developed", "third_party")),
    "foundation_model_filed": ("bool", None),
    "provides_api": ("bool", None),
    "has_algorithm_filing": ("bool", None),
    "has_gai_filing": ("bool", None),
    "launch_status": ("choice", ("planned", "testing", "launched", "suspended")),
    "emotional_interaction": ("bool", None),
}
OPERATORS = ("equals", "in", "contains", "answered")


class ConditionError(ValueError):
    """A condition that cannot be evaluated; the message says where and why."""


def validate(condition: Any, *, known_answers: Iterable[str] = (), where: str = "applies_if"):
    """Raise ConditionError unless `condition` is well-formed and names only known fields."""
    known = set(known_answers)
    _validate(condition, known, where)


def _validate(cond: Any, known: set[str], where: str) -> None:
    if not isinstance(cond, Mapping) or not cond:
        raise ConditionError(f"{where}: a condition is a mapping, not {cond!r}")
    if "all" in cond or "any" in cond:
        op = "all" if "all" in cond else "any"
        if set(cond) != {op} or not isinstance(cond[op], list) or not cond[op]:
            raise ConditionError(f"{where}: '{op}' takes a non-empty list and nothing else")
        for i, sub in enumerate(cond[op]):
            _validate(sub, known, f"{where}.{op}[{i}]")
        return
    if "not" in cond:
        if set(cond) != {"not"}:
            raise ConditionError(f"{where}: 'not' stands alone")
        _validate(cond["not"], known, f"{where}.not")
        return
    field = cond.get("field")
    ops = [op for op in OPERATORS if op in cond]
    extra = set(cond) - {"field", *OPERATORS}
    if not isinstance(field, str) or len(ops) != 1 or extra:
        raise ConditionError(
            f"{where}: a test has 'field' and exactly one of {', '.join(OPERATORS)}; got {dict(cond)}"
        )
    op, value = ops[0], cond[ops[0]]
    scope, _, name = field.partition(".")
    if scope == "profile":
        if name not in PROFILE_FIELDS:
            raise ConditionError(f"{where}: unknown field '{field}'")
        kind, allowed = PROFILE_FIELDS[name]
        if op == "contains" and kind != "list":
            raise ConditionError(f"{where}: 'contains' needs a list field, '{field}' is {kind}")
        if op == "answered":
            raise ConditionError(f"{where}: 'answered' applies to answers, not '{field}'")
        values = value if op == "in" else [value]
        if op == "in" and not isinstance(value, list):
            raise ConditionError(f"{where}: 'in' takes a list")
        for v in values:
            if kind == "bool" and not isinstance(v, bool):
                raise ConditionError(f"{where}: '{field}' is true or false, not {v!r}")
            if allowed is not None and v not in allowed:
                raise ConditionError(f"{where}: '{v}' is not a value of '{field}'")
    elif scope == "answer":
        if name not in known:
            raise ConditionError(
                f"{where}: '{field}' must name an earlier gate question of this questionnaire"
            )
        if op == "answered" and not isinstance(value, bool):
            raise ConditionError(f"{where}: 'answered' takes true or false")
    else:
        raise ConditionError(f"{where}: unknown field '{field}' (use profile.* or answer.*)")


def evaluate(condition: Any, *, profile: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    """True when the condition holds; no condition (None) always holds.

    An answer that is missing makes every test on it false except `answered: false`, so a
    question gated on an unanswered gate stays hidden until the gate is answered.
    """
    if condition is None:
        return True
    return _evaluate(condition, profile.get, answers)


def _evaluate(cond: Mapping[str, Any], profile_get: Callable, answers: Mapping) -> bool:
    if "all" in cond:
        return all(_evaluate(c, profile_get, answers) for c in cond["all"])
    if "any" in cond:
        return any(_evaluate(c, profile_get, answers) for c in cond["any"])
    if "not" in cond:
        return not _evaluate(cond["not"], profile_get, answers)
    scope, _, name = cond["field"].partition(".")
    actual = profile_get(name) if scope == "profile" else answers.get(name)
    if "answered" in cond:
        return (actual not in (None, "", [])) is cond["answered"]
    if actual is None:
        return False
    if "equals" in cond:
        return actual == cond["equals"]
    if "in" in cond:
        return actual in cond["in"]
    return isinstance(actual, list | tuple | set) and cond["contains"] in actual
