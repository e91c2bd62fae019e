"""The portal's own 400, 403, 404 and 500 pages: branded, in the reader's language, saying why
the page is refused and where to go instead (Django's bare English pages said neither).

The refusals raised in the services carry their reason (`PermissionDenied(_("..."))`,
`Http404(_("..."))`): it is shown. Django's own 404 messages name internal models or paths
and are not. Under /api/ the answer is a problem document, as from the API's own views.
"""

from __future__ import annotations

import logging
import re

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from portal.middleware import API_PREFIX

logger = logging.getLogger(__name__)

# Messages of Http404 raised by Django itself (get_object_or_404, the URL resolver, the static
# view) rather than by the portal: they name models and paths, not reasons.
_INTERNAL_404 = re.compile(r"matches the given query|^Resolver404$|^“.*” does not exist$")


def _reason(exception) -> str:
    if exception is None or not exception.args:
        return ""
    message = exception.args[0]
    if not isinstance(message, str | Promise):  # the resolver's dict, for instance
        return ""
    message = str(message)
    return "" if _INTERNAL_404.search(message) else message


def _problem(request: HttpRequest, status: int, detail: str) -> JsonResponse:
    from api.problems import MEDIA_TYPE, TITLES

    body = {
        "type": "about:blank",
        "title": str(TITLES.get(status) or _("Server error")),
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    return JsonResponse(body, status=status, content_type=MEDIA_TYPE)


def _page(request: HttpRequest, status: int, template: str, context: dict) -> HttpResponse:
    if request.path_info.startswith(API_PREFIX):
        return _problem(request, status, context.get("reason") or context["title"])
    body = loader.render_to_string(template, {"status": status, **context}, request)
    return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    context = {
        "title": _("The request could not be understood"),
        "reason": _(
            "The page received something it cannot read, for example a damaged or outdated "
            "form. Nothing was changed."
        ),
    }
    return _page(request, 400, "errors/400.html", context)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    context = {
        "title": _("You may not open this page"),
        "reason": _reason(exception)
        or _("Your account does not have the role this page needs. Nothing was changed."),
    }
    return _page(request, 403, "errors/403.html", context)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    context = {
        "title": _("Page not found"),
        "reason": _reason(exception)
        or _(
            "The address may be mistyped or out of date, what it showed may have been "
            "deleted, or it belongs to a provider you are not a member of."
        ),
    }
    return _page(request, 404, "errors/404.html", context)


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the database or the session (either may be what failed)."""
    now = timezone.now()
    context = {
        "title": _("Something went wrong on our side"),
        "reason": _(
            "The error has been logged. What you saved before is kept; what you were sending "
            "just now may not have been. Try again in a moment."
        ),
        "reference": now.strftime("%Y-%m-%d %H:%M:%S UTC"),
    }
    if request.path_info.startswith(API_PREFIX):
        return _problem(request, 500, context["reason"])
    # No request: context processors would read the session and the user from the database.
    body = loader.render_to_string("errors/500.html", {"status": 500, **context})
    return HttpResponse(body, status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent with an expired or missing security token (an old tab, cleared cookies)."""
    context = {
        "title": _("This form has expired"),
        "reason": _(
            "The form was sent without a valid security token, usually because the page was "
            "open for a long time, you signed in again elsewhere, or cookies are blocked. "
            "Nothing was saved: go back, reload the page and send it again."
        ),
    }
    return _page(request, 403, "errors/403.html", context)
