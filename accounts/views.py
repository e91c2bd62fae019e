from uuid import UUID

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import LoginForm
from api import tokens
from api.forms import TokenForm
from api.models import AccessToken


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


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
