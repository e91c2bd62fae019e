"""What every API view shares: problem-details errors, the per-token budget, the audit of
every token use, and helpers to run the pages' forms on JSON bodies."""

from __future__ import annotations

from django.http import QueryDict
from rest_framework.views import APIView

from api.models import AccessToken
from api.problems import form_problem
from api.tokens import token_used


class ApiView(APIView):
    # Extra problem statuses per method, for the schema: {"put": (409, 422)}.
    problems: dict[str, tuple[int, ...]] = {}

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        token = getattr(request, "_auth", None)
        if isinstance(token, AccessToken):
            token_used(token=token, request=request, status=response.status_code)
        return response


def form_data(data) -> dict | QueryDict:
    """A request body as a Django form reads it: a QueryDict for multipart (so that lists stay
    lists), the parsed JSON object otherwise. Anything but an object is refused by the form as
    an empty submission."""
    if isinstance(data, QueryDict):
        return data
    return data if isinstance(data, dict) else {}


def valid_form(form):
    if not form.is_valid():
        raise form_problem(form)
    return form
