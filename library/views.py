from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

import analysers
from library.models import (
    Instrument,
    Provision,
    Question,
    Questionnaire,
    RiskCategory,
)
from library.routes import describe_condition
from portal.text import safe_filename

SEARCH_LIMIT = 50


def _newest_questionnaire_ids() -> list[int]:
    newest: dict[str, tuple[int, int]] = {}
    for pk, code, version in Questionnaire.objects.values_list("pk", "code", "version"):
        if code not in newest or version > newest[code][1]:
            newest[code] = (pk, version)
    return [pk for pk, _ in newest.values()]


def _citing_questions() -> Prefetch:
    """Questions of the newest questionnaire versions, for provision pages."""
    return Prefetch(
        "questions",
        queryset=Question.objects.filter(questionnaire_id__in=_newest_questionnaire_ids())
        .select_related("questionnaire", "domain")
        .order_by("position"),
    )


def index(request: HttpRequest) -> HttpResponse:
    instruments = Instrument.objects.select_related("superseded_by").annotate(
        provision_count=Count("provisions", distinct=True),
        assessable_count=Count("provisions", filter=Q(provisions__assessable=True), distinct=True),
    )
    questionnaires = Questionnaire.objects.annotate(question_count=Count("questions"))
    context = {"instruments": instruments, "questionnaires": questionnaires}
    return render(request, "library/index.html", context)


def instrument_detail(request: HttpRequest, code: str) -> HttpResponse:
    instrument = Instrument.objects.select_related("superseded_by").filter(code=code).first()
    if instrument is None:
        raise Http404
    provisions = instrument.provisions.prefetch_related(_citing_questions())
    rows = [(p, list(p.questions.all())) for p in provisions]
    assessable = [row for row in rows if row[0].assessable]
    covered = sum(1 for _, questions in assessable if questions)
    context = {
        "instrument": instrument,
        "rows": rows,
        "assessable_count": len(assessable),
        "covered_count": covered,
        "supersedes": list(instrument.supersedes.all()),
    }
    return render(request, "library/instrument.html", context)


def provision_detail(request: HttpRequest, key: str) -> HttpResponse:
    provision = (
        Provision.objects.select_related("instrument")
        .prefetch_related(_citing_questions())
        .filter(key=key)
        .first()
    )
    if provision is None:
        raise Http404
    return render(request, "library/provision.html", {"provision": provision})


def questionnaire_detail(request: HttpRequest, code: str, version: int) -> HttpResponse:
    questionnaire = Questionnaire.objects.filter(code=code, version=version).first()
    if questionnaire is None:
        raise Http404
    domains = questionnaire.domains.prefetch_related(
        Prefetch(
            "questions",
            queryset=Question.objects.order_by("position").prefetch_related(
                Prefetch("provisions", queryset=Provision.objects.order_by("key"))
            ),
        )
    )
    context = {
        "questionnaire": questionnaire,
        "domains": domains,
    }
    return render(request, "library/questionnaire.html", context)


def question_detail(request: HttpRequest, code: str, version: int, question: str) -> HttpResponse:
    obj = (
        Question.objects.select_related("questionnaire", "domain")
        .prefetch_related(
            Prefetch("provisions", queryset=Provision.objects.select_related("instrument"))
        )
        .filter(questionnaire__code=code, questionnaire__version=version, code=question)
        .first()
    )
    if obj is None:
        raise Http404
    context = {"question": obj, "condition": describe_condition(obj.applies_if)}
    return render(request, "library/question.html", context)


def risk_list(request: HttpRequest) -> HttpResponse:
    categories = RiskCategory.objects.prefetch_related("risks")
    return render(request, "library/risks.html", {"categories": categories})


def analyser_template(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """A blank artefact in the layout the analysers read (and regulators receive)."""
    if kind not in analysers.TEMPLATES or fmt not in ("csv", "xlsx"):
        raise Http404
    blank = analysers.template(kind, fmt)
    response = HttpResponse(blank.data, content_type=blank.content_type)
    response["Content-Disposition"] = content_disposition_header(
        True, safe_filename(blank.filename)
    )
    return response


def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    provisions = questions = []
    if query:
        provisions = list(
            Provision.objects.select_related("instrument").filter(
                Q(key__icontains=query)
                | Q(summary_zh__icontains=query)
                | Q(summary_en__icontains=query)
                | Q(ref_zh__icontains=query)
                | Q(ref_en__icontains=query)
            )[:SEARCH_LIMIT]
        )
        questions = list(
            Question.objects.select_related("questionnaire", "domain")
            .filter(questionnaire_id__in=_newest_questionnaire_ids())
            .filter(
                Q(code__icontains=query)
                | Q(text_zh__icontains=query)
                | Q(text_en__icontains=query)
                | Q(provisions__key__iexact=query)
            )
            .distinct()[:SEARCH_LIMIT]
        )
    context = {
        "query": query,
        "provisions": provisions,
        "questions": questions,
        "limit": SEARCH_LIMIT,
    }
    return render(request, "library/search.html", context)
