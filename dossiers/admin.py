from django.contrib import admin

from dossiers.models import Dossier


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    list_display = ("number", "assessment", "kind", "edition", "status", "page_count", "created_at")
    list_filter = ("status", "kind", "edition")
    search_fields = ("number", "assessment__service__name", "pdf_sha256")
    list_select_related = ("assessment__service",)
    readonly_fields = [f.name for f in Dossier._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
