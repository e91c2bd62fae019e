"""Large dossiers laid out in parts by several forked processes and merged into one PDF.

WeasyPrint is single-threaded and a laid-out page cannot leave its process (it holds Pango
objects), so the parts meet as PDF objects. The dossier's HTML is cut where a page break starts
a top-level section (the `<!--dossier-part-->` comments of the templates); every part keeps the
whole `<head>` (styles, metadata). Each part is laid out in a forked child, and the parent and
the children talk in two rounds:

1. A child lays its part out and, before WeasyPrint makes the margin boxes, reports its page
   count, the anchors on its pages and its running strings (chapter title, dossier number of
   the headers). It pauses there (WeasyPrint's `layout_document` lays out
   every page, then makes the margin boxes page by page).
2. The parent now knows every part's first page, the total, and on which page every anchor is.
   It hands each child its first page number and the total (the child writes them into its
   pages' counter states, so "page n of N" footers are made once, with the real numbers), a
   range of PDF object numbers and of structure-parent keys of its own, every anchor name (so
   that links into other parts are kept) and the running strings in effect where it starts. The part holding the contents is laid out again
   with the real page numbers written in (a few pages); should its page count change, the whole
   dossier is rendered in one process instead.

Each child then writes its PDF objects already numbered in its range: its page-tree node's
parent, its top structure elements' parent and its link annotations' structure-parent keys
point at objects and keys the parent owns. The parent writes what spans the parts (page-tree
root, structure tree root with its parent tree, the Document structure element, named
destinations, outline, catalogue, information) and one cross-reference stream, and
concatenates the children's bytes without reading them. A merge this way costs the parent
about 0.2 s of CPU for 155 pages, where re-parsing finished part PDFs (pypdf) cost 3.3 s for
180 (docs/benchmarks.md, "Large dossiers in parallel").

Small dossiers, a single render process or no fork: one process, as before (dossiers.pdf).

A filing document whose chapters each start a page (the self-assessment report of a filing
package, filing/pdf.py) goes the same way without a contents (`render_document_pdf`): it is
cut into runs of chapters at its page breaks, each part is laid out once, and the parent (a
render process of the package build) merges them as above before the report is signed.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import os
import pickle
import re
import signal
import socket
import struct
import time
import traceback
from dataclasses import dataclass

from django.conf import settings

from dossiers.errors import DossierError
from dossiers.pdf import (
    PDF_VARIANT,
    RenderedPdf,
    _cache_page_references,
    _cff_subsets_in_one_pass,
    _fetcher_class,
    _font_files_on_demand,
    _NotdefCatcher,
    html_to_pdf,
    load_weasyprint,
    static_root,
)
from portal import forking
from portal.text import strip_controls

logger = logging.getLogger(__name__)

PART_BREAK = "<!--dossier-part-->"
# Characters of dossier HTML per page (5 300 in the 152-page bilingual benchmark dossier,
# rounded down so that a dossier near the threshold is rather split than not): only to decide
# whether a dossier is large enough to split.
HTML_CHARS_PER_PAGE = 5000
# The same for a filing document (plain tables and paragraphs): 1 170 in the 46-page benchmark
# report, rounded down.
DOCUMENT_HTML_CHARS_PER_PAGE = 1000

# Object numbers the parent writes before the parts (the rest of its objects follow them).
_ROOT, _DOCUMENT, _STRUCT_ROOT = 1, 2, 3
_FIRST_PART_OBJECT = 16
# Per page of a part: room for its object numbers (one per structure element, annotation,
# stream...: 125 a page in the 152-page benchmark dossier) and its link annotations' structure
# keys (the contents has about 30 a page). A part that needs more is rendered in one process.
_OBJECTS_PER_PAGE = 1000
_OBJECTS_PER_PART = 10000
_ANNOTATIONS_PER_PAGE = 100


def estimated_pages(html: str, chars_per_page: int = HTML_CHARS_PER_PAGE) -> int:
    return len(html) // chars_per_page


def render_pdf(html: str) -> RenderedPdf:
    """The dossier PDF: laid out in parts by several processes when it is large (about
    settings.DOSSIER_PARALLEL_MIN_PAGES pages or more) and there are processes to use."""
    processes = forking.processes()
    minimum = settings.DOSSIER_PARALLEL_MIN_PAGES
    if processes < 2 or minimum <= 0 or estimated_pages(html) < minimum:
        return html_to_pdf(html)
    return _in_parts_or_whole(html, split_parts(strip_controls(html), processes + 1))


def render_document_pdf(html: str) -> RenderedPdf:
    """A document whose top-level sections each start a page, with a PART_BREAK before each
    (a filing document: the self-assessment report), laid out in RENDER_PROCESSES runs of
    sections when it is long enough (settings.DOCUMENT_PARALLEL_MIN_PAGES). No section is a
    contents: its parts are laid out once each."""
    processes = forking.processes()
    minimum = settings.DOCUMENT_PARALLEL_MIN_PAGES
    pages = estimated_pages(html, DOCUMENT_HTML_CHARS_PER_PAGE)
    if processes < 2 or minimum <= 0 or pages < minimum:
        return html_to_pdf(html)
    return _in_parts_or_whole(html, split_runs(strip_controls(html), processes), contents=False)


def _in_parts_or_whole(html: str, parts: list[str] | None, *, contents: bool = True):
    if parts is None:
        return html_to_pdf(html)
    try:
        return render_parts(parts, contents=contents)
    except _Fallback as exc:
        logger.warning("rendered in one process: %s", exc)
    except (PartFailed, OSError):  # not the time limit, not a DossierError: they go up
        logger.exception("parallel render failed; rendering in one process")
    return html_to_pdf(html)


class _Fallback(Exception):
    """The parts cannot be merged as they are; the dossier is rendered in one process."""


class PartFailed(RuntimeError):
    """A render process failed unexpectedly (its traceback in the message)."""


# --- cutting the HTML -------------------------------------------------------------------------


def split_parts(html: str, count: int) -> list[str] | None:
    """The dossier as `count` part documents or fewer: first the cover and contents, then runs of
    sections of about equal length. None when the HTML has no places to cut."""
    pieces = html.split(PART_BREAK)
    if len(pieces) < 5:
        return None
    prefix, chunks, suffix = pieces[0], pieces[1:-1], pieces[-1]
    toc_end = next((i for i, c in enumerate(chunks) if 'class="toc"' in c), None)
    if toc_end is None:
        return None
    head, rest = chunks[: toc_end + 1], chunks[toc_end + 1 :]
    groups = _balanced_runs(rest, [_weight(c) for c in rest], count - 1)
    first = _part_html(prefix, "".join(head), suffix, continuation=False)
    return [first] + [_part_html(prefix, "".join(g), suffix, continuation=True) for g in groups]


def split_runs(html: str, count: int) -> list[str] | None:
    """A document without a contents as `count` part documents or fewer, runs of sections of
    about equal length. None when it has fewer than two sections."""
    pieces = html.split(PART_BREAK)
    if len(pieces) < 4:
        return None
    prefix, chunks, suffix = pieces[0], pieces[1:-1], pieces[-1]
    groups = _balanced_runs(chunks, [_weight(c) for c in chunks], count)
    if len(groups) < 2:
        return None
    return [_part_html(prefix, "".join(g), suffix, continuation=False) for g in groups]


def _weight(chunk: str) -> int:
    # Render time, measured on the benchmark dossier's parts: about 0.5 ms of CPU per element
    # (a box to style, lay out and tag) and 15 µs per character of text.
    return chunk.count("<") + len(_TAG.sub("", chunk)) // 35


_TAG = re.compile(r"<[^>]*>")


def _balanced_runs(chunks: list[str], weights: list[int], count: int) -> list[list[str]]:
    """Contiguous runs of chunks, at most `count`, none much heavier than the total / count."""
    count = max(1, min(count, len(chunks)))
    target = sum(weights) / count
    runs: list[list[str]] = [[]]
    load = 0
    for chunk, weight in zip(chunks, weights, strict=True):
        if runs[-1] and len(runs) < count and load + weight / 2 > target:
            runs.append([])
            load = 0
        runs[-1].append(chunk)
        load += weight
    return runs


_FOOTER = re.compile(r"@bottom-center \{ content: (.*?); \} \}")


def _part_html(prefix: str, body: str, suffix: str, *, continuation: bool) -> str:
    """A part document. A dossier's continuation starts on a page that is not the dossier's
    first, so its first page gets the headers and footer of every other page (`@page :first`
    in static/css/dossier.css takes them away from the cover). A document without a `:first`
    page rule needs nothing of that (continuation=False for each of its parts)."""
    if not continuation:
        return prefix + body + suffix
    footer = _FOOTER.search(prefix)
    if footer is None:
        raise _Fallback("the dossier template has no footer to carry over")
    style = (
        "<style>@page :first { @top-left { content: string(dossier-number); }"
        " @top-right { content: string(chapter); }"
        f" @bottom-center {{ content: {footer.group(1)}; }} }}</style>"
    )
    return prefix.replace("</head>", style + "</head>", 1) + body + suffix


def _toc_numbers_css(pages: dict[str, int] | None) -> str:
    """The contents' page numbers written in (the anchors are in other parts, where
    target-counter() cannot see them); a placeholder of three digits before they are known."""
    if pages is None:
        return '<style>.toc a::after { content: leader(". ") "000"; }</style>'
    rules = "".join(
        f'.toc a[href="#{name}"]::after {{ content: leader(". ") "{page}"; }}'
        for name, page in pages.items()
        if '"' not in name and "\\" not in name
    )
    return f"<style>{rules}</style>"


# --- the parent -------------------------------------------------------------------------------


@dataclass
class _Plan:
    first_page: int  # 1-based number of the part's first page in the dossier
    total: int
    object_base: int
    object_room: int
    annotation_base: int
    annotation_room: int
    anchor_names: frozenset
    anchor_pages: dict  # name -> 1-based page, for the contents
    strings: dict  # named strings (running headers) in effect where the part starts


def render_parts(parts: list[str], *, contents: bool = True) -> RenderedPdf:
    """The merged PDF of `parts`; with `contents`, the first part holds a contents whose page
    numbers are written in once the others' pages are known."""
    started = time.perf_counter()
    load_weasyprint()  # once here, not once in every part's process
    children = [
        _Child.start(index, html, contents and index == 0) for index, html in enumerate(parts)
    ]
    try:
        reports = [child.receive("laid_out") for child in children]
        counts = [pages for pages, _anchors, _strings in reports]
        total = sum(counts)
        firsts = [1 + sum(counts[:i]) for i in range(len(counts))]
        anchor_pages: dict[str, int] = {}
        for first, (_pages, anchors, _strings) in zip(firsts, reports, strict=True):
            for name, local in anchors.items():
                anchor_pages.setdefault(name, first + local)
        names = frozenset(anchor_pages)
        object_base, annotation_base = _FIRST_PART_OBJECT, total
        strings: dict[str, str] = {}
        for child, first, pages, report in zip(children, firsts, counts, reports, strict=True):
            plan = _Plan(
                first_page=first,
                total=total,
                object_base=object_base,
                object_room=pages * _OBJECTS_PER_PAGE + _OBJECTS_PER_PART,
                annotation_base=annotation_base,
                annotation_room=pages * _ANNOTATIONS_PER_PAGE + 100,
                anchor_names=names,
                anchor_pages=anchor_pages,
                strings=dict(strings),
            )
            strings.update(report[2])
            child.send(plan)
            object_base += plan.object_room
            annotation_base += plan.annotation_room
        results = [child.receive("written") for child in children]
        for index, result in enumerate(results):
            logger.debug("dossier part %s: %s pages, CPU %s", index, result["pages"], result["cpu"])
    finally:
        for child in children:
            child.end()
    data = _assemble(results, total)
    return RenderedPdf(data, total, time.perf_counter() - started)


class _Child:
    def __init__(self, pid: int, sock: socket.socket) -> None:
        self.pid, self.sock = pid, sock

    @classmethod
    def start(cls, index: int, html: str, is_contents: bool) -> _Child:
        parent_end, child_end = socket.socketpair()
        pid = os.fork()
        if pid:
            child_end.close()
            return cls(pid, parent_end)
        code = 0
        try:
            # As portal/forking.py's children: what the worker had loaded stays out of the
            # garbage collector's walks (and shared with it) until this process exits.
            gc.freeze()
            parent_end.close()
            forking._detach_database()
            _run_child(child_end, index, html, is_contents)
        except BaseException:
            code = 1
        finally:
            os._exit(code)

    def send(self, message) -> None:
        _send(self.sock, message)

    def receive(self, expected: str):
        kind, value = _receive(self.sock)
        if kind == "error":
            raise value
        if kind != expected:
            raise PartFailed(f"render process sent {kind!r}, expected {expected!r}")
        return value

    def end(self) -> None:
        self.sock.close()
        with contextlib.suppress(OSError):
            done, _status = os.waitpid(self.pid, os.WNOHANG)
            if not done:  # an error in another part, or the time limit in the parent
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)


def _send(sock: socket.socket, message) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(struct.pack("!Q", len(data)) + data)


def _receive(sock: socket.socket):
    (length,) = struct.unpack("!Q", _receive_exactly(sock, 8))
    return pickle.loads(_receive_exactly(sock, length))


def _receive_exactly(sock: socket.socket, length: int) -> bytes:
    buffer = bytearray()
    while len(buffer) < length:
        block = sock.recv(min(length - len(buffer), 1 << 20))
        if not block:
            raise PartFailed("a render process ended without its result")
        buffer += block
    return bytes(buffer)


# --- the children -----------------------------------------------------------------------------


def _run_child(sock: socket.socket, index: int, html: str, is_contents: bool) -> None:
    try:
        message = ("written", _PartRenderer(sock, index, html, is_contents).run())
    except (DossierError, _Fallback) as exc:
        message = ("error", exc)
    except BaseException as exc:
        message = ("error", PartFailed(f"part {index}: {exc!r}\n{traceback.format_exc()}"))
    _send(sock, message)


class _Relayout(Exception):
    pass


class _PartRenderer:
    """One part, in its own forked process: WeasyPrint's module functions are patched here,
    and only here, to pause after layout, to number pages and PDF objects as the parent says
    and to keep links into other parts."""

    def __init__(self, sock: socket.socket, index: int, html: str, is_contents: bool) -> None:
        self.sock, self.index, self.html = sock, index, html
        self.is_contents = is_contents
        self.plan: _Plan | None = None
        self.laid_out: list = []
        self.expected_pages: int | None = None
        self.cpu: dict[str, float] = {"start": time.process_time()}

    def run(self) -> dict:
        import weasyprint.layout

        _cache_page_references()
        _font_files_on_demand()
        _cff_subsets_in_one_pass()
        make_all_pages = weasyprint.layout.make_all_pages
        make_margin_boxes = weasyprint.layout.make_margin_boxes
        numbered: list = []  # the layout context whose pages have their numbers (kept alive)

        def all_pages(context, root_box, html, pages):
            self.laid_out = list(make_all_pages(context, root_box, html, pages))
            return iter(self.laid_out)

        def margin_boxes(context, page, state):
            if not numbered or numbered[-1] is not context:
                # The first page's margin boxes: the whole part is laid out.
                numbered.append(context)
                self._numbers(context)
            return make_margin_boxes(context, page, state)

        weasyprint.layout.make_all_pages = all_pages
        weasyprint.layout.make_margin_boxes = margin_boxes

        catcher = _NotdefCatcher()
        weasyprint_logger = logging.getLogger("weasyprint")
        weasyprint_logger.addHandler(catcher)
        try:
            html = self.html
            if self.is_contents:
                try:
                    self._render(html.replace("</head>", _toc_numbers_css(None) + "</head>", 1))
                except _Relayout:
                    pass
                html = html.replace(
                    "</head>", _toc_numbers_css(self.plan.anchor_pages) + "</head>", 1
                )
            document = self._render(html)
            if catcher.missing:
                raise DossierError("font_missing", catcher.missing[0][:300])
            return self._write(document)
        finally:
            weasyprint_logger.removeHandler(catcher)

    def _render(self, html: str):
        from weasyprint import HTML

        return HTML(
            string=html,
            base_url=static_root().as_uri() + "/",
            url_fetcher=_fetcher_class()(timeout=5),
        ).render(pdf_variant=PDF_VARIANT, custom_metadata=True)

    def _numbers(self, context) -> None:
        """Round one at the first call (report, wait for the plan); then the page counters."""
        pages = self.laid_out
        if self.plan is None:
            self.expected_pages = len(pages)
            _send(self.sock, ("laid_out", (len(pages), _anchors(pages), _last_strings(context))))
            self.cpu["layout"] = time.process_time()
            self.plan = _receive(self.sock)
            if self.is_contents:
                raise _Relayout
        if len(pages) != self.expected_pages:
            raise _Fallback("the contents took another number of pages with its page numbers")
        for i in range(len(pages)):
            counters = context.page_maker[i + 1][3][1]
            counters["page"] = [self.plan.first_page + i]
            counters["pages"] = [self.plan.total]
        _inherit_strings(context, self.plan.strings)

    def _write(self, document) -> dict:
        import pydyf
        import weasyprint.pdf
        from weasyprint import DEFAULT_OPTIONS
        from weasyprint.pdf import VARIANTS

        plan = self.plan
        base = plan.object_base

        def add_object(pdf, object_):
            object_.number = base + len(pdf.objects)
            pdf.objects.append(object_)

        pydyf.PDF.add_object = add_object
        weasyprint.pdf.resolve_links = _resolve_links_with(plan.anchor_names)
        weasyprint.pdf.build_fonts_dictionary = _retagged(
            weasyprint.pdf.build_fonts_dictionary, self.index
        )

        options = {**DEFAULT_OPTIONS, "pdf_variant": PDF_VARIANT, "custom_metadata": True}
        for key, value in VARIANTS[PDF_VARIANT][1].items():
            if options.get(key) is None:
                options[key] = value
        self.cpu["rendered"] = time.process_time()
        pdf = weasyprint.pdf.generate_pdf(document, None, 1, **options)
        self.cpu["drawn"] = time.process_time()
        result = _rewire(pdf, document, plan, self.index == 0)
        result["bookmarks"] = _bookmarks(document, plan.first_page - 1)
        self.cpu["written"] = time.process_time()
        start = self.cpu.pop("start")
        result["cpu"] = {step: seconds - start for step, seconds in self.cpu.items()}
        result["pages"] = len(document.pages)
        return result


def _anchors(page_boxes) -> dict[str, int]:
    """Anchor name -> 0-based page of the part, first occurrence (as WeasyPrint's links)."""
    found: dict[str, int] = {}
    for index, page in enumerate(page_boxes):
        stack = [page]
        while stack:
            box = stack.pop()
            name = box.style["anchor"]
            if name and name not in found:
                found[name] = index
            stack.extend(box.all_children())
    return found


def _last_strings(context) -> dict[str, str]:
    """The value of every named string (string-set) at the end of the part."""
    return {
        name: assignments[max(assignments)][-1]
        for name, assignments in context.string_set.items()
        if assignments
    }


def _inherit_strings(context, inherited: dict[str, str]) -> None:
    """string() in the margin boxes of the part's pages before its own first assignment gives
    the value set in the parts before it (the chapter title, the dossier number of the cover)
    instead of nothing."""
    lookup = context.get_string_or_element_for

    def get_string_or_element_for(store, page, name, keyword):
        found = lookup(store, page, name, keyword)
        if (
            not found
            and store is context.string_set
            and name in inherited
            and keyword != "all-once"
            and not any(p in store[name] for p in range(1, context.current_page + 1))
        ):
            return (inherited[name],)
        return found

    context.get_string_or_element_for = get_string_or_element_for


def _resolve_links_with(names: frozenset):
    """WeasyPrint's resolve_links, knowing the anchors of the other parts too (it drops a link
    to an anchor it has not seen); the links stay named destinations, which the parent writes
    for the whole dossier."""
    from weasyprint.logger import LOGGER

    def resolve_links(pages):
        anchors = set(names)
        paged_anchors = []
        seen = set()
        for page in pages:
            paged_anchors.append([])
            for anchor_name, (point_x, point_y, _, _) in page.anchors.items():
                if anchor_name not in seen:
                    paged_anchors[-1].append((anchor_name, point_x, point_y))
                    seen.add(anchor_name)
        anchors |= seen
        for page in pages:
            page_links = []
            for link in page.links:
                link_type, anchor_name, _, _ = link
                if link_type == "internal" and anchor_name not in anchors:
                    LOGGER.error("No anchor #%s for internal URI reference", anchor_name)
                else:
                    page_links.append(link)
            yield page_links, paged_anchors.pop(0)

    return resolve_links


def _retagged(build_fonts_dictionary, index: int):
    """WeasyPrint names a font subset after the font ("ABCDEF+Noto-Sans-CJK-SC"), not after its
    glyphs, so every part would embed a different subset under the same name; ISO 32000 wants
    different tags for different subsets of one file. Each part's tags are its own."""

    def build(pdf, fonts, *args, **kwargs):
        for font in fonts.values():
            tag, rest = font.name[1:].split(b"+", 1)
            digest = hashlib.md5(tag + b"%d" % index, usedforsecurity=False).digest()[:6]
            font.name = b"/" + bytes(65 + byte % 26 for byte in digest) + b"+" + rest
        return build_fonts_dictionary(pdf, fonts, *args, **kwargs)

    return build


def _reference(number: int) -> bytes:
    return f"{number} 0 R".encode()


def _rewire(pdf, document, plan: _Plan, is_first: bool) -> dict:
    """Point the part's objects at the parent's, and serialise them."""
    import pydyf

    base = plan.object_base
    objects = pdf.objects

    def at(reference: bytes):
        return objects[int(reference.split()[0]) - base]

    catalog = pdf.catalog
    struct_root = at(catalog["StructTreeRoot"])
    parent_tree = at(struct_root["ParentTree"])
    document_element = at(struct_root["K"][0])
    pages = [objects[number - base] for number in pdf.pages["Kids"][::3]]
    count = len(pages)
    first_key = plan.first_page - 1

    def key(local: int) -> int:
        if local < count:
            return first_key + local
        if local - count >= plan.annotation_room:
            raise _Fallback("more link annotations than the part has keys for")
        return plan.annotation_base + local - count

    for index, page in enumerate(pages):
        page["StructParents"] = first_key + index
    nums = parent_tree["Nums"]
    parent_entries = [(key(nums[i]), pydyf._to_bytes(nums[i + 1])) for i in range(0, len(nums), 2)]
    document_reference = document_element.reference
    for object_ in objects:
        if isinstance(object_, dict):
            if "StructParent" in object_:
                object_["StructParent"] = key(object_["StructParent"])
            if object_.get("P") == document_reference:
                object_["P"] = _reference(_DOCUMENT)
    pdf.pages["Parent"] = _reference(_ROOT)

    destinations = []
    names = catalog.get("Names", {}).get("Dests")
    if names:
        array = names["Names"]
        destinations = [(array[i].string, array[i + 1].data) for i in range(0, len(array), 2)]

    skip = {id(objects[0]), id(catalog), id(struct_root), id(parent_tree), id(document_element)}
    if not is_first and "Metadata" in catalog:  # the first part's XMP metadata is the dossier's
        skip.add(id(at(catalog["Metadata"])))
    chunk = bytearray()
    entries: list[tuple[int, int, int, int]] = []
    packed = []
    for object_ in objects:
        if id(object_) in skip or object_.free == "f":
            continue
        if object_.compressible:
            packed.append(object_)
        else:
            entries.append((object_.number, 1, len(chunk), object_.generation))
            chunk += object_.indirect + b"\n"
    # The dictionaries and arrays in one object stream, as pydyf writes them.
    header, body, position = [], [], 0
    for object_ in packed:
        data = object_.data
        header += [object_.number, position]
        body.append(data)
        position += len(data) + 1
    header_text = " ".join(str(i) for i in header)
    stream = pydyf.Stream(
        [header_text, *body],
        {"Type": "/ObjStm", "N": len(packed), "First": len(header_text) + 1},
        compress=True,
    )
    pdf.add_object(stream)
    if len(objects) > plan.object_room:
        raise _Fallback("more PDF objects than the part has numbers for")
    entries.append((stream.number, 1, len(chunk), 0))
    chunk += stream.indirect + b"\n"
    entries += [(o.number, 2, stream.number, i) for i, o in enumerate(packed)]

    extras = {}
    if is_first:
        extras = {
            name: pydyf._to_bytes(value)
            for name, value in catalog.items()
            if name not in ("Type", "Pages", "StructTreeRoot", "Names", "Outlines")
        }
    return {
        "chunk": bytes(chunk),
        "entries": entries,
        "pages_node": pdf.pages.reference,
        "page_references": [page.reference for page in pages],
        "parent_tree": parent_entries,
        "document_kids": [pydyf._to_bytes(k) for k in document_element["K"]],
        "destinations": destinations,
        "catalog": extras,
        "info": pdf.info.data if is_first else b"",
    }


def _bookmarks(document, first_index: int) -> list[tuple]:
    """(level, label, (x, y) in PDF points, state, dossier page index) in document order."""
    scale = 0.75
    found = []
    for index, page in enumerate(document.pages):
        for level, label, (x, y), state in page.bookmarks:
            point = (x * scale, (page.height - y) * scale)
            found.append((level, label, point, state, first_index + index))
    return found


# --- merging ----------------------------------------------------------------------------------


class _Tail:
    """The parent's objects after the parts', numbered from `first`, with the little of
    pydyf.PDF that WeasyPrint's add_outlines uses."""

    def __init__(self, first: int, page_references: list[bytes]) -> None:
        self.next = first
        self.objects: list = []
        self.catalog: dict = {}
        self.page_references = page_references

    def add_object(self, object_) -> None:
        object_.number = self.next
        self.next += 1
        self.objects.append(object_)


def _assemble(results: list[dict], total: int) -> bytes:
    import pydyf
    from weasyprint.anchors import make_page_bookmark_tree
    from weasyprint.matrix import Matrix
    from weasyprint.pdf.anchors import add_outlines

    page_references = [r for result in results for r in result["page_references"]]
    if len(page_references) != total:
        raise _Fallback("the parts have another number of pages than they reported")
    last = max(number for result in results for number, *_ in result["entries"])
    tail = _Tail(last + 1, page_references)

    # Outline: WeasyPrint's own tree making, over the bookmarks of every part in order.
    bookmarks_by_page: list[list] = [[] for _ in range(total)]
    for result in results:
        for level, label, point, state, page in result["bookmarks"]:
            bookmarks_by_page[page].append((level, label, point, state))
    tree: list = []
    skipped: list = []
    last_by_depth = [tree]
    previous = 0
    for index, bookmarks in enumerate(bookmarks_by_page):
        page = type("BookmarkPage", (), {"bookmarks": bookmarks})
        previous = make_page_bookmark_tree(page, skipped, last_by_depth, previous, index, Matrix())
    add_outlines(tail, tree)

    parent_tree = pydyf.Dictionary(
        {
            "Nums": pydyf.Array(
                x for k, v in sorted(e for r in results for e in r["parent_tree"]) for x in (k, v)
            )
        }
    )
    tail.add_object(parent_tree)
    destinations: dict[str, bytes] = {}
    for result in results:
        for name, array in result["destinations"]:
            destinations.setdefault(name, array)
    catalog = pydyf.Dictionary(
        {"Type": "/Catalog", "Pages": _reference(_ROOT), "StructTreeRoot": _reference(_STRUCT_ROOT)}
    )
    for name, value in results[0]["catalog"].items():
        catalog[name] = value
    if destinations:
        names = pydyf.Array()
        for name in sorted(destinations):
            names.append(pydyf.String(name))
            names.append(destinations[name])
        catalog["Names"] = pydyf.Dictionary({"Dests": pydyf.Dictionary({"Names": names})})
    if "Outlines" in tail.catalog:
        catalog["Outlines"] = tail.catalog["Outlines"]
    tail.add_object(catalog)
    info = None
    if results[0]["info"]:
        info = _Raw(results[0]["info"])  # the first part's information dictionary
        tail.add_object(info)

    out = bytearray(b"%PDF-1.7\n%\xf0\x9f\x96\xa4\n")
    entries: list[tuple[int, int, int, int]] = [(0, 0, 0, 65535)]

    def put(number: int, data: bytes) -> None:
        entries.append((number, 1, len(out), 0))
        out.extend(b"%d 0 obj\n%s\nendobj\n" % (number, data))

    put(
        _ROOT,
        pydyf.Dictionary(
            {
                "Type": "/Pages",
                "Kids": pydyf.Array(r["pages_node"] for r in results),
                "Count": total,
            }
        ).data,
    )
    put(
        _DOCUMENT,
        pydyf.Dictionary(
            {
                "Type": "/StructElem",
                "S": "/Document",
                "K": pydyf.Array(k for r in results for k in r["document_kids"]),
                "P": _reference(_STRUCT_ROOT),
            }
        ).data,
    )
    put(
        _STRUCT_ROOT,
        pydyf.Dictionary(
            {
                "Type": "/StructTreeRoot",
                "ParentTree": parent_tree.reference,
                "K": pydyf.Array([_reference(_DOCUMENT)]),
            }
        ).data,
    )
    for result in results:
        shift = len(out)
        out.extend(result["chunk"])
        entries += [
            (number, kind, field + shift if kind == 1 else field, extra)
            for number, kind, field, extra in result["entries"]
        ]
    for object_ in tail.objects:
        put(object_.number, object_.data)

    # One cross-reference stream; the gaps between the parts' number ranges are left out of
    # its subsections.
    xref_number = tail.next
    xref_position = len(out)
    entries.append((xref_number, 1, xref_position, 0))
    entries.sort()
    index: list[int] = []
    for number, *_ in entries:
        if index and index[-2] + index[-1] == number:
            index[-1] += 1
        else:
            index += [number, 1]
    width2 = max(1, (max(e[2] for e in entries).bit_length() + 7) // 8)
    width3 = max(1, (max(e[3] for e in entries).bit_length() + 7) // 8)
    rows = b"".join(
        kind.to_bytes(1, "big") + field.to_bytes(width2, "big") + extra.to_bytes(width3, "big")
        for _number, kind, field, extra in entries
    )
    extra = {
        "Type": "/XRef",
        "Index": pydyf.Array(index),
        "W": pydyf.Array((1, width2, width3)),
        "Size": xref_number + 1,
        "Root": catalog.reference,
    }
    if info is not None:
        extra["Info"] = info.reference
    xref = pydyf.Stream([rows], extra, compress=True)
    out.extend(b"%d 0 obj\n%s\nendobj\n" % (xref_number, xref.data))
    out.extend(b"startxref\n%d\n%%%%EOF\n" % xref_position)
    return bytes(out)


class _Raw:
    """An object whose serialised form is already known."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.number = None

    @property
    def reference(self) -> bytes:
        return _reference(self.number)
