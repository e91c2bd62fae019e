"""What an analyser returns: bilingual messages, threshold checks and the result envelope.

Results are stored as JSON and shown later in either language, so every text carries both
`zh` and `en` instead of a lazy translation that would be frozen in one language at save time.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Comparison = Literal["ge", "le", "gt", "lt", "eq"]

RESULT_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Message:
    """One bilingual finding; `zh`/`en` already include the location ("row 17: ...")."""

    code: str
    zh: str
    en: str
    sheet: str | None = None
    row: int | None = None
    file: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        return cls(**data)


class AnalyserError(Exception):
    """The upload cannot be analysed at all (wrong type, bad encoding, too large, no columns).

    The only exception an analyser raises on bad input. `code` is stable for tests and for
    the view that shows the message; `zh` and `en` are for people.
    """

    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.code = code
        self.zh = zh
        self.en = en

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "zh": self.zh, "en": self.en}


@dataclass(frozen=True)
class Check:
    """One number compared with one threshold.

    `passed` is None when the check was not evaluated (threshold missing, or the value
    cannot be computed); a check that was not evaluated is never counted as a pass.
    `failing` names what is below the threshold for per-risk/per-aspect/per-source checks.
    `scope` names the part of the file measured when one threshold is checked on several
    parts ("generated/manual": the manual draw of the generated-content questions); "" for
    the whole file.
    """

    key: str
    label_zh: str
    label_en: str
    value: float | int | None
    threshold: float | int | None
    comparison: Comparison
    passed: bool | None
    advisory: bool
    failing: tuple[str, ...] = ()
    note_zh: str = ""
    note_en: str = ""
    scope: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["failing"] = list(self.failing)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Check:
        return cls(**{**data, "failing": tuple(data.get("failing", ()))})


@dataclass
class AnalyserResult:
    """The outcome of one analysis.

    `figures` is plain JSON (totals, per-risk counts ...). `errors` block the verdict (the
    file must be fixed before filing); `warnings` do not.
    """

    kind: str
    filename: str
    figures: dict[str, Any] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    errors: list[Message] = field(default_factory=list)
    warnings: list[Message] = field(default_factory=list)
    # Messages beyond the per-code cap are counted here rather than stored one by one.
    suppressed: dict[str, int] = field(default_factory=dict)

    @property
    def passed(self) -> bool | None:
        """True if there is no error and every evaluated binding check passes.

        None when nothing binding could be evaluated (e.g. no thresholds were given): an
        unassessed file is neither a pass nor a fail.
        """
        if self.errors:
            return False
        binding = [c.passed for c in self.checks if not c.advisory and c.passed is not None]
        if not binding:
            return None
        return all(binding)

    def check(self, key: str, scope: str | None = None) -> Check:
        """The check with this key (and scope, when given); KeyError if there is none."""
        for item in self.checks:
            if item.key == key and (scope is None or item.scope == scope):
                return item
        raise KeyError(key if scope is None else f"{key} ({scope})")

    def failed_checks(self) -> list[str]:
        """Keys of the failed checks, with their scope when they have one: "key@scope"."""
        return [
            f"{c.key}@{c.scope}" if c.scope else c.key for c in self.checks if c.passed is False
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": RESULT_SCHEMA_VERSION,
            "kind": self.kind,
            "filename": self.filename,
            "passed": self.passed,
            "figures": self.figures,
            "checks": [c.to_dict() for c in self.checks],
            "errors": [m.to_dict() for m in self.errors],
            "warnings": [m.to_dict() for m in self.warnings],
            "suppressed": dict(self.suppressed),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnalyserResult:
        return cls(
            kind=data["kind"],
            filename=data["filename"],
            figures=data.get("figures", {}),
            checks=[Check.from_dict(c) for c in data.get("checks", [])],
            errors=[Message.from_dict(m) for m in data.get("errors", [])],
            warnings=[Message.from_dict(m) for m in data.get("warnings", [])],
            suppressed=dict(data.get("suppressed", {})),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> AnalyserResult:
        return cls.from_dict(json.loads(text))
