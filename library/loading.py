"""Validate and load the YAML library (fixtures/library, fixtures/questionnaires).

Validation collects every problem with its file, item and reason before anything is written;
loading is idempotent, and a loaded questionnaire version is never overwritten with changed
content (a new version is needed), so answers always keep the questions they were given to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction

from library import conditions, layouts
from library.models import (
    Confidence,
    Domain,
    Instrument,
    InstrumentKind,
    InstrumentStatus,
    Provision,
    Question,
    QuestionKind,
    Questionnaire,
    Risk,
    RiskCategory,
)

ANALYSERS = {
    "keyword_list",
    "test_bank_generated",
    "test_bank_refuse",
    "test_bank_non_refuse",
    "test_results",
    "training_sampling",
    "content_labels",
}
COMPARISONS = {"ge", "le", "gt", "lt", "eq"}
UNITS = {"count", "ratio", "percent", "days", "months", "years", "hours", "seconds", "clicks"}
# what a threshold's number may be in its unit (a count is whole, a ratio between 0 and 1 ...)
WHOLE_UNITS = {"count", "clicks"}
UNIT_BOUNDS = {"ratio": (0, 1), "percent": (0, 100)}
ROUTES = {
    "gai_filing",
    "gai_registration",
    "algorithm_filing",
    "anthropomorphic_assessment",
    "none",
    "undetermined",
}
CHOICE_KINDS = {QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE}


class LoadError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class LoadReport:
    instruments: int = 0
    provisions: int = 0
    assessable_provisions: int = 0
    risks: int = 0
    questionnaires: list[str] = field(default_factory=list)
    questions: int = 0
    uncovered: list[str] = field(default_factory=list)


def default_root() -> Path:
    return Path(settings.BASE_DIR) / "fixtures"


class LineDict(dict):
    """A YAML mapping that remembers the line it starts on, so a problem can say where it is.
    It serialises exactly like a dict (content hashes and JSON fields are unchanged)."""

    line: int | None = None


# libyaml's parser where PyYAML was built with it: the questionnaires are half a megabyte, and
# the pure-Python parser takes four times as long over them (same nodes, same line marks).
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode):
    data = LineDict()
    data.line = node.start_mark.line + 1
    yield data
    data.update(loader.construct_mapping(node))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


class Where(str):
    """The name of an item in a problem message ("v2.yaml: question XX-01"), with the line of
    the YAML mapping it comes from."""

    line: int | None = None

    def __new__(cls, text: str, item: Any = None) -> Where:
        obj = super().__new__(cls, text)
        obj.line = getattr(item, "line", None)
        return obj


def _read_yaml(path: Path, problems: list[str]) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_LineLoader)
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(f"{path.name}: cannot be read as YAML: {exc}")
        return None


class _Checker:
    """Small helpers that record a problem instead of raising, so one run reports them all."""

    def __init__(self, problems: list[str]):
        self.problems = problems

    def add(self, where: str, message: str) -> None:
        line = getattr(where, "line", None)
        self.problems.append(f"{where}: {message}" + (f" (line {line})" if line else ""))

    def need(self, where: str, item: dict, *names: str) -> bool:
        ok = True
        for name in names:
            value = item.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                self.add(where, f"missing '{name}'")
                ok = False
        return ok

    def bilingual(self, where: str, item: dict, *stems: str, required: bool = True) -> None:
        for stem in stems:
            zh, en = item.get(f"{stem}_zh"), item.get(f"{stem}_en")
            if required and not zh:
                self.add(where, f"missing translation '{stem}_zh'")
            if (required or zh) and not en:
                self.add(where, f"missing translation '{stem}_en'")
            if en and not zh:
                self.add(where, f"missing translation '{stem}_zh'")

    def choice(self, where: str, item: dict, name: str, allowed) -> None:
        if item.get(name) not in allowed:
            self.add(
                where,
                f"'{name}' is {item.get(name)!r}, expected one of "
                + ", ".join(sorted(str(a) for a in allowed)),
            )

    def date(self, where: str, item: dict, name: str) -> None:
        value = item.get(name)
        if value is not None and not isinstance(value, dt.date):
            self.add(where, f"'{name}' must be a date like 2025-09-01")


# --- reading and validation ------------------------------------------------------------------


@dataclass
class Library:
    instruments: list[dict]
    provisions: list[tuple[str, dict]]  # (instrument code, provision)
    categories: list[dict]
    questionnaires: list[tuple[Path, dict]]
    # questionnaire file name -> its document layout (library.layouts); absent: none
    layouts: dict[str, dict] = field(default_factory=dict)


def read_library(root: Path | None = None) -> Library:
    """Read and validate everything; raise LoadError listing every problem found."""
    root = root or default_root()
    problems: list[str] = []
    check = _Checker(problems)
    lib_dir = root / "library"

    data = _read_yaml(lib_dir / "instruments.yaml", problems) or {}
    instruments = data.get("instruments") or []
    codes: set[str] = set()
    prefixes: dict[str, str] = {}  # instrument code -> prefix of its provisions' keys
    for i, inst in enumerate(instruments):
        where = Where(f"instruments.yaml: instrument {inst.get('code') or i + 1}", inst)
        check.need(where, inst, "code", "kind", "status")
        check.bilingual(where, inst, "title", "short")
        check.bilingual(where, inst, "issuer", "notes", required=False)
        check.choice(where, inst, "kind", InstrumentKind.values)
        check.choice(where, inst, "status", InstrumentStatus.values)
        check.date(where, inst, "published")
        check.date(where, inst, "effective")
        if inst.get("code") in codes:
            check.add(where, "duplicate code")
        codes.add(inst.get("code"))
        prefixes[inst.get("code")] = inst.get("key_prefix") or inst.get("code")
    for inst in instruments:
        where = Where(f"instruments.yaml: instrument {inst.get('code')}", inst)
        successor = inst.get("superseded_by")
        if inst.get("status") == InstrumentStatus.SUPERSEDED and not successor:
            check.add(where, "a superseded instrument names its successor (superseded_by)")
        if successor and successor not in codes:
            check.add(where, f"superseded_by names unknown instrument '{successor}'")

    provisions: list[tuple[str, dict]] = []
    keys: set[str] = set()
    prov_files: dict[str, str] = {}
    for path in sorted((lib_dir / "provisions").glob("*.yaml")):
        data = _read_yaml(path, problems) or {}
        inst_code = data.get("instrument")
        if inst_code not in codes:
            problems.append(f"{path.name}: unknown instrument '{inst_code}'")
        for i, prov in enumerate(data.get("provisions") or []):
            where = Where(f"{path.name}: provision {prov.get('key') or i + 1}", prov)
            check.need(where, prov, "key", "confidence")
            check.bilingual(where, prov, "ref", "summary")
            check.bilingual(where, prov, "threshold", "gbt45654", required=False)
            check.choice(where, prov, "confidence", Confidence.values)
            if not isinstance(prov.get("assessable"), bool):
                check.add(where, "'assessable' must be true or false")
            prefix = prefixes.get(inst_code)
            if prefix and not str(prov.get("key") or "").startswith(f"{prefix}-"):
                check.add(where, f"the key of a {inst_code} provision starts with '{prefix}-'")
            if prov.get("key") in keys:
                check.add(where, "duplicate key")
            keys.add(prov.get("key"))
            provisions.append((inst_code, prov))
            prov_files[prov.get("key")] = path.name

    data = _read_yaml(lib_dir / "risks.yaml", problems) or {}
    categories = data.get("categories") or []
    risk_codes: set[str] = set()
    for cat in categories:
        where = Where(f"risks.yaml: category {cat.get('code')}", cat)
        check.need(where, cat, "code")
        check.bilingual(where, cat, "name")
        for risk in cat.get("risks") or []:
            rwhere = Where(f"risks.yaml: risk {risk.get('code')}", risk)
            check.need(rwhere, risk, "code")
            check.bilingual(rwhere, risk, "name")
            if risk.get("code") in risk_codes:
                check.add(rwhere, "duplicate code")
            risk_codes.add(risk.get("code"))

    questionnaires = []
    layout_files = set()
    for path in sorted((root / "questionnaires").glob("*.yaml")):
        if layouts.is_layout_file(path):
            layout_files.add(path)
            continue
        data = _read_yaml(path, problems)
        if data is not None:
            _validate_questionnaire(path, data, keys, check)
            questionnaires.append((path, data))
    document_layouts = _read_layouts(questionnaires, layout_files, problems)
    _check_coverage(questionnaires, provisions, prov_files, check)

    if problems:
        raise LoadError(problems)
    return Library(instruments, provisions, categories, questionnaires, document_layouts)


def _read_layouts(questionnaires, layout_files: set[Path], problems: list[str]) -> dict:
    """The layout next to each questionnaire, checked against that version's question codes."""
    found = {}
    for path, data in questionnaires:
        layout_file = layouts.layout_path(path)
        layout_files.discard(layout_file)
        if not layout_file.exists():
            continue
        codes = {q.get("code") for d in data.get("domains") or [] for q in d.get("questions") or []}
        layout = layouts.read_layout(
            layout_file,
            code=data.get("code"),
            version=data.get("version"),
            question_codes=codes,
            problems=problems,
        )
        if layout is not None:
            found[path.name] = layout
    for orphan in sorted(layout_files):
        problems.append(f"{orphan.name}: a layout without its questionnaire file")
    return found


def _validate_questionnaire(path: Path, data: dict, keys: set[str], check: _Checker) -> None:
    name = path.name
    check.need(name, data, "code", "version")
    check.bilingual(name, data, "title")
    check.bilingual(name, data, "description", required=False)
    if not isinstance(data.get("version"), int) or data.get("version", 0) < 1:
        check.add(name, "'version' must be a whole number from 1")
    domain_codes: set[str] = set()
    question_codes: set[str] = set()
    gates: set[str] = set()
    for d_index, domain in enumerate(data.get("domains") or []):
        dwhere = Where(f"{name}: domain {domain.get('code') or d_index + 1}", domain)
        check.need(dwhere, domain, "code")
        check.bilingual(dwhere, domain, "title")
        check.bilingual(dwhere, domain, "description", required=False)
        if domain.get("code") in domain_codes:
            check.add(dwhere, "duplicate domain code")
        domain_codes.add(domain.get("code"))
        questions = domain.get("questions") or []
        if not questions:
            check.add(dwhere, "a domain needs at least one question")
        for q_index, question in enumerate(questions):
            qcode = question.get("code") or f"#{q_index + 1}"
            where = Where(f"{name}: question {qcode}", question)
            if qcode in question_codes:
                check.add(where, "duplicate question code")
            question_codes.add(qcode)
            _validate_question(where, question, keys, gates, check)
            if question.get("gate"):
                gates.add(qcode)
    if not domain_codes:
        check.add(name, "a questionnaire needs at least one domain")
    for r_index, route in enumerate(data.get("filing_routes") or []):
        where = Where(f"{name}: filing route {route.get('code') or r_index + 1}", route)
        check.choice(where, route, "code", ROUTES)
        check.bilingual(where, route, "title", "reason")
        for key in route.get("cites") or []:
            if key not in keys:
                check.add(where, f"cites unknown provision '{key}'")
        # `none` too: "no filing required" is shown only when its own condition holds
        _check_condition(where, route.get("applies_if"), gates, check, required=True)


def _check_coverage(questionnaires, provisions, prov_files, check: _Checker) -> None:
    """Every assessable provision is asked about by the newest version of each questionnaire
    (older versions stay as they were loaded); a version that leaves one out is refused."""
    newest: dict[str, tuple[Path, dict]] = {}
    for path, data in questionnaires:
        code, version = data.get("code"), data.get("version")
        if isinstance(version, int) and version > (
            newest.get(code, (None, {}))[1].get("version") or 0
        ):
            newest[code] = (path, data)
    for path, data in newest.values():
        cited = {
            key
            for domain in data.get("domains") or []
            for q in domain.get("questions") or []
            for key in q.get("cites") or []
        }
        for _inst, prov in provisions:
            if prov.get("assessable") is True and prov.get("key") not in cited:
                where = Where(f"{prov_files[prov['key']]}: provision {prov['key']}", prov)
                check.add(
                    where,
                    f"assessable, but no question of {path.name} (the newest version) cites "
                    "it: cite it there or mark it 'assessable: false'",
                )


def _check_condition(where, condition, gates, check, *, required=False) -> None:
    if condition is None:
        if required:
            check.add(where, "missing 'applies_if'")
        return
    try:
        conditions.validate(condition, known_answers=gates, where="applies_if")
    except conditions.ConditionError as exc:
        check.add(where, f"{exc}")


def _validate_question(where: str, q: dict, keys: set[str], gates: set[str], check) -> None:
    check.need(where, q, "code", "kind")
    check.bilingual(where, q, "text", "guidance")
    check.bilingual(where, q, "unit", required=False)
    check.choice(where, q, "kind", QuestionKind.values)
    cites = q.get("cites") or []
    if not cites:
        check.add(where, "cites no provision")
    for key in cites:
        if key not in keys:
            check.add(where, f"cites unknown provision '{key}'")
    weight = q.get("weight", 1)
    if not isinstance(weight, int) or not 0 <= weight <= 10:
        check.add(where, "'weight' must be a whole number from 0 to 10")
    for flag in ("red_line", "advisory", "required", "evidence_required", "gate"):
        if flag in q and not isinstance(q[flag], bool):
            check.add(where, f"'{flag}' must be true or false")
    if q.get("red_line") and q.get("advisory"):
        check.add(where, "a question cannot be both red_line and advisory")
    _check_condition(where, q.get("applies_if"), gates, check)
    kind = q.get("kind")
    if kind == QuestionKind.YES_NO and not isinstance(q.get("expected", True), bool):
        check.add(where, "'expected' of a yes_no question is true or false")
    if kind in CHOICE_KINDS:
        choices = q.get("choices") or []
        if len(choices) < 2:
            check.add(where, "a choice question needs at least two choices")
        values = set()
        for choice in choices:
            cwhere = Where(f"{where}: choice {choice.get('value')}", choice)
            check.need(cwhere, choice, "value")
            check.bilingual(cwhere, choice, "label")
            score = choice.get("score")
            if score is not None and not (isinstance(score, int | float) and 0 <= score <= 1):
                check.add(cwhere, "'score' must be between 0 and 1")
            if choice.get("value") in values:
                check.add(cwhere, "duplicate choice value")
            values.add(choice.get("value"))
    elif q.get("choices"):
        check.add(where, "only choice questions have choices")
    seen = set()
    for t in q.get("thresholds") or []:
        twhere = Where(f"{where}: threshold {t.get('key')}", t)
        check.need(twhere, t, "key", "value", "comparison")
        check.choice(twhere, t, "comparison", COMPARISONS)
        check.choice(twhere, t, "unit", UNITS)
        value, unit = t.get("value"), t.get("unit")
        if not _is_num(value):
            check.add(twhere, "'value' must be a number")
        elif value < 0:
            check.add(twhere, "'value' cannot be negative")
        elif unit in WHOLE_UNITS and value != int(value):
            check.add(twhere, f"'value' in {unit} is a whole number")
        elif unit in UNIT_BOUNDS and not UNIT_BOUNDS[unit][0] <= value <= UNIT_BOUNDS[unit][1]:
            low, high = UNIT_BOUNDS[unit]
            check.add(twhere, f"'value' in {unit} lies between {low} and {high}")
        if "advisory" in t and not isinstance(t["advisory"], bool):
            check.add(twhere, "'advisory' must be true or false")
        if t.get("key") in seen:
            check.add(twhere, "duplicate threshold key")
        seen.add(t.get("key"))
        for key in t.get("cites") or []:
            if key not in keys:
                check.add(twhere, f"cites unknown provision '{key}'")
    if q.get("analyser") and q["analyser"] not in ANALYSERS:
        check.add(where, f"unknown analyser '{q['analyser']}'")
    if "na_allowed" in q and (kind != QuestionKind.CLAUSE or not isinstance(q["na_allowed"], bool)):
        check.add(where, "'na_allowed' is true or false, on clause questions only")
    if "range" in q:
        _check_range(where, q, check)


def _is_num(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_range(where: str, q: dict, check: _Checker) -> None:
    """range: {min, max, integer} of a number question; thresholds must lie inside it."""
    rng = q["range"]
    if q.get("kind") != QuestionKind.NUMBER:
        check.add(where, "only number questions have a 'range'")
        return
    if not isinstance(rng, dict) or set(rng) - {"min", "max", "integer"}:
        check.add(where, "'range' takes min, max and integer")
        return
    low, high = rng.get("min"), rng.get("max")
    if not _is_num(low) or not _is_num(high) or low > high:
        check.add(where, "'range' needs numbers min <= max")
        return
    if not isinstance(rng.get("integer", False), bool):
        check.add(where, "range 'integer' is true or false")
    for t in q.get("thresholds") or []:
        if _is_num(t.get("value")) and not low <= t["value"] <= high:
            check.add(where, f"threshold {t.get('key')} lies outside the range")


def content_hash(data: dict) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- writing ---------------------------------------------------------------------------------


def _bi(item: dict, stem: str) -> dict:
    return {f"{stem}_zh": item.get(f"{stem}_zh") or "", f"{stem}_en": item.get(f"{stem}_en") or ""}


@transaction.atomic
def load_library(root: Path | None = None, *, replace_unused: bool = False) -> LoadReport:
    lib = read_library(root)
    report = LoadReport()
    _load_instruments(lib)
    _load_provisions(lib)
    _load_risks(lib)
    problems: list[str] = []
    for path, data in lib.questionnaires:
        outcome = _load_questionnaire(path, data, replace_unused, problems)
        if outcome:
            layout = _store_layout(data, lib.layouts.get(path.name) or {})
            report.questionnaires.append(outcome + layout)
    if problems:
        raise LoadError(problems)
    report.instruments = Instrument.objects.count()
    report.provisions = Provision.objects.count()
    report.assessable_provisions = Provision.objects.filter(assessable=True).count()
    report.risks = Risk.objects.count()
    report.questions = Question.objects.count()
    report.uncovered = uncovered_assessable_keys()
    return report


def _load_instruments(lib: Library) -> None:
    for position, inst in enumerate(lib.instruments):
        Instrument.objects.update_or_create(
            code=inst["code"],
            defaults={
                **_bi(inst, "title"),
                **_bi(inst, "short"),
                **_bi(inst, "issuer"),
                **_bi(inst, "notes"),
                "kind": inst["kind"],
                "status": inst["status"],
                "document_number": inst.get("document_number") or "",
                "published": inst.get("published"),
                "effective": inst.get("effective"),
                "source_url": inst.get("source_url") or "",
                "position": position,
            },
        )
    by_code = {i.code: i for i in Instrument.objects.all()}
    for inst in lib.instruments:
        obj = by_code[inst["code"]]
        successor = by_code.get(inst.get("superseded_by") or "")
        if obj.superseded_by_id != (successor.pk if successor else None):
            obj.superseded_by = successor
            obj.save(update_fields=["superseded_by"])


def _load_provisions(lib: Library) -> None:
    by_code = {i.code: i for i in Instrument.objects.all()}
    for position, (inst_code, prov) in enumerate(lib.provisions):
        Provision.objects.update_or_create(
            key=prov["key"],
            defaults={
                "instrument": by_code[inst_code],
                "article": str(prov.get("article") or ""),
                "paragraph": str(prov.get("paragraph") or ""),
                "item": str(prov.get("item") or ""),
                **_bi(prov, "ref"),
                **_bi(prov, "summary"),
                **_bi(prov, "threshold"),
                **_bi(prov, "gbt45654"),
                "assessable": prov["assessable"],
                "confidence": prov["confidence"],
                "position": position,
            },
        )
    wanted = {prov["key"] for _, prov in lib.provisions}
    Provision.objects.exclude(key__in=wanted).filter(questions__isnull=True).delete()


def _load_risks(lib: Library) -> None:
    position = 0
    for c_pos, cat in enumerate(lib.categories):
        category, _ = RiskCategory.objects.update_or_create(
            code=cat["code"], defaults={**_bi(cat, "name"), "position": c_pos}
        )
        for risk in cat.get("risks") or []:
            Risk.objects.update_or_create(
                code=risk["code"],
                defaults={**_bi(risk, "name"), "category": category, "position": position},
            )
            position += 1


def questionnaire_in_use(questionnaire: Questionnaire) -> bool:
    """True when rows of other apps point at this version (assessments, answers ...)."""
    for rel in Questionnaire._meta.related_objects:
        if rel.related_model._meta.app_label == "library":
            continue
        accessor = rel.get_accessor_name()
        if getattr(questionnaire, accessor).exists():
            return True
    return False


def _load_questionnaire(path: Path, data: dict, replace_unused: bool, problems: list[str]):
    digest = content_hash(data)
    label = f"{data['code']} v{data['version']}"
    existing = Questionnaire.objects.filter(code=data["code"], version=data["version"]).first()
    if existing is not None:
        if existing.content_hash == digest:
            return f"{label}: unchanged"
        if questionnaire_in_use(existing) or not replace_unused:
            problems.append(
                f"{path.name}: the content of {label} changed, but version {data['version']} is "
                "already loaded and versions are immutable. Give the changed questionnaire a new "
                "version number (a new file) instead of editing this one."
                + (" Assessments already use it." if questionnaire_in_use(existing) else "")
                + " On a local development database, `make reset-local-db` starts it afresh."
            )
            return None
        existing.delete()
    questionnaire = Questionnaire.objects.create(
        code=data["code"],
        version=data["version"],
        **_bi(data, "title"),
        **_bi(data, "description"),
        filing_routes=data.get("filing_routes") or [],
        content_hash=digest,
        source_file=path.name,
    )
    provisions = {p.key: p for p in Provision.objects.all()}
    position = 0
    through = Question.provisions.through
    links = []
    for d_pos, d in enumerate(data["domains"]):
        domain = Domain.objects.create(
            questionnaire=questionnaire,
            code=d["code"],
            position=d_pos,
            **_bi(d, "title"),
            **_bi(d, "description"),
        )
        for q in d["questions"]:
            question = Question.objects.create(
                questionnaire=questionnaire,
                domain=domain,
                code=q["code"],
                kind=q["kind"],
                **_bi(q, "text"),
                **_bi(q, "guidance"),
                **_bi(q, "unit"),
                weight=q.get("weight", 1),
                red_line=q.get("red_line", False),
                advisory=q.get("advisory", False),
                required=q.get("required", True),
                evidence_required=q.get("evidence_required", False),
                gate=q.get("gate", False),
                applies_if=q.get("applies_if"),
                expected=q.get("expected", True) if q["kind"] == QuestionKind.YES_NO else None,
                choices=q.get("choices") or [],
                thresholds=q.get("thresholds") or [],
                answer_range=q.get("range"),
                na_allowed=q.get("na_allowed", True),
                analyser=q.get("analyser") or "",
                position=position,
            )
            position += 1
            links += [
                through(question_id=question.pk, provision_id=provisions[key].pk)
                for key in dict.fromkeys(q["cites"])
            ]
    through.objects.bulk_create(links)
    return f"{label}: {'replaced' if existing else 'loaded'}"


def _store_layout(data: dict, layout: dict) -> str:
    """Store a version's document layout; "" when it was stored already. The layout says where
    answers appear in the documents, never what they are, so a corrected layout replaces the
    stored one (the questionnaire itself stays immutable)."""
    digest = content_hash(layout) if layout else ""
    questionnaire = Questionnaire.objects.get(code=data["code"], version=data["version"])
    if questionnaire.layout_hash == digest:
        return ""
    questionnaire.layout, questionnaire.layout_hash = layout, digest
    questionnaire.save(update_fields=["layout", "layout_hash"])
    return ", layout stored" if layout else ", layout removed"


def uncovered_assessable_keys() -> list[str]:
    """Assessable provisions that no question of the newest version of each questionnaire
    cites: each must be asked about somewhere."""
    newest: dict[str, int] = {}
    for code, version in Questionnaire.objects.values_list("code", "version"):
        newest[code] = max(version, newest.get(code, 0))
    cited: set[str] = set()
    for code, version in newest.items():
        cited |= set(
            Provision.objects.filter(
                questions__questionnaire__code=code, questions__questionnaire__version=version
            ).values_list("key", flat=True)
        )
    assessable = Provision.objects.filter(assessable=True).values_list("key", flat=True)
    return sorted(set(assessable) - cited)
