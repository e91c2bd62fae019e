from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import InvitedSignupForm
from accounts.models import User
from assessments.dashboard import dashboard_rows
from assessments.models import OPEN_STATUSES
from assessments.notices import upgrade_notices
from providers import services
from providers.access import (
    get_membership,
    get_owner_membership,
    get_service,
    get_writable_membership,
)
from providers.forms import AIServiceForm, InvitationForm, ProviderForm, RoleForm
from providers.models import Membership, Provider


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def provider_list(request: HttpRequest) -> HttpResponse:
    providers = (
        Provider.objects.for_user(request.user)
        .annotate(service_count=Count("services", distinct=True))
        .order_by("name_zh")
    )
    return render(request, "providers/list.html", {"providers": providers})


def provider_create(request: HttpRequest) -> HttpResponse:
    form = ProviderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            provider = services.provider_create(
                owner=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Provider created. Add its first service next."))
            return redirect(provider)
    return render(request, "providers/form.html", {"form": form, "provider": None})


def provider_detail(request: HttpRequest, provider: UUID) -> HttpResponse:
    membership = get_membership(request, provider)
    provider_obj = membership.provider
    rows = dashboard_rows(provider_obj)
    context = {
        "membership": membership,
        "provider": provider_obj,
        "services": rows,
        "notices": upgrade_notices([(row.service, row.current) for row in rows]),
        "member_count": provider_obj.memberships.count(),
    }
    return render(request, "providers/detail.html", context)


def provider_edit(request: HttpRequest, provider: UUID) -> HttpResponse:
    membership = get_owner_membership(request, provider)
    form = ProviderForm(request.POST or None, instance=membership.provider)
    if request.method == "POST" and form.is_valid():
        try:
            services.provider_update(
                provider=membership.provider, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Provider details saved."))
            return redirect(membership.provider)
    return render(request, "providers/form.html", {"form": form, "provider": membership.provider})


def service_create(request: HttpRequest, provider: UUID) -> HttpResponse:
    membership = get_writable_membership(request, provider)
    form = AIServiceForm(request.POST or None, provider=membership.provider)
    if request.method == "POST" and form.is_valid():
        service = services.service_save(service=form.instance)
        messages.success(request, _("Service added."))
        return redirect(service)
    context = {"form": form, "provider": membership.provider, "service": None}
    return render(request, "providers/service_form.html", context)


def service_detail(request: HttpRequest, provider: UUID, service: UUID) -> HttpResponse:
    membership = get_membership(request, provider)
    service_obj = get_service(membership.provider, service)
    assessments = list(
        service_obj.assessments.select_related("questionnaire").order_by("-created_at")
    )
    context = {
        "membership": membership,
        "provider": membership.provider,
        "service": service_obj,
        "assessments": assessments,
        "open_assessment": next((a for a in assessments if a.status in OPEN_STATUSES), None),
    }
    return render(request, "providers/service_detail.html", context)


def service_edit(request: HttpRequest, provider: UUID, service: UUID) -> HttpResponse:
    membership = get_writable_membership(request, provider)
    service_obj = get_service(membership.provider, service)
    form = AIServiceForm(request.POST or None, instance=service_obj, provider=membership.provider)
    if request.method == "POST" and form.is_valid():
        services.service_save(service=form.instance)
        messages.success(request, _("Service saved."))
        return redirect(service_obj)
    context = {"form": form, "provider": membership.provider, "service": service_obj}
    return render(request, "providers/service_form.html", context)


def member_list(request: HttpRequest, provider: UUID) -> HttpResponse:
    membership = get_membership(request, provider)
    provider_obj = membership.provider
    form = InvitationForm()
    if request.method == "POST":
        membership = get_owner_membership(request, provider)
        form = InvitationForm(request.POST)
        if form.is_valid():
            try:
                services.invitation_send(
                    provider=provider_obj,
                    invited_by=request.user,
                    request=request,
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
                )
                return redirect("providers:members", provider=provider_obj.public_id)
    context = {
        "membership": membership,
        "provider": provider_obj,
        "members": provider_obj.memberships.select_related("user").order_by("user__email"),
        "invitations": provider_obj.invitations.pending().select_related("invited_by"),
        "form": form,
        "role_form": RoleForm(),
    }
    return render(request, "providers/members.html", context)


def _target_membership(owner: Membership, member: UUID) -> Membership:
    target = owner.provider.memberships.select_related("user").filter(public_id=member).first()
    if target is None:
        raise Http404(_("No such member."))
    return target


@require_POST
def member_role(request: HttpRequest, provider: UUID, member: UUID) -> HttpResponse:
    owner = get_owner_membership(request, provider)
    target = _target_membership(owner, member)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
    else:
        try:
            services.membership_change_role(
                membership=target, role=form.cleaned_data["role"], request=request
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Role of %(user)s changed.") % {"user": target.user})
    return redirect("providers:members", provider=owner.provider.public_id)


@require_POST
def member_remove(request: HttpRequest, provider: UUID, member: UUID) -> HttpResponse:
    """Two steps: the first post asks for a confirmation (the last owner is refused at once,
    removing oneself is warned about), the second, with `confirmed`, removes."""
    owner = get_owner_membership(request, provider)
    target = _target_membership(owner, member)
    members_url = reverse("providers:members", kwargs={"provider": owner.provider.public_id})
    themselves = target.user_id == request.user.pk
    try:
        if request.POST.get("confirmed") != "1":
            services.ensure_removable(target)
            return render(
                request,
                "includes/confirm.html",
                {
                    "title": _("Remove %(user)s?") % {"user": target.user},
                    "message": _(
                        "%(user)s loses access to %(provider)s at once. Their past work and "
                        "the audit trail stay."
                    )
                    % {"user": target.user, "provider": owner.provider.name_zh},
                    "warning": _(
                        "This is you: you will no longer see this provider, and only another "
                        "owner can add you again."
                    )
                    if themselves
                    else "",
                    "action": request.path,
                    "fields": {},
                    "confirm_label": _("Remove"),
                    "cancel_url": members_url,
                },
            )
        services.membership_remove(membership=target, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(user)s no longer has access.") % {"user": target.user})
        if themselves:
            return redirect("home")
    return redirect(members_url)


@require_POST
def invitation_revoke(request: HttpRequest, provider: UUID, invitation: UUID) -> HttpResponse:
    owner = get_owner_membership(request, provider)
    target = owner.provider.invitations.pending().filter(public_id=invitation).first()
    if target is None:
        raise Http404(_("No such invitation."))
    services.invitation_revoke(invitation=target, request=request)
    messages.success(request, _("Invitation to %(email)s withdrawn.") % {"email": target.email})
    return redirect("providers:members", provider=owner.provider.public_id)


@login_not_required
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Join a provider from an e-mailed link: sign in, or create the account on the spot."""
    try:
        invitation = services.invitation_from_token(token)
    except ValidationError as exc:
        return render(
            request, "providers/invitation_invalid.html", {"reason": exc.messages[0]}, status=410
        )
    existing = User.objects.filter(email__iexact=invitation.email).first()
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                services.invitation_accept(
                    invitation=invitation, user=request.user, request=request
                )
            except PermissionDenied as exc:
                messages.error(request, str(exc))
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(
                    request, _("Welcome to %(provider)s.") % {"provider": invitation.provider}
                )
                return redirect(invitation.provider)
        return render(request, "providers/invitation_accept.html", {"invitation": invitation})
    if existing is not None or not settings.LOCAL_PASSWORDS:
        # Without local passwords an account comes from single sign-on, never from a form.
        context = {"invitation": invitation, "needs_login": True}
        return render(request, "providers/invitation_accept.html", context)
    form = InvitedSignupForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        services.invitation_accept(invitation=invitation, user=user, request=request)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome to %(provider)s.") % {"provider": invitation.provider})
        return redirect(invitation.provider)
    return render(
        request, "providers/invitation_accept.html", {"invitation": invitation, "form": form}
    )
