from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.models import Action
from audit.services import record
from providers.admin_audit import AuditedMembershipInlines
from providers.models import Membership

# The portal-wide roles of a person: what the admin can grant or take away.
PORTAL_ROLES = ("is_active", "is_reviewer", "is_staff", "is_superuser")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["provider"]
    fields = ["provider", "role", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(User)
class UserAdmin(AuditedMembershipInlines, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_reviewer", "is_staff", "is_active", "last_login"]
    list_filter = ["is_reviewer", "is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "display_name"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["display_name"]}),
        (
            _("Portal roles"),
            {"fields": ["is_active", "is_reviewer", "is_staff", "is_superuser", "groups"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "email",
                    "display_name",
                    "password1",
                    "password2",
                    "is_reviewer",
                    "is_staff",
                ],
            },
        ),
    ]

    def save_model(self, request, obj, form, change):
        """Portal roles and groups changed here are audited like roles changed anywhere."""
        stored = User.objects.filter(pk=obj.pk).first() if change else None
        request._portal_roles_before = {
            "roles": {name: getattr(stored, name) for name in PORTAL_ROLES} if stored else {},
            "groups": sorted(stored.groups.values_list("name", flat=True)) if stored else [],
        }
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        previous = getattr(request, "_portal_roles_before", {"roles": {}, "groups": []})
        # A new person is compared with an active account without portal roles.
        old = previous["roles"] or {name: name == "is_active" for name in PORTAL_ROLES}
        now = {name: getattr(user, name) for name in PORTAL_ROLES}
        before = {k: old[k] for k in now if old[k] != now[k]}
        after = {k: now[k] for k in before}
        groups = sorted(user.groups.values_list("name", flat=True))
        if groups != previous["groups"]:
            before["groups"], after["groups"] = previous["groups"], groups
        if after:
            record(
                Action.ROLE_CHANGED,
                obj=user,
                summary=user.email,
                before=before,
                after=after,
                request=request,
            )
