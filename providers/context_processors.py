from django.utils.functional import SimpleLazyObject

from providers.models import Membership


def memberships(request):
    """The signed-in user's providers for the navigation, read only when a template uses it."""

    def load():
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return []
        return list(Membership.objects.filter(user=user).select_related("provider"))

    return {"nav_memberships": SimpleLazyObject(load)}
