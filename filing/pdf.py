"""PDF rendering of a `filing.blocks.Doc`, the version that is signed and handed in beside the
editable Word file. Same blocks, same headings, tables and numbering; WeasyPrint through the
dossier's HTML-to-PDF step (static-only fetcher, fails on a missing CJK glyph).
"""

from __future__ import annotations

from django.template.loader import render_to_string

from dossiers.parallel import render_document_pdf
from dossiers.pdf import RenderedPdf, html_to_pdf
from filing.blocks import Doc


def render_html(
    doc: Doc, *, number: str = "", draft: bool = False, manifest_sha256: str = ""
) -> str:
    """`number` and `manifest_sha256` go into the PDF's metadata, where the verification page
    reads them (dossiers.verification)."""
    context = {"doc": doc, "number": number, "draft": draft, "manifest_sha256": manifest_sha256}
    return render_to_string("filing/pdf/document.html", context)


def render(
    doc: Doc,
    *,
    number: str = "",
    draft: bool = False,
    manifest_sha256: str = "",
    in_parts: bool = False,
) -> RenderedPdf:
    """`in_parts`: a long document with page breaks (the report, whose chapters each start a
    page) is laid out in runs of chapters by several forked processes and merged into one PDF
    with the same pages (dossiers/parallel.py); the caller must be a process that may fork."""
    html = render_html(doc, number=number, draft=draft, manifest_sha256=manifest_sha256)
    return render_document_pdf(html) if in_parts else html_to_pdf(html)
