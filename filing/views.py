"""Pre-filing checks, the single filing documents, and the route packages.

Members of the provider see them under the assessment; reviewers under the review guard. Single
documents (Word form and report, annex 4/5 workbooks) are built per request from the same facts
as the checks (a submitted assessment from its snapshot): well under a second for the Word
files; the annexes come from filing.annex_cache (written once per set of uploads and day). Route packages render and sign
PDFs, so they are queued here and built by the worker (filing.services, filing.tasks); the
packages section polls until they are ready.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assessments.access import get_assessment
from filing import annex_cache, documents, docx, services
from filing.access import get_package
from filing.checks import run_checks
from filing.disclosure import card_context
from filing.facts import facts_for
from filing.forms import PackageForm
from filing.presenters import checks_context, packages_context
from library.catalogue import get_catalogue
from portal.text import safe_filename
from reviews.access import get_reviewable, reviewer_required

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# slug -> (file name stem, content type, builder(assessment, facts) -> file object)
DOCUMENTS: dict[str, tuple[str, str, Callable]] = {
    "application.docx": (
        "生成式人工智能上线备案表",
        DOCX,
        lambda a, facts: io.BytesIO(
            docx.render(documents.application_form(facts, get_catalogue(a.questionnaire)))
        ),
    ),
    "report.docx": (
        "附件1-安全评估报告",
        DOCX,
        lambda a, facts: io.BytesIO(
            docx.render(documents.assessment_report(facts, get_catalogue(a.questionnaire)))
        ),
    ),
    "annex4.xlsx": (
        "附件4-拦截关键词列表",
        XLSX,
        lambda a, facts: io.BytesIO(annex_cache.workbook("annex4", facts)),
    ),
    "annex5.xlsx": (
        "附件5-评估测试题",
        XLSX,
        lambda a, facts: io.BytesIO(annex_cache.workbook("annex5", facts)),
    ),
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
        "packages": packages_context(obj, membership, facts, filing["report"]),
        "disclosure_card": card_context(obj, facts),
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
    response = FileResponse(
        handle, as_attachment=True, filename=safe_filename(name), content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _packages_panel(
    request: HttpRequest, assessment, membership, status: int = 200, error: str = ""
) -> HttpResponse:
    facts = facts_for(assessment)
    report = run_checks(facts)
    context = {
        "packages": packages_context(assessment, membership, facts, report),
        "disclosure_card": card_context(assessment, facts),
        "error": error,
    }
    return render(request, "filing/_packages.html", context, status=status)


def packages_panel(request: HttpRequest, assessment: UUID) -> HttpResponse:
    """The packages section alone, polled by htmx while a package is being built."""
    obj, membership = get_assessment(request, assessment)
    return _packages_panel(request, obj, membership)


@require_http_methods(["GET", "POST"])
def package(request: HttpRequest, assessment: UUID) -> HttpResponse:
    """POST: queue one route's package (route=<code>, preview=1 for a draft). GET: the page
    where the packages are listed."""
    obj, membership = get_assessment(request, assessment)
    back = reverse("filing:checks", kwargs={"assessment": obj.public_id}) + "#filing-packages"
    if request.method == "GET":
        return redirect(back)
    if not membership.can_write:
        raise PermissionDenied(_("Your role lets you read, not change, this assessment."))
    form = PackageForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            error = _("Choose a filing route.")
            return _packages_panel(request, obj, membership, status=422, error=error)
        messages.error(request, _("Choose a filing route."))
        return redirect(back)
    try:
        package, created = services.package_request(
            assessment=obj,
            user=request.user,
            route=form.cleaned_data["route"],
            preview=form.cleaned_data["preview"],
        )
    except services.PackageRefused as refusal:
        if request.htmx:
            return _packages_panel(request, obj, membership, status=409, error=str(refusal))
        messages.error(request, str(refusal))
        return redirect(back)
    if request.htmx:
        return _packages_panel(request, obj, membership)
    if created:
        messages.success(request, _("The package is being made; this page shows its progress."))
    else:
        messages.info(
            request, _("This package is being made already: %(n)s.") % {"n": package.number}
        )
    return redirect(back)


@require_POST
def package_retry(request: HttpRequest, package: UUID) -> HttpResponse:
    obj, membership = get_package(request, package, write=True)
    if not services.package_retry(package=obj) and not request.htmx:
        messages.info(request, _("Only a failed package can be retried."))
    if request.htmx:
        return _packages_panel(request, obj.assessment, membership)
    return redirect(reverse("filing:checks", kwargs={"assessment": obj.assessment.public_id}))


def package_download(request: HttpRequest, package: UUID) -> FileResponse:
    obj, _membership = get_package(request, package)
    return services.package_file_response(package=obj, request=request)
