"""Who may see what of model tests.

Endpoints and runs belong to a provider: members read (a non-member gets 404), owners and
editors change. The questions and answers hold prohibited content: they are shown to owners
and editors and to the reviewers assigned to an assessment of the run's service; viewers see
the rates only. Every view of them is audited (modeltests.views)."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from modeltests.models import ModelEndpoint, TestRun
from providers.access import get_membership, get_writable_membership
from providers.models import WRITE_ROLES, Membership
from providers.scope import acts_as_reviewer, scoped_membership


def get_endpoint(provider, endpoint_id: UUID) -> ModelEndpoint:
    endpoint = provider.model_endpoints.filter(public_id=endpoint_id).first()
    if endpoint is None:
        raise Http404(_("No such endpoint."))
    endpoint.provider = provider
    return endpoint


class RunAccess:
    def __init__(self, run: TestRun, membership: Membership | None, reviewer: bool):
        self.run = run
        self.membership = membership
        self.reviewer = reviewer

    @property
    def can_write(self) -> bool:
        return self.membership is not None and self.membership.role in WRITE_ROLES

    @property
    def can_see_items(self) -> bool:
        return self.can_write or self.reviewer


def get_run(request: HttpRequest, run_id: UUID) -> RunAccess:
    run = (
        TestRun.objects.select_related("service__provider", "endpoint", "judge")
        .filter(public_id=run_id)
        .first()
    )
    if run is None:
        raise Http404(_("No such test run."))
    membership = (
        Membership.objects.filter(provider=run.service.provider, user=request.user).first()
        if request.user.is_authenticated
        else None
    )
    membership = scoped_membership(request, membership)
    # A reviewer in a session or with a review token; a provider's token of a person who is
    # also a reviewer acts for that provider only.
    reviewer = bool(
        request.user.is_authenticated
        and acts_as_reviewer(request)
        and run.service.assessments.filter(assigned_to=request.user).exists()
    )
    if membership is None and not reviewer:
        raise Http404(_("No such test run."))
    return RunAccess(run, membership, reviewer)


def require_items(access: RunAccess) -> None:
    if not access.can_see_items:
        raise PermissionDenied(_("Your role shows the rates of a test run, not its questions."))


def require_write(access: RunAccess) -> None:
    if not access.can_write:
        raise PermissionDenied(_("Your role lets you read, not change, this provider's data."))


def service_membership(request, service_id: UUID, *, write: bool = False):
    """The membership and the service (404 outside; 403 for a viewer when `write`)."""
    from providers.models import AIService

    service = AIService.objects.select_related("provider").filter(public_id=service_id).first()
    if service is None:
        raise Http404(_("No such service."))
    lookup = get_writable_membership if write else get_membership
    membership = lookup(request, service.provider.public_id)
    service.provider = membership.provider
    return membership, service
