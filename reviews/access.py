from functools import wraps

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def reviewer_required(view):
    """Portal-wide reviewers only; everyone else signed in gets 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_reviewer:
            raise PermissionDenied(_("The review area is for reviewers."))
        return view(request, *args, **kwargs)

    return wrapped
