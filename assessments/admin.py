from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from assessments.models import Analysis, Answer, Assessment, Evidence, QuestionnaireUpgrade
from assessments.services import refresh_locked


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    fields = ["question", "value", "note", "revision", "updated_by", "updated_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    """Read-only except for derived figures: status moves only through the review services."""

    list_display = [
        "service",
        "version",
        "status",
        "assigned_to",
        "due_date",
        "submitted_at",
        "answered_count",
        "applicable_count",
    ]
    list_filter = ["status", "questionnaire", "due_date"]
    search_fields = ["service__name", "service__provider__name_zh", "public_id", "snapshot_sha256"]
    list_select_related = ["service__provider", "assigned_to"]
    readonly_fields = [f.name for f in Assessment._meta.fields]
    inlines = [AnswerInline]
    actions = ["recompute"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Recompute progress and scores"))
    def recompute(self, request, queryset):
        for pk in queryset.values_list("pk", flat=True):
            refresh_locked(pk)
        self.message_user(request, _("Recomputed."), messages.SUCCESS)


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["name", "assessment", "content_type", "size", "sha256", "uploaded_at"]
    list_filter = ["content_type", "uploaded_at"]
    search_fields = ["name", "sha256", "assessment__service__name"]
    list_select_related = ["assessment__service"]
    readonly_fields = [f.name for f in Evidence._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Analysis)
class AnalysisAdmin(admin.ModelAdmin):
    list_display = ["evidence", "kind", "status", "passed", "finished_at"]
    list_filter = ["kind", "status", "passed"]
    search_fields = ["evidence__name", "evidence__sha256"]
    list_select_related = ["evidence"]
    readonly_fields = [f.name for f in Analysis._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ["assessment", "question", "revision", "updated_by", "updated_at"]
    search_fields = ["assessment__service__name", "question__code", "note"]
    list_select_related = ["assessment__service", "question", "updated_by"]
    readonly_fields = [f.name for f in Answer._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(QuestionnaireUpgrade)
class QuestionnaireUpgradeAdmin(admin.ModelAdmin):
    """Read-only: moves are made and undone by the provider (assessments.upgrade)."""

    list_display = [
        "assessment",
        "from_questionnaire",
        "to_questionnaire",
        "performed_by",
        "performed_at",
        "undone_at",
    ]
    list_select_related = [
        "assessment__service",
        "from_questionnaire",
        "to_questionnaire",
        "performed_by",
    ]
    search_fields = ["assessment__service__name", "assessment__public_id"]
    readonly_fields = [f.name for f in QuestionnaireUpgrade._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
