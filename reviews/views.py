from __future__ import annotations

import io
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from assessments.models import Status
from assessments.scoring import ScoreResult
from audit.models import Action
from audit.services import record_read
from filing.summary import ROUTE_LABELS, route_codes, route_label
from library.catalogue import get_catalogue
from portal.text import safe_filename
from reviews import services
from reviews.access import get_reviewable, review_area_required, reviewer_required
from reviews.forms import AssignForm, DecisionForm, VerdictForm
from reviews.presenters import domain_progress, review_cards
from reviews.queue import PAGE_SIZE, Filters, queue_for

INLINE_TYPES = (
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
)


@review_area_required
def index(request: HttpRequest) -> HttpResponse:
    filters = Filters.from_query(request.GET)
    # The list shows nothing of the frozen submission: leave its snapshot (about 100 KB each)
    # in the database.
    rows = queue_for(request.user, filters).defer("snapshot")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(a, [route_label(code) for code in route_codes(a.filing_routes)]) for a in page]
    return render(
        request,
        "reviews/index.html",
        {"rows": rows, "page": page, "filters": filters, "route_choices": ROUTE_LABELS.items()},
    )


def _page_context(request, assessment, domain_code=None):
    catalogue = get_catalogue(assessment.questionnaire)
    domain = catalogue.domain(domain_code or "") or catalogue.domains[0]
    reviews = {
        r.question_id: r
        for r in assessment.answer_reviews.select_related("reviewer", "confirmed_by")
    }
    files = {str(e.public_id): e for e in assessment.evidence.all()}
    changed = services.changed_questions(assessment)
    previous_reviews = None
    if changed:  # a resubmission: the changed answers beside the previous version's
        previous_reviews = {
            r.question_id: r for r in assessment.previous.answer_reviews.select_related("reviewer")
        }
    index = catalogue.domains.index(domain)
    is_assignee = (
        assessment.status == Status.IN_REVIEW and assessment.assigned_to_id == request.user.pk
    )
    progress = domain_progress(assessment, catalogue, reviews, changed)
    routes = services.route_blocks(assessment)
    return {
        "progress": progress,
        "reviewed_count": sum(p.reviewed for p in progress),
        "to_review_count": sum(p.total for p in progress),
        "routes": routes,
        "blocking_checks": services.blocking_checks(routes),
        "assessment": assessment,
        "provider": assessment.service.provider,
        "service": assessment.service,
        "catalogue": catalogue,
        "domain": domain,
        "domain_number": index + 1,
        "domains": catalogue.domains,
        "prev_domain": catalogue.domains[index - 1] if index else None,
        "next_domain": catalogue.domains[index + 1] if index + 1 < len(catalogue.domains) else None,
        "cards": review_cards(
            assessment, catalogue, domain, reviews, files, changed, previous_reviews
        ),
        "changed_questions": [q for q in catalogue.questions if q.pk in changed],
        "is_assignee": is_assignee,
        "changed_count": len(changed),
        "scores": _scores(assessment),
        "blockers": services.approval_blockers(assessment, list(reviews.values()))
        if is_assignee
        else [],
        "assign_form": AssignForm(initial={"due_date": assessment.due_date}),
        "four_eyes": services.settings.REVIEW_FOUR_EYES,
        "verdict_form": VerdictForm(),
    }


def _scores(assessment):
    self_score = ScoreResult.from_json(assessment.self_score) if assessment.self_score else None
    reviewed = (
        ScoreResult.from_json(assessment.reviewed_score) if assessment.reviewed_score else None
    )
    return {"self": self_score, "reviewed": reviewed}


@review_area_required
def detail(request: HttpRequest, assessment: UUID) -> HttpResponse:
    obj = get_reviewable(request, assessment)
    context = _page_context(request, obj, request.GET.get("domain"))
    return render(request, "reviews/detail.html", context)


def _back(obj, request) -> HttpResponse:
    url = reverse("reviews:detail", args=[obj.public_id])
    domain = request.POST.get("domain")
    return redirect(f"{url}?domain={domain}" if domain else url)


def _run(request, obj, action, success: str) -> HttpResponse:
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return _back(obj, request)


@require_POST
@reviewer_required
def claim(request: HttpRequest, assessment: UUID) -> HttpResponse:
    obj = get_reviewable(request, assessment)
    return _run(
        request,
        obj,
        lambda: services.assessment_claim(assessment=obj, reviewer=request.user),
        _("You review this assessment now."),
    )


@require_POST
def assign(request: HttpRequest, assessment: UUID) -> HttpResponse:
    if not request.user.is_staff:
        raise PermissionDenied(_("Only administrators assign reviews."))
    obj = get_reviewable(request, assessment)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a reviewer."))
        return _back(obj, request)
    return _run(
        request,
        obj,
        lambda: services.assessment_assign(
            assessment=obj,
            reviewer=form.cleaned_data["reviewer"],
            by=request.user,
            due_date=form.cleaned_data["due_date"],
        ),
        _("Assigned to %(name)s.") % {"name": form.cleaned_data["reviewer"]},
    )


@require_POST
@reviewer_required
def verdict(request: HttpRequest, assessment: UUID, question: str) -> HttpResponse:
    obj = get_reviewable(request, assessment)
    catalogue = get_catalogue(obj.questionnaire)
    item = catalogue.by_code.get(question)
    if item is None:
        raise Http404(_("No such question."))
    form = VerdictForm(request.POST)
    error = None
    review = obj.answer_reviews.filter(question_id=item.pk).first()
    if form.is_valid():
        try:
            review, _score = services.verdict_set(
                assessment=obj, question=item, reviewer=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = _("Choose a verdict.")
    obj.refresh_from_db(fields=["reviewed_score", "self_score"])
    context = {
        "assessment": obj,
        "question": item,
        "review": review,
        "error": error,
        "is_assignee": True,
        "scores": _scores(obj),
        "oob": True,
        "posted": form.data,
    }
    return render(request, "reviews/_verdict.html", context, status=422 if error else 200)


@require_POST
@reviewer_required
def accept_domain(request: HttpRequest, assessment: UUID) -> HttpResponse:
    obj = get_reviewable(request, assessment)
    domain = request.POST.get("domain", "")
    try:
        count = services.domain_accept(assessment=obj, domain=domain, reviewer=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            ngettext(
                "%(n)d answer accepted. Red lines are never accepted in bulk: give each its "
                "own verdict.",
                "%(n)d answers accepted. Red lines are never accepted in bulk: give each its "
                "own verdict.",
                count,
            )
            % {"n": count},
        )
    return _back(obj, request)


@require_POST
@reviewer_required
def confirm(request: HttpRequest, assessment: UUID, question: str) -> HttpResponse:
    obj = get_reviewable(request, assessment)
    item = get_catalogue(obj.questionnaire).by_code.get(question)
    review = obj.answer_reviews.filter(question_id=item.pk).first() if item else None
    if review is None:
        raise Http404(_("No verdict to confirm."))
    return _run(
        request,
        obj,
        lambda: services.verdict_confirm(review=review, reviewer=request.user),
        _("Verdict confirmed."),
    )


def _decision(request, assessment, action, success):
    obj = get_reviewable(request, assessment)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write your opinion first."))
        return _back(obj, request)
    text = form.cleaned_data["text"]
    extra = {}
    if action is services.approve:
        extra["acknowledge_blocks"] = form.cleaned_data["acknowledge_blocks"]
    return _run(
        request,
        obj,
        lambda: action(
            assessment=obj,
            reviewer=request.user,
            **{"summary" if action is services.request_changes else "opinion": text},
            **extra,
        ),
        success,
    )


@require_POST
@reviewer_required
def request_changes(request: HttpRequest, assessment: UUID) -> HttpResponse:
    return _decision(
        request,
        assessment,
        services.request_changes,
        _("Sent back to the provider with your comments."),
    )


@require_POST
@reviewer_required
def approve(request: HttpRequest, assessment: UUID) -> HttpResponse:
    return _decision(request, assessment, services.approve, _("Approved."))


@require_POST
@reviewer_required
def reject(request: HttpRequest, assessment: UUID) -> HttpResponse:
    """Two steps: rejecting is final (the provider starts over), so the first post asks."""
    if request.POST.get("confirmed") != "1":
        obj = get_reviewable(request, assessment)
        form = DecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Write your opinion first."))
            return _back(obj, request)
        return render(
            request,
            "includes/confirm.html",
            {
                "title": _("Reject %(service)s v%(version)s?")
                % {"service": obj.service.name, "version": obj.version},
                "message": _(
                    "Rejecting is final: this version cannot be sent back for changes or "
                    "approved afterwards. The provider receives your opinion:"
                ),
                "quote": form.cleaned_data["text"],
                "action": request.path,
                "fields": {"text": form.cleaned_data["text"]},
                "confirm_label": _("Reject"),
                "cancel_url": reverse("reviews:detail", args=[obj.public_id]),
            },
        )
    return _decision(request, assessment, services.reject, _("Rejected."))


@reviewer_required
def evidence(request: HttpRequest, assessment: UUID, evidence: UUID) -> FileResponse:
    """A submitted file, shown inline where the browser can (images, PDF, text)."""
    obj = get_reviewable(request, assessment)
    item = obj.evidence.filter(public_id=evidence).first()
    if item is None:
        raise Http404(_("No such file."))
    inline = item.content_type in INLINE_TYPES
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing from storage.")) from None
    # Not waiting for the audit chain's lock behind a long audited write (record_read).
    record_read(
        Action.EVIDENCE_DOWNLOADED, actor=request.user, obj=item, summary=item.name, request=request
    )
    content_type = item.content_type
    if content_type == "text/plain":
        content_type = "text/plain; charset=utf-8"
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=safe_filename(item.name),
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response


# Longest side of a preview on the review page, in pixels.
THUMBNAIL_SIZE = 480
# Refuse to decode images larger than this (a small file can unpack into a huge bitmap).
THUMBNAIL_MAX_PIXELS = 50_000_000


@reviewer_required
def evidence_thumbnail(request: HttpRequest, assessment: UUID, evidence: UUID) -> HttpResponse:
    """A small preview of a submitted image for the review page. It only displays, so it is no
    download and is not audited as one; it is scaled down, so it does not hand out the file."""
    from PIL import Image, UnidentifiedImageError

    obj = get_reviewable(request, assessment)
    item = obj.evidence.filter(public_id=evidence).first()
    if item is None or not item.content_type.startswith("image/"):
        raise Http404(_("No preview for this file."))
    try:
        with item.file.open("rb") as handle, Image.open(handle) as image:
            if image.width * image.height > THUMBNAIL_MAX_PIXELS:
                raise Http404(_("No preview for this file."))
            image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
            preview = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
            out = io.BytesIO()
            preview.save(out, format="PNG", optimize=True)
    except (FileNotFoundError, UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise Http404(_("No preview for this file.")) from None
    response = HttpResponse(out.getvalue(), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
