"""The self-assessment report of a signed package laid out in runs of chapters by two processes
and merged (dossiers/parallel.py, the code path of large dossiers), against the same report
rendered in one process: the same pages with the same text, "第 n 页 / 共 N 页" footers, every
chapter from the second on at the top of a page, the same outline and PDF/UA structure, one
valid signature. RENDER_PROCESSES=1 renders it in one process with the same text.

The test assessment's report has the benchmark's 46 pages; the threshold is lowered all the
same, so that a shorter report in the fixtures would still be split. One package build serves
every assertion.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile

import pypdf
import pytest

from dossiers.models import DossierStatus
from filing import documents, docx, pdf
from filing.documents import REPORT_CHAPTERS
from filing.facts import facts_for
from library.catalogue import get_catalogue
from tests.test_annex_cache import _parts
from tests.test_dossier_parallel import (
    internal_links,
    outline,
    page_texts,
    parent_tree_keys,
    structure,
)
from tests.test_filing_package_builds import media, ready, request  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("dev_signing")
REPORT = "02-附件1-安全评估报告.pdf"


@pytest.fixture
def report_in_parts(ready, editor, settings, django_capture_on_commit_callbacks, tmp_path):  # noqa: F811
    """(signed package, its report PDF merged from parts, the same report in one process)."""
    settings.RENDER_PROCESSES = 2
    settings.DOCUMENT_PARALLEL_MIN_PAGES = 1
    package = request(ready, editor, django_capture_on_commit_callbacks)
    assert package.status == DossierStatus.READY, (package.error_code, package.error_detail)
    merged = tmp_path / "merged.pdf"
    merged.write_bytes(zipfile.ZipFile(media(settings, package)).read(REPORT))
    facts = facts_for(ready)
    doc = documents.assessment_report(facts, get_catalogue(ready.questionnaire))
    single = tmp_path / "single.pdf"
    single.write_bytes(pdf.render(doc, number=package.number).data)
    return package, merged, single, doc


def test_the_report_laid_out_in_parts_equals_the_one_process_rendering(
    report_in_parts, settings, tmp_path
):
    package, merged_path, single_path, doc = report_in_parts
    merged, single = pypdf.PdfReader(merged_path), pypdf.PdfReader(single_path)
    # Merged from parts (the merge runs in a forked render process, whose log this process
    # does not see): each part embeds its own font subsets under a name of its own.
    fonts = subprocess.run(
        ["pdffonts", str(merged_path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    names = [line.split()[0] for line in fonts]
    single_fonts = subprocess.run(
        ["pdffonts", str(single_path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert len(names) > len(single_fonts) and len(set(names)) == len(names), names

    total = len(single.pages)
    assert len(merged.pages) == total
    texts, single_texts = page_texts(merged_path), page_texts(single_path)
    differing = [i + 1 for i, (a, b) in enumerate(zip(texts, single_texts, strict=True)) if a != b]
    assert not differing, differing
    footers = [re.findall(r"第 (\d+) 页 / 共 (\d+) 页", text) for text in texts]
    assert footers == [[(str(n), str(total))] for n in range(1, total + 1)]

    # Every chapter from the second on starts a page: its heading is the page's first line.
    first_lines = [next(line.strip() for line in t.splitlines() if line.strip()) for t in texts]
    assert [c for c in REPORT_CHAPTERS[1:] if c in first_lines] == list(REPORT_CHAPTERS[1:])
    assert REPORT_CHAPTERS[0] not in first_lines  # chapter 1 follows the title

    # The outline: the title, then the chapters, each landing on the page it starts.
    bookmarks = outline(merged)
    assert bookmarks == outline(single)
    assert bookmarks[0] == (doc.title, 0)
    chapters = [item for item in bookmarks[1] if isinstance(item, tuple)]
    assert [title for title, _page in chapters] == list(REPORT_CHAPTERS)
    assert [page for _title, page in chapters[1:]] == [
        first_lines.index(c) for c in REPORT_CHAPTERS[1:]
    ]
    assert internal_links(merged) == internal_links(single)
    assert structure(merged) == structure(single)
    keys = parent_tree_keys(merged)
    assert keys == sorted(set(keys)) and len(keys) >= total
    assert [int(page["/StructParents"]) for page in merged.pages] == list(range(total))
    assert merged.trailer["/Root"]["/MarkInfo"]["/Marked"]
    assert merged.metadata.title == single.metadata.title == doc.title
    assert merged.metadata["/dossiernumber"] == package.number

    # The Word file beside it (kept, filing/word_cache.py) is the one written now, with the
    # same page breaks.
    word = zipfile.ZipFile(media(settings, package)).read(REPORT.replace(".pdf", ".docx"))
    assert _parts(word) == _parts(docx.render(doc))
    assert _parts(word)["word/document.xml"].count(b'w:type="page"') == len(REPORT_CHAPTERS) - 1

    if shutil.which("pdfsig"):
        out = subprocess.run(
            ["pdfsig", "-nocert", str(merged_path)], capture_output=True, text=True, check=False
        ).stdout
        assert out.count("Signature #") == 1
        assert "Signature Validation: Signature is Valid." in out
        assert "Total document signed" in out


@pytest.mark.parametrize("processes, minimum", [(1, 1), (2, 0), (2, "above")])
def test_the_report_is_rendered_whole_with_one_process_or_when_short(
    ready,  # noqa: F811
    settings,
    monkeypatch,
    processes,
    minimum,
):
    """RENDER_PROCESSES=1, DOCUMENT_PARALLEL_MIN_PAGES=0 or a report shorter than it: the
    one-process rendering the test above compares the parts with."""
    from dossiers import parallel

    facts = facts_for(ready)
    html = pdf.render_html(documents.assessment_report(facts, get_catalogue(ready.questionnaire)))
    assert len(parallel.split_runs(html, 2)) == 2  # it has chapters to cut at
    estimate = parallel.estimated_pages(html, parallel.DOCUMENT_HTML_CHARS_PER_PAGE)
    settings.RENDER_PROCESSES = processes
    settings.DOCUMENT_PARALLEL_MIN_PAGES = estimate + 1 if minimum == "above" else minimum
    whole = object()

    def in_parts(*args, **kwargs):
        raise AssertionError("split")

    monkeypatch.setattr(parallel, "render_parts", in_parts)
    monkeypatch.setattr(parallel, "html_to_pdf", lambda given: whole if given == html else None)
    assert parallel.render_document_pdf(html) is whole
