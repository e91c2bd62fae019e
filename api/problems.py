"""Errors as RFC 9457 problem details (application/problem+json), in the caller's language.

The `detail` is the message the pages show for the same refusal: the access helpers, forms and
services raise it, and this module only carries it over. Extension members: `code` (stable, for
programs), `errors` (field -> messages, for invalid input) and whatever the raising view adds
(the current answer of a conflict, the missing answers of a submission ...).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.response import Response

MEDIA_TYPE = "application/problem+json"

TITLES = {
    400: gettext_lazy("Bad request"),
    401: gettext_lazy("Not signed in"),
    403: gettext_lazy("Not allowed"),
    404: gettext_lazy("Not found"),
    405: gettext_lazy("Method not allowed"),
    406: gettext_lazy("Not acceptable"),
    409: gettext_lazy("Conflict"),
    413: gettext_lazy("Too large"),
    415: gettext_lazy("Unsupported media type"),
    422: gettext_lazy("Invalid input"),
    429: gettext_lazy("Too many requests"),
}


class Problem(Exception):
    """Raised by API views: answered as a problem document with this status and detail."""

    def __init__(self, status: int, detail: str, *, code: str, **extensions):
        super().__init__(detail)
        self.status, self.detail, self.code, self.extensions = status, str(detail), code, extensions


def problem_response(
    request, status: int, detail: str, *, code: str, headers=None, **extensions
) -> Response:
    body = {
        "type": "about:blank",
        "title": str(TITLES.get(status, "")),
        "status": status,
        "detail": str(detail),
        "instance": request.path if request is not None else "",
        "code": code,
        **extensions,
    }
    return Response(body, status=status, headers=headers, content_type=MEDIA_TYPE)


def form_problem(form) -> Problem:
    """A refused form as the pages word it, per field ("" for the form as a whole)."""
    errors = {
        ("" if field == "__all__" else field): [str(m) for m in messages]
        for field, messages in form.errors.items()
    }
    detail = " ".join(m for messages in errors.values() for m in messages)
    return Problem(422, detail, code="invalid", errors=errors)


def validation_problem(exc: DjangoValidationError) -> Problem:
    if hasattr(exc, "error_dict"):
        errors = {
            ("" if field == "__all__" else field): list(messages)
            for field, messages in exc.message_dict.items()
        }
    else:
        errors = {"": list(exc.messages)}
    detail = " ".join(m for messages in errors.values() for m in messages)
    return Problem(422, detail, code="invalid", errors=errors)


def _drf_detail(detail) -> tuple[str, dict]:
    if isinstance(detail, dict):
        errors = {
            ("" if k == "non_field_errors" else k): [
                str(m) for m in (v if isinstance(v, list) else [v])
            ]
            for k, v in detail.items()
        }
        return " ".join(m for ms in errors.values() for m in ms), {"errors": errors}
    if isinstance(detail, list):
        return " ".join(str(m) for m in detail), {}
    return str(detail), {}


def exception_handler(exc, context):
    request = context.get("request")
    if isinstance(exc, Problem):
        return problem_response(request, exc.status, exc.detail, code=exc.code, **exc.extensions)
    if isinstance(exc, Http404):
        return problem_response(request, 404, str(exc) or _("Not found."), code="not_found")
    if isinstance(exc, PermissionDenied):
        detail = str(exc) or _("You may not do this.")
        return problem_response(request, 403, detail, code="forbidden")
    if isinstance(exc, DjangoValidationError):
        problem = validation_problem(exc)
        return problem_response(
            request, 422, problem.detail, code=problem.code, **problem.extensions
        )
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        detail, extensions = _drf_detail(exc.detail)
        code = exc.get_codes() if not isinstance(exc.detail, dict | list) else "invalid"
        if isinstance(exc, exceptions.ValidationError):
            code, status = "invalid", 422
        else:
            status = exc.status_code
        return problem_response(
            request, status, detail, code=str(code), headers=headers, **extensions
        )
    return None
