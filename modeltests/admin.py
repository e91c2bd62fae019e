from django.contrib import admin

from modeltests.models import Grade, ModelEndpoint, TestItem, TestRun


@admin.register(ModelEndpoint)
class ModelEndpointAdmin(admin.ModelAdmin):
    # The encrypted key is not a field here at all (editable=False keeps it off the form).
    list_display = ("name", "provider", "kind", "model_name", "base_url", "last_check_ok")
    search_fields = ("name", "model_name", "provider__name_zh")
    exclude = ("api_key_encrypted",)
    readonly_fields = ("last_check_at", "last_check_ok")


@admin.register(TestRun)
class TestRunAdmin(admin.ModelAdmin):
    list_display = ("public_id", "service", "endpoint", "status", "requests_used", "created_at")
    list_filter = ("status",)
    search_fields = ("service__name", "model_name")
    raw_id_fields = ("service", "endpoint", "judge", "created_by")


@admin.register(TestItem)
class TestItemAdmin(admin.ModelAdmin):
    # Items hold prohibited content: the admin lists their state, not their text.
    list_display = ("run", "position", "bank", "risk", "status", "attempts")
    list_filter = ("status", "bank")
    search_fields = ("risk",)
    exclude = ("question", "answer", "judge_reason")
    raw_id_fields = ("run", "grading_by")


@admin.register(Grade)
class GradeAdmin(admin.ModelAdmin):
    list_display = ("item", "grader", "verdict", "resolves", "created_at")
    search_fields = ("verdict",)
    raw_id_fields = ("item", "grader")
