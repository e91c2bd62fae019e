from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from providers.models import Membership


@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    """Signed out: a short page saying what the portal is, with sign-in and the public dossier
    verification. Signed in: where their work is (reviewers without a provider: the review
    area)."""
    if not request.user.is_authenticated:
        return render(request, "welcome.html")
    if request.user.is_reviewer and not Membership.objects.filter(user=request.user).exists():
        return redirect("reviews:index")
    return redirect("providers:list")


@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
