from django.contrib import admin

from api.models import AccessToken


@admin.register(AccessToken)
class AccessTokenAdmin(admin.ModelAdmin):
    """Read-only: tokens are made and revoked by their owners on the profile page."""

    list_display = ["name", "prefix", "user", "provider", "role", "expires_at", "last_used_at"]
    list_filter = ["role"]
    search_fields = ["name", "prefix", "user__email"]
    readonly_fields = [f.name for f in AccessToken._meta.fields if f.name != "key_hash"]
    exclude = ["key_hash"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
