"""The stored filing routes and blocking checks (filing.summary) equal a fresh computation by
the review desk's functions after every kind of change that feeds them."""

from __future__ import annotations

import datetime as dt

import pytest

from assessments import services
from assessments.models import Assessment
from filing import disclosure, summary
from filing.checks import run_checks
from filing.facts import facts_for
from providers.services import provider_update, service_save
from reviews.services import blocking_checks, route_blocks
from tests import factories
from tests.test_filing_disclosure import GOOD


def _fresh(assessment) -> Assessment:
    return Assessment.objects.select_related(
        "service__provider", "service__disclosure", "questionnaire"
    ).get(pk=assessment.pk)


def _stored_and_computed(assessment):
    obj = _fresh(assessment)
    routes = route_blocks(obj)
    facts = facts_for(obj)
    computed = (
        {
            code: [c.code for r in routes if r.code == code for c in r.blocks]
            for code in facts.routes
        },
        len(blocking_checks(routes)),
    )
    return (obj.filing_routes, obj.blocking_count), computed


def _assert_exact(assessment):
    stored, computed = _stored_and_computed(assessment)
    assert stored == computed
    return stored


@pytest.mark.django_db
def test_stored_routes_and_blocking_checks_follow_every_change(service, owner):
    draft, _created = services.assessment_start(service=service, user=owner)
    seen = [_assert_exact(draft)]

    factories.fill_required(draft, owner)  # answers in bulk, evidence, analyses
    seen.append(_assert_exact(draft))
    assert seen[-1] != seen[0]

    # One answer saved as the page saves it (the autosave).
    assert "anthropomorphic_assessment" in seen[-1][0]  # sustained emotional interaction
    factories.answer(draft, "SCOPE-15", owner, value="no")
    seen.append(_assert_exact(draft))
    assert "anthropomorphic_assessment" not in seen[-1][0]

    evidence = factories.attach(draft, "CS-18", owner)  # the keyword list, analysed
    seen.append(_assert_exact(draft))
    services.evidence_delete(evidence=evidence, user=owner)
    seen.append(_assert_exact(draft))

    # The disclosure text, which a draft reads live (only refused texts would block, and those
    # are never saved, so this only shows the result stays exact).
    disclosure.disclosure_save(service=service, fields=GOOD, revision=0, user=owner)
    _assert_exact(draft)

    # The provider's facts: without a security lead the algorithm filing is blocked.
    before = _assert_exact(draft)
    assert "ALGO-03" in before[0]["algorithm_filing"]
    provider_update(provider=service.provider, security_lead="李四")
    after = _assert_exact(draft)
    assert "ALGO-03" not in after[0]["algorithm_filing"]
    assert after[1] < before[1]

    # The service's profile.
    service.channels = ["web"]
    service_save(service=service)
    _assert_exact(draft)
    service.foundation_model_source = "third_party"
    service.foundation_model_name = "某大模型"
    service.foundation_model_filing_number = ""
    service_save(service=service)
    changed = _assert_exact(draft)
    assert changed[0] != after[0], "a third party's model changes the routes"

    factories.fill_required(draft, owner)  # the questions the third party's model opened
    submitted = services.assessment_submit(assessment=_fresh(draft), user=owner)
    frozen = _assert_exact(submitted)
    # Stored results do not go stale with the date: no blocking check reads it (warnings do,
    # such as the age of the analysed keyword list and test banks the fixture attached).
    obj = _fresh(submitted)
    warned = []
    for today in (dt.date(2000, 1, 1), dt.date.today(), dt.date.today() + dt.timedelta(3650)):
        facts = facts_for(obj, today=today)
        routes = route_blocks(obj, facts)
        assert obj.filing_routes == {
            code: [c.code for r in routes if r.code == code for c in r.blocks]
            for code in facts.routes
        }
        warned.append({r.code for r in run_checks(facts).results if r.status == "warn"})
    assert len({frozenset(w) for w in warned}) > 1, "the date must matter to some warning"

    # After submission the snapshot is what counts: later edits of the service change nothing.
    service.channels = ["web", "api"]
    service_save(service=service)
    assert _assert_exact(submitted) == frozen


@pytest.mark.django_db
def test_route_labels_cover_every_route_the_library_accepts():
    from library.loading import ROUTES

    assert set(summary.ROUTE_LABELS) == ROUTES
    questionnaire = services.latest_questionnaire()
    assert {route["code"] for route in questionnaire.filing_routes} <= ROUTES
    assert summary.route_codes({"none": [], "algorithm_filing": [], "gai_filing": []}) == [
        "gai_filing",
        "algorithm_filing",
        "none",
    ]


@pytest.mark.django_db
def test_assessments_from_before_the_fields_are_filled_in_after_migrate(service, owner):
    from django.core.management import call_command

    draft, _created = services.assessment_start(service=service, user=owner)
    factories.fill_required(draft, owner)
    Assessment.objects.filter(pk=draft.pk).update(filing_routes=None, blocking_count=None)
    call_command("migrate", verbosity=0)  # nothing to migrate; post_migrate still runs
    _assert_exact(draft)
    assert _fresh(draft).blocking_count is not None
    assert summary.fill_missing() == 0  # nothing left: one query
