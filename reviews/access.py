"""Who may see what in the review area: reviewers only, never for a provider they belong to."""

from __future__ import annotations

from functools import wraps
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import Assessment, Status
from providers.scope import acts_as_reviewer, scope_of

# Shown on the refusal page: what is refused, why, and what to do instead.
CONFLICT_OF_INTEREST = gettext_lazy(
    "You are a member of this provider, so you cannot review its assessments: no one reviews "
    "their own organisation's work. Ask an administrator to assign the review to another "
    "reviewer."
)


def check_reviewer(request: HttpRequest) -> None:
    """Portal-wide reviewers only (with a token: a review token); everyone else gets 403."""
    if not acts_as_reviewer(request):
        raise PermissionDenied(_("The review area is for reviewers."))


def check_review_area(request: HttpRequest) -> None:
    """The queue, the review page and assigning: reviewers, and administrators in a session
    (who assign reviews and set due dates without being reviewers themselves)."""
    if acts_as_reviewer(request):
        return
    if request.user.is_authenticated and request.user.is_staff and scope_of(request) is None:
        return
    raise PermissionDenied(_("The review area is for reviewers."))


def review_area_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        check_review_area(request)
        return view(request, *args, **kwargs)

    return wrapped


def reviewer_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        check_reviewer(request)
        return view(request, *args, **kwargs)

    return wrapped


def get_reviewable(request: HttpRequest, assessment_id: UUID) -> Assessment:
    """A submitted assessment of a provider the reviewer is not a member of.

    Drafts do not exist for reviewers (404); a provider's own member gets 403 (conflict of
    interest), so that the refusal is explained rather than hidden.
    """
    assessment = (
        Assessment.objects.select_related(
            "service__provider",
            "service__disclosure",
            "questionnaire",
            "previous",
            "assigned_to",
            "decided_by",
        )
        .exclude(status=Status.DRAFT)
        .filter(public_id=assessment_id)
        .first()
    )
    if assessment is None:
        raise Http404(_("No such assessment."))
    if assessment.service.provider.memberships.filter(user=request.user).exists():
        raise PermissionDenied(CONFLICT_OF_INTEREST)
    return assessment
