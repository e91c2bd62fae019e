"""Filling a self-assessment in a real browser (headless Chromium, htmx autosave).

An editor signs in, starts the assessment from the service page, answers questions in two
domains, sees a conditional question appear when a scope gate is answered, uploads evidence,
reloads and finds everything kept, submits, and sees the read-only view. Most required answers
are put in through the services layer first so the browser only does what a person must see.

Screenshots for people to look at land in test-artifacts/ (gitignored).
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qs

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from assessments import services
from assessments.forms import AnswerForm
from assessments.models import Answer, Assessment, Evidence, Status
from library.loading import load_library
from library.models import QuestionKind
from providers.models import Role
from tests import factories
from tests.e2e.conftest import check_assets_loaded, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Zhang-san-2025-Pass"
# The scope gates answered before the browser starts, as form data. SCOPE-03 "only calls a filed
# model" keeps the training-data and annotation domains out, so the set-up stays small.
GATES = {
    "SCOPE-01": "yes",
    "SCOPE-02": "provider_both",
    "SCOPE-03": "call_filed_only",
    "SCOPE-04": "no",
    "SCOPE-05": "no",
    "SCOPE-08": "no",
    "SCOPE-09": ["none"],
    "SCOPE-10": "general",
    "SCOPE-11": ["generation_synthesis"],
    "SCOPE-12": "no",
}
GATE = "SCOPE-06"  # "does the service process personal information?" (yes/no gate) ...
REVEALED = "SCOPE-13"  # ... "how many people's personal information?" appears only after "yes"
TEXT_Q = "SCOPE-14"  # the foundation models used (text)
CLAUSE_Q = "CS-05"  # a TC260-003 clause, answered "not applicable" with its reason
YES_NO_Q = "CS-08"  # content safety, yes/no with evidence required (and no file analyser)
IN_BROWSER = {GATE, REVEALED, TEXT_Q, CLAUSE_Q, YES_NO_Q}
# The browser's answers as stored, to know in advance which questions will apply in the end.
BROWSER_VALUES = {GATE: True, REVEALED: "under_1m"}

NA_REASON = "本服务仅提供单轮问答，不保存对话上下文，因此不存在多轮对话中的输入风险累积。"
MODELS_TEXT = "通义千问 qwen-max（阿里云，已备案：Beijing-TongYiQianWen-20230831）"
NOTE_TEXT = "已部署输入输出双向过滤，策略见附件。"


def pdf_bytes(title: str) -> bytes:
    """A small but well-formed PDF (the portal sniffs `%PDF-`)."""
    body = f"BT /F1 12 Tf 72 720 Td ({title}) Tj ET".encode()
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >> endobj\n"
        + f"4 0 obj << /Length {len(body)} >> stream\n".encode()
        + body
        + b"\nendstream endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )


# --- set-up through the services layer ---------------------------------------------------------


def form_data(q, value=None) -> dict:
    """Valid, complete form data for a question of any kind."""
    if value is None:
        value = {
            QuestionKind.YES_NO: "yes",
            QuestionKind.SINGLE_CHOICE: q.choices[0]["value"] if q.choices else "",
            QuestionKind.MULTIPLE_CHOICE: [q.choices[0]["value"]] if q.choices else [],
            QuestionKind.NUMBER: "3",
            QuestionKind.DATE: "2025-06-30",
            QuestionKind.TEXT: "见附件说明。",
            QuestionKind.CLAUSE: "conform",
        }[q.kind]
    return {"value": value, "note": ""}


def save_answer(assessment, q, user, data: dict) -> Answer:
    existing = Answer.objects.filter(assessment=assessment, question_id=q.pk).first()
    form = AnswerForm({"revision": existing.revision if existing else 0, **data}, question=q)
    assert form.is_valid(), (q.code, form.errors)
    answer, _state = services.answer_save(assessment=assessment, question=q, form=form, user=user)
    return answer


def add_evidence(assessment, q, user, name="证明材料.pdf"):
    upload = SimpleUploadedFile(name, pdf_bytes(q.code), content_type="application/pdf")
    return services.evidence_add(
        assessment=assessment,
        question=q,
        upload=upload,
        note="",
        user=user,
        max_bytes=10 * 1024 * 1024,
    )


def pre_answer(assessment: Assessment, user) -> None:
    """Answer every required question that will apply once the browser has done its part,
    except the ones the browser answers; attach a PDF wherever evidence is required."""
    catalogue = services.load_state(assessment).catalogue
    for code, value in GATES.items():
        save_answer(assessment, catalogue.by_code[code], user, form_data(None, value))
    done: set[str] = set()
    # Answers can open further questions (a gate inside a domain): pass again until none opens.
    while True:
        values = {**services.load_state(assessment).values, **BROWSER_VALUES}
        applicable = catalogue.applicable(assessment.service.profile(), values)
        todo = [
            q
            for q in catalogue.questions
            if q.code in applicable
            and q.code not in done
            and q.code not in IN_BROWSER
            and q.code not in GATES
        ]
        if not todo:
            return
        for q in todo:
            done.add(q.code)
            if q.kind != QuestionKind.EVIDENCE and q.required:
                save_answer(assessment, q, user, form_data(q))
            if q.evidence_required or (q.kind == QuestionKind.EVIDENCE and q.required):
                add_evidence(assessment, q, user)


@pytest.fixture
def library(live_server):
    # live_server tests are transactional: the database is flushed after each of them, so the
    # library loaded once per session by django_db_setup may be gone. Load it for this test.
    load_library()


@pytest.fixture
def setting(library):
    provider = factories.make_provider(name_zh="北京智言科技有限公司")
    service = factories.make_service(
        provider, name="智言对话助手", modalities=["text"], channels=["web"]
    )
    editor = factories.make_member(
        provider,
        Role.EDITOR,
        email="editor@zhiyan.example.cn",
        display_name="李编辑",
        password=PASSWORD,
    ).user
    return provider, service, editor


# --- browser helpers ----------------------------------------------------------------------------


def card(page, code):
    return page.locator(f"#q-{code}")


def autosaved(page, code, action, status=200):
    """Do `action` and wait for the autosave it causes; check what the status line says."""
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith(f"/answers/{code}/")
    ) as response:
        action()
    assert response.value.status == status, response.value.text()
    # The page says which questionnaire version it shows: a save from a page of the version
    # before an upgrade is refused instead of landing on the new version's question.
    sent = parse_qs(response.value.request.post_data or "")
    public_id = response.value.url.split("/assessments/")[1].split("/")[0]
    shown = Assessment.objects.get(public_id=public_id).questionnaire_id
    assert sent.get("questionnaire") == [str(shown)], sent
    if status == 200:
        expect(page.locator(f"#status-{code}")).to_contain_text("已保存")
    wait_idle(page)


def wait_idle(page):
    """No htmx request in flight."""
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def evidence_items(box):
    """The listed files of one question (analysis results are listed as extra rows)."""
    return box.locator(".evidence-list li", has=box.page.locator(".bi-paperclip"))


def domain_badge(page, domain):
    return page.locator(f".domain-nav [data-domain={domain}] [data-domain-progress]")


def progress_of(assessment, domain) -> str:
    assessment.refresh_from_db(fields=["progress"])
    done, total = assessment.progress[domain]
    return f"{done}/{total}"


# --- the flow ---------------------------------------------------------------------------------


def test_editor_fills_reloads_and_submits(pages, live_server, setting):
    provider, service, editor = setting
    page = pages.new(base_url=live_server.url)
    login(page, live_server, editor.email, PASSWORD)

    # Start from the service page, as an editor would.
    page.goto(
        reverse(
            "providers:service_detail",
            kwargs={"provider": provider.public_id, "service": service.public_id},
        )
    )
    check_assets_loaded(page)
    page.get_by_role("button", name="开始自评估").click()
    expect(page.locator("#questions")).to_be_visible()
    assessment = Assessment.objects.get(service=service)
    assert page.url.endswith(assessment.get_absolute_url())
    check_assets_loaded(page)

    pre_answer(assessment, editor)

    # What is still missing is listed on the submit page.
    page.goto(reverse("assessments:submit", kwargs={"assessment": assessment.public_id}))
    missing = page.locator(".missing-list li")
    expected_missing = [TEXT_Q, GATE, CLAUSE_Q, YES_NO_Q]
    expect(missing).to_have_count(len(expected_missing))
    for code in expected_missing:
        expect(page.locator(".missing-list")).to_contain_text(code)
    expect(page.locator(".missing-list")).not_to_contain_text(REVEALED)
    screenshot(page, "submit-missing-zh")

    # --- domain 1, scope: the gate reveals a question without a reload -----------------------
    page.goto(assessment.get_absolute_url())
    expect(page.locator(".page-title [data-missing-count]")).to_have_text(
        str(len(expected_missing))
    )
    expect(card(page, REVEALED)).to_be_hidden()
    # A domain with nothing to answer says so instead of "0/0".
    na_label = domain_badge(page, "personal_information").get_attribute("data-na-label")
    expect(domain_badge(page, "personal_information")).to_have_text(na_label)
    expect(domain_badge(page, "scope")).to_have_text(progress_of(assessment, "scope"))
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    gate = card(page, GATE)
    autosaved(page, GATE, lambda: gate.get_by_label("是", exact=True).check())
    expect(card(page, REVEALED)).to_be_visible()
    expect(domain_badge(page, "scope")).to_have_text(progress_of(assessment, "scope"))
    pi_progress = progress_of(assessment, "personal_information")
    assert not pi_progress.endswith("/0")
    expect(domain_badge(page, "personal_information")).to_have_text(pi_progress)
    assert page.evaluate("window.__sameDocument === true")

    revealed = card(page, REVEALED)
    autosaved(page, REVEALED, lambda: revealed.locator("input[value=under_1m]").check())
    autosaved(page, TEXT_Q, lambda: page.locator(f"#{TEXT_Q}-value").fill(MODELS_TEXT))
    page.locator("h1").click()  # leave the field, as a person does: that saves nothing more
    wait_idle(page)
    assert Answer.objects.get(assessment=assessment, question__code=TEXT_Q).revision == 1
    expect(domain_badge(page, "scope")).to_have_text(progress_of(assessment, "scope"))
    expect(domain_badge(page, "scope")).to_have_class(re.compile(r"text-bg-success"))
    screenshot(page, "assessment-scope-zh")

    # --- domain 2, content safety -------------------------------------------------------------
    page.locator(".domain-nav [data-domain=content_safety]").click()
    expect(page.locator(".domain-nav [data-domain=content_safety]")).to_have_class(
        re.compile(r"\bactive\b")
    )
    # Sub-items of one article (深度合成规定第七条 has nine) are cited once, not nine times.
    expect(
        card(page, "CS-03").locator(".provisions a", has_text="深度合成规定第七条")
    ).to_have_count(1)
    clause = card(page, CLAUSE_Q)
    reason = page.locator(f"#{CLAUSE_Q}-na_reason")
    expect(reason).to_be_hidden()
    expect(page.locator(f"#{CLAUSE_Q}-alternative_measure")).to_be_hidden()
    autosaved(
        page,
        CLAUSE_Q,
        lambda: clause.locator(".clause-result").get_by_text("不适用", exact=True).click(),
    )
    expect(reason).to_be_visible()
    expect(page.locator(f"#{CLAUSE_Q}-measures_taken")).to_be_hidden()
    # Saved, but incomplete until the reason is given.
    expect(page.locator(f"#gaps-{CLAUSE_Q}")).not_to_be_empty()
    autosaved(page, CLAUSE_Q, lambda: reason.fill(NA_REASON))
    expect(page.locator(f"#gaps-{CLAUSE_Q}")).to_be_empty()
    # Typing into any text field of the form saves, not only into the first one.
    autosaved(page, CLAUSE_Q, lambda: page.locator(f"#{CLAUSE_Q}-note").fill(NOTE_TEXT))

    yes_no = card(page, YES_NO_Q)
    autosaved(page, YES_NO_Q, lambda: yes_no.get_by_label("是", exact=True).check())

    # Evidence through the file picker, with an observation date.
    evidence_pdf = pdf_bytes("content safety policy")
    box = page.locator(f"#evidence-{YES_NO_Q}")
    box.get_by_text("上传证明材料").click()
    box.locator("input[type=file]").set_input_files(
        files=[{"name": "内容安全策略.pdf", "mimeType": "application/pdf", "buffer": evidence_pdf}]
    )
    box.locator("input[type=date]").fill("2025-05-20")
    with page.expect_response(lambda r: r.url.endswith(f"/answers/{YES_NO_Q}/evidence/")) as up:
        box.get_by_role("button", name="上传").click()
    assert up.value.status == 200, up.value.text()
    with translation.override("zh-hans"):
        size_text = str(filesizeformat(len(evidence_pdf)))
    digest = hashlib.sha256(evidence_pdf).hexdigest()
    item = evidence_items(box)
    expect(item).to_have_count(1)
    expect(item).to_contain_text("内容安全策略.pdf")
    expect(item).to_contain_text(size_text)
    expect(item).to_contain_text("2025-05-20")
    expect(item).to_contain_text(digest[:12])
    expect(item.locator(f"[title='SHA-256 {digest}']")).to_have_count(1)
    expect(domain_badge(page, "content_safety")).to_have_text(
        progress_of(assessment, "content_safety")
    )
    assert Evidence.objects.get(assessment=assessment, name="内容安全策略.pdf").sha256 == digest
    wait_idle(page)
    screenshot(page, "assessment-content-safety-zh")

    # The same page in English, as another session of the same editor.
    english = pages.new(language="en", base_url=live_server.url)
    login(english, live_server, editor.email, PASSWORD)
    english.goto(assessment.get_absolute_url() + "?domain=content_safety")
    expect(english.locator(f"#q-{CLAUSE_Q} label", has_text="Not applicable")).to_be_visible()
    expect(english.locator(f"#{CLAUSE_Q}-na_reason")).to_be_visible()
    screenshot(english, "assessment-content-safety-en")

    # --- reload: everything is kept ----------------------------------------------------------
    page.reload()
    clause = card(page, CLAUSE_Q)
    expect(clause.locator("input[name=value][value=na]")).to_be_checked()
    expect(page.locator(f"#{CLAUSE_Q}-na_reason")).to_be_visible()
    expect(page.locator(f"#{CLAUSE_Q}-na_reason")).to_have_value(NA_REASON)
    expect(card(page, YES_NO_Q).locator("input[name=value][value=yes]")).to_be_checked()
    expect(evidence_items(page.locator(f"#evidence-{YES_NO_Q}"))).to_contain_text(digest[:12])
    expect(page.locator(".page-title [data-missing-count]")).to_be_hidden()
    page.locator(".domain-nav [data-domain=scope]").click()
    expect(card(page, GATE).locator("input[name=value][value=yes]")).to_be_checked()
    expect(card(page, REVEALED)).to_be_visible()
    expect(card(page, REVEALED).locator("input[value=under_1m]")).to_be_checked()
    expect(page.locator(f"#{TEXT_Q}-value")).to_have_value(MODELS_TEXT)

    # --- submit ------------------------------------------------------------------------------
    page.locator(".page-title").get_by_role("link", name="提交审核").click()
    expect(page.locator(".missing-list")).to_have_count(0)
    expect(page.locator(".alert-success")).to_contain_text("均已齐备")
    page.locator("main form").get_by_role("button", name="提交审核").click()

    # --- the read-only view -------------------------------------------------------------------
    expect(page.locator(".alert-secondary .bi-lock")).to_be_visible()
    expect(page.locator("main")).to_contain_text("此版本已提交，答案和证明材料均已锁定。")
    expect(page.locator(".page-title .badge.status-submitted")).to_have_text("已提交")
    expect(page.locator("#questions .answer-form").first).to_be_visible()
    editable = page.locator(
        "#questions input:not([type=hidden]):not([disabled]), "
        "#questions textarea:not([disabled]), #questions select:not([disabled])"
    )
    expect(editable).to_have_count(0)
    expect(page.locator("#questions [hx-post]")).to_have_count(0)
    expect(page.locator(".evidence-upload")).to_have_count(0)
    expect(page.locator("#questions .save-status")).to_have_count(0)  # no "已保存" when frozen
    expect(page.get_by_role("link", name="提交审核")).to_have_count(0)
    assessment.refresh_from_db()
    assert assessment.status == Status.SUBMITTED
    assert assessment.snapshot_sha256
    page.locator(".domain-nav [data-domain=content_safety]").click()
    expect(page.locator(f"#{CLAUSE_Q}-na_reason")).to_have_value(NA_REASON)
    expect(page.locator(f"#{CLAUSE_Q}-na_reason")).to_be_disabled()
    frozen = page.locator(f"#evidence-{YES_NO_Q}")
    expect(evidence_items(frozen).get_by_role("link")).to_have_text("内容安全策略.pdf")
    expect(frozen.get_by_role("button")).to_have_count(0)
    screenshot(page, "readonly-zh")


def test_disguised_file_is_refused_and_typed_text_stays(pages, live_server, setting):
    provider, service, editor = setting
    assessment, _created = services.assessment_start(service=service, user=editor)
    page = pages.new(base_url=live_server.url)
    login(page, live_server, editor.email, PASSWORD)
    page.goto(assessment.get_absolute_url() + "?domain=content_safety")
    code = "CS-01"  # yes/no, evidence required
    note = page.locator(f"#{code}-note")
    note.fill(NOTE_TEXT)

    box = page.locator(f"#evidence-{code}")
    box.locator("summary").click()
    executable = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
    box.locator("input[type=file]").set_input_files(
        files=[{"name": "过滤策略.pdf", "mimeType": "application/pdf", "buffer": executable}]
    )
    with page.expect_response(lambda r: r.url.endswith(f"/answers/{code}/evidence/")) as up:
        box.get_by_role("button", name="上传").click()
    assert up.value.status == 422
    expect(box.locator(".alert-danger")).to_contain_text("不接受此类文件")
    expect(box.locator(".evidence-list")).to_have_count(0)
    expect(box.locator("details.evidence-upload")).to_have_attribute("open", "")
    expect(note).to_have_value(NOTE_TEXT)
    expect(page.locator(f"#status-{code}")).to_contain_text("已保存")
    wait_idle(page)
    assert not Evidence.objects.filter(assessment=assessment).exists()
    assert Answer.objects.get(assessment=assessment, question__code=code).note == NOTE_TEXT


def test_conflicting_edits_are_caught_and_can_be_overridden(pages, live_server, setting):
    provider, service, first = setting
    second = factories.make_member(
        provider,
        Role.EDITOR,
        email="wang@zhiyan.example.cn",
        display_name="王审校",
        password=PASSWORD,
    ).user
    assessment, _created = services.assessment_start(service=service, user=first)
    mine, theirs = "我的版本：自研模型 ZY-7B", "他们的版本：通义千问 qwen-max"
    page_a = pages.new(base_url=live_server.url)
    page_b = pages.new(base_url=live_server.url)
    login(page_a, live_server, first.email, PASSWORD)
    login(page_b, live_server, second.email, PASSWORD)
    page_a.goto(assessment.get_absolute_url())
    page_b.goto(assessment.get_absolute_url())

    autosaved(page_a, TEXT_Q, lambda: page_a.locator(f"#{TEXT_Q}-value").fill(theirs))
    autosaved(page_b, TEXT_Q, lambda: page_b.locator(f"#{TEXT_Q}-value").fill(mine), status=409)
    conflict = page_b.locator(f"#status-{TEXT_Q} .conflict")
    expect(conflict).to_contain_text("未保存：其他人已修改了该答案。")
    expect(conflict).to_contain_text("李编辑")
    expect(conflict.locator("q")).to_have_text(theirs)
    expect(page_b.locator(f"#{TEXT_Q}-value")).to_have_value(mine)
    screenshot(page_b, "conflict-zh")

    statuses = []
    page_b.on(
        "response",
        lambda r: statuses.append(r.status) if r.url.endswith(f"/answers/{TEXT_Q}/") else None,
    )
    autosaved(
        page_b,
        TEXT_Q,
        lambda: conflict.get_by_role("button", name="保留我的答案并保存").click(),
    )
    # Leaving the textarea (the click) must not send the stale revision once more.
    assert statuses == [200]
    answer = Answer.objects.get(assessment=assessment, question__code=TEXT_Q)
    assert answer.value == mine
    assert answer.updated_by == second
