"""Admin for the provision library: a read-only window on what `load_questionnaires` loaded.

Every row comes from the YAML in fixtures/ (reviewed in pull requests) and questionnaire versions
are immutable once loaded, so nothing here can be added, changed or deleted through the admin:
change the fixtures and run `manage.py load_questionnaires` instead.
"""

from django.contrib import admin
from django.db import models
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from library.models import (
    Domain,
    Instrument,
    Provision,
    Question,
    Questionnaire,
    Risk,
    RiskCategory,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """View-only: rows are loaded from fixtures/, never edited here."""

    # The (never submitted) form is still built for the view page; say https explicitly so
    # Django 5.x does not warn about the URLField default scheme changing in 6.0.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ProvisionInline(ReadOnlyInline):
    model = Provision
    fields = ["key", "ref_zh", "assessable", "confidence"]


@admin.register(Instrument)
class InstrumentAdmin(ReadOnlyAdmin):
    list_display = ["code", "short_zh", "title_zh", "kind", "status", "effective", "n_provisions"]
    list_filter = ["kind", "status"]
    search_fields = ["code", "title_zh", "title_en", "short_zh", "short_en", "document_number"]
    list_select_related = ["superseded_by"]
    inlines = [ProvisionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_n_provisions=Count("provisions"))

    @admin.display(description=_("provisions"), ordering="_n_provisions")
    def n_provisions(self, obj):
        return obj._n_provisions


@admin.register(Provision)
class ProvisionAdmin(ReadOnlyAdmin):
    list_display = ["key", "instrument", "ref_zh", "assessable", "confidence"]
    list_filter = ["assessable", "confidence", "instrument"]
    search_fields = ["key", "ref_zh", "ref_en", "summary_zh", "summary_en"]
    list_select_related = ["instrument"]


class RiskInline(ReadOnlyInline):
    model = Risk
    fields = ["code", "name_zh", "name_en"]
    show_change_link = False


@admin.register(RiskCategory)
class RiskCategoryAdmin(ReadOnlyAdmin):
    list_display = ["code", "name_zh", "name_en"]
    search_fields = ["code", "name_zh", "name_en"]
    inlines = [RiskInline]


@admin.register(Risk)
class RiskAdmin(ReadOnlyAdmin):
    list_display = ["code", "name_zh", "name_en", "category"]
    list_filter = ["category"]
    search_fields = ["code", "name_zh", "name_en"]
    list_select_related = ["category"]


class DomainInline(ReadOnlyInline):
    model = Domain
    fields = ["code", "title_zh", "title_en", "position"]


@admin.register(Questionnaire)
class QuestionnaireAdmin(ReadOnlyAdmin):
    list_display = ["code", "version", "title_zh", "source_file", "loaded_at", "n_questions"]
    list_filter = ["code"]
    search_fields = ["code", "title_zh", "title_en", "source_file"]
    inlines = [DomainInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_n_questions=Count("questions"))

    @admin.display(description=_("questions"), ordering="_n_questions")
    def n_questions(self, obj):
        return obj._n_questions


class QuestionInline(ReadOnlyInline):
    model = Question
    fields = ["code", "kind", "text_zh", "weight", "red_line", "advisory", "gate"]


@admin.register(Domain)
class DomainAdmin(ReadOnlyAdmin):
    list_display = ["code", "title_zh", "title_en", "questionnaire", "position"]
    list_filter = ["questionnaire"]
    search_fields = ["code", "title_zh", "title_en"]
    list_select_related = ["questionnaire"]
    inlines = [QuestionInline]


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "questionnaire",
        "domain",
        "kind",
        "weight",
        "red_line",
        "advisory",
        "gate",
    ]
    list_filter = ["questionnaire", "kind", "red_line", "advisory", "gate", "domain__code"]
    search_fields = ["code", "text_zh", "text_en", "provisions__key"]
    list_select_related = ["questionnaire", "domain"]
    filter_horizontal = ["provisions"]
