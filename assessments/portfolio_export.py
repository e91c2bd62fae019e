"""The portfolio as a workbook: the rows the filters select, every value by its label in the
language of the page that asked for it (Chinese or English)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from assessments.portfolio import Row
from portal.text import cell_text


def columns() -> list[tuple[str, float]]:
    """Header and width of each column, in the page language."""
    return [
        (_("Provider"), 28),
        (_("Credit code"), 21),
        (_("Service"), 24),
        (_("Version"), 8),
        (_("Status"), 12),
        (_("Progress (%)"), 10),
        (_("Answered"), 10),
        (_("Applicable"), 10),
        (_("Score (binding questions)"), 10),
        (_("Advisory questions conforming (of applicable)"), 14),
        (_("Verdict"), 18),
        (_("Filing routes"), 30),
        (_("Blocking pre-filing checks"), 12),
        (_("Review due"), 12),
        (_("Remediation due"), 12),
        (_("Submitted"), 12),
        (_("Last change"), 12),
    ]


def values(row: Row) -> list:
    a = row.current
    return [
        row.provider.name_zh,
        row.provider.credit_code,
        row.service.name,
        a.version if a else None,
        row.status_label,
        a.percent_done if a else None,
        a.answered_count if a else None,
        a.applicable_count if a else None,
        row.score,
        row.advisory,
        row.verdict,
        "; ".join(row.routes),
        a.blocking_count if a else None,
        row.review_due,
        row.remediation_due,
        a.submitted_at.date() if a and a.submitted_at else None,
        a.updated_at.date() if a else None,
    ]


def workbook(rows: list[Row]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Portfolio")[:31]
    header = columns()
    sheet.append([title for title, _width in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index, (_title, width) in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in rows:
        sheet.append([cell_text(v) for v in values(row)])
    for column in (14, 15, 16, 17):  # dates as dates, shown as 2026-12-06
        for cell in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell[0].number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
