from __future__ import annotations

from uuid import UUID

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from notifications import services
from notifications.models import Notification

PAGE_SIZE = 50


@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.filter(recipient=request.user).select_related(
        "actor", "assessment__service__provider"
    )
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(n, services.link_for(n)) for n in page]
    return render(request, "notifications/list.html", {"page": page, "rows": rows})


@require_GET
def badge(request: HttpRequest) -> HttpResponse:
    """The unread count as a fragment, polled by the bell in the navbar (htmx)."""
    count = services.unread_count(request.user)
    return render(request, "notifications/_badge.html", {"count": count})


@require_POST
def mark_read(request: HttpRequest, notification: UUID) -> HttpResponse:
    # Scoped to the recipient: someone else's notification is a 404, not a 403.
    obj = get_object_or_404(Notification, public_id=notification, recipient=request.user)
    services.mark_read(obj)
    return _back(request)


@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(request.user)
    return _back(request)


def _back(request: HttpRequest) -> HttpResponse:
    """To `next` when it is a page of this site (the list page the button was on)."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications:list")
