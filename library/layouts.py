"""Document layouts: which questions the filing documents and the pre-filing checks read.

A layout belongs to one questionnaire version and lives next to it
(`<questionnaire file stem>.layout.yaml`, docs/library-format.md). It names questions by role
(`questions:`, e.g. `details.model_name`: the model-name question) and lists the rows of document sections
(`sections:`, each row naming its question(s) under `q`). Code reads the layout of the
assessment's own version, so a new version can move, add or drop questions without code.

Reading checks every code the layout names against the codes of its version and reports the
file and line of each unknown one; the loader refuses the whole library then.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# libyaml where PyYAML has it (see library.loading).
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SUFFIX = ".layout.yaml"
SECTIONS_ROW_KEY = "q"


def layout_path(questionnaire_path: Path) -> Path:
    return questionnaire_path.with_name(questionnaire_path.stem + SUFFIX)


def is_layout_file(path: Path) -> bool:
    return path.name.endswith(SUFFIX)


# --- reading and validation ------------------------------------------------------------------


def read_layout(
    path: Path, *, code: str, version: int, question_codes: set[str], problems: list[str]
) -> dict[str, Any] | None:
    """The layout's data, or None with the reasons appended to `problems` (file and line)."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=_SafeLoader)
        data = yaml.load(text, Loader=_SafeLoader)
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(f"{name}: cannot be read as YAML: {exc}")
        return None
    if not isinstance(root, yaml.MappingNode) or not isinstance(data, dict):
        problems.append(f"{name}: a layout is a mapping with 'questions' and 'sections'")
        return None
    before = len(problems)
    if data.get("questionnaire") != code or data.get("version") != version:
        problems.append(
            f"{name}, line 1: names {data.get('questionnaire')!r} v{data.get('version')!r}, "
            f"but lies next to {code} v{version}"
        )
    unknown = set(data) - {"questionnaire", "version", "questions", "sections"}
    for key in sorted(unknown, key=str):
        problems.append(f"{name}: unknown key {key!r} (expected questions, sections)")
    nodes = {key.value: value for key, value in root.value}
    questions = nodes.get("questions")
    if questions is not None:
        if not isinstance(questions, yaml.MappingNode):
            problems.append(f"{name}, line {_line(questions)}: 'questions' maps roles to codes")
        else:
            _check_unique(name, "question role", questions, problems)
            for key, value in questions.value:
                what = f"question role {key.value}"
                _check_codes(name, what, value, question_codes, problems, allow_null=True)
    sections = nodes.get("sections")
    if sections is not None:
        if not isinstance(sections, yaml.MappingNode):
            problems.append(f"{name}, line {_line(sections)}: 'sections' maps names to rows")
        else:
            _check_unique(name, "section", sections, problems)
            for key, rows in sections.value:
                _check_rows(f"{name}", key.value, rows, question_codes, problems)
    return data if len(problems) == before else None


# Row fields with a fixed set of values: a typo would silently read nothing.
BANKS = {"generated", "refuse", "non_refuse"}
ANALYSER_KINDS = {
    "keyword_list",
    "test_bank_generated",
    "test_bank_refuse",
    "test_bank_non_refuse",
    "test_results",
    "training_sampling",
    "content_labels",
}


def _check_row_fields(where: str, fields: dict, problems: list[str]) -> None:
    if ("label_zh" in fields) != ("label_en" in fields):
        problems.append(
            f"{where}: a row with a label has it in both languages (label_zh, label_en)"
        )
    bank = fields.get("bank")
    if bank is not None and bank.value not in BANKS:
        problems.append(
            f"{where}: unknown bank {bank.value!r} (expected {', '.join(sorted(BANKS))})"
        )
    kinds = fields.get("analysers")
    if kinds is not None:
        values = [k.value for k in kinds.value] if isinstance(kinds, yaml.SequenceNode) else [None]
        for kind in values:
            if kind not in ANALYSER_KINDS:
                problems.append(f"{where}: unknown analyser {kind!r}")


def _check_unique(name, what, mapping: yaml.MappingNode, problems) -> None:
    seen = set()
    for key, _value in mapping.value:
        if key.value in seen:
            problems.append(f"{name}, line {_line(key)}: duplicate {what} {key.value}")
        seen.add(key.value)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _check_codes(name, what, node, question_codes, problems, *, allow_null=False) -> None:
    """A code, a list of codes (or, for a role, null: this version has no such question)."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag == "tag:yaml.org,2002:null":
            if not allow_null:
                problems.append(f"{name}, line {_line(node)}: {what} names no question")
            return
        items = [node]
    elif isinstance(node, yaml.SequenceNode):
        items = node.value
    else:
        problems.append(f"{name}, line {_line(node)}: {what}: expected a code or a list of codes")
        return
    for item in items:
        if not isinstance(item, yaml.ScalarNode) or item.tag != "tag:yaml.org,2002:str":
            problems.append(
                f"{name}, line {_line(item)}: {what}: expected a code or a list of codes"
            )
        elif item.value not in question_codes:
            problems.append(
                f"{name}, line {_line(item)}: {what} names question '{item.value}', "
                "which this questionnaire version does not have"
            )


def _check_rows(name, section, rows, question_codes, problems) -> None:
    if not isinstance(rows, yaml.SequenceNode):
        problems.append(f"{name}, line {_line(rows)}: section {section}: expected a list of rows")
        return
    for row in rows.value:
        where = f"{name}, line {_line(row)}: section {section}"
        if not isinstance(row, yaml.MappingNode):
            problems.append(f"{where}: a row is a mapping with '{SECTIONS_ROW_KEY}'")
            continue
        fields = {key.value: value for key, value in row.value}
        if SECTIONS_ROW_KEY not in fields:
            problems.append(f"{where}: a row names its question(s) under '{SECTIONS_ROW_KEY}'")
            continue
        what = f"section {section}"
        _check_codes(name, what, fields[SECTIONS_ROW_KEY], question_codes, problems)
        _check_row_fields(f"{name}, line {_line(row)}: {what}", fields, problems)


# --- the structure code reads ----------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Layout:
    """The loaded layout of one version. An empty layout (a version loaded without a layout
    file) names no question: every role reads None and every section is empty. A layout that
    is not empty refuses a role or section it does not declare, so a misspelt role fails
    loudly instead of reading nothing."""

    questions: Mapping[str, Any] = field(default_factory=dict)
    sections: Mapping[str, tuple[Mapping[str, Any], ...]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.questions and not self.sections

    def code(self, role: str) -> str | None:
        """The code of the one question that plays `role`, None when this version has none."""
        value = self._question(role)
        if isinstance(value, list | tuple):
            raise TypeError(f"layout role {role!r} names several questions: use codes()")
        return value

    def codes(self, role: str) -> tuple[str, ...]:
        """The codes a role names (one or several; none for null)."""
        value = self._question(role)
        if value is None:
            return ()
        return tuple(value) if isinstance(value, list | tuple) else (value,)

    def rows(self, section: str) -> tuple[Mapping[str, Any], ...]:
        """The rows of a section in order; each row's question(s) under `q`."""
        if self.empty:
            return ()
        if section not in self.sections:
            raise KeyError(f"the document layout has no section {section!r}")
        return self.sections[section]

    def section_codes(self, *sections: str) -> Iterator[str]:
        """Every code the rows of the sections name, in order (repeats included)."""
        for section in sections:
            for row in self.rows(section):
                yield from row_codes(row)

    def _question(self, role: str) -> Any:
        if self.empty:
            return None
        if role not in self.questions:
            raise KeyError(f"the document layout has no question role {role!r}")
        return self.questions[role]


def row_codes(row: Mapping[str, Any]) -> tuple[str, ...]:
    value = row.get(SECTIONS_ROW_KEY)
    return tuple(value) if isinstance(value, list | tuple) else (value,)


EMPTY = Layout()


def layout_from_data(data: Mapping[str, Any] | None) -> Layout:
    if not data:
        return EMPTY
    sections = {
        name: tuple(dict(row) for row in rows or ())
        for name, rows in (data.get("sections") or {}).items()
    }
    return Layout(questions=dict(data.get("questions") or {}), sections=sections)


def get_layout(questionnaire) -> Layout:
    """The layout of a questionnaire version (stored on it by the loader), cached per content.
    The stored layout is read only on a miss: a request may have deferred it (the autosave)."""
    key = (questionnaire.pk, questionnaire.layout_hash)
    if key not in _CACHE:
        if len(_CACHE) > 32:
            _CACHE.clear()
        _CACHE[key] = layout_from_data(questionnaire.layout)
    return _CACHE[key]


_CACHE: dict[tuple[int, str], Layout] = {}
