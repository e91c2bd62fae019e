"""Filing-route triage of the current questionnaire: every decision from a table of services.

Each row is a service profile plus the scope answers a provider gives; the expected routes are
what the reference says (regulation.md §2, §6.1, §6.4; filing-practice.md §1).
"""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from assessments.services import latest_questionnaire
from library import scope
from library.catalogue import get_catalogue
from library.layouts import EMPTY, get_layout, layout_from_data
from library.routes import filing_routes
from tests import factories

PUBLIC_OWN = {
    "audience": "public_cn",
    "public_opinion": True,
    "foundation_model_source": "self_developed",
}
CALLER = {
    "audience": "public_cn",
    "public_opinion": False,
    "foundation_model_source": "third_party",
    "foundation_model_filed": True,
}
DEFAULT = {"audience": "public_cn"}  # the profile's default audience, nothing else said
COMPANION = {**PUBLIC_OWN, "emotional_interaction": True}  # a companion-chat app, own model
HAI = "anthropomorphic_assessment"

CASES = [
    # (id, profile, answers, expected route codes, undetermined questions)
    (
        "own model public chatbot",
        PUBLIC_OWN,
        {"SCOPE-01": True, "SCOPE-02": "provider_interface", "SCOPE-03": "self_developed"},
        ["gai_filing", "algorithm_filing"],
        (),
    ),
    (
        "fine-tuned open model, API provider",
        {**PUBLIC_OWN, "foundation_model_source": "third_party"},
        {"SCOPE-01": True, "SCOPE-02": "provider_api", "SCOPE-03": "fine_tuned", "SCOPE-04": True},
        ["gai_filing", "algorithm_filing"],
        (),
    ),
    (
        "app calling a filed model",
        CALLER,
        {"SCOPE-01": True, "SCOPE-02": "provider_interface", "SCOPE-03": "call_filed_only"},
        ["gai_registration"],
        (),
    ),
    (
        "app calling a filed model with face swap: consent and assessment, no algorithm filing",
        CALLER,
        {
            "SCOPE-01": True,
            "SCOPE-02": "provider_interface",
            "SCOPE-03": "call_filed_only",
            "SCOPE-08": True,
        },
        ["gai_registration"],
        (),
    ),
    (
        "internal tool, default audience, SCOPE-01 = no",
        DEFAULT,
        {"SCOPE-01": False, "SCOPE-02": "provider_interface", "SCOPE-03": "self_developed"},
        ["none"],
        (),
    ),
    (
        "internal tool, enterprise audience, SCOPE-01 = no",
        {"audience": "enterprise_cn"},
        {"SCOPE-01": False},
        ["none"],
        (),
    ),
    (
        "enterprise audience, SCOPE-01 not answered: undetermined",
        {"audience": "enterprise_cn"},
        {},
        ["undetermined"],
        ("SCOPE-01",),
    ),
    (
        "enterprise API whose customers expose it to the public",
        {"audience": "enterprise_cn", "public_opinion": False},
        {"SCOPE-01": True, "SCOPE-02": "provider_api", "SCOPE-03": "self_developed"},
        ["gai_filing"],
        (),
    ),
    (
        "technical supporter of a public-opinion service",
        DEFAULT,
        {"SCOPE-01": True, "SCOPE-02": "technical_supporter", "SCOPE-04": True},
        ["algorithm_filing"],
        (),
    ),
    (
        "technical supporter, public opinion not answered",
        DEFAULT,
        {"SCOPE-01": True, "SCOPE-02": "technical_supporter"},
        ["undetermined"],
        ("SCOPE-04",),
    ),
    (
        "technical supporter of a service without public-opinion attributes",
        DEFAULT,
        {"SCOPE-01": True, "SCOPE-02": "technical_supporter", "SCOPE-04": False},
        ["none"],
        (),
    ),
    (
        "user only",
        DEFAULT,
        {"SCOPE-01": True, "SCOPE-02": "user_only"},
        ["none"],
        (),
    ),
    (
        "outside China, nothing answered",
        {"audience": "outside_cn", "public_opinion": False},
        {},
        ["none"],
        (),
    ),
    (
        "outside China in the profile, but SCOPE-01 = yes: the answer decides",
        {"audience": "outside_cn"},
        {"SCOPE-01": True, "SCOPE-02": "provider_interface", "SCOPE-03": "call_filed_only"},
        ["gai_registration", "undetermined"],
        ("SCOPE-04",),
    ),
    (
        "public service, nothing answered",
        DEFAULT,
        {},
        ["undetermined"],
        ("SCOPE-02",),
    ),
    (
        "public service, role answered, model source not",
        {
            "audience": "public_cn",
            "public_opinion": False,
            "foundation_model_source": "third_party",
        },
        {"SCOPE-02": "provider_interface"},
        ["undetermined"],
        ("SCOPE-03",),
    ),
    (
        "companion chat with its own model: the assessment report to the provincial CAC too",
        COMPANION,
        {"SCOPE-01": True, "SCOPE-02": "provider_interface", "SCOPE-03": "self_developed"},
        ["gai_filing", "algorithm_filing", HAI],
        (),
    ),
    (
        "companion app calling a filed model, SCOPE-15 answered yes against the profile",
        CALLER,
        {
            "SCOPE-01": True,
            "SCOPE-02": "provider_interface",
            "SCOPE-03": "call_filed_only",
            "SCOPE-15": True,
        },
        ["gai_registration", HAI],
        (),
    ),
    (
        "companion in the profile, but SCOPE-15 = no (a customer-support bot): the answer decides",
        COMPANION,
        {
            "SCOPE-01": True,
            "SCOPE-02": "provider_both",
            "SCOPE-03": "self_developed",
            "SCOPE-15": False,
        },
        ["gai_filing", "algorithm_filing"],
        (),
    ),
    (
        "technical supporter of a companion service: the provider reports the assessment",
        COMPANION,
        {"SCOPE-01": True, "SCOPE-02": "technical_supporter", "SCOPE-15": True},
        ["algorithm_filing"],
        (),
    ),
    (
        "internal companion prototype, SCOPE-01 = no",
        COMPANION,
        {"SCOPE-01": False, "SCOPE-15": True},
        ["none"],
        (),
    ),
    (
        "self-developed model in the profile prefills SCOPE-03 and SCOPE-04",
        PUBLIC_OWN,
        {"SCOPE-02": "provider_both"},
        ["gai_filing", "algorithm_filing"],
        (),
    ),
]


@pytest.fixture
def questionnaire(db):
    return latest_questionnaire()


@pytest.mark.parametrize(
    ("profile", "answers", "expected", "missing"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_route_table(questionnaire, profile, answers, expected, missing):
    routes = filing_routes(questionnaire, profile=profile, answers=answers)
    assert sorted(r.code for r in routes) == sorted(expected)
    assert tuple(c for r in routes for c in r.missing) == missing
    # "no filing required" never stands beside a route that needs filing, nor undecided
    codes = {r.code for r in routes}
    assert "none" not in codes or codes == {"none"}


def test_every_route_of_the_questionnaire_is_reached_by_the_table(questionnaire):
    reached = {
        r.code
        for _id, profile, answers, _e, _m in CASES
        for r in filing_routes(questionnaire, profile=profile, answers=answers)
    }
    assert reached == {r["code"] for r in questionnaire.filing_routes}


def test_the_technical_supporter_route_names_its_role(questionnaire):
    answers = {"SCOPE-01": True, "SCOPE-02": "technical_supporter", "SCOPE-04": True}
    with translation.override("zh-hans"):
        (route,) = filing_routes(questionnaire, profile=DEFAULT, answers=answers)
    assert "技术支持者" in route.title and "服务技术支持者" in route.reason
    assert "DS-19.1" in route.cites
    answers["SCOPE-02"] = "provider_interface"
    answers["SCOPE-03"] = "self_developed"
    with translation.override("en"):
        routes = filing_routes(questionnaire, profile=DEFAULT, answers=answers)
    algorithm = next(r for r in routes if r.code == "algorithm_filing")
    assert "'service provider'" in algorithm.reason


def test_face_editing_is_practice_advice_not_a_condition(questionnaire):
    """SCOPE-08 appears in no route condition; the reason names consent and assessment."""
    assert "SCOPE-08" not in str([r["applies_if"] for r in questionnaire.filing_routes])
    algorithm = next(r for r in questionnaire.filing_routes if r["code"] == "algorithm_filing")
    assert "第十四条" in algorithm["reason_zh"] and "第十五条" in algorithm["reason_zh"]
    assert {"DS-14.2", "DS-15.2"} <= set(algorithm["cites"])


def test_scope_01_guidance_asks_how_enterprise_customers_use_the_api(questionnaire):
    q = questionnaire.questions.get(code="SCOPE-01")
    assert "通常视为" not in q.guidance_zh and "normally treated" not in q.guidance_en
    assert "内部使用" in q.guidance_zh and "下游" in q.guidance_zh


def test_scope_13_band_includes_ten_million(questionnaire):
    q = questionnaire.questions.get(code="SCOPE-13")
    labels = {c["value"]: c["label_zh"] for c in q.choices}
    assert labels["over_10m"] == "1000万人以上"
    assert "不足1000万人" in labels["1m_10m"]


@pytest.mark.parametrize(
    ("profile", "answers", "flagged"),
    [
        ({"audience": "public_cn"}, {"SCOPE-01": False}, ["SCOPE-01"]),
        ({"audience": "outside_cn"}, {"SCOPE-01": True}, ["SCOPE-01"]),
        ({"audience": "enterprise_cn"}, {"SCOPE-01": True}, []),
        ({"audience": "enterprise_cn"}, {"SCOPE-01": False}, []),
        (
            {"foundation_model_source": "self_developed"},
            {"SCOPE-03": "call_filed_only"},
            ["SCOPE-03"],
        ),
        ({"foundation_model_source": "third_party"}, {"SCOPE-03": "self_developed"}, ["SCOPE-03"]),
        ({"foundation_model_source": "third_party"}, {"SCOPE-03": "fine_tuned"}, []),
        ({"public_opinion": True}, {"SCOPE-04": False}, ["SCOPE-04"]),
        ({}, {"SCOPE-03": "call_filed_only", "SCOPE-05": True}, ["SCOPE-05"]),
        ({}, {"SCOPE-03": "fine_tuned", "SCOPE-05": True}, []),
        ({"emotional_interaction": True}, {"SCOPE-15": False}, ["SCOPE-15"]),
        ({"emotional_interaction": False}, {"SCOPE-15": True}, ["SCOPE-15"]),
        ({"emotional_interaction": True}, {"SCOPE-15": True}, []),
    ],
)
def test_contradictions_between_profile_and_answers(profile, answers, flagged):
    v2 = factories.layout(2)
    assert [c.question for c in scope.contradictions(v2, profile, answers)] == flagged
    # A version whose layout names no scope question checks nothing.
    assert scope.contradictions(EMPTY, profile, answers) == []


def test_scope_15_is_prefilled_from_the_emotional_interaction_flag():
    v2 = factories.layout(2)
    assert scope.effective_answers(v2, {"emotional_interaction": True}, {})["SCOPE-15"] is True
    assert scope.effective_answers(v2, {"emotional_interaction": False}, {})["SCOPE-15"] is False
    assert scope.prefilled_value(v2, "SCOPE-15", {"emotional_interaction": True}, None) is True
    assert scope.prefilled_value(v2, "SCOPE-15", {"emotional_interaction": True}, False) is None
    # Version 1 has no such question: its layout names none, and nothing is prefilled.
    assert scope.effective_answers(factories.layout(1), {"emotional_interaction": True}, {}) == {}


def test_the_layout_says_which_question_a_scope_check_reads():
    """Renumbered in a later version, the prefill and the checks follow the layout."""
    moved = layout_from_data(
        {
            "questions": {
                **factories.layout(2).questions,
                "scope.audience": "S-1",
                "scope.model_source": "S-3",
                "scope.user_input_training": "S-5",
            }
        }
    )
    profile = {"audience": "public_cn", "foundation_model_source": "self_developed"}
    assert scope.effective_answers(moved, profile, {}) == {"S-1": True, "S-3": "self_developed"}
    with translation.override("en"):
        found = scope.contradictions(moved, profile, {"S-3": "call_filed_only", "S-5": True})
    assert [c.question for c in found] == ["S-3", "S-5"]
    assert "S-3 says the service only calls" in found[1].message
    with translation.override("zh-hans"):
        found = scope.contradictions(moved, profile, {"S-3": "call_filed_only", "S-5": True})
    assert "S-3" in found[1].message and "%(code)s" not in found[1].message
    assert "S-1" in scope.checked(moved) and "SCOPE-01" not in scope.checked(moved)


def test_the_anthropomorphic_route_names_the_provincial_cac_and_the_thresholds(questionnaire):
    answers = {"SCOPE-01": True, "SCOPE-02": "provider_interface", "SCOPE-03": "self_developed"}
    with translation.override("zh-hans"):
        route = next(
            r
            for r in filing_routes(questionnaire, profile=COMPANION, answers=answers)
            if r.code == HAI
        )
    assert "省级网信部门" in route.title and "100万" in route.reason and "10万" in route.reason
    assert route.cites[0] == "HAI-22"
    with translation.override("en"):
        route = next(
            r
            for r in filing_routes(questionnaire, profile=COMPANION, answers=answers)
            if r.code == HAI
        )
    assert "provincial CAC" in route.title
    assert "1,000,000 registered users" in route.reason and "100,000 monthly" in route.reason
    # version 1 knows nothing of it: assessments on v1 keep their routes
    from library.models import Questionnaire

    v1 = Questionnaire.objects.get(code=questionnaire.code, version=1)
    assert HAI not in {r.code for r in filing_routes(v1, profile=COMPANION, answers=answers)}


def test_prefill_comes_from_the_profile_and_yields_to_an_answer():
    profile = {"audience": "public_cn", "foundation_model_source": "third_party"}
    v2 = factories.layout(2)
    assert scope.effective_answers(v2, profile, {}) == {"SCOPE-01": True}
    assert scope.effective_answers(v2, profile, {"SCOPE-01": False})["SCOPE-01"] is False
    assert scope.prefilled_value(v2, "SCOPE-01", profile, None) is True
    assert scope.prefilled_value(v2, "SCOPE-01", profile, False) is None
    assert scope.prefilled_value(v2, "SCOPE-01", {"audience": "enterprise_cn"}, None) is None


# --- on the pages -------------------------------------------------------------------------


def test_pages_prefill_scope_01_flag_a_contradiction_and_show_an_undetermined_route(
    service, editor, editor_client
):
    """The service keeps the profile's default audience (public in mainland China)."""
    from django.urls import reverse

    from assessments.services import assessment_start

    assessment, _created = assessment_start(service=service, user=editor)
    kwargs = {"assessment": assessment.public_id}
    page = editor_client.get(reverse("assessments:detail", kwargs=kwargs) + "?domain=scope")
    html = page.content.decode()
    card = html[html.index('id="q-SCOPE-01"') : html.index('id="q-SCOPE-02"')]
    assert 'class="alert alert-info small py-1 px-2 mb-2 prefilled"' in card
    checked = re.findall(r'<input type="radio" name="value" value="(\w+)"[^>]*\bchecked\b', card)
    assert checked == ["yes"]

    results = editor_client.get(reverse("assessments:results", kwargs=kwargs)).content.decode()
    assert "route-undetermined" in results and "#q-SCOPE-02" in results
    assert ">GAI-2<" not in results  # citations read as people write them, not as keys
    assert "无需备案" not in results and "No filing required" not in results

    # an internal tool says so: no filing, and the default audience is flagged where it occurs
    url = reverse("assessments:answer", kwargs={**kwargs, "question": "SCOPE-01"})
    saved = editor_client.post(url, {"revision": 0, "value": "no"}).content.decode()
    assert 'id="contradictions-SCOPE-01"' in saved and "contradiction" in saved
    assert 'id="prefill-SCOPE-01" hx-swap-oob="true"></div>' in saved
    results = editor_client.get(reverse("assessments:results", kwargs=kwargs)).content.decode()
    assert "scope-conflict" in results and "route-undetermined" not in results
    assert "无需备案" in results or "No filing required" in results


# --- the standard in force in the report ----------------------------------------------------


@pytest.mark.parametrize("basis", ["tc260_003", "gbt45654", "both"])
def test_the_report_cites_tc260_003_and_says_the_gb_t_45654_clauses_are_unconfirmed(
    questionnaire, basis
):
    """GB/T 45654-2025's final clause text is not in the reference: every clause citation of the
    report is TC260-003 and says so; choosing GB/T 45654 does not hide it."""
    from filing.documents import REPORT_CHAPTERS, assessment_report
    from filing.facts import AnswerFact, FilingFacts

    catalogue = get_catalogue(questionnaire)
    facts = FilingFacts(
        provider={},
        service={"profile": DEFAULT},
        answers={"AF-03": AnswerFact(code="AF-03", value=basis)},
        applicable=frozenset({"AF-03"}),
        kinds={q.code: q.kind for q in catalogue.questions},
        layout=get_layout(questionnaire),
    )
    doc = assessment_report(facts, catalogue)
    text = doc.text()
    chapter7 = text[text.index(REPORT_CHAPTERS[6]) : text.index(REPORT_CHAPTERS[7])]
    assert "TC260-003（GB/T 45654-2025 对应条款待核）" in chapter7
    # the table's column names the standard it follows; the paragraph above it says why
    assert "TC260-003 条款" in chapter7 and "GB/T 45654-2025 对应条款待核。" in chapter7
    if basis == "tc260_003":
        assert "选择以 GB/T 45654-2025 为依据" not in text
    else:
        assert "逐条结果表按 TC260-003（GB/T 45654-2025 对应条款待核）编排" in text
    if basis == "gbt45654":
        assert "下表仍按 TC260-003 条款编排" in chapter7


def test_af_03_does_not_penalise_tc260_003(questionnaire):
    q = questionnaire.questions.get(code="AF-03")
    scores = {c["value"]: c["score"] for c in q.choices}
    assert scores["tc260_003"] == scores["gbt45654"] == 1
