import base64
from functools import wraps
from uuid import UUID

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from accounts import mfa, oidc
from accounts.forms import LoginForm
from api import tokens
from api.forms import TokenForm
from api.models import AccessToken


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    """E-mail and password (unless LOCAL_PASSWORDS is off) and the single sign-on button; a
    right password leads to the second-factor step when the person has or needs one."""

    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            sso_enabled=oidc.enabled(),
            sso_name=settings.OIDC_PROVIDER_NAME,
            local_passwords=settings.LOCAL_PASSWORDS,
        )
        return context

    def post(self, request, *args, **kwargs):
        if not settings.LOCAL_PASSWORDS:
            messages.error(request, _("Passwords are turned off here: use single sign-on."))
            return redirect("accounts:login")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.get_user()
        return mfa.begin_login(
            self.request,
            user,
            backend=user.backend,
            next_url=self.get_success_url(),
            method="password",
        )


class LogoutView(auth_views.LogoutView):
    """Signs out here, and at the identity provider too after a single sign-on."""

    def post(self, request, *args, **kwargs):
        id_token = request.session.get("oidc_id_token")
        response = super().post(request, *args, **kwargs)
        target = oidc.end_session_url(request, id_token)
        return HttpResponseRedirect(target) if target else response


def passwords_on(view):
    """Password pages exist only while local passwords are on."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.LOCAL_PASSWORDS:
            raise Http404(_("Passwords are turned off here: use single sign-on."))
        return view(request, *args, **kwargs)

    return wrapped


@login_not_required
def sso_login(request: HttpRequest) -> HttpResponse:
    if not oidc.enabled():
        raise Http404(_("Single sign-on is not set up here."))
    return OIDCAuthenticationRequestView.as_view()(request)


@login_not_required
def sso_callback(request: HttpRequest) -> HttpResponse:
    if not oidc.enabled():
        raise Http404(_("Single sign-on is not set up here."))
    return oidc.SSOCallbackView.as_view()(request)


_NEW_SECRET = "api_token_secret"


def profile(request: HttpRequest, *, form=None, status=200) -> HttpResponse:
    """The person's account: sign-in security and personal access tokens for the API."""
    # A new token's secret crosses the redirect after its creation in the session, and is
    # removed from it by the first page that shows it: a reload does not make another token.
    secret = request.session.pop(_NEW_SECRET, None) if request.method == "GET" else None
    tokens = AccessToken.objects.filter(user=request.user).select_related("provider")
    context = {
        "form": form or TokenForm(user=request.user),
        "tokens": tokens,
        "secret": secret,
        "now": timezone.now(),
        "mfa_on": mfa.has_second_factor(request.user),
        "mfa_required": mfa.required_for(request.user),
        "recovery_left": mfa.recovery_codes_left(request.user),
    }
    response = render(request, "accounts/profile.html", context, status=status)
    if secret:
        response["Cache-Control"] = "no-store"  # the secret is shown once and never cached
    return response


@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST, user=request.user)
    if not form.is_valid():
        return profile(request, form=form, status=422)
    try:
        _token, secret = tokens.token_create(
            user=request.user, request=request, **form.token_arguments()
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return profile(request, form=form, status=422)
    request.session[_NEW_SECRET] = secret
    return redirect(reverse("accounts:profile") + "#tokens")


@require_POST
def token_revoke(request: HttpRequest, token: UUID) -> HttpResponse:
    obj = AccessToken.objects.filter(public_id=token, user=request.user).first()
    if obj is None:
        raise Http404(_("No such token."))
    tokens.token_revoke(token=obj, user=request.user, request=request)
    messages.success(request, _("Token revoked; programs using it are refused from now on."))
    return redirect("accounts:profile")


# --- two-factor sign-in ------------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("One-time code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
        help_text=_("The 6 digits your authenticator app shows, or one of your recovery codes."),
    )


def _locked(request) -> HttpResponse:
    return render(request, "accounts/locked_out.html", status=429)


@login_not_required
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """The second step of a sign-in: the code. Nobody is logged in until it is right."""
    user = mfa.pending_user(request)
    if user is None:
        messages.info(request, _("Please sign in again."))
        return redirect("accounts:login")
    if mfa.is_locked(request, user):
        return _locked(request)
    form = CodeForm(request.POST or None)
    if request.method != "POST":
        return render(request, "accounts/mfa_verify.html", {"form": form})
    if form.is_valid():
        check = mfa.check_code(request, user, form.cleaned_data["code"])
        if check.ok:
            response = mfa.finish_login(request, user)
            if check.recovery:
                messages.warning(
                    request,
                    _("You used a recovery code; %(n)d are left. Renew them on your profile.")
                    % {"n": mfa.recovery_codes_left(user)},
                )
            return response
        if mfa.is_locked(request, user):
            return _locked(request)
        form.add_error("code", _("This code is not right. Codes change every 30 seconds."))
    return render(request, "accounts/mfa_verify.html", {"form": form}, status=422)


@login_not_required
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator: while signing in (when it is required), or from the profile."""
    user = request.user if request.user.is_authenticated else mfa.pending_user(request)
    if user is None:
        return redirect("accounts:login")
    if mfa.is_locked(request, user):
        return _locked(request)
    device_id = request.session.get("mfa_setup_device")
    device = mfa.TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
    if device is None or request.method == "GET":
        device = mfa.totp_start(user)
        request.session["mfa_setup_device"] = device.pk
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = mfa.totp_confirm(request, user, device, form.cleaned_data["code"])
        if codes is not None:
            request.session.pop("mfa_setup_device", None)
            if not request.user.is_authenticated:
                mfa.finish_login(request, user)
            request.session[mfa.VERIFIED] = "verified"
            return render(request, "accounts/mfa_codes.html", {"codes": codes, "new": True})
        form.add_error("code", _("This code is not right. Codes change every 30 seconds."))
    context = {
        "form": form,
        "qr": mfa.qr_svg(device),
        "key": base64.b32encode(device.bin_key).decode(),
        "required": mfa.required_for(user),
    }
    return render(request, "accounts/mfa_setup.html", context)


@require_POST
def mfa_recovery_codes(request: HttpRequest) -> HttpResponse:
    if not mfa.has_second_factor(request.user):
        return redirect("accounts:profile")
    codes = mfa.recovery_codes_renew(request, request.user)
    return render(request, "accounts/mfa_codes.html", {"codes": codes})


@require_POST
def mfa_disable(request: HttpRequest) -> HttpResponse:
    if mfa.required_for(request.user):
        messages.error(request, _("Two-factor sign-in is required for your role."))
        return redirect("accounts:profile")
    form = CodeForm(request.POST)
    if not (
        form.is_valid() and mfa.check_code(request, request.user, form.cleaned_data["code"]).ok
    ):
        messages.error(request, _("Give a current code to turn two-factor sign-in off."))
        return redirect("accounts:profile")
    mfa.mfa_disable(request, request.user)
    request.session[mfa.VERIFIED] = "none"
    messages.success(request, _("Two-factor sign-in is off."))
    return redirect("accounts:profile")
