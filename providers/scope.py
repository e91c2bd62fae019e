"""What a request may act on, when it carries a personal access token (see api/models.py).

A browser session acts with all of the person's roles. A token narrows them: to one provider
and a role no higher than the token's, or to the review area only. The page helpers of
providers/access.py, assessments/access.py and reviews/access.py apply it where they look up
the person's membership, so every rule of the pages holds for the API unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from providers.models import Membership, Provider, Role

ROLE_RANK = {Role.VIEWER: 1, Role.EDITOR: 2, Role.OWNER: 3}
REVIEWER = "reviewer"


@dataclass(frozen=True)
class TokenScope:
    provider_id: int | None  # None: the review area
    role: str  # owner, editor, viewer or reviewer


def scope_of(request) -> TokenScope | None:
    return getattr(request, "token_scope", None)


def lower_role(a: str, b: str) -> str:
    return a if ROLE_RANK[a] <= ROLE_RANK[b] else b


def scoped_membership(request, membership: Membership | None) -> Membership | None:
    """The membership as the request may use it: None outside the token's provider, the role
    capped at the token's. Never saved: the cap lives on this instance only."""
    scope = scope_of(request)
    if membership is None or scope is None:
        return membership
    if scope.provider_id is None or scope.provider_id != membership.provider_id:
        return None
    membership.role = lower_role(membership.role, scope.role)
    return membership


def visible_providers(request) -> QuerySet[Provider]:
    providers = Provider.objects.for_user(request.user)
    scope = scope_of(request)
    if scope is not None:
        providers = (
            providers.filter(pk=scope.provider_id) if scope.provider_id else providers.none()
        )
    return providers


def acts_as_reviewer(request) -> bool:
    """A reviewer, in a session or with a review token (not with a provider's token)."""
    scope = scope_of(request)
    return bool(request.user.is_reviewer) and (scope is None or scope.role == REVIEWER)
