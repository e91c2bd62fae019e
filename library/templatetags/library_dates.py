"""Dates in force as a page shows them: only the ones still ahead of today."""

from django import template

from library.changes import in_force_from

register = template.Library()


@register.filter
def upcoming(obj):
    """The date an instrument or provision (or its instrument) comes into force, if ahead."""
    return in_force_from(obj) if obj is not None else None


@register.filter
def upcoming_own(provision):
    """A provision's own later date (an amendment in force later than its instrument)."""
    date = getattr(provision, "effective", None)
    if date is None:
        return None
    return in_force_from(provision)
