"""Providers and their services: read for members; owners edit the provider's details and
writers a service's profile, through the pages' forms and services."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from api import serializers as out
from api.problems import validation_problem
from api.views.base import ApiView, form_data, valid_form
from providers import services
from providers.access import (
    get_membership,
    get_owner_membership,
    get_service,
    get_writable_membership,
)
from providers.forms import AIServiceForm, ProviderForm
from providers.models import AIService, Membership, Role
from providers.scope import scoped_membership, visible_providers


def _provider_out(membership: Membership) -> dict:
    provider = membership.provider
    provider.role, provider.role_label = membership.role, Role(membership.role).label
    return out.ProviderSerializer(provider).data


class ProviderList(ApiView):
    @extend_schema(operation_id="providers_list", responses=out.ProviderSerializer(many=True))
    def get(self, request):
        providers = visible_providers(request).order_by("name_zh")
        memberships = {
            m.provider_id: m
            for m in Membership.objects.filter(user=request.user, provider__in=providers)
        }
        rows = []
        for provider in providers:
            membership = scoped_membership(request, memberships[provider.pk])
            membership.provider = provider
            rows.append(_provider_out(membership))
        return Response(rows)


class ProviderDetail(ApiView):
    problems = {"patch": (422,)}

    @extend_schema(operation_id="providers_read", responses=out.ProviderSerializer)
    def get(self, request, provider):
        return Response(_provider_out(get_membership(request, provider)))

    @extend_schema(
        operation_id="providers_update",
        request=out.ProviderInput,
        responses=out.ProviderSerializer,
        description="Owners only. The same checks as the provider page (credit code ...).",
    )
    def patch(self, request, provider):
        membership = get_owner_membership(request, provider)
        current = model_to_dict(membership.provider, fields=ProviderForm.Meta.fields)
        data = {**current, **_known(form_data(request.data), ProviderForm.Meta.fields)}
        form = valid_form(ProviderForm(data, instance=membership.provider))
        try:
            services.provider_update(
                provider=membership.provider, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            raise validation_problem(exc) from None
        return Response(_provider_out(membership))


def _known(data, fields) -> dict:
    return {name: data[name] for name in fields if name in data}


class ServiceList(ApiView):
    @extend_schema(operation_id="services_list", responses=out.ServiceSerializer(many=True))
    def get(self, request, provider):
        membership = get_membership(request, provider)
        services_ = membership.provider.services.select_related("provider").order_by("name")
        return Response(out.ServiceSerializer(services_, many=True).data)


def service_for(request, service_id, *, write: bool = False) -> AIService:
    """The service, after the same membership checks as its page (404 outside, 403 viewers)."""
    service = AIService.objects.select_related("provider").filter(public_id=service_id).first()
    if service is None:
        raise Http404(_("No such service."))
    lookup = get_writable_membership if write else get_membership
    membership = lookup(request, service.provider.public_id)
    return get_service(membership.provider, service_id)


class ServiceDetail(ApiView):
    problems = {"patch": (422,)}

    @extend_schema(operation_id="services_read", responses=out.ServiceSerializer)
    def get(self, request, service):
        return Response(out.ServiceSerializer(service_for(request, service)).data)

    @extend_schema(
        operation_id="services_update",
        request=out.ServiceInput,
        responses=out.ServiceSerializer,
        description="Owners and editors. The same checks as the service page.",
    )
    def patch(self, request, service):
        obj = service_for(request, service, write=True)
        fields = AIServiceForm.Meta.fields
        current = model_to_dict(obj, fields=fields)
        current["provider_code"] = obj.provider_code
        body = form_data(request.data)
        data = {**current, **_known(body, fields)}
        form = valid_form(AIServiceForm(data, instance=obj, provider=obj.provider))
        services.service_save(service=form.instance)
        return Response(out.ServiceSerializer(form.instance).data)
