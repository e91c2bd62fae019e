"""The audit log in the admin: read-only, filterable, exportable as CSV."""

from __future__ import annotations

import csv
import json
from datetime import UTC
from functools import lru_cache

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBadRequest, StreamingHttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from audit.models import AuditEvent
from audit.presenters import summary as summary_label

# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> object:
    """A cell that a spreadsheet will show as text: a leading apostrophe before a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class _Echo:
    """A file-like object for csv.writer that hands each line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def _json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


@lru_cache(maxsize=1)
def _model_names() -> dict[str, object]:
    """model_name → verbose name (lazy, so in the page's language), for the object column."""
    return {model._meta.model_name: model._meta.verbose_name for model in apps.get_models()}


def object_label(event: AuditEvent) -> str:
    """What kind of object, as people call it: 备案材料包, not `filingpackage`."""
    if not event.object_type:
        return ""
    return str(_model_names().get(event.object_type, event.object_type))


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    # No client address and no raw codes in the list: it has to fit the screen and be read.
    list_display = ["id", "occurred_at", "action", "actor_email", "object_column", "summary_column"]
    list_display_links = ["id", "occurred_at"]
    list_filter = ["action", "occurred_at"]
    list_per_page = 50
    search_fields = ["actor_email", "object_id", "summary"]
    date_hierarchy = "occurred_at"
    readonly_fields = [field.name for field in AuditEvent._meta.fields]
    show_full_result_count = False  # counting a long log on every page costs a full scan
    actions = None  # no bulk actions, in particular no "delete selected"

    @admin.display(description=_lazy("object"))
    def object_column(self, event: AuditEvent) -> str:
        return object_label(event)

    @admin.display(description=_lazy("summary"))
    def summary_column(self, event: AuditEvent) -> str:
        text = summary_label(event)
        return text if len(text) <= 80 else text[:79] + "…"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_urls(self):
        export = path(
            "export/",
            self.admin_site.admin_view(self.export_csv),
            name="audit_auditevent_export",
        )
        return [export, *super().get_urls()]

    def export_csv(self, request: HttpRequest):
        """The events the change list shows with its current filters and search, as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest(_("These filters are not valid."))
        events = changelist.get_queryset(request).order_by("id")
        writer = csv.writer(_Echo())

        def rows():
            yield "\ufeff"  # a byte-order mark, so spreadsheet programs read UTF-8
            yield writer.writerow(
                [
                    _("ID"),
                    _("time (UTC)"),
                    _("action"),
                    _("action (label)"),
                    _("actor ID"),
                    _("actor"),
                    _("provider ID"),
                    _("object type"),
                    _("object"),
                    _("assessment ID"),
                    _("summary"),
                    _("before"),
                    _("after"),
                    _("client address"),
                    _("previous hash"),
                    _("hash"),
                ]
            )
            for event in events.iterator(chunk_size=2000):
                row = [
                    event.pk,
                    event.occurred_at.astimezone(UTC).isoformat(),
                    event.action,
                    str(event.get_action_display()),
                    event.actor_id,
                    event.actor_email,
                    event.provider_id,
                    event.object_type,
                    event.object_id,
                    event.assessment_id,
                    event.summary,
                    _json(event.before),
                    _json(event.after),
                    event.ip or "",
                    event.prev_hash,
                    event.hash,
                ]
                yield writer.writerow([neutralise(cell) for cell in row])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        filename = f"audit-{timezone.now():%Y%m%d-%H%M%S}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
