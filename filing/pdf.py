"""PDF rendering of a `filing.blocks.Doc`, the version that is signed and handed in beside the
editable Word file. Same blocks, same headings, tables and numbering; WeasyPrint through the
dossier's HTML-to-PDF step (static-only fetcher, fails on a missing CJK glyph).
"""

from __future__ import annotations

from django.template.loader import render_to_string

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
    doc: Doc, *, number: str = "", draft: bool = False, manifest_sha256: str = ""
) -> RenderedPdf:
    return html_to_pdf(
        render_html(doc, number=number, draft=draft, manifest_sha256=manifest_sha256)
    )
