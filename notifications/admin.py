from django.contrib import admin

from notifications.models import Digest, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "assessment", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind", "read_at", "emailed_at"]
    search_fields = ["recipient__email", "assessment__service__name"]
    list_select_related = ["recipient", "assessment__service"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ["recipient", "week", "created_at", "emailed_at"]
    list_filter = ["week", "emailed_at"]
    search_fields = ["recipient__email"]
    list_select_related = ["recipient"]
    readonly_fields = [f.name for f in Digest._meta.fields]

    def has_add_permission(self, request):
        return False
