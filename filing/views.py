"""Pre-filing checks and the filing documents (Word form and report, annex 4/5 workbooks).

Members of the provider see them under the assessment; reviewers under the review guard. The
documents are built per request from the same facts as the checks (a submitted assessment from
its snapshot); they take well under a second for the Word files, and the annexes stream their
source files row by row.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from assessments.access import get_assessment
from filing import annexes, docx, packages
from filing.facts import facts_for
from filing.presenters import checks_context
from library.catalogue import get_catalogue
from reviews.access import get_reviewable, reviewer_required

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# slug -> (file name stem, content type, builder(assessment, facts) -> file object)
DOCUMENTS: dict[str, tuple[str, str, Callable]] = {
    "application.docx": (
        "生成式人工智能上线备案表",
        DOCX,
        lambda a, facts: docx.application_form(facts, get_catalogue(a.questionnaire)),
    ),
    "report.docx": (
        "附件1-安全评估报告",
        DOCX,
        lambda a, facts: docx.assessment_report(facts, get_catalogue(a.questionnaire)),
    ),
    "annex4.xlsx": ("附件4-拦截关键词列表", XLSX, lambda a, facts: annexes.annex4_for(facts)),
    "annex5.xlsx": ("附件5-评估测试题", XLSX, lambda a, facts: annexes.annex5_for(facts)),
}


def _documents(url_name: str, assessment) -> list[dict]:
    return [
        {
            "slug": slug,
            "name": f"{stem}.{slug.rsplit('.', 1)[1]}",
            "url": reverse(url_name, kwargs={"assessment": assessment.public_id, "document": slug}),
        }
        for slug, (stem, _type, _build) in DOCUMENTS.items()
    ]


def _packages(assessment, facts, report) -> list[dict]:
    """The applicable routes with their package links; final disabled while checks block."""
    url = reverse("filing:package", kwargs={"assessment": assessment.public_id})
    blocks = [f"{r.code} {r.title}" for r in report.blocks]
    return [
        {
            "code": code,
            "title": packages.ROUTE_LABELS[code],
            "final_url": f"{url}?route={code}",
            "preview_url": f"{url}?route={code}&preview=1",
            "blocks": blocks,
        }
        for code in packages.routes_of(facts)
    ]


def checks(request: HttpRequest, assessment: UUID) -> HttpResponse:
    obj, membership = get_assessment(request, assessment)
    facts = facts_for(obj)
    filing = checks_context(obj, facts=facts)
    context = {
        "assessment": obj,
        "membership": membership,
        "provider": membership.provider,
        "service": obj.service,
        "filing": filing,
        "documents": _documents("filing:document", obj),
        "packages": _packages(obj, facts, filing["report"]),
    }
    return render(request, "filing/checks.html", context)


@reviewer_required
def review_checks(request: HttpRequest, assessment: UUID) -> HttpResponse:
    """The checks beside a review: the partial alone for htmx, else a page around it."""
    obj = get_reviewable(request, assessment)
    context = {
        "assessment": obj,
        "provider": obj.service.provider,
        "service": obj.service,
        "filing": checks_context(obj, reviewer=True),
        "documents": _documents("filing:review_document", obj),
    }
    template = "filing/_checks.html" if request.htmx else "filing/review_checks.html"
    return render(request, template, context)


def document(request: HttpRequest, assessment: UUID, document: str) -> FileResponse:
    obj, _membership = get_assessment(request, assessment)
    return _download(obj, document)


@reviewer_required
def review_document(request: HttpRequest, assessment: UUID, document: str) -> FileResponse:
    return _download(get_reviewable(request, assessment), document)


def _download(assessment, slug: str) -> FileResponse:
    try:
        stem, content_type, build = DOCUMENTS[slug]
    except KeyError:
        raise Http404(_("No such document.")) from None
    handle = build(assessment, facts_for(assessment))
    name = f"{assessment.service.name}-{stem}-v{assessment.version}.{slug.rsplit('.', 1)[1]}"
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def package(request: HttpRequest, assessment: UUID) -> HttpResponse:
    """One route's filing package (?route=<code>, ?preview=1 for a draft). Without a route,
    back to the checks page where the packages are listed."""
    obj, _membership = get_assessment(request, assessment)
    route = request.GET.get("route", "")
    if not route:
        return redirect(reverse("filing:checks", kwargs={"assessment": obj.public_id}))
    preview = request.GET.get("preview") in ("1", "true", "yes")
    try:
        name, data = packages.route_package(obj, route, preview=preview)
    except packages.PackageBlocked as error:
        return HttpResponse(str(error), status=409, content_type="text/plain; charset=utf-8")
    except packages.PackageError:
        raise Http404(_("No package for this route.")) from None
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
