"""The anthropomorphic-services domain of questionnaire version 2 on the pages a provider uses:
it appears for a service offering sustained emotional interaction (and only then), its questions
say they are advisory in both languages, its domain is "optional" rather than "not applicable",
and the results page shows the assessment report to the provincial CAC with citations people
read, never keys."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from assessments.services import assessment_start

pytestmark = pytest.mark.django_db


def _page(client, url: str, language: str) -> str:
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _nav_badge(html: str, domain: str) -> str:
    link = re.search(rf'data-domain="{domain}".*?data-domain-progress[^>]*>([^<]*)<', html, re.S)
    assert link, domain
    return link[1].strip()


@pytest.fixture
def companion(service):
    service.emotional_interaction = True
    service.save()
    return service


def test_a_companion_service_gets_the_domain_marked_advisory(companion, editor, editor_client):
    assessment, _created = assessment_start(service=companion, user=editor)
    assert assessment.questionnaire.version == 2
    url = reverse("assessments:detail", kwargs={"assessment": assessment.public_id})
    expected = {
        "zh-hans": (
            "拟人化互动服务",
            "参考项",
            "选答",
            "不适用",
            "拟人化互动服务办法第十八条第三款",
        ),
        "en": (
            "Anthropomorphic interactive services",
            "Advisory",
            "optional",
            "n/a",
            "Anthropomorphic Services Measures Art. 18 para. 3",
        ),
    }
    for language, (title, advisory, optional, na, citation) in expected.items():
        html = _page(editor_client, url + "?domain=anthropomorphic", language)
        assert "<h2" in html and title in html
        cards = re.findall(r'id="q-(HA-\d\d)"', html)
        assert cards == [f"HA-{n:02d}" for n in range(1, 25)]
        card = html[html.index('id="q-HA-16"') : html.index('id="q-HA-17"')]
        assert advisory in card and citation in card
        assert ">HAI-18.3<" not in card  # the citation as people write it, not the key
        # applicable, nothing required: "optional", not "not applicable"
        assert _nav_badge(html, "anthropomorphic") == optional
        assert _nav_badge(html, "annotation") == na  # SCOPE-07 unanswered: hidden


def test_a_customer_support_bot_does_not_see_it(service, editor, editor_client):
    assessment, _created = assessment_start(service=service, user=editor)
    url = reverse("assessments:detail", kwargs={"assessment": assessment.public_id})
    html = _page(editor_client, url + "?domain=anthropomorphic", "en")
    assert 'id="q-HA-01"' not in html or re.search(r'id="q-HA-01"[^>]*\bhidden\b', html)
    assert _nav_badge(html, "anthropomorphic") == "n/a"


def test_results_show_the_report_to_the_provincial_cac(companion, editor, editor_client):
    assessment, _created = assessment_start(service=companion, user=editor)
    kwargs = {"assessment": assessment.public_id}
    answer = reverse("assessments:answer", kwargs={**kwargs, "question": "SCOPE-02"})
    saved = editor_client.post(answer, {"revision": 0, "value": "provider_interface"})
    assert saved.status_code == 200
    url = reverse("assessments:results", kwargs=kwargs)
    zh = _page(editor_client, url, "zh-hans")
    assert "拟人化互动服务安全评估报告（报省级网信部门）" in zh
    assert "拟人化互动服务办法第二十二条" in zh and ">HAI-22<" not in zh
    en = _page(editor_client, url, "en")
    assert "Anthropomorphic-service security assessment report (to the provincial CAC)" in en
    assert "anthropomorphic_assessment" not in en and "anthropomorphic_assessment" not in zh


def test_provision_pages_of_keys_with_a_slash(editor_client):
    """HAI-20/21 and HAI-24/25 are the reference's keys: their pages and links work."""
    for key in ("HAI-20/21", "HAI-24/25"):
        url = reverse("library:provision", kwargs={"key": key})
        assert url.endswith(f"/{key}/")
        html = _page(editor_client, url, "zh-hans")
        assert "拟人化互动服务办法" in html and "二手" in html  # the confidence is visible


def test_the_service_page_and_the_dossier_state_the_flag(companion, editor_client):
    url = reverse(
        "providers:service_detail",
        kwargs={"provider": companion.provider.public_id, "service": companion.public_id},
    )
    zh = _page(editor_client, url, "zh-hans")
    assert "提供持续性情感互动（拟人化陪伴）" in zh
    en = _page(editor_client, url, "en")
    assert "Offers sustained emotional interaction (anthropomorphic companion)" in en
    assert companion.profile()["emotional_interaction"] is True
