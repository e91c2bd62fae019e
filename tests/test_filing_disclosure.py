"""The algorithm's public disclosure text (拟公示内容): the draft, the findings (personal data,
secrets, wording, length, name), the page with its roles, saving with revisions and the audit
trail, and the card the checks page shows."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from assessments.services import assessment_start
from audit.models import Action, AuditEvent
from filing import disclosure
from filing.disclosure import id_check_character
from filing.facts import AnswerFact, FilingFacts, facts_for
from filing.models import Disclosure
from providers.codes import uscc_check_character
from tests import factories

FIRST17 = "11010519900307123"
RESIDENT_ID = FIRST17 + id_check_character(FIRST17)
WRONG_ID = FIRST17 + ("0" if id_check_character(FIRST17) != "0" else "1")
CARD = "6222021234567890128"  # 19 digits, Luhn-valid
USCC = "91310110000000001" + uscc_check_character("91310110000000001")
ALGO_NUMBER = "网信算备110108823483901230031号"

GOOD = {
    "algorithm_name": "甲对话助手",
    "principle": "本算法基于自主研发的大语言模型，根据用户输入的指令生成文本。",
    "mechanism": "用户输入经安全检测后由模型生成文本，输出经安全检测并添加标识后返回用户。",
    "scenarios": "面向境内公众用户，通过网站提供人机对话服务。",
    "purpose": "应用于人机对话场景，根据用户输入的文本，生成文本回复。",
    "publicity": "",
}


def facts(*answers, service=None, profile=None, routes=("algorithm_filing",), disclosure=None):
    answers = {a.code: a for a in answers}
    return FilingFacts(
        provider={"name_zh": "甲科技有限公司", "credit_code": USCC, "security_lead": "李四"},
        service={
            "name": "甲对话助手",
            "description": "面向大众的写作与问答助手",
            **(service or {}),
            "profile": {
                "modalities": ["text"],
                "channels": ["web", "app"],
                "audience": "public_cn",
                "foundation_model_source": "self_developed",
                **(profile or {}),
            },
        },
        answers=answers,
        applicable=frozenset(answers),
        routes=routes,
        today=dt.date(2026, 12, 1),
        disclosure=disclosure,
        layout=factories.layout(),
    )


# --- the draft --------------------------------------------------------------------------------


def test_draft_holds_the_services_facts():
    text = disclosure.draft(
        facts(
            AnswerFact("SCOPE-03", "fine_tuned"),
            AnswerFact("CS-01", True),
            AnswerFact("LB-01", True),
            AnswerFact("LB-09", True),
            AnswerFact("TR-10", True),
            service={
                "foundation_model_name": "文心一言",
                "foundation_model_filing_number": "Beijing-WenXinYiYan-20230821",
            },
            profile={"modalities": ["text", "image"], "foundation_model_source": "third_party"},
        )
    )
    assert text["algorithm_name"] == "甲对话助手"
    assert "文心一言" in text["principle"] and "Beijing-WenXinYiYan-20230821" in text["principle"]
    assert "进一步训练" in text["principle"]
    assert "网站、移动应用程序" in text["mechanism"]
    assert "关键词库、分类模型" in text["mechanism"]
    assert "显式标识和元数据隐式标识" in text["mechanism"]
    assert "境内公众用户" in text["scenarios"] and "面向大众的写作与问答助手" in text["scenarios"]
    assert re.fullmatch(r"应用于.+场景，根据.+，生成.+。", text["purpose"])
    assert "图片" in text["purpose"] and "人机对话" in text["purpose"]
    assert text["publicity"]
    assert disclosure.findings(text, service_name="甲对话助手") == []


def test_draft_says_what_the_portal_does_not_know():
    # No filtering answer: the draft does not claim one, it leaves the gap to be written.
    text = disclosure.draft(facts())
    assert disclosure.TODO in text["mechanism"]
    assert "关键词库" not in text["mechanism"]
    kinds = {(f.field, f.kind) for f in disclosure.findings(text)}
    assert ("mechanism", "placeholder") in kinds


def test_a_restricted_domain_names_the_scene():
    text = disclosure.draft(facts(AnswerFact("SCOPE-10", "restricted", note="法律咨询")))
    assert text["purpose"].startswith("应用于法律咨询领域的")


# --- findings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "secret", "shown"),
    [
        ("mobile", "13812345678", "138****5678"),
        ("mobile", "+86 138-1234-5678", "138****5678"),
        ("mobile", "１３８１２３４５６７８", "138****5678"),
        ("id_number", RESIDENT_ID, RESIDENT_ID[:3]),
        ("bank_card", "6222 0212 3456 7890 128", "6222"),
        ("email", "zhang.san@example.cn", "z***@example.cn"),
        ("landline", "010-62345678", "010"),
        ("secret", "sk-" + "a1B2c3D4e5F6g7H8i9J0k1L2", "sk-a1B"),
        ("secret", "密码：Abc123!xyz", "密码：Abc"),
    ],
)
def test_personal_data_and_secrets_are_found_and_masked(kind, secret, shown):
    found = disclosure.findings({**GOOD, "principle": f"联系方式：{secret}。"})
    hits = [f for f in found if f.field == "principle" and f.kind == kind]
    assert len(hits) == 1, found
    hit = hits[0]
    assert shown in hit.excerpt and shown in hit.message_zh and shown in hit.message_en
    bare = re.sub(r"[\s+-]", "", secret)
    for text in (hit.excerpt, hit.message_zh, hit.message_en):
        assert secret not in text and bare not in text
    # A landline may be a company hotline: a warning, not a refusal.
    assert hit.refuses_save is (kind != "landline")


def test_an_id_with_a_wrong_check_digit_is_not_an_id():
    found = disclosure.findings({**GOOD, "principle": f"编号 {WRONG_ID}"})
    assert [f.kind for f in found] == []
    assert disclosure.is_resident_id(RESIDENT_ID) and not disclosure.is_resident_id(WRONG_ID)


def test_codes_and_numbers_of_the_filing_are_not_personal_data():
    text = f"统一社会信用代码 {USCC}，算法备案编号 {ALGO_NUMBER}，客服热线 400-123-4567。"
    assert list(disclosure.personal_data(text)) == []


def test_wording_length_purpose_and_name():
    found = disclosure.findings(
        {
            **GOOD,
            "algorithm_name": "星辰大模型",
            "principle": "全球领先的算法，100%拦截违法信息。",
            "scenarios": "场" * 301,
            "purpose": "为用户提供帮助。",
        },
        service_name="甲对话助手",
    )
    kinds = {(f.field, f.kind) for f in found}
    assert kinds == {
        ("principle", "absolute"),
        ("scenarios", "too_long"),
        ("purpose", "purpose_form"),
        ("algorithm_name", "name_mismatch"),
    }
    absolute = next(f for f in found if f.kind == "absolute")
    assert "全球领先" in absolute.message_zh and "100%" in absolute.message_zh
    assert not any(f.refuses_save for f in found)


def test_a_name_that_differs_only_in_width_is_called_so():
    finding = disclosure.name_finding("甲对话助手（V2）", "甲对话助手(V2)")
    assert finding.kind == "name_mismatch" and "全角/半角" in finding.message_zh


# --- facts and card ---------------------------------------------------------------------------


@pytest.fixture
def assessment(service, owner):
    obj, _created = assessment_start(service=service, user=owner)
    return obj


def _url(assessment, **query):
    url = reverse("filing:disclosure", kwargs={"assessment": assessment.public_id})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_facts_carry_the_saved_text_and_the_card_says_so(assessment, owner):
    assert facts_for(assessment).disclosure is None
    card = disclosure.card_context(assessment, facts_for(assessment))
    assert card["status"] in ("drafted", "not_written") and card["url"] == _url(assessment)
    disclosure.disclosure_save(service=assessment.service, fields=GOOD, revision=0, user=owner)
    assessment.service.refresh_from_db()
    saved = facts_for(assessment)
    assert saved.disclosure == GOOD
    card = disclosure.card_context(assessment, saved)
    assert card["status"] == "saved" and card["findings"] == 0
    assert card["algorithm_name"] == "甲对话助手"


def test_an_approved_version_keeps_the_text_it_was_approved_with(assessment, owner, reviewer):
    """A package built later from the same version prints the approved 拟公示内容."""
    from assessments.models import Assessment
    from dossiers.testing import approve
    from tests import factories

    saved = disclosure.disclosure_save(
        service=assessment.service, fields=GOOD, revision=0, user=owner
    )
    factories.fill_required(assessment, owner)
    approve(assessment, owner, reviewer)
    changed = {**GOOD, "algorithm_name": "甲对话助手二代"}
    disclosure.disclosure_save(
        service=assessment.service, fields=changed, revision=saved.revision, user=owner
    )

    approved = Assessment.objects.select_related("service__provider", "questionnaire").get(
        pk=assessment.pk
    )
    assert approved.snapshot["disclosure"] == GOOD
    assert facts_for(approved).disclosure == GOOD
    assert disclosure.text_of(facts_for(approved))["algorithm_name"] == "甲对话助手"


def test_the_card_counts_findings(assessment, client_for, owner):
    from django.template.loader import render_to_string

    bad = {**GOOD, "scenarios": "最安全的服务"}
    disclosure.disclosure_save(service=assessment.service, fields=bad, revision=0, user=owner)
    assessment.service.refresh_from_db()
    card = disclosure.card_context(assessment, facts_for(assessment))
    html = render_to_string("filing/_disclosure_card.html", {"disclosure_card": card})
    assert card["findings"] == 1 and 'data-status="saved"' in html and card["url"] in html


# --- the page ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status", "editable"),
    [
        ("owner", 200, True),
        ("editor", 200, True),
        ("viewer", 200, False),
        ("outsider", 404, None),
        ("reviewer", 404, None),
        ("anonymous", 302, None),
    ],
)
def test_who_sees_and_who_edits(assessment, personas, client_for, persona, status, editable):
    response = client_for(personas[persona]).get(_url(assessment))
    assert response.status_code == status
    if status != 200:
        return
    body = response.content.decode()
    # The form opens with the portal's draft, and says so.
    assert 'data-status="drafted"' in body
    assert 'value="甲对话助手"' in body
    assert ('name="save"' in body) is editable
    assert ("disabled" in body) is (not editable)


@pytest.mark.parametrize(
    ("persona", "status"), [("viewer", 403), ("outsider", 404), ("reviewer", 404)]
)
def test_only_owners_and_editors_save(assessment, personas, client_for, persona, status):
    response = client_for(personas[persona]).post(_url(assessment), {**GOOD, "revision": 0})
    assert response.status_code == status
    assert not Disclosure.objects.exists()


def test_a_phone_number_is_refused_and_the_text_kept(assessment, editor_client):
    text = "面向公众，咨询请致电 13812345678。"
    response = editor_client.post(_url(assessment), {**GOOD, "scenarios": text, "revision": 0})
    assert response.status_code == 422
    assert not Disclosure.objects.exists()
    body = response.content.decode()
    assert text in body  # the user's input is in the textarea again
    errors = response.context["form"].errors["scenarios"]
    assert len(errors) == 1 and "手机号码" in errors[0] and "138****5678" in errors[0]
    assert "13812345678" not in errors[0]


def test_a_good_text_is_saved_revised_and_audited(assessment, editor, editor_client):
    response = editor_client.post(_url(assessment), {**GOOD, "revision": 0})
    assert response.status_code == 302 and response["Location"] == _url(assessment)
    saved = Disclosure.objects.get(service=assessment.service)
    assert (saved.revision, saved.algorithm_name, saved.updated_by) == (1, "甲对话助手", editor)
    event = AuditEvent.objects.filter(action=Action.DISCLOSURE_CHANGED).get()
    assert event.actor_email == editor.email and event.before is None
    assert event.after["purpose"] == GOOD["purpose"]
    assert event.assessment_id == assessment.pk
    assert event.provider_id == assessment.service.provider_id

    changed = {**GOOD, "publicity": "已在网站首页公示。", "revision": 1}
    assert editor_client.post(_url(assessment), changed).status_code == 302
    saved.refresh_from_db()
    assert saved.revision == 2 and saved.publicity == "已在网站首页公示。"
    second = AuditEvent.objects.filter(action=Action.DISCLOSURE_CHANGED).order_by("-id").first()
    assert second.before == {"publicity": ""}
    assert second.after == {"publicity": "已在网站首页公示。"}

    page = editor_client.get(_url(assessment)).content.decode()
    assert 'data-status="saved"' in page and "已在网站首页公示。" in page


def test_saving_the_same_text_again_changes_nothing(assessment, owner, owner_client):
    disclosure.disclosure_save(service=assessment.service, fields=GOOD, revision=0, user=owner)
    assert owner_client.post(_url(assessment), {**GOOD, "revision": 1}).status_code == 302
    assert Disclosure.objects.get().revision == 1
    assert AuditEvent.objects.filter(action=Action.DISCLOSURE_CHANGED).count() == 1


def test_a_stale_revision_conflicts_and_keeps_the_input(assessment, owner, editor_client):
    disclosure.disclosure_save(service=assessment.service, fields=GOOD, revision=0, user=owner)
    mine = {**GOOD, "scenarios": "我的修改：面向企业用户。", "revision": 0}
    response = editor_client.post(_url(assessment), mine)
    assert response.status_code == 409
    saved = Disclosure.objects.get()
    assert saved.revision == 1 and saved.scenarios == GOOD["scenarios"]
    body = response.content.decode()
    assert "我的修改：面向企业用户。" in body and 'id="disclosure-conflict"' in body
    assert GOOD["scenarios"] in body  # the version saved meanwhile, to compare
    # The form now carries the current revision: saving again replaces it knowingly.
    assert response.context["form"]["revision"].value() == 1
    again = editor_client.post(_url(assessment), {**mine, "revision": 1})
    assert again.status_code == 302 and Disclosure.objects.get().revision == 2


def test_restore_the_draft(assessment, owner, owner_client):
    disclosure.disclosure_save(
        service=assessment.service,
        fields={**GOOD, "principle": "提供者改写的原理。"},
        revision=0,
        user=owner,
    )
    saved_page = owner_client.get(_url(assessment)).content.decode()
    assert "提供者改写的原理。" in saved_page and "?draft=1" in saved_page
    response = owner_client.get(_url(assessment, draft=1))
    body = response.content.decode()
    assert 'data-status="draft-restored"' in body and "提供者改写的原理。" not in body
    assert response.context["form"]["revision"].value() == 1
    assert "本算法基于" in body


def test_findings_are_listed_beside_the_form(assessment, owner, owner_client):
    disclosure.disclosure_save(
        service=assessment.service,
        fields={**GOOD, "principle": "国际领先的算法。"},
        revision=0,
        user=owner,
    )
    body = owner_client.get(_url(assessment)).content.decode()
    assert 'class="list-group-item small finding-absolute" data-field="principle"' in body
    assert "国际领先" in body


def test_page_query_count_is_constant(assessment, owner, owner_client, django_assert_num_queries):
    owner_client.get(_url(assessment))  # warms the per-process questionnaire catalogue
    # session, user, assessment (+ service, provider, disclosure, questionnaire, previous),
    # membership, answers, evidence with analyses
    with django_assert_num_queries(6):
        response = owner_client.get(_url(assessment))
        assert response.context["current"].fields["algorithm_name"]
    disclosure.disclosure_save(service=assessment.service, fields=GOOD, revision=0, user=owner)
    with django_assert_num_queries(6):
        response = owner_client.get(_url(assessment))
        assert response.context["current"].saved.revision == 1
