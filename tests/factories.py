"""Plain helpers that build rows for tests; every argument can be overridden."""

from __future__ import annotations

import itertools
from functools import cache
from pathlib import Path

import yaml
from django.conf import settings

from accounts.models import User
from library.layouts import Layout, layout_from_data
from providers.codes import uscc_check_character
from providers.models import AIService, Invitation, Membership, Provider, Role

_seq = itertools.count(1)
PASSWORD = "correct-Horse-battery-9"


@cache
def layout(version: int = 2) -> Layout:
    """The real document layout of a questionnaire version, read from fixtures/ (no database),
    for facts that tests build by hand."""
    name = f"gai-security-self-assessment-v{version}.layout.yaml"
    path = Path(settings.BASE_DIR) / "fixtures" / "questionnaires" / name
    return layout_from_data(yaml.safe_load(path.read_text(encoding="utf-8")))


def make_credit_code() -> str:
    first17 = f"9131011{next(_seq):010d}"
    return first17 + uscc_check_character(first17)


def make_user(**kwargs) -> User:
    kwargs.setdefault("email", f"user{next(_seq)}@example.cn")
    kwargs.setdefault("display_name", "测试用户")
    password = kwargs.pop("password", PASSWORD)
    user = User(**kwargs)
    user.set_password(password)
    user.save()
    return user


def make_provider(**kwargs) -> Provider:
    kwargs.setdefault("name_zh", f"测试科技有限公司{next(_seq)}")
    kwargs.setdefault("name_en", "Test Technology Co., Ltd.")
    kwargs.setdefault("credit_code", make_credit_code())
    kwargs.setdefault("legal_representative", "张三")
    provider = Provider(**kwargs)
    provider.full_clean()
    provider.save()
    return provider


def make_service(provider: Provider, **kwargs) -> AIService:
    kwargs.setdefault("name", f"测试服务{next(_seq)}")
    kwargs.setdefault("modalities", ["text"])
    kwargs.setdefault("channels", ["web"])
    service = AIService(provider=provider, **kwargs)
    service.full_clean()
    service.save()
    return service


def make_member(provider: Provider, role: str = Role.EDITOR, **user_kwargs) -> Membership:
    user = make_user(**user_kwargs)
    return Membership.objects.create(provider=provider, user=user, role=role)


def make_invitation(provider: Provider, **kwargs) -> Invitation:
    kwargs.setdefault("email", f"invitee{next(_seq)}@example.cn")
    kwargs.setdefault("role", Role.EDITOR)
    return Invitation.objects.create(provider=provider, **kwargs)


# --- questionnaires and assessments ----------------------------------------------------------

KIND_SAMPLES = {
    "clause": {"value": "conform", "note": "有制度文件和日志为证。"},
    "yes_no": {"value": "yes"},
    "number": {"value": "12000"},
    "date": {"value": "2026-10-01"},
    "text": {"value": "按季度开展安全评估，记录存档。"},
}


def make_questionnaire(n_questions: int = 5, *, code: str | None = None, domains: int = 2):
    """A small questionnaire built directly in the database, citing real provisions."""
    from library.models import Domain, Provision, Question, Questionnaire

    questionnaire = Questionnaire.objects.create(
        code=code or f"test-q-{next(_seq)}",
        version=1,
        title_zh="测试问卷",
        title_en="Test questionnaire",
        content_hash=f"{next(_seq):064d}",
        source_file="test.yaml",
    )
    provision = Provision.objects.filter(assessable=True).first()
    domain_rows = [
        Domain.objects.create(
            questionnaire=questionnaire,
            code=f"d{i}",
            title_zh=f"领域{i}",
            title_en=f"Domain {i}",
            position=i,
        )
        for i in range(domains)
    ]
    kinds = ["clause", "yes_no", "number", "text", "clause"]
    for i in range(n_questions):
        question = Question.objects.create(
            questionnaire=questionnaire,
            domain=domain_rows[i % domains],
            code=f"T-{i:03d}",
            kind=kinds[i % len(kinds)],
            text_zh=f"测试问题{i}",
            text_en=f"Test question {i}",
            guidance_zh="提供制度文件。",
            guidance_en="Provide the policy.",
            expected=True if kinds[i % len(kinds)] == "yes_no" else None,
            thresholds=[{"key": "min", "value": 10000, "comparison": "ge"}]
            if kinds[i % len(kinds)] == "number"
            else [],
            position=i,
        )
        question.provisions.add(provision)
    return questionnaire


def number_sample(question):
    """A value the question accepts: the limit of its first binding threshold (meets ge/le/eq),
    else 12000 moved into the question's range."""
    from assessments.forms import number_range

    binding = [t for t in question.thresholds if not t.get("advisory")]
    if binding and binding[0]["comparison"] in ("ge", "le", "eq"):
        return binding[0]["value"]
    low, high, _integer = number_range(question)
    return int(min(high, max(low, 12000)))


def answer_data(question, **overrides) -> dict:
    from assessments.forms import is_ratio

    data = {"revision": 0, **KIND_SAMPLES.get(question.kind, {})}
    if question.kind == "number" and is_ratio(question):
        data["value"] = "0.2"
    elif question.kind == "number":
        data["value"] = str(number_sample(question))
    if question.kind in ("single_choice", "multiple_choice"):
        first = question.choices[0]["value"]
        data["value"] = first if question.kind == "single_choice" else [first]
    data.update(overrides)
    return data


def answer(assessment, code: str, user, **overrides):
    """Save one answer through the same form and service as the page."""
    from assessments import services
    from assessments.forms import AnswerForm

    catalogue = services.get_catalogue(assessment.questionnaire)
    question = catalogue.by_code[code]
    current = assessment.answers.filter(question_id=question.pk).first()
    data = answer_data(question, revision=current.revision if current else 0, **overrides)
    form = AnswerForm(data, question=question)
    assert form.is_valid(), form.errors
    return services.answer_save(assessment=assessment, question=question, form=form, user=user)


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def attach(assessment, code: str, user, *, name=None, content=None, analyse=True):
    """Attach a file; a question with an analyser gets a real passing artefact by default,
    analysed at once (the task function called directly) unless `analyse` is False."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessments import services
    from assessments.analysis import run_analysis
    from tests import artefacts

    question = services.get_catalogue(assessment.questionnaire).by_code[code]
    if content is None and question.analyser:
        name, content = artefacts.passing(
            question.analyser, assessment.service.provider.credit_code
        )
    upload = SimpleUploadedFile(
        name or "evidence.pdf",
        PDF_BYTES if content is None else content,
        content_type="application/octet-stream",
    )
    evidence, _state = services.evidence_add(
        assessment=assessment,
        question=question,
        upload=upload,
        user=user,
        max_bytes=25 * 1024 * 1024,
    )
    if analyse and hasattr(evidence, "analysis"):
        run_analysis(evidence.analysis.pk)
        evidence.refresh_from_db()
    return evidence


def fill_required(assessment, user, *, skip: tuple[str, ...] = ()) -> None:
    """Answer every applicable required question (and attach required evidence), in order, so
    that gate answers open their dependants. Answers go through AnswerForm like the page's, but
    are written in bulk with one score refresh per pass, to keep tests fast."""
    from assessments import services
    from assessments.forms import AnswerForm
    from assessments.models import Answer

    for _round in range(4):  # gates reveal further questions; a few passes reach a fixpoint
        state = services.load_state(assessment)
        rows = []
        for q in state.catalogue.questions:
            if q.code in skip or q.code not in state.applicable:
                continue
            if (q.kind == "evidence" or q.evidence_required) and not state.evidence.get(q.code):
                attach(assessment, q.code, user)
            if q.kind != "evidence" and q.code not in state.answers:
                form = AnswerForm(answer_data(q), question=q)
                assert form.is_valid(), (q.code, form.errors)
                row = Answer(
                    assessment=assessment,
                    question_id=q.pk,
                    value=form.stored_value(),
                    revision=1,
                    updated_by=user,
                )
                for name, value in form.stored_details().items():
                    setattr(row, name, value)
                rows.append(row)
        if not rows:
            break
        Answer.objects.bulk_create(rows)
        services.refresh_assessment(assessment)


def make_unreachable_model_run(provider, service, *, name: str = "unreachable"):
    """A model endpoint nothing answers at (port 9, discard: a connection test fails at once)
    and a queued run of one question on it: (endpoint, run)."""
    from modeltests import engine
    from modeltests.banks import Banks
    from modeltests.models import ModelEndpoint
    from modeltests.sampling import BankQuestion

    endpoint = ModelEndpoint(
        provider=provider,
        name=name,
        base_url="http://127.0.0.1:9/v1",
        model_name="m",
        timeout_seconds=1,
        max_retries=0,
    )
    endpoint.set_api_key(f"sk-{name}")
    endpoint.save()
    banks = Banks(questions={"generated": [BankQuestion("k", "generated", "问题", "A.1 a")]})
    run = engine.create_run(
        service=service,
        endpoint=endpoint,
        banks=banks,
        sizes={"manual": 1},
        budget=5,
        keyword_sources=[],
        seed=1,
    )
    return endpoint, run
