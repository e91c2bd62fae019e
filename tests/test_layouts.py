"""Document layouts (library.layouts): which questions the filing documents and the pre-filing
checks read, per questionnaire version. The loader refuses a layout naming a question its version
lacks (file and line named), loading twice changes nothing, and the code reads the layout of the
assessment's own version."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from library.layouts import get_layout, layout_from_data
from library.loading import LoadError, load_library
from library.models import Questionnaire

pytestmark = pytest.mark.django_db

CODE = "gai-security-self-assessment"
REAL_ROOT = Path(settings.BASE_DIR) / "fixtures"
VERSIONS = sorted(
    int(re.search(r"-v(\d+)\.layout\.yaml$", p.name).group(1))
    for p in (REAL_ROOT / "questionnaires").glob("*.layout.yaml")
)


@pytest.fixture
def root(tmp_path) -> Path:
    target = tmp_path / "fixtures"
    shutil.copytree(REAL_ROOT / "library", target / "library")
    shutil.copytree(REAL_ROOT / "questionnaires", target / "questionnaires")
    return target


def layout_file(root: Path, version: int) -> Path:
    return root / "questionnaires" / f"{CODE}-v{version}.layout.yaml"


def replace_line(path: Path, old: str, new: str) -> int:
    """Replace the one line that holds `old`; return its (1-based) number."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    (number,) = [n for n, line in enumerate(lines) if old in line]
    lines[number] = lines[number].replace(old, new)
    path.write_text("".join(lines), encoding="utf-8")
    return number + 1


def refusal(root: Path) -> list[str]:
    with pytest.raises(LoadError) as exc:
        load_library(root)
    return exc.value.problems


def stored() -> list[tuple]:
    return list(
        Questionnaire.objects.order_by("pk").values_list("version", "layout", "layout_hash")
    )


def test_every_version_has_a_layout_that_loads():
    assert VERSIONS == sorted(Questionnaire.objects.values_list("version", flat=True))
    report = load_library()
    assert all(line.endswith(": unchanged") for line in report.questionnaires)
    for questionnaire in Questionnaire.objects.all():
        assert questionnaire.layout_hash
        layout = get_layout(questionnaire)
        assert layout.rows("algorithm.responsibility.staff")


def test_all_versions_declare_the_same_roles_and_sections():
    """Code reads every role and section by name: each version declares each one (a role may
    be null where a version has no such question)."""
    data = [yaml.safe_load(layout_file(REAL_ROOT, v).read_text()) for v in VERSIONS]
    assert all(set(d["questions"]) == set(data[0]["questions"]) for d in data)
    assert all(set(d["sections"]) == set(data[0]["sections"]) for d in data)


def test_a_code_the_version_lacks_is_refused_with_file_and_line(root):
    before = stored()
    line = replace_line(layout_file(root, 1), "{q: AN-04,", "{q: AN-99,")
    problems = refusal(root)
    assert problems == [
        f"{CODE}-v1.layout.yaml, line {line}: section algorithm.responsibility.staff names "
        "question 'AN-99', which this questionnaire version does not have"
    ]
    assert stored() == before


def test_a_role_naming_a_question_of_another_version_is_refused(root):
    """The filing-details questions (FD-…) exist in version 2 only."""
    line = replace_line(layout_file(root, 1), "scope.domain: SCOPE-10", "scope.domain: FD-01")
    (problem,) = refusal(root)
    assert problem.startswith(f"{CODE}-v1.layout.yaml, line {line}: question role scope.domain")
    assert "'FD-01'" in problem


def test_a_code_in_a_list_is_checked_too(root):
    line = replace_line(
        layout_file(root, 2), "q: [CS-12, LC-10, LC-11]", "q: [CS-12, LC-10, XX-01]"
    )
    (problem,) = refusal(root)
    assert problem.startswith(f"{CODE}-v2.layout.yaml, line {line}: section algorithm.report.risks")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("scope.domain: SCOPE-10", "scope.domain: 10", "expected a code or a list of codes"),
        ("{q: AN-04,", "{question: AN-04,", "a row names its question(s) under 'q'"),
        ("version: 1", "version: 2", "names 'gai-security-self-assessment' v2, but lies next to"),
        ("scope.domain: SCOPE-10", "scope.provider_role: SCOPE-10", "duplicate question role"),
        ("{q: CS-23, bank: generated}", "{q: CS-23, bank: generate}", "unknown bank 'generate'"),
        ("analysers: [test_results]", "analysers: [test_result]", "unknown analyser 'test_result'"),
        (
            "label_en: IP risk notice}",
            "label_english: IP risk notice}",
            "has it in both languages",
        ),
    ],
)
def test_malformed_layouts_are_refused(root, old, new, expected):
    replace_line(layout_file(root, 1), old, new)
    problems = refusal(root)
    assert any(expected in p and p.startswith(f"{CODE}-v1.layout.yaml") for p in problems), problems


def test_a_layout_without_its_questionnaire_is_refused(root):
    shutil.copy(layout_file(root, 1), root / "questionnaires" / f"{CODE}-v9.layout.yaml")
    assert refusal(root) == [f"{CODE}-v9.layout.yaml: a layout without its questionnaire file"]


def test_loading_twice_changes_nothing(root):
    load_library(root)
    before = stored()
    assert all(line.endswith(": unchanged") for line in load_library(root).questionnaires)
    assert stored() == before


def test_a_corrected_layout_replaces_the_stored_one_and_keeps_the_questionnaire(root):
    """The layout says where answers appear, not what was asked: it may be corrected while the
    questionnaire version stays immutable."""
    questionnaire = Questionnaire.objects.get(code=CODE, version=1)
    replace_line(layout_file(root, 1), "被处置用户的申诉入口", "被处置用户申诉的入口")
    report = load_library(root)
    assert f"{CODE} v1: unchanged, layout stored" in report.questionnaires
    changed = Questionnaire.objects.get(pk=questionnaire.pk)
    assert changed.content_hash == questionnaire.content_hash
    assert changed.layout_hash != questionnaire.layout_hash
    labels = [
        row["label"] for row in get_layout(changed).rows("algorithm.responsibility.violations")
    ]
    assert "被处置用户申诉的入口" in labels


def test_an_empty_layout_reads_nothing_and_a_real_one_refuses_unknown_roles():
    empty = layout_from_data({})
    assert empty.code("scope.domain") is None and empty.rows("algorithm.report.risks") == ()
    real = get_layout(Questionnaire.objects.get(code=CODE, version=1))
    assert real.code("scope.domain") == "SCOPE-10"
    with pytest.raises(KeyError):
        real.code("scope.domian")
    with pytest.raises(KeyError):
        real.rows("algorithm.report.riks")


# --- no question code in production Python ----------------------------------------------------

BASE = Path(settings.BASE_DIR)
SKIPPED_DIRS = {"tests", ".venv", "node_modules", "var", "migrations", ".git"}
# Modules that still name question codes, with the reason; the list only shrinks.
NOT_YET_MOVED: dict[str, str] = {}


def _question_codes() -> set[str]:
    codes = set()
    for path in (REAL_ROOT / "questionnaires").glob("*.yaml"):
        if path.name.endswith(".layout.yaml"):
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        codes |= {q["code"] for d in data["domains"] for q in d["questions"]}
    return codes


def test_no_question_code_is_named_in_production_python_or_templates():
    """Which question a document, a check or a package reads is library content (the layout
    of the assessment's version): a code written in Python would read the wrong question, or
    none, in another version. Comments count too: they go stale the same way."""
    codes = sorted(_question_codes(), key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, codes)) + r")(?![\w])")
    found = {}
    for path in [*BASE.rglob("*.py"), *BASE.rglob("*.html")]:
        relative = path.relative_to(BASE)
        if SKIPPED_DIRS.intersection(relative.parts):
            continue
        hits = sorted(set(pattern.findall(path.read_text(encoding="utf-8"))))
        if hits:
            found[relative.as_posix()] = hits
    assert set(found) <= set(NOT_YET_MOVED), {
        p: c for p, c in found.items() if p not in NOT_YET_MOVED
    }
    assert set(NOT_YET_MOVED) <= set(found), "moved: drop from NOT_YET_MOVED " + ", ".join(
        sorted(set(NOT_YET_MOVED) - set(found))
    )


# --- documents follow the layout of the assessment's version ----------------------------------


def _facts(layout, *answers):
    from filing.facts import AnswerFact, FilingFacts

    found = {code: AnswerFact(code, value) for code, value in answers}
    return FilingFacts(
        provider={"name_zh": "甲科技有限公司"},
        service={"name": "甲助手", "profile": {"modalities": ["text"]}},
        answers=found,
        applicable=frozenset(found),
        layout=layout,
    )


def test_each_version_reads_its_own_questions():
    """The filing-details questions exist in version 2 only: the same answer fills the form's
    model name under the version 2 layout and nothing under version 1's."""
    from filing import documents

    def model_name(version: int) -> str:
        layout = get_layout(Questionnaire.objects.get(code=CODE, version=version))
        return documents.model_name(_facts(layout, ("FD-01", "星辰大模型")))

    assert model_name(2) == "星辰大模型"
    assert model_name(1) == documents.TODO


def test_a_new_row_in_the_layout_appears_in_the_document_without_code():
    from filing import algorithm

    data = yaml.safe_load(layout_file(REAL_ROOT, 2).read_text(encoding="utf-8"))
    data["sections"]["algorithm.responsibility.staff"].append(
        {"q": "MN-05", "label": "未成年人模式的人员配置"}
    )
    facts = _facts(layout_from_data(data), ("MN-05", True))
    text = algorithm.responsibility(facts).text()
    assert "未成年人模式的人员配置（MN-05）" in text
    real = _facts(get_layout(Questionnaire.objects.get(code=CODE, version=2)), ("MN-05", True))
    assert "MN-05" not in algorithm.responsibility(real).text()
