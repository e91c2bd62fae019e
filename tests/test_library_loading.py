"""Loading the provision library and questionnaires from fixtures/: the real content is complete
and consistent, loading is idempotent, loaded versions are immutable, invalid YAML is refused with
every problem named, and the filing routes come out right for typical services."""

from __future__ import annotations

import re
import shutil
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import Count, Q

from assessments.services import assessment_start
from library.loading import LoadError, load_library, read_library
from library.models import (
    Confidence,
    Domain,
    Instrument,
    Provision,
    Question,
    Questionnaire,
    Risk,
    RiskCategory,
)
from library.routes import filing_routes
from tests import factories

pytestmark = pytest.mark.django_db

CODE = "gai-security-self-assessment"
V1 = f"{CODE}-v1.yaml"
V2 = f"{CODE}-v2.yaml"
NEWEST = 2
# The content hash of version 1 as deployments loaded it (library.loading.content_hash).
V1_CONTENT_HASH = "cd45ed03de3895d7c8de1f24c8a4d6f93e17e61c3377ead87668cf0171ef5659"
ALL_UNCHANGED = [f"{CODE} v{n}: unchanged" for n in range(1, NEWEST + 1)]
REAL_ROOT = Path(settings.BASE_DIR) / "fixtures"
INSTRUMENTS = 24  # 15 of the first library + 9 from shared/reference/new-rules-2026.md
COUNTS_LINE = re.compile(
    r"Library: (\d+) instruments, (\d+) provisions \((\d+) assessable\), (\d+) risks, "
    r"(\d+) questions\."
)


# --- helpers ------------------------------------------------------------------------------


@pytest.fixture
def root(tmp_path) -> Path:
    """A private copy of fixtures/ that a test may edit."""
    target = tmp_path / "fixtures"
    shutil.copytree(REAL_ROOT / "library", target / "library")
    shutil.copytree(REAL_ROOT / "questionnaires", target / "questionnaires")
    return target


def read(path: Path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def write(path: Path, data) -> None:
    text = yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")


def questions_of(data: dict) -> dict[str, dict]:
    return {q["code"]: q for d in data["domains"] for q in d["questions"]}


def edit_questionnaire(root: Path, change, name: str = V1) -> None:
    path = root / "questionnaires" / name
    data = read(path)
    change(data)
    write(path, data)


def dump_db() -> dict:
    """Every row and link the loader writes, for before/after comparisons."""
    through = Question.provisions.through
    return {
        "instruments": list(Instrument.objects.order_by("pk").values()),
        "provisions": list(Provision.objects.order_by("pk").values()),
        "categories": list(RiskCategory.objects.order_by("pk").values()),
        "risks": list(Risk.objects.order_by("pk").values()),
        "questionnaires": list(Questionnaire.objects.order_by("pk").values()),
        "domains": list(Domain.objects.order_by("pk").values()),
        "questions": list(Question.objects.order_by("pk").values()),
        "citations": sorted(through.objects.values_list("question_id", "provision_id")),
    }


def run_command(*args) -> str:
    out = StringIO()
    call_command("load_questionnaires", *args, stdout=out)
    return out.getvalue()


def load_error(root: Path, **kwargs) -> str:
    with pytest.raises(LoadError) as exc:
        load_library(root, **kwargs)
    return str(exc.value)


# --- the real content ---------------------------------------------------------------------


def test_real_fixtures_load_and_cover_every_assessable_provision():
    """THE COVERAGE TEST: every assessable provision is asked about by some question of the
    newest questionnaire version."""
    report = load_library()
    assert report.uncovered == [], (
        f"{len(report.uncovered)} assessable provisions no question cites: "
        + ", ".join(report.uncovered)
    )
    assert report.instruments == INSTRUMENTS
    assert report.risks == 31
    assert report.provisions >= 300
    assert report.assessable_provisions >= 250
    assert report.assessable_provisions <= report.provisions
    assert report.questions >= 150
    assert report.questionnaires == ALL_UNCHANGED
    assert RiskCategory.objects.count() == 5
    assert Instrument.objects.count() == INSTRUMENTS
    assert Risk.objects.count() == 31
    # every category has risks; codes are those of Appendix A (A.1 ... A.5)
    assert sorted(RiskCategory.objects.values_list("code", flat=True)) == [
        "A.1",
        "A.2",
        "A.3",
        "A.4",
        "A.5",
    ]
    assert not RiskCategory.objects.annotate(n=Count("risks")).filter(n=0).exists()


def test_every_instrument_has_provisions():
    empty = Instrument.objects.annotate(n=Count("provisions")).filter(n=0)
    assert list(empty.values_list("code", flat=True)) == []


def test_provision_keys_start_with_their_instrument_code():
    """Or with the instrument's `key_prefix`, where the reference's keys use another prefix
    (MIN- of T/CSAC 023, STD-5 of GB/T 47863)."""
    instruments = read(REAL_ROOT / "library" / "instruments.yaml")["instruments"]
    prefix = {i["code"]: i.get("key_prefix") or i["code"] for i in instruments}
    assert {c: p for c, p in prefix.items() if p != c} == {"CSAC": "MIN", "GBT47863": "STD"}
    wrong = [
        p.key
        for p in Provision.objects.select_related("instrument")
        if not p.key.startswith(prefix[p.instrument.code] + "-")
    ]
    assert wrong == []


def test_every_question_cites_a_provision():
    bare = Question.objects.annotate(n=Count("provisions")).filter(n=0)
    assert list(bare.values_list("code", flat=True)) == []


def test_no_question_is_both_red_line_and_advisory():
    both = Question.objects.filter(red_line=True, advisory=True)
    assert list(both.values_list("code", flat=True)) == []


def test_every_question_has_text_and_guidance_in_both_languages():
    missing = Question.objects.filter(
        Q(text_zh="") | Q(text_en="") | Q(guidance_zh="") | Q(guidance_en="")
    )
    assert list(missing.values_list("code", flat=True)) == []


def test_questions_citing_only_unconfirmed_provisions_are_advisory():
    confirmed = [c for c in Confidence.values if c != Confidence.UNCONFIRMED]
    only_unconfirmed = Question.objects.exclude(provisions__confidence__in=confirmed)
    not_advisory = only_unconfirmed.filter(advisory=False)
    assert list(not_advisory.values_list("code", flat=True)) == [], (
        "questions resting only on UNCONFIRMED provisions must be advisory"
    )
    # none of them may block filing either
    assert not only_unconfirmed.filter(red_line=True).exists()


def test_red_line_questions_are_scored_and_required():
    """A red line that is optional or weighs nothing could never block a filing."""
    red = Question.objects.filter(red_line=True)
    assert red.exists()
    assert list(red.filter(Q(required=False) | Q(weight=0)).values_list("code", flat=True)) == []


def test_uncovered_assessable_provision_is_refused(root):
    """The coverage check is not vacuous: drop the only question citing a provision from a new
    version and the loader refuses it, naming the provision, its file and line."""
    newest = Questionnaire.objects.get(code=CODE, version=NEWEST)
    sole = next(
        p
        for p in Provision.objects.filter(assessable=True).prefetch_related("questions")
        if len(in_newest := [q for q in p.questions.all() if q.questionnaire_id == newest.pk]) == 1
        and not in_newest[0].gate
    )
    code = sole.questions.get(questionnaire=newest).code
    path = root / "questionnaires" / f"{CODE}-v{NEWEST + 1}.yaml"
    data = read(root / "questionnaires" / V2)
    data["version"] = NEWEST + 1
    for domain in data["domains"]:
        domain["questions"] = [q for q in domain["questions"] if q["code"] != code]
    write(path, data)
    before = dump_db()
    message = load_error(root)
    assert re.search(
        rf"\w+\.yaml: provision {re.escape(sole.key)}: assessable, but no question of "
        rf"{CODE}-v{NEWEST + 1}\.yaml \(the newest version\) cites it.* \(line \d+\)",
        message,
    ), message
    assert dump_db() == before
    with pytest.raises(CommandError, match=re.escape(sole.key)):
        run_command("--root", str(root))


# --- the 2025-2026 rules (shared/reference/new-rules-2026.md) -------------------------------

# Every item key the library takes from new-rules-2026.md: instrument, confidence, assessable.
NEW_RULES_KEYS = {
    **{
        key: ("HAI", "S", True)
        for key in (
            "HAI-2 HAI-8 HAI-9 HAI-10 HAI-11 HAI-12 HAI-13 HAI-14.1 HAI-14.2 HAI-14.3 HAI-14.4 "
            "HAI-15 HAI-16 HAI-17 HAI-18.1 HAI-18.2 HAI-18.3 HAI-19 HAI-20/21 HAI-22 HAI-23 "
            "HAI-24/25 HAI-26"
        ).split()
    },
    "HAI-27": ("HAI", "S", False),  # the provincial CAC's annual review
    "HAI-30": ("HAI", "S", False),  # penalties
    "CSL-20": ("CSL", "T-r", False),  # a state duty
    "CSL-42.2": ("CSL", "T-r", False),  # bridging article to the PIPL
    "CSL-61.1": ("CSL", "T-r", True),
    "CSL-61.2": ("CSL", "S", False),
    "CSL-61.3": ("CSL", "UNCONFIRMED", False),
    "CSL-64": ("CSL", "T-r", False),
    "CSL-content": ("CSL", "S", False),
    "NIR-2": ("NIR", "T-r", True),
    "NIR-4": ("NIR", "T-r", True),
    "NIR-4a": ("NIR", "T-r", True),
    "NIR-4b": ("NIR", "T-r", False),  # a duty of the authorities
    "NIR-sum": ("NIR", "S", True),
    **{f"ERG-{n}": ("ERG", "S", True) for n in range(1, 6)},
    "ERG-6": ("ERG", "UNCONFIRMED", True),
    "MIN-1": ("CSAC", "S", True),
    "MIN-A": ("CSAC", "S", True),
    "CLS-types": ("CLS", "S", False),
    "CLS-9": ("CLS", "S", True),
    "CLS-display": ("CLS", "S", True),
    "CLS-minor-products": ("CLS", "S", True),
    "AGF-1": ("AGF", "S", False),
    "AGF-3": ("AGF", "S", True),
    "AGF-4": ("AGF", "S", True),
    "AGF-5": ("AGF", "S", True),
    "AGF-6": ("AGF", "UNCONFIRMED", False),
    "STD-5": ("GBT47863", "S", True),
    "FIL-1": ("FIL", "S", False),
    "FIL-2": ("FIL", "S", True),
}
IN_FORCE = {
    "HAI": "2026-07-15",
    "CSL": "2026-01-01",
    "NIR": "2025-11-01",
    "CLS": "2026-03-01",
    "CSAC": "2025-12-01",
    "GBT47863": "2026-11-01",
}
ADVISORY_INSTRUMENTS = {"ERG", "CSAC", "AGF", "GBT47863"}  # practice guide, standards, framework


def test_new_rules_keys_are_in_the_library_with_their_confidence():
    found = {
        p.key: (p.instrument.code, p.confidence, p.assessable)
        for p in Provision.objects.filter(key__in=NEW_RULES_KEYS).select_related("instrument")
    }
    assert found == NEW_RULES_KEYS
    effective = dict(Instrument.objects.values_list("code", "effective"))
    assert {code: str(effective[code]) for code in IN_FORCE} == IN_FORCE
    kinds = dict(Instrument.objects.values_list("code", "kind"))
    assert {kinds[c] for c in ADVISORY_INSTRUMENTS} <= {
        "practice_guide",
        "group_standard",
        "recommended_standard",
        "technical_document",
    }


def test_new_rules_coverage_in_version_2():
    """THE COVERAGE TEST, for the new keys: every assessable one is cited by a version 2
    question; version 1 cites none of them (it stays as loaded)."""
    v1, v2 = (Questionnaire.objects.get(code=CODE, version=n) for n in (1, 2))
    cited = {
        n: set(
            Provision.objects.filter(questions__questionnaire=q, key__in=NEW_RULES_KEYS)
            .values_list("key", flat=True)
            .distinct()
        )
        for n, q in ((1, v1), (2, v2))
    }
    assessable = {k for k, (_i, _c, a) in NEW_RULES_KEYS.items() if a}
    assert assessable - cited[2] == set()
    assert cited[1] == set()


def test_questions_on_secondary_or_unconfirmed_new_rules_are_advisory():
    """[S]/[U] items never change a verdict: a v2 question citing new-rules provisions and no
    officially worded one ([T], [T-tr], [T-r]) is advisory, never a red line, never required."""
    v2 = Questionnaire.objects.get(code=CODE, version=2)
    firm = {Confidence.TEXT, Confidence.TRANSLATION, Confidence.REPRINT}
    questions = v2.questions.filter(provisions__key__in=NEW_RULES_KEYS, gate=False).distinct()
    assert questions.count() >= 35
    for q in questions.prefetch_related("provisions"):
        if not {p.confidence for p in q.provisions.all()} & firm:
            assert q.advisory and not q.red_line and not q.required, q.code
    # the officially worded incident-reporting duties are binding and scored
    binding = {"IN-14", "IN-15", "IN-16", "IN-18"}
    assert set(questions.filter(advisory=False).values_list("code", flat=True)) == binding
    assert not questions.filter(code__in=binding, weight=0).exists()


def _threshold(questionnaire, code):
    (t,) = questionnaire.questions.get(code=code).thresholds
    return t["key"], t["comparison"], t["value"], t["unit"], bool(t.get("advisory"))


def test_new_rules_thresholds_are_exact_and_typed():
    v2 = Questionnaire.objects.get(code=CODE, version=2)
    assert {
        code: _threshold(v2, code)
        for code in ("HA-08", "HA-16", "HA-21", "HA-22", "IN-15", "IN-16", "IN-17")
    } == {
        "HA-08": ("guardian_consent_age_min", "ge", 14, "years", False),
        "HA-16": ("usage_reminder_hours_max", "le", 2, "hours", False),
        "HA-21": ("reassessment_registered_users_max", "le", 1_000_000, "count", False),
        "HA-22": ("reassessment_monthly_active_users_max", "le", 100_000, "count", False),
        "IN-15": ("incident_report_hours_max", "le", 4, "hours", False),
        "IN-16": ("cii_incident_report_hours_max", "le", 1, "hours", False),
        "IN-17": ("incident_summary_days_max", "le", 30, "days", False),
    }
    # each threshold lies inside the range the form accepts
    for code in ("HA-08", "HA-16", "HA-21", "HA-22", "IN-15", "IN-16", "IN-17"):
        q = v2.questions.get(code=code)
        assert q.answer_range["min"] <= q.thresholds[0]["value"] <= q.answer_range["max"]


def test_anthropomorphic_domain_applies_only_with_sustained_emotional_interaction():
    from library.conditions import evaluate

    v2 = Questionnaire.objects.get(code=CODE, version=2)
    domain = v2.domains.get(code="anthropomorphic")
    assert domain.questions.count() == 24
    scope15 = v2.questions.get(code="SCOPE-15")
    assert scope15.gate and scope15.weight == 0 and scope15.domain.code == "scope"
    for q in domain.questions.all():
        for companion, expected in ((True, True), (False, False), (None, False)):
            answers = {"SCOPE-01": True, "SCOPE-15": companion}
            assert evaluate(q.applies_if, profile={}, answers=answers) is expected, q.code
        assert not evaluate(q.applies_if, profile={}, answers={"SCOPE-01": False, "SCOPE-15": True})


# --- idempotence --------------------------------------------------------------------------


def test_loading_twice_changes_nothing(root):
    before = dump_db()
    output = run_command()
    assert f"Questionnaire {CODE} v1: unchanged" in output
    assert f"Questionnaire {CODE} v2: unchanged" in output
    assert dump_db() == before
    report = load_library(root)  # an untouched copy, re-serialised or not, is the same content
    assert report.questionnaires == ALL_UNCHANGED
    assert dump_db() == before


def test_reserialised_yaml_is_unchanged_content(root):
    """The version check compares content, not bytes: reformatting the file is not a change."""
    edit_questionnaire(root, lambda data: None)
    edit_questionnaire(root, lambda data: None, V2)
    before = dump_db()
    assert load_library(root).questionnaires == ALL_UNCHANGED
    assert dump_db() == before


# --- immutable versions -------------------------------------------------------------------


def _reword_cs01(data):
    questions_of(data)["CS-01"]["text_en"] += " (reworded)"


def test_changed_questionnaire_with_same_version_is_refused(root):
    edit_questionnaire(root, _reword_cs01)
    before = dump_db()
    message = load_error(root)
    assert f"{V1}: the content of {CODE} v1 changed" in message
    assert "new version number" in message
    assert "Assessments already use it" not in message
    assert dump_db() == before

    with pytest.raises(CommandError) as exc:
        run_command("--root", str(root))
    assert "new version number" in str(exc.value)
    assert dump_db() == before


def test_replace_unused_replaces_a_version_no_assessment_uses(root):
    edit_questionnaire(root, _reword_cs01)
    old = Questionnaire.objects.get(code=CODE, version=1)
    output = run_command("--root", str(root), "--replace-unused")
    assert f"Questionnaire {CODE} v1: replaced" in output
    new = Questionnaire.objects.get(code=CODE, version=1)
    assert new.pk != old.pk
    assert new.content_hash != old.content_hash
    assert Question.objects.get(questionnaire=new, code="CS-01").text_en.endswith("(reworded)")
    assert not Question.objects.filter(questionnaire_id=old.pk).exists()
    # citations are rebuilt for the new rows
    assert Question.objects.get(questionnaire=new, code="CS-01").provisions.exists()


def test_replace_unused_is_refused_once_an_assessment_uses_the_version(root, owner):
    provider = factories.make_provider()
    service = factories.make_service(provider)
    assessment, created = assessment_start(service=service, user=owner)
    assert created and assessment.questionnaire.version == NEWEST

    edit_questionnaire(root, _reword_cs01, f"{CODE}-v{NEWEST}.yaml")
    before = dump_db()
    message = load_error(root, replace_unused=True)
    assert "Assessments already use it" in message
    assert "new version number" in message
    assert dump_db() == before
    assessment.refresh_from_db()
    assert assessment.questionnaire.content_hash == before["questionnaires"][-1]["content_hash"]


def test_new_version_loads_beside_the_old_ones(root):
    older = {
        n: list(Questionnaire.objects.get(code=CODE, version=n).questions.order_by("pk").values())
        for n in range(1, NEWEST + 1)
    }
    newest = Questionnaire.objects.get(code=CODE, version=NEWEST)
    data = read(root / "questionnaires" / f"{CODE}-v{NEWEST}.yaml")
    data["version"] = NEWEST + 1
    _reword_cs01(data)
    write(root / "questionnaires" / f"{CODE}-v{NEWEST + 1}.yaml", data)

    output = run_command("--root", str(root))
    for n in older:
        assert f"Questionnaire {CODE} v{n}: unchanged" in output
    assert f"Questionnaire {CODE} v{NEWEST + 1}: loaded" in output
    assert sorted(Questionnaire.objects.filter(code=CODE).values_list("version", flat=True)) == [
        *older,
        NEWEST + 1,
    ]
    added = Questionnaire.objects.get(code=CODE, version=NEWEST + 1)
    assert added.source_file == f"{CODE}-v{NEWEST + 1}.yaml"
    assert added.questions.count() == newest.questions.count()
    assert added.questions.get(code="CS-01").text_en.endswith("(reworded)")
    for n, questions in older.items():  # older versions untouched
        assert (
            list(Questionnaire.objects.get(code=CODE, version=n).questions.order_by("pk").values())
            == questions
        )
    # loading again: all unchanged
    assert load_library(root).questionnaires == [
        *ALL_UNCHANGED,
        f"{CODE} v{NEWEST + 1}: unchanged",
    ]


def test_version_1_stays_as_it_was_loaded():
    """Assessments in flight hold version 1: its file is never edited (a changed file would be
    refused by the loader in every deployment that loaded it)."""
    v1 = Questionnaire.objects.get(code=CODE, version=1)
    assert v1.content_hash == V1_CONTENT_HASH
    assert v1.questions.count() == 203


# --- invalid YAML: file, item and reason --------------------------------------------------


def _q(code, change):
    def apply(root):
        edit_questionnaire(root, lambda data: change(questions_of(data)[code]))

    return apply


def _unknown_cite(q):
    q["cites"] = [*q["cites"], "GAI-999"]


def _bad_condition(q):
    q["applies_if"] = {"field": "profile.turnover", "equals": 1}


def _answer_of_non_gate(q):
    q["applies_if"] = {"field": "answer.CS-01", "equals": "conform"}


def _duplicate_question_code(root):
    def change(data):
        questions_of(data)["CS-02"]["code"] = "CS-01"

    edit_questionnaire(root, change)


def _duplicate_provision_key(root):
    path = root / "library" / "provisions" / "GAI.yaml"
    data = read(path)
    data["provisions"].append(dict(data["provisions"][0]))
    write(path, data)


def _first_gai_key() -> str:
    return read(REAL_ROOT / "library" / "provisions" / "GAI.yaml")["provisions"][0]["key"]


def _drop(field):
    def change(q):
        del q[field]

    return change


def _set(**values):
    def change(q):
        q.update(values)

    return change


def _yaml_syntax_error(root):
    path = root / "questionnaires" / V1
    path.write_text(path.read_text(encoding="utf-8") + "\n  - code: [unclosed\n", "utf-8")


def _threshold_not_numeric(q):
    q["thresholds"][0]["value"] = "ten thousand"


def _first_threshold_key() -> str:
    return questions_of(read(REAL_ROOT / "questionnaires" / V1))["CS-18"]["thresholds"][0]["key"]


INVALID = [
    pytest.param(
        _q("CS-01", _unknown_cite),
        f"{V1}: question CS-01: cites unknown provision 'GAI-999'",
        id="unknown-provision",
    ),
    pytest.param(
        _q("CS-01", _bad_condition),
        f"{V1}: question CS-01: applies_if: unknown field 'profile.turnover'",
        id="condition-unknown-field",
    ),
    pytest.param(
        _q("CS-02", _answer_of_non_gate),
        f"{V1}: question CS-02: applies_if: 'answer.CS-01' must name an earlier gate question",
        id="condition-non-gate-answer",
    ),
    pytest.param(
        _duplicate_question_code,
        f"{V1}: question CS-01: duplicate question code",
        id="duplicate-question-code",
    ),
    pytest.param(
        _duplicate_provision_key,
        f"GAI.yaml: provision {_first_gai_key()}: duplicate key",
        id="duplicate-provision-key",
    ),
    pytest.param(
        _q("CS-01", _drop("text_en")),
        f"{V1}: question CS-01: missing translation 'text_en'",
        id="missing-translation",
    ),
    pytest.param(
        _q("CS-01", _drop("guidance_zh")),
        f"{V1}: question CS-01: missing translation 'guidance_zh'",
        id="missing-guidance-zh",
    ),
    pytest.param(
        _q("CS-01", _set(red_line=True, advisory=True)),
        f"{V1}: question CS-01: a question cannot be both red_line and advisory",
        id="red-line-and-advisory",
    ),
    pytest.param(_yaml_syntax_error, f"{V1}: cannot be read as YAML", id="yaml-syntax"),
    pytest.param(
        _q("CS-01", _set(kind="essay")),
        f"{V1}: question CS-01: 'kind' is 'essay', expected one of",
        id="unknown-kind",
    ),
    pytest.param(
        _q("SCOPE-02", _drop("choices")),
        f"{V1}: question SCOPE-02: a choice question needs at least two choices",
        id="choice-without-choices",
    ),
    pytest.param(
        _q("CS-18", _threshold_not_numeric),
        f"{V1}: question CS-18: threshold {_first_threshold_key()}: 'value' must be a number",
        id="threshold-not-numeric",
    ),
    pytest.param(
        _q("CS-01", _set(cites=[])),
        f"{V1}: question CS-01: cites no provision",
        id="cites-nothing",
    ),
    pytest.param(
        _q("IN-09", _set(range={"min": 10, "max": 1})),
        f"{V1}: question IN-09: 'range' needs numbers min <= max",
        id="range-inverted",
    ),
    pytest.param(
        _q("IN-09", _set(range={"min": 0, "max": 5, "integer": True})),
        f"{V1}: question IN-09: threshold log_retention_months_min lies outside the range",
        id="range-excludes-threshold",
    ),
    pytest.param(
        _q("IN-09", _set(range={"min": 0, "max": "lots"})),
        f"{V1}: question IN-09: 'range' needs numbers min <= max",
        id="range-not-numeric",
    ),
    pytest.param(
        _q("CS-01", _set(range={"min": 0, "max": 1})),
        f"{V1}: question CS-01: only number questions have a 'range'",
        id="range-on-a-clause",
    ),
    pytest.param(
        _q("IN-09", _set(na_allowed=False)),
        f"{V1}: question IN-09: 'na_allowed' is true or false, on clause questions only",
        id="na-allowed-on-a-number",
    ),
]


def _q2(code, change):
    def apply(root):
        edit_questionnaire(root, lambda data: change(questions_of(data)[code]), V2)

    return apply


def _wrong_prefix(root):
    path = root / "library" / "provisions" / "HAI.yaml"
    data = read(path)
    data["provisions"][-1]["key"] = "HAX-30"
    write(path, data)


def _threshold_set(**values):
    def change(q):
        q["thresholds"][0].update(values)

    return change


def _threshold_drop(name):
    def change(q):
        del q["thresholds"][0][name]

    return change


INVALID += [
    pytest.param(
        _q2("HA-16", _threshold_drop("unit")),
        f"{V2}: question HA-16: threshold usage_reminder_hours_max: 'unit' is None, expected one of",
        id="threshold-without-unit",
    ),
    pytest.param(
        _q2("HA-21", _threshold_set(value=1000000.5)),
        f"{V2}: question HA-21: threshold reassessment_registered_users_max: 'value' in count is "
        "a whole number",
        id="fractional-count",
    ),
    pytest.param(
        _q2("HA-16", _threshold_set(value=-2)),
        f"{V2}: question HA-16: threshold usage_reminder_hours_max: 'value' cannot be negative",
        id="negative-threshold",
    ),
    pytest.param(
        _q2("HA-16", _threshold_set(unit="fortnights")),
        f"{V2}: question HA-16: threshold usage_reminder_hours_max: 'unit' is 'fortnights'",
        id="unknown-unit",
    ),
    pytest.param(
        _q2("HA-01", _set(applies_if={"field": "profile.emotional_interaction", "equals": "yes"})),
        f"{V2}: question HA-01: applies_if: 'profile.emotional_interaction' is true or false",
        id="condition-bool-field",
    ),
    pytest.param(
        _q2("HA-01", _unknown_cite),
        f"{V2}: question HA-01: cites unknown provision 'GAI-999'",
        id="v2-unknown-provision",
    ),
    pytest.param(
        _wrong_prefix,
        "HAI.yaml: provision HAX-30: the key of a HAI provision starts with 'HAI-'",
        id="key-prefix",
    ),
]


@pytest.mark.parametrize(("breakage", "expected"), INVALID)
def test_invalid_yaml_is_refused_with_file_item_and_reason(root, breakage, expected):
    breakage(root)
    before = dump_db()
    message = load_error(root)
    assert expected in message, message
    assert dump_db() == before


def test_yaml_syntax_error_says_where(root):
    _yaml_syntax_error(root)
    with pytest.raises(LoadError) as exc:
        read_library(root)
    assert re.search(r"line \d+", str(exc.value))


def test_problems_name_the_line(root):
    """A problem in version 2 names the file and the line the question starts on, in the file
    as written (here re-serialised, so the line is looked up in the written text)."""
    edit_questionnaire(root, lambda data: _unknown_cite(questions_of(data)["HA-06"]), V2)
    text = (root / "questionnaires" / V2).read_text(encoding="utf-8").splitlines()
    line = next(i for i, row in enumerate(text, 1) if row.strip() == "- code: HA-06")
    message = load_error(root)
    assert f"{V2}: question HA-06: cites unknown provision 'GAI-999' (line {line})" in message


def test_all_problems_of_a_file_are_reported_together(root):
    def change(data):
        questions = questions_of(data)
        _unknown_cite(questions["CS-01"])
        questions["CS-05"]["kind"] = "essay"

    edit_questionnaire(root, change)
    _duplicate_provision_key(root)
    with pytest.raises(LoadError) as exc:
        load_library(root)
    problems = [re.sub(r" \(line \d+\)$", "", p) for p in exc.value.problems]
    assert f"{V1}: question CS-01: cites unknown provision 'GAI-999'" in problems
    assert any(p.startswith(f"{V1}: question CS-05: 'kind' is 'essay'") for p in problems)
    assert f"GAI.yaml: provision {_first_gai_key()}: duplicate key" in problems


# --- the management command ---------------------------------------------------------------


def test_command_prints_the_counts():
    output = run_command()
    match = COUNTS_LINE.search(output)
    assert match, output
    instruments, provisions, assessable, risks, questions = map(int, match.groups())
    assert instruments == INSTRUMENTS == Instrument.objects.count()
    assert risks == 31
    assert provisions == Provision.objects.count() >= 300
    assert assessable == Provision.objects.filter(assessable=True).count()
    assert questions == Question.objects.count() >= 150
    assert "Assessable provisions no question cites" not in output


def test_command_fails_with_the_problems_listed(root):
    def change(data):
        questions = questions_of(data)
        _unknown_cite(questions["CS-01"])
        _set(red_line=True, advisory=True)(questions["CS-02"])

    edit_questionnaire(root, change)
    before = dump_db()
    with pytest.raises(CommandError) as exc:
        run_command("--root", str(root))
    message = str(exc.value)
    assert "The library was not loaded (2 problems)" in message
    assert f"  - {V1}: question CS-01: cites unknown provision 'GAI-999'" in message
    assert f"  - {V1}: question CS-02: a question cannot be both red_line and advisory" in message
    assert dump_db() == before


def test_command_fails_for_a_missing_root(tmp_path):
    with pytest.raises(CommandError, match="instruments.yaml: cannot be read as YAML"):
        run_command("--root", str(tmp_path / "nowhere"))


# --- filing routes ------------------------------------------------------------------------


@pytest.fixture
def questionnaire():
    return Questionnaire.objects.get(code=CODE, version=1)


def _routes(questionnaire, profile, answers) -> list[str]:
    return sorted(r.code for r in filing_routes(questionnaire, profile=profile, answers=answers))


def test_route_conditions_read_real_gates(questionnaire):
    gates = set(questionnaire.questions.filter(gate=True).values_list("code", flat=True))
    assert {"SCOPE-01", "SCOPE-02", "SCOPE-03", "SCOPE-04", "SCOPE-08"} <= gates
    assert sorted(r["code"] for r in questionnaire.filing_routes) == [
        "algorithm_filing",
        "gai_filing",
        "gai_registration",
        "none",
    ]


def test_public_self_developed_service_with_public_opinion_files_both(questionnaire):
    """The demo service: public in China, own model, public-opinion attribute."""
    profile = {
        "audience": "public_cn",
        "public_opinion": True,
        "foundation_model_source": "self_developed",
        "channels": ["web", "app"],
        "modalities": ["text"],
    }
    answers = {
        "SCOPE-01": True,
        "SCOPE-02": "provider_interface",
        "SCOPE-03": "self_developed",
        "SCOPE-04": True,
        "SCOPE-08": False,
    }
    assert _routes(questionnaire, profile, answers) == ["algorithm_filing", "gai_filing"]
    # a fine-tuned open-source model is filed the same way
    answers["SCOPE-03"] = "fine_tuned"
    assert _routes(questionnaire, profile, answers) == ["algorithm_filing", "gai_filing"]


def test_service_outside_china_needs_no_filing(questionnaire):
    profile = {"audience": "outside_cn", "public_opinion": False}
    routes = filing_routes(questionnaire, profile=profile, answers={"SCOPE-01": False})
    assert [r.code for r in routes] == ["none"]
    assert "GAI-2" in routes[0].cites


def test_app_calling_a_filed_model_is_registered(questionnaire):
    """A third-party, already filed model called through its API, no training: registration,
    not the large-model filing, and no algorithm filing without public-opinion attributes."""
    profile = {
        "audience": "public_cn",
        "public_opinion": False,
        "foundation_model_source": "third_party",
        "foundation_model_filed": True,
        "provides_api": False,
        "channels": ["app"],
        "modalities": ["text"],
    }
    answers = {
        "SCOPE-01": True,
        "SCOPE-02": "provider_interface",
        "SCOPE-03": "call_filed_only",
        "SCOPE-04": False,
        "SCOPE-08": False,
    }
    assert _routes(questionnaire, profile, answers) == ["gai_registration"]
    # face swap or voice cloning features bring the algorithm filing in
    answers["SCOPE-08"] = True
    assert _routes(questionnaire, profile, answers) == ["algorithm_filing", "gai_registration"]


def test_unanswered_gates_give_no_gai_route(questionnaire):
    """Before the scope questions are answered no filing/registration route is claimed."""
    routes = _routes(questionnaire, {"audience": "public_cn", "public_opinion": False}, {})
    assert "gai_filing" not in routes and "gai_registration" not in routes


def test_route_titles_follow_the_language(questionnaire):
    from django.utils import translation

    profile = {"audience": "outside_cn"}
    with translation.override("en"):
        assert filing_routes(questionnaire, profile=profile, answers={})[0].title == (
            "No filing required"
        )
    with translation.override("zh-hans"):
        assert filing_routes(questionnaire, profile=profile, answers={})[0].title == "无需备案"
