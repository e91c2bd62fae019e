"""What the answer form refuses or warns about at once: number ranges from the library, N/A
where a clause binds every service in scope, legal minimums (issue 12 A)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from assessments.forms import AnswerForm, number_range, threshold_warnings
from assessments.services import latest_questionnaire
from library.catalogue import get_catalogue


@pytest.fixture
def catalogue(db):
    return get_catalogue(latest_questionnaire())


def _form(question, value, lang="zh-hans"):
    with translation.override(lang):
        form = AnswerForm({"revision": 0, "value": value}, question=question)
        valid = form.is_valid()
        errors = [str(e) for e in form.errors.get("value", [])]
    return form, valid, errors


def test_every_number_question_of_the_current_version_has_a_range(catalogue):
    numbers = [q for q in catalogue.questions if q.kind == "number"]
    assert numbers
    for q in numbers:
        assert q.answer_range is not None, q.code


def test_values_outside_the_range_are_refused_and_inside_stored_as_given(catalogue):
    for q in (q for q in catalogue.questions if q.kind == "number"):
        low, high, integer = number_range(q)
        for bad in (low - 1, high + 1, "99999999999999999999", "-3", "abc", "1e400"):
            _form_, valid, errors = _form(q, str(bad))
            assert not valid and errors, (q.code, bad)
        if integer:
            _form_, valid, errors = _form(q, "2.5")
            assert not valid and errors, (q.code, errors)
        for good in {low, high, (low + high) / 2 if not integer else (low + high) // 2}:
            form, valid, errors = _form(q, str(good))
            assert valid, (q.code, good, errors)
            stored = form.stored_value()
            assert Decimal(str(stored)) == Decimal(str(good))
            assert isinstance(stored, int) or not integer


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("zh-hans", "请输入 1 至 1000 之间的数字。"), ("en", "Enter a number from 1 to 1000.")],
)
def test_out_of_range_message_names_the_range_in_both_languages(catalogue, lang, expected):
    _form_, valid, errors = _form(catalogue.by_code["IN-06"], "-3", lang)
    assert not valid and errors == [expected]
    _form_, valid, errors = _form(catalogue.by_code["IN-06"], "2.5", lang)
    assert not valid and errors == [
        "请输入整数。" if lang == "zh-hans" else "Enter a whole number."
    ]


def test_a_signatory_count_of_eleven_digits_is_refused(catalogue):
    assert not _form(catalogue.by_code["AF-06"], "99999999999")[1]


@pytest.mark.parametrize(
    ("value", "count"), [(3, 1), (5.5, 1), (6, 0), (24, 0)]
)  # fmt: skip
def test_log_retention_below_six_months_is_warned_at_once(catalogue, value, count):
    q = catalogue.by_code["IN-09"]
    with translation.override("en"):
        warnings = threshold_warnings(q, value)
    assert len(warnings) == count
    if count:
        assert "required minimum of 6 months" in warnings[0]
        assert "POSA-5.3" not in warnings[0] and "Art. 5" in warnings[0]


@pytest.mark.parametrize("code", ["CS-12", "CP-01"])
def test_red_lines_every_public_service_must_meet_refuse_na(catalogue, code):
    q = catalogue.by_code[code]
    assert not q.na_allowed
    with translation.override("zh-hans"):
        form = AnswerForm({"revision": 0, "value": "na", "na_reason": "不涉及"}, question=q)
        assert not form.is_valid()
        assert "不适用" in form.errors["value"][0]
        assert "na" not in [value for value, _label in form.fields["value"].choices]


def test_other_clauses_still_take_na_with_a_reason(catalogue):
    q = next(c for c in catalogue.questions if c.kind == "clause" and c.na_allowed)
    form = AnswerForm({"revision": 0, "value": "na", "na_reason": "不涉及"}, question=q)
    assert form.is_valid() and not form.incomplete
