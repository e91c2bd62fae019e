"""The demo data set of `make run` (providers/demo.py, fixtures/demo/demo.yaml): the demo
provider's services come with filled-in self-assessments on the right filing routes, and
loading it again creates nothing."""

from __future__ import annotations

from django.core.management import call_command

from accounts.models import User
from assessments.models import Analysis, Answer, Assessment, Evidence
from audit.models import AuditEvent
from filing.facts import facts_for
from filing.packages import routes_of
from notifications.models import Notification
from providers.demo import load_demo
from providers.models import AIService, Membership, Provider

DEMO_PROVIDER = "上海星辰智能科技有限公司"
MODELS = (
    User,
    Provider,
    Membership,
    AIService,
    Assessment,
    Answer,
    Evidence,
    Analysis,
    Notification,
    AuditEvent,
)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_loading_the_demo_twice_creates_nothing_the_second_time(db):
    assert load_demo() == {
        "users": 8,
        "providers": 2,
        "services": 4,
        "assessments": 3,
        "endpoints": 1,
    }
    before = counts()
    assert load_demo() == {
        "users": 0,
        "providers": 0,
        "services": 0,
        "assessments": 0,
        "endpoints": 0,
    }
    assert counts() == before


def test_the_demo_provider_has_one_assessment_per_service_on_its_routes(db):
    load_demo()
    assessments = {
        a.service.name: a
        for a in Assessment.objects.select_related("service__provider", "questionnaire")
    }
    assert set(assessments) == {"星辰对话助手", "星辰语音播报", "星辰心语陪伴"}
    assert {a.service.provider.name_zh for a in assessments.values()} == {DEMO_PROVIDER}

    chat, voice, companion = (
        assessments[n] for n in ("星辰对话助手", "星辰语音播报", "星辰心语陪伴")
    )
    # Submitted: waiting for a reviewer, answers frozen in the snapshot.
    assert chat.status == "submitted" and chat.snapshot_sha256
    assert voice.status == "draft"
    assert routes_of(facts_for(chat)) == ["gai_filing", "algorithm_filing"]
    assert routes_of(facts_for(voice)) == ["gai_registration"]
    for assessment in (chat, voice, companion):
        assert assessment.self_score["verdict"] != "not_ready", assessment.self_score
        # The annex 4/5 artefacts were uploaded and analysed.
        analyses = Analysis.objects.filter(evidence__assessment=assessment)
        assert analyses.exists() and not analyses.exclude(status="done").exists()


def test_the_demo_companion_chat_gets_the_anthropomorphic_domain_and_its_report(db):
    """The companion-chat app: sustained emotional interaction in its profile prefills SCOPE-15,
    so the anthropomorphic-services domain applies and the assessment report to the provincial
    CAC joins registration and algorithm filing; its answers that miss the Measures' numbers
    are advisory gaps, never a reason for "not ready"."""
    from assessments.services import load_state

    load_demo()
    companion = Assessment.objects.get(service__name="星辰心语陪伴")
    assert companion.service.emotional_interaction and companion.questionnaire.version == 2
    facts = facts_for(companion)
    assert "anthropomorphic_assessment" in facts.routes
    assert routes_of(facts) == ["gai_registration", "algorithm_filing"]  # the ones with packages
    assert {f"HA-{n:02d}" for n in range(1, 25)} <= load_state(companion).applicable
    gaps = set(companion.self_score["advisory_gaps"])
    assert {"HA-16", "HA-21", "HA-19"} <= gaps  # 3 h > 2 h; 2 000 000 > 1 000 000; not filed
    assert not gaps & {"HA-08", "HA-22"}  # 14 years and 100 000 users meet the numbers
    # none of them is an open item: the verdict does not depend on them
    open_items = {item["code"] for item in companion.self_score.get("open_items", [])}
    assert not {c for c in open_items if c.startswith("HA-")}


def test_the_command_says_what_it_created_then_that_nothing_was_left(db, capsys):
    call_command("load_demo_data")
    first = capsys.readouterr().out
    assert "8 users, 2 providers, 4 services, 3 self-assessments, 1 model endpoints" in first
    call_command("load_demo_data")
    assert "already loaded, nothing to create" in capsys.readouterr().out


def test_the_demo_endpoint_is_the_scripted_model_of_make_model_server(db):
    """`make run` + `make model-server`: the demo provider's endpoint names the server's
    address and model, its key decrypts, and the connection test gets the scripted answer."""
    import re
    from pathlib import Path

    from modeltests import fakeserver, services

    load_demo()
    endpoint = Provider.objects.get(name_zh=DEMO_PROVIDER).model_endpoints.get()
    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    port = re.search(r"modeltests\.fakeserver --port (\d+)", makefile).group(1)
    assert endpoint.base_url == f"http://127.0.0.1:{port}/v1"
    assert endpoint.model_name == fakeserver.MODEL
    assert endpoint.api_key() and endpoint.api_key_encrypted != endpoint.api_key()
    # The fixed port may be taken on a shared machine: the same server on a free one.
    server = fakeserver.ScriptedModel().start()
    try:
        endpoint.base_url = server.openai_base
        ok, text, identity = services.endpoint_check(endpoint)
    finally:
        server.stop()
    assert ok, text
    assert fakeserver.MODEL in identity
