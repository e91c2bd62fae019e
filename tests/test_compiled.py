"""Statements compiled once (portal.compiled) send what the ORM would send and give back what
the ORM would give back: the same SQL and parameters for any values, the same objects or rows
on real data, and the same refusals."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments import access, services, upgrade
from assessments.models import Answer, Assessment, QuestionnaireUpgrade
from portal import sessions
from portal.compiled import REGISTRY, Compiled
from providers.models import Role
from tests import factories

pytestmark = pytest.mark.django_db

VALUES = {
    int: st.integers(min_value=1, max_value=2**63 - 1),
    uuid.UUID: st.uuids(),
    # Quotes, percent signs and backslashes too: a value is a parameter, never SQL text.
    str: st.text(min_size=1, max_size=40).filter(lambda s: "\x00" not in s),
}


def test_the_autosave_statements_are_registered():
    # The comparisons below cover every compiled statement; these are the autosave's.
    assert {
        access._LOCKED_FOR_MEMBER,
        services._ANSWER_ROWS,
        services._EVIDENCE_FACTS,
        sessions._SESSION,
        access._FULL,
        access._LIGHT,
        access._MEMBERSHIP,
        services._ANSWERS,
        services._EVIDENCE,
        services._LATEST_QUESTIONNAIRE,
        upgrade._LATEST_UPGRADE,
    } <= set(REGISTRY)


@pytest.mark.parametrize("statement", REGISTRY, ids=lambda s: s.build.__qualname__)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_same_sql_and_parameters_as_the_orm(statement, data):
    values = {name: data.draw(VALUES[kind], label=name) for name, kind in statement.kinds.items()}
    with transaction.atomic():  # a locking statement compiles only in a transaction
        ours = statement.sql_with_params(**values)
        orm = statement.build(**values).query.sql_with_params()
    assert ours == orm


def _loaded(obj, seen=()) -> dict:
    """What an instance holds: its loaded fields and annotations, its deferred fields, and the
    same of every related object loaded with it (one already on the way named by its key: a
    reverse one-to-one points back)."""
    out = {"model": type(obj)._meta.label, "deferred": obj.get_deferred_fields()}
    for name, value in vars(obj).items():
        if name != "_state":
            out[name] = value
    seen = (*seen, (type(obj), obj.pk))
    out["related"] = {
        name: None
        if related is None
        else ("seen", type(related), related.pk)
        if (type(related), related.pk) in seen
        else _loaded(related, seen)
        for name, related in obj._state.fields_cache.items()
    }
    return out


def _same(statement, **values):
    ours = statement(**values)
    orm = list(statement.build(**values))
    assert [_loaded(o) for o in ours] == [_loaded(o) for o in orm]
    return ours


@pytest.fixture
def saved(service, editor):
    """A draft with every required question answered and files, one analysed, one pending."""
    assessment, _created = services.assessment_start(service=service, user=editor)
    factories.fill_required(assessment, editor)
    catalogue = services.get_catalogue(assessment.questionnaire)
    analysed = next(q for q in catalogue.questions if q.analyser)
    factories.attach(assessment, analysed.code, editor)
    factories.attach(assessment, analysed.code, editor, name="second.pdf", analyse=False)
    return assessment


def test_the_locked_read_gives_what_the_orm_gives(saved, editor, viewer, other_provider):
    outsider = factories.make_member(other_provider, Role.OWNER).user
    for user in (editor, viewer, outsider):
        values = {"public_id": saved.public_id, "user_id": user.pk}
        with transaction.atomic():
            ours = access._LOCKED_FOR_MEMBER(**values)
            orm = list(access._LOCKED_FOR_MEMBER.build(**values))
        assert [_loaded(o) for o in ours] == [_loaded(o) for o in orm]
        assert len(ours) == (0 if user == outsider else 1)
    # The objects are usable as the ORM's: related objects and a deferred column on access.
    with transaction.atomic():
        (found,) = access._LOCKED_FOR_MEMBER(public_id=saved.public_id, user_id=editor.pk)
    assert found.service.provider_id == saved.service.provider_id
    assert found.questionnaire.version == saved.questionnaire.version
    assert found.member_role == Role.EDITOR
    assert found.created_at == Assessment.objects.get(pk=saved.pk).created_at


def test_the_page_reads_give_what_the_orm_gives(saved, editor, service, other_provider):
    # One assessment with a previous version, its disclosure and the related rows loaded.
    other = factories.make_service(service.provider, name="乙")
    later, _created = services.assessment_start(service=other, user=editor)
    Assessment.objects.filter(pk=later.pk).update(previous=saved)
    for assessment in (saved, later):
        for statement in (access._FULL, access._LIGHT):
            (found,) = _same(statement, public_id=assessment.public_id)
        assert found.pk == assessment.pk
    assert _same(access._FULL, public_id=later.public_id)[0].previous.pk == saved.pk
    assert _same(access._FULL, public_id=uuid.uuid4()) == []
    provider_id = saved.service.provider_id
    (member,) = _same(access._MEMBERSHIP, provider_id=provider_id, user_id=editor.pk)
    assert member.role == Role.EDITOR
    assert _same(access._MEMBERSHIP, provider_id=other_provider.pk, user_id=editor.pk) == []
    answers = _same(services._ANSWERS, assessment_id=saved.pk)
    files = _same(services._EVIDENCE, assessment_id=saved.pk)
    assert len(answers) > 50 and len(files) > 2
    with_analysis = [f for f in files if hasattr(f, "analysis")]
    assert 0 < len(with_analysis) <= len(files)


def test_the_version_reads_give_what_the_orm_gives(saved, editor):
    from django.utils import timezone

    from library.models import Questionnaire

    for code in {*Questionnaire.objects.values_list("code", flat=True), "no-such-code"}:
        _same(services._LATEST_QUESTIONNAIRE, code=code)
    assert services.latest_questionnaire().version == 2
    assert _same(upgrade._LATEST_UPGRADE, assessment_id=saved.pk) == []
    v1, v2 = Questionnaire.objects.filter(code=saved.questionnaire.code).order_by("version")
    made = [
        QuestionnaireUpgrade.objects.create(
            assessment=saved,
            from_questionnaire=v1,
            to_questionnaire=v2,
            from_version=1,
            performed_by=editor,
        )
        for _ in range(3)
    ]
    QuestionnaireUpgrade.objects.filter(pk=made[2].pk).update(undone_at=timezone.now())
    (latest,) = _same(upgrade._LATEST_UPGRADE, assessment_id=saved.pk)
    assert latest.pk == made[1].pk  # the newest not undone
    assert latest.to_questionnaire.version == 2


def test_a_state_loaded_by_compiled_reads_equals_one_loaded_by_the_orm(saved):
    """load_state reads answers and files compiled; with them prefetched it takes the ORM's,
    and both states hold the same answers and files, each knowing its assessment."""
    from django.db.models import prefetch_related_objects
    from django.test.utils import CaptureQueriesContext

    compiled = services.load_state(saved)
    prefetched = Assessment.objects.get(pk=saved.pk)
    prefetched.service = saved.service
    prefetched.questionnaire = saved.questionnaire
    prefetch_related_objects([prefetched], "answers", "evidence__analysis")
    with CaptureQueriesContext(connection) as queries:
        orm = services.load_state(prefetched)
    assert len(queries) == 0, [q["sql"][:150] for q in queries]  # the prefetched rows
    assert compiled.answers.keys() == orm.answers.keys()
    for code, answer in compiled.answers.items():
        assert answer.assessment is saved
        assert vars(answer).keys() == vars(orm.answers[code]).keys()
        assert {k: v for k, v in vars(answer).items() if k != "_state"} == {
            k: v for k, v in vars(orm.answers[code]).items() if k != "_state"
        }
    assert {c: [f.pk for f in fs] for c, fs in compiled.evidence.items()} == {
        c: [f.pk for f in fs] for c, fs in orm.evidence.items()
    }
    assert compiled.complete == orm.complete and compiled.applicable == orm.applicable


def test_the_rows_give_what_the_orm_gives(saved):
    answers = services._ANSWER_ROWS(assessment_id=saved.pk)
    assert len(answers) > 50
    assert answers == list(services._ANSWER_ROWS.build(assessment_id=saved.pk))
    # Converted as the ORM converts them: JSON decoded, not left as text.
    assert any(isinstance(row[services.ANSWER_ROW.index("value")], list) for row in answers)
    files = services._EVIDENCE_FACTS(assessment_id=saved.pk)
    assert len(files) > 2
    assert files == list(services._EVIDENCE_FACTS.build(assessment_id=saved.pk))
    assert {row[5] for row in files} >= {"done", "pending"}  # the analyses joined in
    assert services._ANSWER_ROWS(assessment_id=saved.pk + 10**6) == []


def test_values_given_as_text_are_taken_as_the_orm_takes_them(saved, editor):
    with transaction.atomic():
        as_text = access._LOCKED_FOR_MEMBER(public_id=str(saved.public_id), user_id=str(editor.pk))
    assert [o.pk for o in as_text] == [saved.pk]


@pytest.mark.django_db(transaction=True)
def test_a_locking_statement_is_refused_outside_a_transaction():
    values = {"public_id": uuid.uuid4(), "user_id": 1}
    if not connection.features.has_select_for_update:
        pytest.skip("this database has no row locks")
    with pytest.raises(TransactionManagementError):
        list(access._LOCKED_FOR_MEMBER.build(**values))
    with pytest.raises(TransactionManagementError):
        access._LOCKED_FOR_MEMBER(**values)


@pytest.mark.parametrize(
    "build, kinds, refusal",
    [
        (lambda n: Answer.objects.all()[:n], {"n": int}, "written into the SQL"),
        (lambda pk: Answer.objects.filter(pk=1), {"pk": int}, "not among the statement's"),
        (lambda day: Answer.objects.filter(remediation_due=day), {"day": date}, "only int, str"),
        (lambda pk: Answer.objects.filter(pk=pk).values("pk"), {"pk": int}, "model instances"),
    ],
)
def test_what_cannot_be_compiled_faithfully_is_refused(build, kinds, refusal):
    statement = Compiled(build, **kinds)
    REGISTRY.remove(statement)
    with pytest.raises(TypeError, match=refusal):
        statement(**{name: 1 for name in kinds})


def test_sessions_are_read_as_the_database_backend_reads_them(client, editor):
    """The compiled session read (portal/sessions.py) against Django's own database backend on
    the same rows: a live session, an expired one, a key nobody has, a malformed key."""
    from django.contrib.sessions.backends.db import SessionStore as DjangoStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client.force_login(editor)
    live = client.cookies["sessionid"].value
    expired = sessions.SessionStore()
    expired["note"] = "甲"
    expired.set_expiry(60)
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    for key in (live, expired.session_key, "x" * 32, "短", "' OR 1=1 --"):
        ours, theirs = sessions.SessionStore(key), DjangoStore(key)
        assert ours.load() == theirs.load()
        assert ours.session_key == theirs.session_key
    assert sessions.SessionStore(live).load()["_auth_user_id"] == str(editor.pk)
    assert client.get("/").wsgi_request.user == editor


def test_a_compiled_statement_is_counted_like_any_query(saved):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        services._ANSWER_ROWS(assessment_id=saved.pk)
    assert len(queries) == 1
    assert "assessments_answer" in queries[0]["sql"]
