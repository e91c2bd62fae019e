from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assessments.access import get_assessment, get_writable_assessment
from dossiers import services
from dossiers.access import get_dossier
from dossiers.forms import GenerateForm, VerifyForm
from dossiers.models import Dossier, DossierKind, DossierStatus
from dossiers.verification import verify_file
from filing.models import FilingPackage
from portal import uploads
from portal.client_address import client_address
from portal.ratelimit import count_hit


def _panel(request: HttpRequest, assessment, membership, status: int = 200) -> HttpResponse:
    context = {"assessment": assessment, "membership": membership}
    return render(request, "dossiers/_panel.html", context, status=status)


def panel(request: HttpRequest, assessment: UUID) -> HttpResponse:
    obj, membership = get_assessment(request, assessment)
    return _panel(request, obj, membership)


@require_POST
def generate(request: HttpRequest, assessment: UUID) -> HttpResponse:
    obj, membership = get_writable_assessment(request, assessment)
    form = GenerateForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return _panel(request, obj, membership, status=422)
        messages.error(request, _("Choose an edition."))
        return redirect(obj)
    dossier, created = services.dossier_request(
        assessment=obj, user=request.user, edition=form.cleaned_data["edition"]
    )
    if request.htmx:
        return _panel(request, obj, membership)
    if created:
        messages.success(request, _("The dossier is being made; this page shows its progress."))
    else:
        messages.info(request, _("This dossier exists already: %(n)s.") % {"n": dossier.number})
    return redirect(obj)


@require_POST
def retry(request: HttpRequest, dossier: UUID) -> HttpResponse:
    obj, membership = get_dossier(request, dossier, write=True)
    if not services.dossier_retry(dossier=obj) and not request.htmx:
        messages.info(request, _("Only a failed dossier can be retried."))
    if request.htmx:
        return _panel(request, obj.assessment, membership)
    return redirect(obj.assessment)


def _download(request: HttpRequest, dossier: UUID, which: str) -> FileResponse:
    obj, _membership = get_dossier(request, dossier)
    return services.dossier_file_response(dossier=obj, which=which, request=request)


def download_pdf(request: HttpRequest, dossier: UUID) -> FileResponse:
    return _download(request, dossier, "pdf")


def download_package(request: HttpRequest, dossier: UUID) -> FileResponse:
    return _download(request, dossier, "package")


# --- public verification ---------------------------------------------------------------------


def _rate_limited(request: HttpRequest) -> bool:
    count = count_hit(f"dossiers:verify:{client_address(request) or '-'}", 3600)
    return count is not None and count > settings.DOSSIER_VERIFY_PER_HOUR


@login_not_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, number: str | None = None) -> HttpResponse:
    """Anyone may check a dossier: by its number (the cover's QR code) or by uploading it.
    Uploads are size-checked before the body is read, rate-limited per address, checked in
    memory or a temporary file, and never stored."""
    record = None
    if number:
        record = Dossier.objects.filter(number=number, status=DossierStatus.READY).first()
        if record is None:
            record = FilingPackage.objects.filter(
                number=number, status=DossierStatus.READY, kind=DossierKind.FINAL
            ).first()
    context = {
        "number": number,
        "record": record,
        "newer": record.superseded_by() if record else None,
        "form": VerifyForm(),
        "max_mb": settings.DOSSIER_VERIFY_MAX_BYTES // (1024 * 1024),
    }
    if request.method == "GET":
        return render(request, "dossiers/verify.html", context)
    if _rate_limited(request):
        context["refused"] = _("Too many checks from your address; please try again in an hour.")
        return render(request, "dossiers/verify.html", context, status=429)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.DOSSIER_VERIFY_MAX_BYTES + 64 * 1024:
        context["refused"] = _("The file is larger than %(mb)s MB.") % {"mb": context["max_mb"]}
        return render(request, "dossiers/verify.html", context, status=413)
    if uploads.refused(request) is not None:
        context["refused"] = _("The file is larger than %(mb)s MB.") % {"mb": context["max_mb"]}
        return render(request, "dossiers/verify.html", context, status=413)
    form = VerifyForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return render(request, "dossiers/verify.html", context, status=422)
    upload = form.cleaned_data["file"]
    if upload.size > settings.DOSSIER_VERIFY_MAX_BYTES:
        context["refused"] = _("The file is larger than %(mb)s MB.") % {"mb": context["max_mb"]}
        return render(request, "dossiers/verify.html", context, status=413)
    with upload.open("rb") as handle:
        context["verdict"] = verify_file(handle, upload.size)
    upload.close()
    return render(request, "dossiers/verify.html", context)
