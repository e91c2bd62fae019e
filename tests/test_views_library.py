"""The provision library pages (Chinese by default, English with the language cookie), their
query counts, and the read-only admin of the library."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from library.models import (
    Domain,
    Instrument,
    Provision,
    Question,
    Questionnaire,
    Risk,
    RiskCategory,
)
from library.routes import describe_condition

pytestmark = pytest.mark.django_db

CODE = "gai-security-self-assessment"


def newest() -> Questionnaire:
    """The library pages show the questions of the newest version of a questionnaire."""
    return Questionnaire.objects.filter(code=CODE).latest("version")


@pytest.fixture
def en_client(viewer, client_for):
    """The viewer with English chosen (a separate client: viewer_client stays Chinese)."""
    client = client_for(viewer)
    client.cookies["django_language"] = "en"
    return client


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def question_url(code: str) -> str:
    return reverse("library:question", kwargs={"code": CODE, "version": 1, "question": code})


# --- index --------------------------------------------------------------------------------


def test_index_lists_every_instrument_with_counts_in_chinese(viewer_client):
    page = html(viewer_client.get(reverse("library:index")))
    assert "条款库" in page
    for instrument in Instrument.objects.all():
        assert instrument.title_zh in page
        assert instrument.get_absolute_url() in page
    tc = Instrument.objects.get(code="TC")
    n, a = tc.provisions.count(), tc.provisions.filter(assessable=True).count()
    assert f"{n} 项条款，其中 {a} 项可评估" in page
    q = Questionnaire.objects.get(code=CODE, version=1)
    assert q.get_absolute_url() in page
    assert f"{q.questions.count()} 个问题" in page


def test_index_in_english(en_client):
    page = html(en_client.get(reverse("library:index")))
    assert "Provision library" in page
    for instrument in Instrument.objects.all():
        assert escape(instrument.title_en) in page
    gai = Instrument.objects.get(code="GAI")
    n, a = gai.provisions.count(), gai.provisions.filter(assessable=True).count()
    assert f"{n} provisions, {a} assessable" in page
    for questionnaire in Questionnaire.objects.filter(code=CODE):
        assert questionnaire.get_absolute_url() in page
        assert f"{questionnaire.questions.count()} questions" in page


# --- instrument: the coverage matrix ------------------------------------------------------


def test_instrument_page_shows_coverage_matrix(viewer_client, en_client):
    tc = Instrument.objects.get(code="TC")
    assessable = tc.provisions.filter(assessable=True).count()
    covered = tc.provisions.filter(assessable=True, questions__isnull=False).distinct().count()
    assert covered == assessable  # the real library covers everything

    page = html(en_client.get(tc.get_absolute_url()))
    assert escape(tc.title_en) in page
    assert (
        f"{covered} of {assessable} assessable provisions are asked about by at least one "
        "question." in page
    )
    assert "not covered" not in page
    # every provision has a row linking to its page, and to the questions citing it
    for provision in tc.provisions.all():
        assert provision.get_absolute_url() in page
    for question in Question.objects.filter(
        provisions__instrument=tc, questionnaire=newest()
    ).distinct():
        assert question.get_absolute_url() in page

    page = html(viewer_client.get(tc.get_absolute_url()))
    assert tc.title_zh in page
    assert f"{assessable} 项可评估条款中，有 {covered} 项至少被一个问题覆盖。" in page


def test_instrument_page_flags_an_uncovered_provision(en_client):
    """A compliance officer sees the gap: an assessable provision no question cites is shown
    as not covered and the count drops."""
    tc = Instrument.objects.get(code="TC")
    assessable = tc.provisions.filter(assessable=True).count()
    Provision.objects.create(
        instrument=tc,
        key="TC-99.9-1",
        ref_zh="第99.9条",
        ref_en="§99.9",
        summary_zh="测试条款",
        summary_en="A test provision",
        assessable=True,
        confidence="T",
        position=9999,
    )
    page = html(en_client.get(tc.get_absolute_url()))
    assert f"{assessable} of {assessable + 1} assessable provisions" in page
    assert "TC-99.9-1" in page
    assert "not covered" in page


def test_superseded_instrument_links_its_successor(en_client):
    superseded = Instrument.objects.filter(superseded_by__isnull=False).first()
    if superseded is None:
        pytest.skip("no superseded instrument in the library")
    page = html(en_client.get(superseded.get_absolute_url()))
    assert "superseded by" in page
    assert superseded.superseded_by.get_absolute_url() in page


# --- provision ----------------------------------------------------------------------------


def test_provision_page_lists_the_questions_citing_it(viewer_client, en_client):
    provision = Provision.objects.get(key="TC-8.1-1")
    citing = list(provision.questions.filter(questionnaire=newest()))
    assert {q.code for q in citing} >= {"CS-18"}

    page = html(viewer_client.get(provision.get_absolute_url()))
    assert provision.summary_zh in page
    assert "引用本条款的问题" in page
    for question in citing:
        assert question.get_absolute_url() in page
        assert question.text_zh in page

    page = html(en_client.get(provision.get_absolute_url()))
    assert escape(provision.summary_en) in page
    assert escape(provision.threshold_en) in page
    assert "Questions citing this provision" in page
    for question in citing:
        assert escape(question.text_en) in page


def test_declaratory_provision_without_questions(en_client):
    provision = Provision.objects.filter(assessable=False, questions__isnull=True).first()
    if provision is None:
        pytest.skip("every declaratory provision is cited")
    page = html(en_client.get(provision.get_absolute_url()))
    assert "Declaratory: not scored" in page
    assert "No question cites it." in page


def test_unconfirmed_provision_is_flagged(en_client):
    provision = Provision.objects.filter(confidence="UNCONFIRMED").first()
    if provision is None:
        pytest.skip("no unconfirmed provision")
    page = html(en_client.get(provision.get_absolute_url()))
    assert "Unconfirmed" in page


def test_each_confidence_below_the_official_text_is_shown(viewer_client, en_client):
    """[T-r] official wording from a reprint, [S] secondary source: readers see which, in both
    languages (new-rules-2026.md keeps the confidence visible)."""
    for key, zh, en in (
        ("NIR-4a", "官方措辞（转载本）", "Official wording, from a reprint"),
        ("HAI-18.3", "二手资料", "Secondary source"),
    ):
        url = reverse("library:provision", kwargs={"key": key})
        assert zh in html(viewer_client.get(url))
        assert en in html(en_client.get(url))
    official = Provision.objects.filter(confidence="T").first()
    page = html(en_client.get(official.get_absolute_url()))
    assert "from a reprint" not in page and "Secondary source" not in page


# --- question -----------------------------------------------------------------------------


def test_question_page_shows_provisions_thresholds_and_condition(viewer_client, en_client):
    question = Question.objects.get(questionnaire=newest(), code="CS-18")
    assert question.thresholds and question.applies_if

    page = html(en_client.get(question.get_absolute_url()))
    assert escape(question.text_en) in page
    for provision in question.provisions.all():
        assert reverse("library:provision", kwargs={"key": provision.key}) in page
        assert escape(provision.summary_en) in page
    assert "Thresholds" in page
    for threshold in question.thresholds:
        assert threshold["key"] in page
        assert f"{threshold['comparison']} {threshold['value']}" in page
    assert "Asked only when" in page
    with translation.override("en"):
        sentence = describe_condition(question.applies_if)
    assert "answer to SCOPE-01 = yes" in sentence
    assert escape(sentence) in page

    page = html(viewer_client.get(question.get_absolute_url()))
    assert question.text_zh in page
    assert question.guidance_zh in page
    assert "阈值" in page
    assert "仅在以下条件下提问" in page
    with translation.override("zh-hans"):
        assert escape(describe_condition(question.applies_if)) in page


def test_unconditional_question_has_no_condition_sentence(en_client):
    question = Question.objects.get(questionnaire=newest(), code="SCOPE-01")
    assert question.applies_if is None
    page = html(en_client.get(question.get_absolute_url()))
    assert "Asked only when" not in page
    assert "Scope gate" in page


def test_red_line_and_advisory_badges(en_client):
    red = Question.objects.filter(questionnaire__code=CODE, red_line=True).first()
    advisory = Question.objects.filter(questionnaire__code=CODE, advisory=True).first()
    assert red is not None and advisory is not None
    page = html(en_client.get(red.get_absolute_url()))
    assert "Red line" in page and ">Advisory<" not in page
    page = html(en_client.get(advisory.get_absolute_url()))
    assert ">Advisory<" in page and "Red line" not in page


def test_questionnaire_page_lists_every_question(en_client):
    questionnaire = Questionnaire.objects.get(code=CODE, version=1)
    page = html(en_client.get(questionnaire.get_absolute_url()))
    for question in questionnaire.questions.all():
        assert question_url(question.code) in page
    for domain in questionnaire.domains.all():
        assert f'id="domain-{domain.code}"' in page


# --- search -------------------------------------------------------------------------------


def test_search_by_item_key(en_client):
    page = html(en_client.get(reverse("library:search"), {"q": "TC-8.1-1"}))
    assert reverse("library:provision", kwargs={"key": "TC-8.1-1"}) in page
    # the questions citing that item are found although their text does not contain the key
    for question in Question.objects.filter(provisions__key="TC-8.1-1", questionnaire=newest()):
        assert question.get_absolute_url() in page
    assert "No question matches." not in page


def test_search_by_chinese_keyword(viewer_client):
    page = html(viewer_client.get(reverse("library:search"), {"q": "标识"}))
    provisions = Provision.objects.filter(summary_zh__contains="标识")
    questions = Question.objects.filter(text_zh__contains="标识", questionnaire=newest())
    assert provisions.exists() and questions.exists()
    for provision in provisions[:5]:
        assert provision.get_absolute_url() in page
    for question in questions[:5]:
        assert question.get_absolute_url() in page
    assert "LBL-" in page  # the Labelling Measures are found


def test_search_without_match(en_client):
    page = html(en_client.get(reverse("library:search"), {"q": "zzz-no-such-thing"}))
    assert "No provision matches." in page
    assert "No question matches." in page


@pytest.mark.parametrize("query", ["", "   "])
def test_empty_search_shows_no_results_section(en_client, query):
    page = html(en_client.get(reverse("library:search"), {"q": query}))
    assert "Search the library" in page
    assert "No provision matches." not in page
    assert "No question matches." not in page
    assert 'class="code"' not in page


# --- risks --------------------------------------------------------------------------------


def test_risks_page_lists_31_risks(viewer_client, en_client):
    page = html(en_client.get(reverse("library:risks")))
    risks = list(Risk.objects.all())
    assert len(risks) == 31
    for risk in risks:
        assert escape(risk.name_en) in page
    for category in RiskCategory.objects.all():
        assert escape(category.name_en) in page
    assert page.count('<span class="code me-2">') == 31

    page = html(viewer_client.get(reverse("library:risks")))
    assert "31 种安全风险" in page
    for risk in risks:
        assert risk.name_zh in page


# --- 404 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("library:instrument", {"code": "NOPE"}),
        ("library:provision", {"key": "TC-99.99-9"}),
        ("library:questionnaire", {"code": CODE, "version": 99}),
        ("library:questionnaire", {"code": "no-such-questionnaire", "version": 1}),
        ("library:question", {"code": CODE, "version": 1, "question": "NOPE-01"}),
        ("library:question", {"code": CODE, "version": 99, "question": "CS-01"}),
    ],
)
def test_unknown_codes_are_404(viewer_client, name, kwargs):
    assert viewer_client.get(reverse(name, kwargs=kwargs)).status_code == 404


# --- query counts: constant whatever the size ---------------------------------------------

# Every signed-in request starts with: 1 session, 2 user.


def test_index_queries(viewer_client, django_assert_num_queries):
    # 3 instruments with provision counts (superseded_by joined), 4 questionnaires with
    # question counts
    with django_assert_num_queries(4):
        viewer_client.get(reverse("library:index"))
    Instrument.objects.create(
        code="EXTRA", title_zh="额外", title_en="Extra", short_zh="额外", short_en="Extra",
        kind="law", status="in_force", position=999,
    )  # fmt: skip
    with django_assert_num_queries(4):
        assert "额外" in html(viewer_client.get(reverse("library:index")))


@pytest.mark.parametrize("code", ["TC", "MIN"])
def test_instrument_queries_do_not_grow_with_provisions(
    viewer_client, code, django_assert_num_queries
):
    """TC has about a hundred provisions, MIN a handful: the same queries."""
    # 3 instrument (+superseded_by), 4 newest questionnaire ids, 5 provisions,
    # 6 citing questions (+questionnaire, domain), 7 instruments it supersedes
    with django_assert_num_queries(7):
        viewer_client.get(reverse("library:instrument", kwargs={"code": code}))


def test_instrument_sizes_differ():
    """The parametrised test above is meaningful only if the two differ a lot."""
    assert Provision.objects.filter(instrument__code="TC").count() >= 50
    assert Provision.objects.filter(instrument__code="MIN").count() <= 10


def test_questionnaire_page_queries(viewer_client, django_assert_num_queries):
    # 3 questionnaire, 4 domains, 5 questions, 6 cited provisions
    questionnaire = Questionnaire.objects.get(code=CODE, version=1)
    assert questionnaire.questions.count() >= 150
    with django_assert_num_queries(6):
        viewer_client.get(questionnaire.get_absolute_url())

    tiny = Questionnaire.objects.create(
        code="tiny", version=1, title_zh="小问卷", title_en="Tiny", content_hash="0" * 64,
        source_file="tiny-v1.yaml",
    )  # fmt: skip
    domain = Domain.objects.create(questionnaire=tiny, code="d", title_zh="域", title_en="D")
    question = Question.objects.create(
        questionnaire=tiny, domain=domain, code="T-01", kind="yes_no", text_zh="问", text_en="Q"
    )
    question.provisions.add(Provision.objects.get(key="TC-8.1-1"))
    with django_assert_num_queries(6):
        assert "T-01" in html(viewer_client.get(tiny.get_absolute_url()))


@pytest.mark.parametrize("query", ["标识", "TC-8.1-1", "zzz-no-such-thing"])
def test_search_queries(viewer_client, query, django_assert_num_queries):
    # 3 provisions (+instrument), 4 newest questionnaire ids, 5 questions (+questionnaire,
    # domain)
    with django_assert_num_queries(5):
        viewer_client.get(reverse("library:search"), {"q": query})


def test_empty_search_runs_no_library_query(viewer_client, django_assert_num_queries):
    with django_assert_num_queries(2):
        viewer_client.get(reverse("library:search"))


# --- admin --------------------------------------------------------------------------------


def _admin_objects():
    questionnaire = Questionnaire.objects.get(code=CODE, version=1)
    return [
        (Instrument, "TC", Instrument.objects.get(code="TC")),
        (Provision, "TC-8.1-1", Provision.objects.get(key="TC-8.1-1")),
        (RiskCategory, "A.1", RiskCategory.objects.get(code="A.1")),
        (Risk, Risk.objects.first().name_zh[:4], Risk.objects.first()),
        (Questionnaire, "gai", questionnaire),
        (Domain, "scope", questionnaire.domains.get(code="scope")),
        (Question, "CS-18", questionnaire.questions.get(code="CS-18")),
    ]


def test_admin_changelists_and_change_pages(admin_user, client_for):
    client = client_for(admin_user)
    for model, query, obj in _admin_objects():
        name = f"admin:library_{model._meta.model_name}"
        response = client.get(reverse(f"{name}_changelist"), {"q": query})
        assert response.status_code == 200, model
        assert response.context["cl"].result_count >= 1, (model, query)
        assert obj in list(response.context["cl"].result_list), (model, query)

        response = client.get(reverse(f"{name}_change", args=[obj.pk]))
        assert response.status_code == 200, model
        assert not response.context["has_change_permission"]
        assert not response.context["has_delete_permission"]

        # read-only: nothing can be added, changed or deleted through the admin
        assert client.get(reverse(f"{name}_add")).status_code == 403
        assert client.post(reverse(f"{name}_change", args=[obj.pk]), {}).status_code == 403
        assert client.get(reverse(f"{name}_delete", args=[obj.pk])).status_code == 403


def test_admin_question_page_shows_cited_provisions(admin_user, client_for):
    question = Question.objects.get(questionnaire=newest(), code="CS-18")
    page = html(
        client_for(admin_user).get(reverse("admin:library_question_change", args=[question.pk]))
    )
    for provision in question.provisions.all():
        assert provision.key in page


def test_admin_search_by_cited_provision(admin_user, client_for):
    response = client_for(admin_user).get(
        reverse("admin:library_question_changelist"), {"q": "TC-8.1-1"}
    )
    codes = {q.code for q in response.context["cl"].result_list}
    assert {"CS-18"} <= codes


def test_admin_filters(admin_user, client_for):
    client = client_for(admin_user)
    response = client.get(reverse("admin:library_question_changelist"), {"red_line__exact": "1"})
    assert response.status_code == 200
    assert all(q.red_line for q in response.context["cl"].result_list)
    response = client.get(
        reverse("admin:library_provision_changelist"), {"confidence": "UNCONFIRMED"}
    )
    assert response.status_code == 200
    assert all(p.confidence == "UNCONFIRMED" for p in response.context["cl"].result_list)


def test_non_staff_cannot_open_the_admin(viewer_client):
    response = viewer_client.get(reverse("admin:library_question_changelist"))
    assert response.status_code == 302


# --- status in force ------------------------------------------------------------------------


@pytest.mark.parametrize("recorded", ["not_yet_in_force", "in_force"])
def test_an_instruments_status_follows_its_date_in_force(viewer, client_for, recorded):
    """Recorded "not yet in force" (or, wrongly, "in force") with a date ahead: not yet in force
    the day before, in force from the date on, on the library index, the instrument's page and
    the API, without anyone editing the library."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    import time_machine

    instrument = Instrument.objects.exclude(status="superseded").order_by("code").first()
    Instrument.objects.filter(pk=instrument.pk).update(
        status=recorded, effective=dt.date(2027, 1, 1)
    )
    instrument.refresh_from_db()
    api = reverse("api:instrument", kwargs={"code": instrument.code})
    shanghai = ZoneInfo("Asia/Shanghai")
    days = {
        dt.datetime(2026, 12, 31, 23, 30, tzinfo=shanghai): (
            "not_yet_in_force",
            "Not yet in force",
        ),
        dt.datetime(2027, 1, 1, 0, 30, tzinfo=shanghai): ("in_force", "In force"),
    }
    for moment, (status, label) in days.items():
        with time_machine.travel(moment, tick=False):
            assert instrument.status_on() == status
            en_client = client_for(viewer)  # signed in on that day
            en_client.cookies["django_language"] = "en"
            page = html(en_client.get(instrument.get_absolute_url()))
            header = page.split("<h1", 1)[1].split("</p>", 2)[:2]
            assert label in " ".join(header)
            upcoming = "in force from 2027-01-01" in page
            assert upcoming is (status == "not_yet_in_force")
            index = html(en_client.get(reverse("library:index")))
            row = index.split(instrument.get_absolute_url(), 1)[1].split("</li>", 1)[0]
            assert f">{label}</span>" in row
            data = en_client.get(api).json()
            assert (data["status"], data["status_label"]) == (status, label)
