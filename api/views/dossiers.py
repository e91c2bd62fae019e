"""Dossiers and filing packages: request, follow, retry and download, through the services
of dossiers/ and filing/ (the worker builds them, as for the pages)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from api import serializers as out
from api.problems import Problem
from api.views.base import ApiView, form_data, valid_form
from assessments.access import get_assessment, get_writable_assessment
from dossiers import services as dossier_services
from dossiers.access import get_dossier
from dossiers.forms import GenerateForm
from dossiers.messages import error_message as dossier_error
from dossiers.models import Dossier, DossierStatus
from filing import services as filing_services
from filing.access import get_package
from filing.forms import PackageForm
from filing.messages import error_message as package_error
from filing.models import FilingPackage


def dossier_out(dossier: Dossier) -> dict:
    failed = dossier.status == DossierStatus.FAILED
    dossier.error_text = dossier_error(dossier.error_code) if failed else ""
    downloads = []
    if dossier.status == DossierStatus.READY:
        kwargs = {"dossier": dossier.public_id}
        downloads.append({"rel": "pdf", "href": reverse("api:dossier_pdf", kwargs=kwargs)})
        if dossier.package_path:
            downloads.append(
                {"rel": "package", "href": reverse("api:dossier_package", kwargs=kwargs)}
            )
    dossier.downloads = downloads
    return out.DossierSerializer(dossier).data


def package_out(package: FilingPackage) -> dict:
    failed = package.status == DossierStatus.FAILED
    package.error_text = package_error(package.error_code) if failed else ""
    package.downloads = (
        [
            {
                "rel": "zip",
                "href": reverse("api:package_download", kwargs={"package": package.public_id}),
            }
        ]
        if package.status == DossierStatus.READY
        else []
    )
    return out.PackageSerializer(package).data


class DossierList(ApiView):
    problems = {"post": (422,)}

    @extend_schema(operation_id="dossiers_list", responses=out.DossierSerializer(many=True))
    def get(self, request, assessment):
        obj, _membership = get_assessment(request, assessment)
        rows = Dossier.objects.filter(assessment=obj).order_by("-created_at")
        for row in rows:
            row.assessment = obj
        return Response([dossier_out(d) for d in rows])

    @extend_schema(
        operation_id="dossiers_request",
        request=out.DossierInput,
        responses={200: out.DossierSerializer, 201: out.DossierSerializer},
        description="A signed dossier of an approved assessment, a draft preview otherwise. "
        "The worker makes it: poll the dossier until its status is ready (201 new, 200 the "
        "same dossier requested before).",
    )
    def post(self, request, assessment):
        obj, _membership = get_writable_assessment(request, assessment)
        form = valid_form(GenerateForm(form_data(request.data)))
        dossier, created = dossier_services.dossier_request(
            assessment=obj, user=request.user, edition=form.cleaned_data["edition"]
        )
        dossier.assessment = obj
        return Response(dossier_out(dossier), status=201 if created else 200)


class DossierDetail(ApiView):
    @extend_schema(operation_id="dossiers_read", responses=out.DossierSerializer)
    def get(self, request, dossier):
        obj, _membership = get_dossier(request, dossier)
        return Response(dossier_out(obj))


class DossierRetry(ApiView):
    problems = {"post": (409,)}

    @extend_schema(operation_id="dossiers_retry", request=None, responses=out.DossierSerializer)
    def post(self, request, dossier):
        obj, _membership = get_dossier(request, dossier, write=True)
        if not dossier_services.dossier_retry(dossier=obj):
            raise Problem(409, _("Only a failed dossier can be retried."), code="not_failed")
        obj, _membership = get_dossier(request, dossier)
        return Response(dossier_out(obj))


BINARY = {(200, "application/octet-stream"): OpenApiTypes.BINARY}


class DossierPdf(ApiView):
    @extend_schema(operation_id="dossiers_pdf", responses=BINARY)
    def get(self, request, dossier):
        obj, _membership = get_dossier(request, dossier)
        return dossier_services.dossier_file_response(dossier=obj, which="pdf", request=request)


class DossierPackage(ApiView):
    @extend_schema(operation_id="dossiers_package", responses=BINARY)
    def get(self, request, dossier):
        obj, _membership = get_dossier(request, dossier)
        return dossier_services.dossier_file_response(dossier=obj, which="package", request=request)


class PackageList(ApiView):
    problems = {"post": (409, 422)}

    @extend_schema(operation_id="packages_list", responses=out.PackageSerializer(many=True))
    def get(self, request, assessment):
        obj, _membership = get_assessment(request, assessment)
        rows = FilingPackage.objects.filter(assessment=obj).order_by("-created_at")
        for row in rows:
            row.assessment = obj
        return Response([package_out(p) for p in rows])

    @extend_schema(
        operation_id="packages_request",
        request=out.PackageInput,
        responses={200: out.PackageSerializer, 201: out.PackageSerializer},
        description="One filing route's package: a draft (preview) at any time, a signed one "
        "from an approved assessment with no blocking check for the route (409 says why not).",
    )
    def post(self, request, assessment):
        obj, _membership = get_writable_assessment(request, assessment)
        form = valid_form(PackageForm(form_data(request.data)))
        try:
            package, created = filing_services.package_request(
                assessment=obj,
                user=request.user,
                route=form.cleaned_data["route"],
                preview=form.cleaned_data["preview"],
            )
        except filing_services.PackageRefused as refusal:
            raise Problem(409, str(refusal), code="package_refused") from None
        package.assessment = obj
        return Response(package_out(package), status=201 if created else 200)


class PackageDetail(ApiView):
    @extend_schema(operation_id="packages_read", responses=out.PackageSerializer)
    def get(self, request, package):
        obj, _membership = get_package(request, package)
        return Response(package_out(obj))


class PackageRetry(ApiView):
    problems = {"post": (409,)}

    @extend_schema(operation_id="packages_retry", request=None, responses=out.PackageSerializer)
    def post(self, request, package):
        obj, _membership = get_package(request, package, write=True)
        if not filing_services.package_retry(package=obj):
            raise Problem(409, _("Only a failed package can be retried."), code="not_failed")
        obj, _membership = get_package(request, package)
        return Response(package_out(obj))


class PackageDownload(ApiView):
    @extend_schema(operation_id="packages_download", responses=BINARY)
    def get(self, request, package):
        obj, _membership = get_package(request, package)
        return filing_services.package_file_response(package=obj, request=request)
