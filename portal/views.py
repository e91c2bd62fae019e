from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from providers.models import Membership


def home(request: HttpRequest) -> HttpResponse:
    """Send people where their work is: reviewers without a provider to the review area."""
    if request.user.is_reviewer and not Membership.objects.filter(user=request.user).exists():
        return redirect("reviews:index")
    return redirect("providers:list")


@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
