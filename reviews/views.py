from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from reviews.access import reviewer_required


@reviewer_required
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "reviews/index.html", {})
