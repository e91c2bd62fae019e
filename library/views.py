from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

import analysers
from library.catalogue import get_catalogue
from library.changes import compare, instrument_changes, previous_version
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


def _version_pair(code: str, old: int | None = None, new: int | None = None):
    """Two versions of a questionnaire to compare: the ones named, or the newest and the one
    before it. None when either does not exist."""
    versions = {q.version: q for q in Questionnaire.objects.filter(code=code)}
    if new is None:
        new = max(versions, default=None)
    newer = versions.get(new)
    if newer is None:
        return None
    older = versions.get(old) if old is not None else previous_version(newer)
    if older is None or older.version >= newer.version:
        return None
    return older, newer


def _instruments_touched(diff) -> list[tuple[Instrument, int]]:
    """Instruments cited by added or changed questions, with how many such questions (two
    queries, whatever the size of the versions)."""
    changes = diff.added + diff.changed
    keys = {p.key for c in changes for p in c.item.provisions}
    owner = dict(Provision.objects.filter(key__in=keys).values_list("key", "instrument_id"))
    counts: dict[int, int] = {}
    for change in changes:
        for instrument_id in {owner[p.key] for p in change.item.provisions if p.key in owner}:
            counts[instrument_id] = counts.get(instrument_id, 0) + 1
    instruments = Instrument.objects.in_bulk(list(counts))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], instruments[kv[0]].position))
    return [(instruments[pk], n) for pk, n in ranked]


def _by_domain(changes, catalogue) -> list[tuple]:
    """Changes grouped under the domains of `catalogue`, in its order."""
    groups: dict[str, list] = {}
    for change in changes:
        groups.setdefault(change.item.domain, []).append(change)
    return [(d, groups[d.code]) for d in catalogue.domains if d.code in groups]


def questionnaire_changes(request: HttpRequest, code: str, old: int, new: int) -> HttpResponse:
    """What changed between two versions: questions added, removed and changed, with the
    wording and thresholds compared word by word (English) and character by character
    (Chinese); a constant number of queries (the versions are cached catalogues)."""
    pair = _version_pair(code, old, new)
    if pair is None:
        raise Http404
    older, newer = pair
    diff = compare(get_catalogue(older), get_catalogue(newer))
    context = {
        "older": older,
        "newer": newer,
        "diff": diff,
        "added": _by_domain(diff.added, diff.new),
        "changed": _by_domain(diff.changed, diff.new),
        "removed": _by_domain(diff.removed, diff.old),
        "instruments": _instruments_touched(diff),
    }
    return render(request, "library/questionnaire_changes.html", context)


def instrument_changes_view(request: HttpRequest, code: str) -> HttpResponse:
    """One instrument's provisions new in the newest questionnaire version or whose questions
    changed, with their dates in force."""
    instrument = Instrument.objects.filter(code=code).first()
    if instrument is None:
        raise Http404
    from assessments.services import DEFAULT_QUESTIONNAIRE

    pair = _version_pair(request.GET.get("questionnaire") or DEFAULT_QUESTIONNAIRE)
    rows = []
    if pair is not None:
        diff = compare(get_catalogue(pair[0]), get_catalogue(pair[1]))
        rows = instrument_changes(instrument, diff)
    context = {"instrument": instrument, "pair": pair, "rows": rows}
    return render(request, "library/instrument_changes.html", context)
