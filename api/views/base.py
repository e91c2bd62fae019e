"""What every API view shares: problem-details errors, the per-token budget, the audit of
every token use, and helpers to run the pages' forms on JSON bodies."""

from __future__ import annotations

import json

from django.http import QueryDict
from django.utils.translation import gettext as _
from rest_framework.views import APIView

from api.models import AccessToken
from api.problems import Problem, form_problem
from api.tokens import token_used


class ApiView(APIView):
    # Extra problem statuses per method, for the schema: {"put": (409, 422)}.
    problems: dict[str, tuple[int, ...]] = {}
    # The query parameters each method reads; any other is refused, so that a misspelt
    # filter does not silently return everything.
    query: dict[str, tuple[str, ...]] = {}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        allowed = self.query.get(request.method.lower(), ())
        unknown = sorted(set(request.query_params) - set(allowed))
        if unknown:
            message = _("Unknown query parameter: %(names)s.") % {"names": ", ".join(unknown)}
            raise Problem(
                400, message, code="invalid", errors={name: [message] for name in unknown}
            )

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        token = getattr(request, "_auth", None)
        if isinstance(token, AccessToken):
            token_used(token=token, request=request, status=response.status_code)
        return response


def form_data(data) -> dict | QueryDict:
    """A request body as the pages' forms read it: what a browser would post. Multipart bodies
    are that already; a JSON object has its numbers turned to text and its nulls left out (a
    form field that is not sent), and lists keep their items as text. Anything but an object
    reads as an empty submission, which the form then refuses."""
    if isinstance(data, QueryDict):
        return data
    if not isinstance(data, dict):
        return {}
    return {key: _posted(value) for key, value in data.items() if value is not None}


def _posted(value):
    if isinstance(value, bool | str):
        return value  # checkboxes read booleans; text stays text
    if isinstance(value, list):
        return [v if isinstance(v, str) else json.dumps(v) for v in value]
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)  # an object where a value belongs: the form refuses it


def valid_form(form):
    if not form.is_valid():
        raise form_problem(form)
    return form
