from django.contrib import admin

from reviews.models import AnswerReview


@admin.register(AnswerReview)
class AnswerReviewAdmin(admin.ModelAdmin):
    list_display = [
        "assessment",
        "question",
        "verdict",
        "reviewer",
        "confirmed_by",
        "carried_over",
        "updated_at",
    ]
    list_filter = ["verdict", "carried_over"]
    search_fields = ["assessment__service__name", "question__code", "comment"]
    list_select_related = ["assessment__service", "question", "reviewer", "confirmed_by"]
    readonly_fields = [f.name for f in AnswerReview._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
