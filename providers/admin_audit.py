"""Audit of memberships edited in the Django admin: on their own page, and inline on a
provider's or a person's page (see providers/services.py, record_membership_*)."""

from __future__ import annotations

from providers.models import Membership
from providers.services import record_membership_removed, record_membership_saved

_FIELDS = ("role", "user_id", "provider_id")


def _stored(pks) -> dict[int, dict]:
    rows = Membership.objects.filter(pk__in=[pk for pk in pks if pk]).values("pk", *_FIELDS)
    return {row.pop("pk"): row for row in rows}


class AuditedMembershipInlines:
    """For a ModelAdmin whose inlines include memberships (a person's or a provider's page).
    Deleting the person or the provider deletes their memberships with it: each is recorded as
    removed, like a membership deleted on its own page."""

    def delete_model(self, request, obj):
        _record_removed(Membership.objects.filter(**{_owner_field(obj): obj}), request)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        field = _owner_field(queryset.model())
        _record_removed(Membership.objects.filter(**{f"{field}__in": queryset}), request)
        super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        before = _stored(f.instance.pk for f in formset.initial_forms)
        for deleted in formset.deleted_forms:
            if deleted.instance.pk:
                record_membership_removed(deleted.instance, request)
        result = super().save_formset(request, form, formset, change)
        for membership in formset.new_objects:
            record_membership_saved(membership, before=None, request=request)
        for membership, _changed in formset.changed_objects:
            record_membership_saved(membership, before=before.get(membership.pk), request=request)
        return result


def _owner_field(obj) -> str:
    return "provider" if obj._meta.label == "providers.Provider" else "user"


def _record_removed(memberships, request) -> None:
    for membership in memberships.select_related("user", "provider"):
        record_membership_removed(membership, request)


class AuditedMembershipAdmin:
    """For the ModelAdmin of Membership itself."""

    def save_model(self, request, obj, form, change):
        before = _stored([obj.pk]).get(obj.pk) if change else None
        super().save_model(request, obj, form, change)
        record_membership_saved(obj, before=before, request=request)

    def delete_model(self, request, obj):
        record_membership_removed(obj, request)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        _record_removed(queryset, request)
        super().delete_queryset(request, queryset)
