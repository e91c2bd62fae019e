"""HTML to PDF for dossiers, in two steps (style guide §9): `render_dossier_html` gives the HTML
(tests assert on it), `html_to_pdf` runs WeasyPrint with a fetcher that reads only our static
files and data: URIs, and fails on a `.notdef` glyph (a CJK font missing: boxes, not Chinese).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import io
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from dossiers.errors import DossierError
from portal.text import strip_controls

# Tagged PDF (PDF/UA-1): structure tags and a language for screen readers and text
# extraction, at a cost of about 10 % render time (docs/benchmarks.md).
PDF_VARIANT = "pdf/ua-1"
EDITION_LANGUAGE = {"zh": "zh-hans", "en": "en", "bilingual": "zh-hans"}


def static_root() -> Path:
    return Path(settings.BASE_DIR) / "static"


def render_dossier_html(context: dict, *, edition: str) -> str:
    """The dossier as HTML, with every label in the edition's language."""
    with translation.override(EDITION_LANGUAGE[edition]):
        return render_to_string("dossiers/pdf/dossier.html", {**context, "edition": edition})


def _fetcher_class():
    from weasyprint.urls import URLFetcher

    class StaticOnlyFetcher(URLFetcher):
        """Our static directory and data: URIs; anything else (http, other files) refused."""

        def fetch(self, url, headers=None):
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(urlsplit(url).path)).resolve()
                root = static_root().resolve()
                if path.is_relative_to(root) and path.is_file():
                    return super().fetch(url, headers)
            raise ValueError(f"dossier templates may not load {url!r}")

    return StaticOnlyFetcher


class _NotdefCatcher(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.missing: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if ".notdef" in message:
            self.missing.append(message)


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int
    seconds: float


def load_weasyprint() -> None:
    """Import WeasyPrint and what a render imports. That took 0.27 s of CPU, most of what a
    process's first render costs more than the next (0.51 against 0.21 s for the 4-page file
    list). A process imports it before it forks render processes, so they find it loaded
    instead of each importing it; the Celery worker does so at start (portal/celery.py), so
    the pool processes it forks begin with it loaded (docs/benchmarks.md, "Signed package").
    Web processes, which do not render, never import it."""
    import weasyprint
    import weasyprint.layout
    import weasyprint.pdf
    import weasyprint.pdf.fonts  # noqa: F401


def _cache_page_references() -> None:
    """pydyf builds its tuple of page references anew on every read of `page_references`, and
    WeasyPrint's PDF/UA tagging reads it once per structure element: quadratic in pages (61
    pages: 16 000 reads of 61 references, 0.12 s of CPU; 180 pages: 48 000 of 180, 1 s). Pages
    are only ever appended, so a tuple kept until the page count changes is the same value."""
    import pydyf

    original = pydyf.PDF.page_references.fget
    if getattr(original, "portal_cached", False):
        return

    def page_references(pdf) -> tuple[bytes, ...]:
        count = pdf.pages["Count"]
        cached = pdf.__dict__.get("_portal_page_references")
        if cached is None or cached[0] != count:
            cached = (count, original(pdf))
            pdf.__dict__["_portal_page_references"] = cached
        return cached[1]

    page_references.portal_cached = True  # type: ignore[attr-defined]
    pydyf.PDF.page_references = property(page_references)


class _FaceData:
    """The bytes of a HarfBuzz face, read when first asked for (see _font_files_on_demand)."""

    __slots__ = ("face",)

    def __init__(self, face) -> None:
        self.face = face  # the cdata keeps the face alive until its bytes are read

    def __bool__(self) -> bool:
        from weasyprint.text.ffi import harfbuzz

        blob = harfbuzz.hb_face_reference_blob(self.face)
        try:
            return harfbuzz.hb_blob_get_length(blob) > 0
        finally:
            harfbuzz.hb_blob_destroy(blob)


def _font_files_on_demand() -> None:
    """WeasyPrint copies the whole font file into Python bytes for every font a document uses
    (`weasyprint.pdf.fonts.Font.__init__`), then subsets it with HarfBuzz from the face, not
    from those bytes, and embeds the subset's bytes instead. A Noto CJK collection is 19-27 MB:
    a 3-page form used four faces, so about 90 MB were copied and dropped per PDF (8 000-20 000
    page faults, in a forked render process fresh pages every time; docs/benchmarks.md, "Signed
    package"). The bytes of a face are now read only when the font's `file_content` is read: the
    subset's when it is embedded, the whole file only where WeasyPrint still needs it (a failed
    subset, a variable or colour font). Same bytes, same PDF."""
    import weasyprint.pdf.fonts as fonts
    from weasyprint.text.fonts import get_hb_object_data

    if isinstance(fonts.Font.__dict__.get("file_content"), property):
        return

    def face_data(hb_object, ot_color=None, glyph=None):
        if ot_color is not None:
            return get_hb_object_data(hb_object, ot_color, glyph)
        return _FaceData(hb_object)

    def read(font) -> bytes:
        data = font.__dict__["_portal_file_content"]
        if isinstance(data, _FaceData):
            data = font.__dict__["_portal_file_content"] = get_hb_object_data(data.face)
        return data

    def write(font, data) -> None:
        font.__dict__["_portal_file_content"] = data

    # Only the name in weasyprint.pdf.fonts (Font.__init__ and the subset's bytes) changes;
    # the drawing code's own get_hb_object_data (colour glyphs) is left as it is.
    fonts.get_hb_object_data = face_data
    fonts.Font.file_content = property(read, write)


# The tables WeasyPrint leaves out of an embedded font (weasyprint.pdf.fonts, _harfbuzz_subset).
_DROPPED_TABLES = (
    b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT",
    b"SVG ",
)  # fmt: skip


def _cff_subset_in_one_pass(font, glyphs) -> bytes | None:
    """The subset WeasyPrint's two passes make of a CFF font, made in one: the used glyphs at
    their own ids, without hints; None where one pass may differ from two (see below)."""
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
    from weasyprint.text.fonts import get_hb_object_data

    subset = harfbuzz_subset
    wanted = ffi.gc(subset.hb_subset_input_create_or_fail(), subset.hb_subset_input_destroy)
    glyph_set = subset.hb_subset_input_glyph_set(wanted)
    harfbuzz.hb_set_add_sorted_array(
        glyph_set, ffi.new(f"hb_codepoint_t[{len(glyphs)}]", sorted(glyphs)), len(glyphs)
    )
    flags = (
        subset.HB_SUBSET_FLAGS_RETAIN_GIDS
        | subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
        | subset.HB_SUBSET_FLAGS_DESUBROUTINIZE
        | subset.HB_SUBSET_FLAGS_NO_HINTING
    )
    if font.missing:
        flags |= subset.HB_SUBSET_FLAGS_NOTDEF_OUTLINE
    subset.hb_subset_input_set_flags(wanted, flags)
    tags = sorted(harfbuzz.hb_tag_from_string(tag, -1) for tag in _DROPPED_TABLES)
    harfbuzz.hb_set_add_sorted_array(
        subset.hb_subset_input_set(wanted, subset.HB_SUBSET_SETS_DROP_TABLE_TAG),
        ffi.new(f"hb_codepoint_t[{len(tags)}]", tags),
        len(tags),
    )
    face = subset.hb_subset_or_fail(font.hb_face, wanted)
    if face == ffi.NULL:
        return None
    face = ffi.gc(face, harfbuzz.hb_face_destroy)
    # Glyphs reached from the used ones (a vertical form through GSUB) beyond the last used
    # glyph: WeasyPrint's second pass cuts them off, so one pass would embed more.
    if harfbuzz.hb_face_get_glyph_count(face) != max(glyphs) + 1:
        return None
    return get_hb_object_data(face) or None


def _cff_subsets_in_one_pass() -> None:
    """WeasyPrint subsets every embedded font twice with HarfBuzz: the used glyphs at their own
    ids, then that subset again cut after the last used glyph and without hints. For the Noto
    CJK faces (CFF, 65 000 glyphs) each pass costs about 15 ms whatever the text, so a PDF
    spent 0.03 s per face, 0.06-0.15 s per PDF (the file list, at the end of a signed package
    build, 0.06 of its 0.23 s). One pass with both settings gives the same bytes whenever
    nothing after the last used glyph is kept, which is checked on the result (its glyph
    count); otherwise, for a font with TrueType outlines and when hints are kept, WeasyPrint's
    two passes run as before."""
    import weasyprint.pdf.fonts as fonts

    own = fonts.Font._harfbuzz_subset
    if getattr(own, "portal_one_pass", False):
        return

    @functools.wraps(own)
    def harfbuzz_subset(font, to_unicode, hinting):
        if not hinting and "CFF " in font.tables:
            data = _cff_subset_in_one_pass(font, to_unicode)
            if data is not None:
                font.file_content = data
                return
        own(font, to_unicode, hinting)

    harfbuzz_subset.portal_one_pass = True  # type: ignore[attr-defined]
    fonts.Font._harfbuzz_subset = harfbuzz_subset


@contextlib.contextmanager
def old_objects_left_out_of_gc():
    """WeasyPrint allocates millions of short-lived objects, so the cyclic garbage collector
    runs full collections during a render, and each walks every object of the process: in a
    worker with Django, the catalogue and the build's data loaded, that was 8-30 % of the CPU
    of a 43-page filing report (docs/benchmarks.md). Objects that exist before the render are
    moved out of the collector's sight (`gc.freeze`) for its duration. At the end, the garbage
    the render left is collected while they are still out of sight (a walk of the render's
    own survivors only), then they are given back, so that garbage among them is collected as
    before; nothing of a render may outlive this block, or it would stay until the next full
    collection. A process that froze its objects for good (a forked render process, which
    exits afterwards) keeps them frozen."""
    if gc.get_freeze_count() or not gc.isenabled():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.collect()
        gc.unfreeze()


def _weasyprint(html: str) -> tuple[bytes, int]:
    """The PDF and its page count; the laid-out document is dropped on return."""
    from weasyprint import HTML

    document = HTML(
        string=html,
        base_url=static_root().as_uri() + "/",
        url_fetcher=_fetcher_class()(timeout=5),
    ).render(pdf_variant=PDF_VARIANT, custom_metadata=True)
    out = io.BytesIO()
    document.write_pdf(out, pdf_variant=PDF_VARIANT, custom_metadata=True)
    return out.getvalue(), len(document.pages)


def html_to_pdf(html: str, *, lang: str = "zh-CN") -> RenderedPdf:
    """Render with WeasyPrint. DossierError("font_missing") when a glyph had no font."""
    _cache_page_references()
    _font_files_on_demand()
    _cff_subsets_in_one_pass()

    # A control character has no glyph in any font: WeasyPrint would draw .notdef and the
    # render would be refused as "font missing", which it is not.
    html = strip_controls(html)
    catcher = _NotdefCatcher()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(catcher)
    started = time.perf_counter()
    try:
        with old_objects_left_out_of_gc():
            data, pages = _weasyprint(html)
    finally:
        logger.removeHandler(catcher)
    if catcher.missing:
        raise DossierError("font_missing", catcher.missing[0][:300])
    return RenderedPdf(data, pages, time.perf_counter() - started)
