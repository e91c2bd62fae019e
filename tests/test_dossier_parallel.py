"""A large dossier laid out in parts by several processes and merged (dossiers/parallel.py)
against the same HTML rendered in one process: the same pages, the same text on every page,
contents, outline, links and PDF/UA structure; one signature over the whole merged file.

One rendering of each (about 150 pages, 20-30 s of CPU each) serves every assertion.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from dossiers import package
from dossiers.content import build_context
from dossiers.models import Dossier, DossierStatus
from dossiers.pdf import html_to_pdf, render_dossier_html
from dossiers.services import dossier_request
from dossiers.testing import approve, lengthen_first_domain, make_assessment
from dossiers.verification import CURRENT, verify_file

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "dossiers"


@pytest.fixture(autouse=True)
def _signing(dev_signing):
    pass


@pytest.fixture
def large(service, editor, reviewer, settings, django_capture_on_commit_callbacks, caplog):
    """(signed dossier built in parts, its PDF, the same HTML rendered in one process)."""
    settings.RENDER_PROCESSES = 2
    settings.DOSSIER_PARALLEL_MIN_PAGES = 100  # this one has about 150: split it, surely
    assessment = make_assessment(service, editor)
    lengthen_first_domain(assessment, 12_000)
    approved = approve(assessment, editor, reviewer)
    caplog.set_level(logging.DEBUG, logger="dossiers.parallel")
    with django_capture_on_commit_callbacks(execute=True):
        dossier, _created = dossier_request(assessment=approved, user=editor, edition="bilingual")
    dossier = Dossier.objects.select_related("assessment__service__provider").get(pk=dossier.pk)
    assert dossier.status == DossierStatus.READY, (dossier.error_code, dossier.error_detail)
    parts = [r for r in caplog.records if r.getMessage().startswith("dossier part ")]
    problems = [r for r in caplog.records if r.name == "dossiers.parallel" and r.levelno >= 30]
    assert len(parts) == 3 and not problems, [r.getMessage() for r in problems]

    # The same dossier's HTML again (it depends only on the dossier row and the snapshot).
    assessment = dossier.assessment
    manifest = package.build_manifest(
        number=dossier.number,
        snapshot=assessment.snapshot,
        snapshot_sha256=dossier.snapshot_sha256,
    )
    context = build_context(
        dossier=dossier,
        assessment=assessment,
        snapshot=assessment.snapshot,
        manifest=manifest.data,
        manifest_sha256=manifest.sha256,
    )
    single = html_to_pdf(render_dossier_html(context, edition=dossier.edition))
    merged = Path(settings.MEDIA_ROOT) / dossier.pdf_path
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(merged, ARTIFACTS / "parallel-bilingual.pdf")
    (ARTIFACTS / "parallel-single-process.pdf").write_bytes(single.data)
    return dossier, merged, ARTIFACTS / "parallel-single-process.pdf"


def page_texts(path: Path) -> list[str]:
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return out.stdout.split("\f")[:-1]


def outline(reader: pypdf.PdfReader, items=None) -> list:
    found = []
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            found.append(outline(reader, item))
        else:
            found.append((item.title, reader.get_destination_page_number(item)))
    return found


def internal_links(reader: pypdf.PdfReader) -> list[tuple[int, str, int]]:
    """(page, destination name, page it lands on) of every internal link, in page order."""
    destinations = reader.named_destinations
    found = []
    for index, page in enumerate(reader.pages):
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if "/Dest" in annotation:
                name = str(annotation["/Dest"])
                target = reader.get_destination_page_number(destinations[name])
                found.append((index, name, target))
    return found


def structure(reader: pypdf.PdfReader) -> list[str]:
    """The structure tree depth first: element types, marked-content ids, object references."""
    found = []
    stack = [reader.trailer["/Root"]["/StructTreeRoot"]["/K"]]
    while stack:
        kid = stack.pop()
        if isinstance(kid, IndirectObject):
            kid = kid.get_object()
        if isinstance(kid, ArrayObject):
            stack.extend(reversed(kid))
        elif isinstance(kid, DictionaryObject) and "/S" in kid:
            found.append(str(kid["/S"]))
            if "/K" in kid:
                stack.append(kid["/K"])
        elif isinstance(kid, DictionaryObject):
            found.append(str(kid.get("/Type")))
        else:
            found.append("MCID")
    return found


def parent_tree_keys(reader: pypdf.PdfReader) -> list[int]:
    nums = reader.trailer["/Root"]["/StructTreeRoot"]["/ParentTree"]["/Nums"]
    return [int(nums[i]) for i in range(0, len(nums), 2)]


def test_a_large_dossier_rendered_in_parts_equals_the_one_process_rendering(large, settings):
    dossier, merged_path, single_path = large
    merged, single = pypdf.PdfReader(merged_path), pypdf.PdfReader(single_path)

    assert len(merged.pages) == len(single.pages) == dossier.page_count >= 150
    merged_texts, single_texts = page_texts(merged_path), page_texts(single_path)
    assert len(merged_texts) == dossier.page_count
    differing = [
        i + 1 for i, (a, b) in enumerate(zip(merged_texts, single_texts, strict=True)) if a != b
    ]
    assert not differing, differing  # footers "第 n 页 / 共 N 页", headers, contents included
    assert f"第 {dossier.page_count} 页 / 共 {dossier.page_count} 页" in merged_texts[-1]

    # The contents' page numbers are the pages its links land on, and the anchors' real pages.
    links = internal_links(merged)
    assert links == internal_links(single)
    contents = [(name, target) for page, name, target in links if page == 1]
    targets = [target + 1 for _name, target in dict.fromkeys(contents)]
    printed = [int(n) for n in re.findall(r"\.\s*(\d+)\s*$", merged_texts[1], re.MULTILINE)]
    assert printed == targets and len(targets) > 20
    assert {
        name: merged.get_destination_page_number(d) for name, d in merged.named_destinations.items()
    } == {
        name: single.get_destination_page_number(d) for name, d in single.named_destinations.items()
    }

    assert outline(merged) == outline(single) and len(outline(merged)) > 5

    # PDF/UA: the same structure tree, one parent-tree key per page and link annotation.
    assert structure(merged) == structure(single)
    keys = parent_tree_keys(merged)
    assert keys == sorted(set(keys))
    page_keys = [int(page["/StructParents"]) for page in merged.pages]
    annotations = [a.get_object() for page in merged.pages for a in page.get("/Annots") or []]
    annotation_keys = [int(a["/StructParent"]) for a in annotations if a["/Subtype"] == "/Link"]
    assert sorted(page_keys + annotation_keys) == keys
    assert merged.trailer["/Root"]["/MarkInfo"]["/Marked"]
    # The title a viewer shows (DisplayDocTitle): text, not the bilingual markup.
    assert merged.metadata.title == single.metadata.title
    assert merged.metadata.title.startswith("生成式人工智能服务备案材料 / Generative AI")

    # Every part embeds its own font subsets, each under a name of its own.
    fonts = subprocess.run(
        ["pdffonts", str(merged_path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    names = [line.split()[0] for line in fonts]
    assert len(names) > 5 and len(set(names)) == len(names), names

    # One signature over the whole merged file: poppler, and pyHanko through our verification.
    report = subprocess.run(
        ["pdfsig", str(merged_path)], capture_output=True, text=True, check=False
    ).stdout
    assert report.count("Signature #") == 1
    assert "Signature is Valid." in report and "Total document signed" in report
    with merged_path.open("rb") as handle:
        verdict = verify_file(handle, merged_path.stat().st_size)
    assert verdict.outcome == CURRENT, verdict.reasons


def small_dossier_html(service, editor, reviewer, *, final: bool, edition: str) -> str:
    """The HTML of a small dossier (three domains), final or a draft preview: cut into parts
    just as a large one when the threshold is lowered."""
    from assessments.models import Assessment
    from assessments.services import refresh_assessment
    from tests import factories

    questionnaire = factories.make_questionnaire(6, domains=3)
    assessment = Assessment.objects.create(
        service=service, questionnaire=questionnaire, created_by=editor
    )
    factories.fill_required(assessment, editor)
    refresh_assessment(assessment)
    if final:
        assessment = approve(assessment, editor, reviewer)
    dossier, _created = dossier_request(assessment=assessment, user=editor, edition=edition)
    dossier = Dossier.objects.select_related("assessment__service__provider").get(pk=dossier.pk)
    snapshot = dossier.draft_snapshot or dossier.assessment.snapshot
    manifest = package.build_manifest(
        number=dossier.number, snapshot=snapshot, snapshot_sha256=dossier.snapshot_sha256
    )
    context = build_context(
        dossier=dossier,
        assessment=dossier.assessment,
        snapshot=snapshot,
        manifest=manifest.data,
        manifest_sha256=manifest.sha256,
    )
    return render_dossier_html(context, edition=edition)


@pytest.fixture
def small_html(service, editor, reviewer):
    return small_dossier_html(service, editor, reviewer, final=True, edition="zh")


def test_a_draft_preview_in_english_in_parts_equals_the_one_process_rendering(
    service, editor, reviewer, settings, caplog, tmp_path
):
    """The draft watermark on every page and the English footer ("Page n of N") in every part."""
    from dossiers import parallel

    html = small_dossier_html(service, editor, reviewer, final=False, edition="en")
    settings.RENDER_PROCESSES = 2
    settings.DOSSIER_PARALLEL_MIN_PAGES = 1
    caplog.set_level(logging.DEBUG, logger="dossiers.parallel")
    (tmp_path / "split.pdf").write_bytes(parallel.render_pdf(html).data)
    assert len([r for r in caplog.records if r.getMessage().startswith("dossier part ")]) == 3
    one = html_to_pdf(html)
    (tmp_path / "one.pdf").write_bytes(one.data)
    split_texts = page_texts(tmp_path / "split.pdf")
    assert split_texts == page_texts(tmp_path / "one.pdf")
    assert all("DRAFT" in text for text in split_texts)
    assert f"Page {one.pages} of {one.pages}" in split_texts[-1]


def test_parts_need_numbers_they_lack_so_the_dossier_is_rendered_in_one_process(
    small_html, settings, caplog, monkeypatch, tmp_path
):
    """A part with more PDF objects than its range of numbers: the merge would be corrupt, so
    the dossier is rendered in one process, with the same pages."""
    from dossiers import parallel

    settings.RENDER_PROCESSES = 2
    settings.DOSSIER_PARALLEL_MIN_PAGES = 1
    caplog.set_level(logging.DEBUG, logger="dossiers.parallel")
    split = parallel.render_pdf(small_html)
    assert [r for r in caplog.records if r.getMessage().startswith("dossier part ")]
    monkeypatch.setattr(parallel, "_OBJECTS_PER_PAGE", 1)
    monkeypatch.setattr(parallel, "_OBJECTS_PER_PART", 1)
    caplog.clear()
    fallback = parallel.render_pdf(small_html)
    assert "more PDF objects than the part has numbers for" in caplog.text
    one = html_to_pdf(small_html)
    texts = []
    for name, rendered in (("split", split), ("fallback", fallback), ("one", one)):
        (tmp_path / f"{name}.pdf").write_bytes(rendered.data)
        texts.append(page_texts(tmp_path / f"{name}.pdf"))
    assert texts[0] == texts[1] == texts[2] and len(texts[0]) == one.pages
