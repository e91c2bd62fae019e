from django.contrib import admin

from filing.models import Disclosure, FilingPackage


@admin.register(FilingPackage)
class FilingPackageAdmin(admin.ModelAdmin):
    list_display = ("number", "assessment", "route", "kind", "status", "zip_size", "created_at")
    list_filter = ("status", "kind", "route")
    search_fields = ("number", "assessment__service__name", "zip_sha256")
    list_select_related = ("assessment__service",)
    readonly_fields = [f.name for f in FilingPackage._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Disclosure)
class DisclosureAdmin(admin.ModelAdmin):
    """Read only: providers edit their text on the portal, where it is checked and audited."""

    list_display = ("algorithm_name", "service", "revision", "updated_by", "updated_at")
    search_fields = ("algorithm_name", "service__name", "service__provider__name_zh")
    list_select_related = ("service", "updated_by")
    readonly_fields = [f.name for f in Disclosure._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
