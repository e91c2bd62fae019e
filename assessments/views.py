from __future__ import annotations

import json
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import card_cache, filetypes, services, upgrade
from assessments.access import (
    get_assessment,
    get_evidence,
    get_writable_assessment,
    lock_writable_assessment,
)
from assessments.downloads import evidence_response
from assessments.forms import AnswerForm, EvidenceForm, threshold_warnings
from assessments.models import Answer
from assessments.presenters import answer_display, question_cards
from assessments.results import label_of, results_for
from assessments.scoring import CONCLUSION_LABELS, DECLARED_CONCLUSIONS, declared_mismatch
from audit.presenters import changes as readable_changes
from audit.presenters import summary as event_summary
from audit.selectors import events_for_assessment
from library import scope
from library.layouts import get_layout
from library.routes import cite_labels, filing_routes
from portal import uploads
from providers.access import get_service, get_writable_membership
from reviews.services import provider_comments


@require_POST
def start(request: HttpRequest, provider: UUID, service: UUID) -> HttpResponse:
    membership = get_writable_membership(request, provider)
    service_obj = get_service(membership.provider, service)
    try:
        assessment, created = services.assessment_start(service=service_obj, user=request.user)
    except services.Questionnaire.DoesNotExist as exc:
        messages.error(request, str(exc))
        return redirect(service_obj)
    if created:
        messages.success(request, _("Assessment started. Every answer saves itself."))
    return redirect(assessment)


def detail(request: HttpRequest, assessment: UUID) -> HttpResponse:
    obj, membership = get_assessment(request, assessment)
    state = services.load_state(obj)
    catalogue = state.catalogue
    domain_code = request.GET.get("domain") or catalogue.domains[0].code
    domain = catalogue.domain(domain_code)
    if domain is None:
        raise Http404(_("No such domain."))
    editable = obj.is_editable and membership.can_write
    previous = _previous_answers(obj)
    index = catalogue.domains.index(domain)
    moved = upgrade.latest_upgrade(obj)
    marked = upgrade.marked_codes(obj, moved)
    cards = question_cards(
        domain,
        state,
        editable=editable,
        previous=previous,
        comments=provider_comments(obj),
        marked=marked,
    )
    max_mb = settings.EVIDENCE_MAX_BYTES // 1048576
    domain_rows = _domain_scores(obj, catalogue, services.optional_domains(state))
    context = {
        "assessment": obj,
        "membership": membership,
        "provider": membership.provider,
        "service": obj.service,
        "catalogue": catalogue,
        "domain": domain,
        "domain_number": index + 1,
        "domains": domain_rows,
        "domain_list": card_cache.render_domain_list(
            domain_rows, domain=domain, catalogue=catalogue, assessment=obj, request=request
        ),
        "prev_domain": catalogue.domains[index - 1] if index else None,
        "next_domain": catalogue.domains[index + 1] if index + 1 < len(catalogue.domains) else None,
        "cards": cards,
        "cards_html": card_cache.render_cards(
            cards,
            catalogue=catalogue,
            assessment=obj,
            editable=editable,
            max_mb=max_mb,
            request=request,
        ),
        "upgrade": moved if marked else None,
        "can_undo_upgrade": editable and upgrade.undoable(obj, moved),
        "newer_version": upgrade.newer_version(obj)
        if membership.can_write and obj.status in upgrade.UPGRADABLE
        else None,
        "returned": _returned_version(obj),
        "editable": editable,
        "max_mb": max_mb,
        "missing_count": len(services.missing_for_submission(state)) if editable else 0,
        "score": obj.self_score,
    }
    return render(request, "assessments/detail.html", context)


def _returned_version(assessment):
    """The version a reviewer sent back, whose summary the provider should read first."""
    if assessment.status == "changes_requested":
        return assessment
    previous = assessment.previous
    if previous is not None and previous.review_summary and assessment.is_editable:
        return previous
    return None


def _previous_answers(assessment) -> dict[int, Answer]:
    if not assessment.previous_id:
        return {}
    rows = Answer.objects.filter(assessment_id=assessment.previous_id)
    if assessment.previous.questionnaire_id == assessment.questionnaire_id:
        return {a.question_id: a for a in rows}
    # The draft moved to a newer questionnaire version: the same question by its code.
    before = services.get_catalogue(assessment.previous.questionnaire)
    now = services.get_catalogue(assessment.questionnaire)
    return {
        now.by_code[before.by_pk[a.question_id].code].pk: a
        for a in rows
        if a.question_id in before.by_pk and before.by_pk[a.question_id].code in now.by_code
    }


@require_POST
def save_answer(request: HttpRequest, assessment: UUID, question: str) -> HttpResponse:
    try:
        # The access check, the row lock and the save in one transaction: the row is read once,
        # locked (access.lock_writable_assessment), and a refusal rolls it all back.
        with transaction.atomic():
            obj, _membership = lock_writable_assessment(request, assessment)
            item = services.get_catalogue(obj.questionnaire).by_code.get(question)
            if item is None:
                raise Http404(_("No such question."))
            form = AnswerForm(request.POST, question=item)
            context = {"question": item, "assessment": obj}
            # The page sends the version it was shown for (hx-vals on #questions).
            services.ensure_page_version(obj, request.POST.get("questionnaire"))
            if form.is_valid():
                answer, state = services.answer_save(
                    assessment=obj, question=item, form=form, user=request.user, locked=True
                )
    except services.Conflict as exc:
        context.update(conflict=exc.answer, theirs=answer_display(item, exc.answer))
        return render(request, "assessments/_save_status.html", context, status=409)
    except services.NotEditable as exc:
        context["errors"] = {"__all__": [str(exc)]}
        return render(request, "assessments/_save_status.html", context, status=422)
    if form.errors:
        context["errors"] = form.errors
        return render(request, "assessments/_save_status.html", context, status=422)
    context.update(
        answer=answer,
        saved=True,
        gaps=state.incomplete.get(item.code, []),
        warnings=threshold_warnings(item, answer.value),
        contradictions=[(c, state.contradictions(c)) for c in checked]
        if item.code in (checked := scope.checked(state.catalogue.layout))
        else [],
    )
    response = render(request, "assessments/_save_status.html", context)
    _add_state_event(response, state)
    return response


def _add_state_event(response: HttpResponse, state: services.State) -> None:
    """What the page needs to re-evaluate itself without a reload."""
    progress = services.progress_of(state)
    answered = sum(done for done, _ in progress.values())
    total = sum(count for _, count in progress.values())
    event = {
        "applicable": sorted(state.applicable),
        "progress": progress,
        "percent": round(100 * answered / total) if total else 0,
        "answered": answered,
        "total": total,
        "missing": len(services.missing_for_submission(state)),
        "optional": services.optional_domains(state),
    }
    response["HX-Trigger"] = json.dumps({"assessment:state": event})


@require_POST
def upload_evidence(request: HttpRequest, assessment: UUID, question: str) -> HttpResponse:
    obj, membership = get_writable_assessment(request, assessment)
    catalogue = services.get_catalogue(obj.questionnaire)
    item = catalogue.by_code.get(question)
    if item is None:
        raise Http404(_("No such question."))
    error, state = None, None
    status = 200
    refusal = uploads.refused(request)
    form = EvidenceForm(request.POST, request.FILES)
    if refusal is not None:
        error, status = uploads.message(refusal), 422
    elif form.is_valid():
        try:
            # The page sends the version it was shown for (hx-vals on #questions), as with
            # answers: a file chosen for a question's old wording must not land on the new
            # version's question of that code. A move while the upload runs is refused by the
            # service (the question above is the version read here), in the same words.
            services.ensure_page_version(obj, request.POST.get("questionnaire"))
            _evidence, state = services.evidence_add(
                assessment=obj,
                question=item,
                upload=form.cleaned_data["file"],
                observed_on=form.cleaned_data["observed_on"],
                note=form.cleaned_data["note"],
                user=request.user,
                max_bytes=settings.EVIDENCE_MAX_BYTES,
            )
        except (filetypes.FileRefused, ValidationError, services.NotEditable) as exc:
            error, status = str(exc.args[0] if exc.args else exc), 422
    else:
        error, status = " ".join(e for errs in form.errors.values() for e in errs), 422
    return _evidence_panel(request, obj, item, state, error=error, status=status)


def _evidence_panel(request, assessment, question, state, *, error=None, status=200):
    """The files of one question after an upload or removal, and the page's new state.
    A refused upload changed nothing, so it has no state and the list is read afresh."""
    if state is not None:
        items = state.evidence.get(question.code, [])
    else:
        items = list(assessment.evidence.filter(question_id=question.pk).select_related("analysis"))
    context = {
        "assessment": assessment,
        "question": question,
        "evidence": items,
        "editable": True,
        "error": error,
        "max_mb": settings.EVIDENCE_MAX_BYTES // 1048576,
    }
    response = render(request, "assessments/_evidence.html", context, status=status)
    if state is not None:
        _add_state_event(response, state)
    return response


def download_evidence(request: HttpRequest, assessment: UUID, evidence: UUID) -> FileResponse:
    obj, _membership = get_assessment(request, assessment)
    return evidence_response(get_evidence(obj, evidence), request=request)


def analysis_status(request: HttpRequest, assessment: UUID, evidence: UUID) -> HttpResponse:
    """The analysis of one file, polled by the page while it runs."""
    obj, _membership = get_assessment(request, assessment)
    item = get_evidence(obj, evidence)
    analysis = getattr(item, "analysis", None)
    if analysis is None:
        raise Http404(_("This file is not analysed."))
    response = render(
        request, "assessments/_analysis.html", {"assessment": obj, "analysis": analysis}
    )
    if analysis.status != "pending":
        # Scores moved with the result: let the page refresh its progress figures.
        _add_state_event(response, services.load_state(obj))
    return response


@require_POST
def delete_evidence(request: HttpRequest, assessment: UUID, evidence: UUID) -> HttpResponse:
    obj, _membership = get_writable_assessment(request, assessment)
    item = get_evidence(obj, evidence)
    state = services.evidence_delete(evidence=item, user=request.user)
    if request.htmx:
        question = services.get_catalogue(obj.questionnaire).by_pk[item.question_id]
        return _evidence_panel(request, obj, question, state)
    messages.success(request, _("File removed."))
    return redirect(obj)


def submit(request: HttpRequest, assessment: UUID) -> HttpResponse:
    obj, membership = get_assessment(request, assessment)
    state = services.load_state(obj)
    missing = services.missing_for_submission(state) if obj.is_editable else []
    if request.method == "POST":
        obj, membership = get_writable_assessment(request, assessment)
        try:
            services.assessment_submit(assessment=obj, user=request.user)
        except services.SubmissionIncomplete as exc:
            missing = exc.missing
            messages.error(request, _("Some answers are still missing; see the list below."))
        except services.NotEditable as exc:
            messages.error(request, str(exc))
            return redirect(obj)
        else:
            messages.success(request, _("Submitted. The answers are frozen and wait for review."))
            return redirect(obj)
    groups: dict[str, list] = {}
    for question, reason in missing:
        groups.setdefault(question.domain, []).append((question, reason))
    catalogue = services.get_catalogue(obj.questionnaire)
    context = {
        "assessment": obj,
        "membership": membership,
        "provider": membership.provider,
        "service": obj.service,
        "missing": missing,
        "missing_groups": [(d, groups[d.code]) for d in catalogue.domains if d.code in groups],
    }
    return render(request, "assessments/submit.html", context)


def results(request: HttpRequest, assessment: UUID) -> HttpResponse:
    obj, membership = get_assessment(request, assessment)
    catalogue = services.get_catalogue(obj.questionnaire)
    context = {
        "assessment": obj,
        "membership": membership,
        "provider": membership.provider,
        "service": obj.service,
        "catalogue": catalogue,
        "results": results_for(obj, catalogue),
    }
    state = services.load_state(obj)
    context["domain_rows"] = _domain_scores(obj, catalogue, services.optional_domains(state))
    routes = filing_routes(obj.questionnaire, profile=state.profile, answers=state.values)
    labels = cite_labels(routes)
    context["routes"] = [
        (
            route,
            [catalogue.by_code[c] for c in route.missing if c in catalogue.by_code],
            [(key, labels.get(key, key)) for key in route.cites],
        )
        for route in routes
    ]
    context["declared_conclusion"] = _declared_conclusion(
        context["results"], state, get_layout(obj.questionnaire)
    )
    context["scope_conflicts"] = [
        (catalogue.by_code[c.question], c.message)
        for c in scope.contradictions(catalogue.layout, state.profile, state.values)
        if c.question in catalogue.by_code
    ]
    return render(request, "assessments/results.html", context)


def _declared_conclusion(results, state, layout) -> dict | None:
    """The declared conclusion beside the computed one, when they disagree."""
    question = layout.code("checks.report.conclusion_question")
    declared = state.values.get(question) if question in state.applicable else None
    if results is None or not declared_mismatch(declared, results.score.conclusion):
        return None
    return {
        "declared": label_of(CONCLUSION_LABELS, DECLARED_CONCLUSIONS[declared]),
        "computed": results.conclusion,
        "question": state.catalogue.by_code[question],
    }


def _domain_scores(assessment, catalogue, optional=()):
    scores = {d["code"]: d for d in (assessment.self_score or {}).get("domains", [])}
    rows = []
    for d in catalogue.domains:
        done, total = assessment.progress.get(d.code, [0, 0])
        rows.append(
            {
                "domain": d,
                "done": done,
                "total": total,
                "optional": d.code in optional,
                "score": scores.get(d.code, {}).get("score"),
                "advisory": scores.get(d.code, {}).get("advisory"),
            }
        )
    return rows


def history(request: HttpRequest, assessment: UUID) -> HttpResponse:
    """Everything that happened to this assessment and its earlier versions, in order."""
    obj, membership = get_assessment(request, assessment)
    catalogue = services.get_catalogue(obj.questionnaire)
    context = {
        "assessment": obj,
        "membership": membership,
        "provider": membership.provider,
        "service": obj.service,
        "events": [
            (event, readable_changes(event, catalogue), event_summary(event))
            for event in events_for_assessment(obj)
        ],
        "retired": upgrade.retired_answers(obj),
    }
    return render(request, "assessments/history.html", context)


@require_POST
def revise(request: HttpRequest, assessment: UUID) -> HttpResponse:
    obj, _membership = get_writable_assessment(request, assessment)
    try:
        draft = services.assessment_revise(assessment=obj, user=request.user)
    except services.NotEditable as exc:
        messages.error(request, str(exc))
        return redirect(obj)
    messages.success(request, _("A new version is open for your changes."))
    return redirect(draft)
