"""Catalogue.applicable() remembers its result per profile and gate answers: on random
profiles and answers of every questionnaire version, what it gives equals a fresh evaluation,
asked first or again, in any order."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from library import catalogue as catalogue_module
from library.catalogue import get_catalogue
from library.models import Questionnaire
from library.scope import effective_answers
from providers.models import Audience, Channel, FoundationModelSource, LaunchStatus, Modality

pytestmark = pytest.mark.django_db

PROFILES = st.fixed_dictionaries(
    {
        "modalities": st.lists(st.sampled_from(Modality.values), unique=True),
        "channels": st.lists(st.sampled_from(Channel.values), unique=True),
        "audience": st.sampled_from(Audience.values),
        "public_opinion": st.booleans(),
        "minors_allowed": st.booleans(),
        "foundation_model_source": st.sampled_from(FoundationModelSource.values),
        "foundation_model_filed": st.booleans(),
        "provides_api": st.booleans(),
        "has_algorithm_filing": st.booleans(),
        "has_gai_filing": st.booleans(),
        "launch_status": st.sampled_from(LaunchStatus.values),
        "emotional_interaction": st.booleans(),
    }
)
PROFILE = {
    "modalities": ["text"],
    "channels": ["web", "api"],
    "audience": "public_cn",
    "public_opinion": True,
    "minors_allowed": False,
    "foundation_model_source": "self_developed",
    "foundation_model_filed": False,
    "provides_api": True,
    "has_algorithm_filing": False,
    "has_gai_filing": False,
    "launch_status": "planned",
    "emotional_interaction": False,
}
ODD = st.one_of(st.none(), st.just(""), st.just([]), st.integers(-1, 2), st.text(max_size=3))


def _values(question) -> st.SearchStrategy:
    """What an answer of this question may hold, stored or odd."""
    choices = [c["value"] for c in question.choices]
    if question.kind == "yes_no":
        return st.one_of(st.booleans(), ODD)
    if question.kind == "multiple_choice" and choices:
        return st.one_of(st.lists(st.sampled_from(choices), unique=True), ODD)
    if choices:
        return st.one_of(st.sampled_from(choices), ODD)
    return ODD


def _answers(catalogue) -> st.SearchStrategy:
    """Gate answers (what applicability reads) and a few other answers (what it ignores)."""
    questions = catalogue.questions
    gates = [q for q in questions if q.gate]
    others = [q for q in questions if not q.gate][:5]
    return st.fixed_dictionaries(
        {},
        optional={q.code: _values(q) for q in gates + others},
    )


@pytest.fixture(scope="module")
def catalogues(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return [get_catalogue(q) for q in Questionnaire.objects.order_by("code", "version")]


def test_every_version_has_gates(catalogues):
    # Else the comparison below would not reach what the remembering depends on.
    assert catalogues and all(any(q.gate for q in c.questions) for c in catalogues)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_remembered_equals_evaluated(catalogues, data):
    catalogue = data.draw(st.sampled_from(catalogues))
    for _ in range(3):  # asked again with other answers, and the same ones
        profile = data.draw(PROFILES)
        answers = data.draw(_answers(catalogue))
        fresh = catalogue.evaluate_applicable(
            profile, effective_answers(catalogue.layout, profile, answers)
        )
        assert catalogue.applicable(profile, answers) == fresh
        assert catalogue.applicable(profile, answers) == fresh


def test_a_caller_changing_the_result_changes_nothing_remembered(catalogues):
    catalogue = catalogues[0]
    profile = PROFILE
    first = catalogue.applicable(profile, {})
    first.clear()
    assert catalogue.applicable(profile, {}) == catalogue.evaluate_applicable(
        profile, effective_answers(catalogue.layout, profile, {})
    )


def test_it_starts_afresh_past_its_bound(catalogues, monkeypatch):
    monkeypatch.setattr(catalogue_module, "APPLICABLE_KEPT", 2)
    catalogue = catalogues[0]
    catalogue._applicable.clear()
    for audience in Audience.values:
        profile = {**PROFILE, "audience": audience}
        catalogue.applicable(profile, {})
        assert len(catalogue._applicable) <= 2
