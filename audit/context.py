"""The request being served, for audit events recorded deep inside services.

Services take plain arguments, not requests; the client address an audit event needs comes from
here instead. A ContextVar keeps concurrent requests (threads or async tasks) apart, and is
empty in Celery tasks and commands, where no client exists.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.http import HttpRequest

current_request: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)
