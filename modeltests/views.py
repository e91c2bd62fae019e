from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from modeltests import services
from modeltests.access import get_endpoint
from modeltests.forms import EndpointForm
from modeltests.models import ModelEndpoint
from providers.access import get_membership, get_writable_membership


def endpoint_list(request: HttpRequest, provider: UUID) -> HttpResponse:
    membership = get_membership(request, provider)
    endpoints = list(membership.provider.model_endpoints.order_by("name"))
    return render(
        request,
        "modeltests/endpoint_list.html",
        {"membership": membership, "provider": membership.provider, "endpoints": endpoints},
    )


def endpoint_create(request: HttpRequest, provider: UUID) -> HttpResponse:
    membership = get_writable_membership(request, provider)
    form = EndpointForm(request.POST or None, provider=membership.provider)
    if request.method == "POST" and form.is_valid():
        endpoint = services.endpoint_save(form=form, user=request.user)
        messages.success(request, _("Endpoint saved. Test the connection next."))
        return redirect(endpoint)
    return _form_page(request, membership, form, None, status=422 if form.errors else 200)


def endpoint_edit(request: HttpRequest, provider: UUID, endpoint: UUID) -> HttpResponse:
    membership = get_writable_membership(request, provider)
    endpoint_obj = get_endpoint(membership.provider, endpoint)
    form = EndpointForm(request.POST or None, instance=endpoint_obj, provider=membership.provider)
    if request.method == "POST" and form.is_valid():
        services.endpoint_save(form=form, user=request.user)
        messages.success(request, _("Endpoint saved."))
        return redirect(endpoint_obj)
    return _form_page(request, membership, form, endpoint_obj, status=422 if form.errors else 200)


@require_POST
def endpoint_check(request: HttpRequest, provider: UUID, endpoint: UUID) -> HttpResponse:
    membership = get_writable_membership(request, provider)
    endpoint_obj = get_endpoint(membership.provider, endpoint)
    ok, text, identity = services.endpoint_check(endpoint_obj)
    endpoint_obj.refresh_from_db()
    form = EndpointForm(instance=endpoint_obj, provider=membership.provider)
    check = {"ok": ok, "text": text, "identity": identity}
    return _form_page(request, membership, form, endpoint_obj, check=check)


def _form_page(
    request, membership, form, endpoint: ModelEndpoint | None, *, status=200, check=None
) -> HttpResponse:
    context = {
        "membership": membership,
        "provider": membership.provider,
        "form": form,
        "endpoint": endpoint,
        "check": check,
    }
    return render(request, "modeltests/endpoint_form.html", context, status=status)
