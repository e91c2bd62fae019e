from django.contrib import admin

from providers.admin_audit import AuditedMembershipAdmin, AuditedMembershipInlines
from providers.models import AIService, Invitation, Membership, Provider


class AIServiceInline(admin.TabularInline):
    model = AIService
    extra = 0
    fields = ["name", "audience", "launch_status", "gai_filing_number"]
    show_change_link = True


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Provider)
class ProviderAdmin(AuditedMembershipInlines, admin.ModelAdmin):
    list_display = ["name_zh", "name_en", "credit_code", "legal_representative", "created_at"]
    search_fields = ["name_zh", "name_en", "credit_code"]
    list_filter = ["created_at"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
    inlines = [AIServiceInline, MembershipInline]


@admin.register(AIService)
class AIServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "provider", "audience", "foundation_model_source", "launch_status"]
    list_filter = [
        "audience",
        "launch_status",
        "foundation_model_source",
        "public_opinion",
        "minors_allowed",
        "emotional_interaction",
    ]
    search_fields = ["name", "provider__name_zh", "gai_filing_number", "algorithm_filing_number"]
    list_select_related = ["provider"]
    autocomplete_fields = ["provider"]
    readonly_fields = ["public_id", "created_at", "updated_at"]


@admin.register(Membership)
class MembershipAdmin(AuditedMembershipAdmin, admin.ModelAdmin):
    list_display = ["user", "provider", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "provider__name_zh"]
    list_select_related = ["user", "provider"]
    autocomplete_fields = ["user", "provider"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "provider", "role", "created_at", "accepted_at", "revoked_at"]
    list_filter = ["role", "accepted_at", "revoked_at"]
    search_fields = ["email", "provider__name_zh"]
    list_select_related = ["provider"]
    readonly_fields = ["public_id", "created_at", "accepted_at"]
