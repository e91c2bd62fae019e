"""filing/word_cache.py: a kept Word file is the one that would be written now, and changed
blocks, code or day never meet an earlier one (the package's own Word files included)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from filing import annex_cache, annexes, docx, word_cache
from filing.blocks import Doc
from tests.test_annex_cache import _parts


def _doc(**changes) -> Doc:
    doc = Doc(changes.get("title", "安全评估报告"))
    doc.heading_title("生成式人工智能服务安全评估报告")
    doc.heading("1 评估对象与范围")
    doc.para(changes.get("para", "报告日期：2026-12-06"), center=True)
    doc.page_break()
    doc.heading("2 评估方法", 2)
    doc.table(("项目", "内容"), [("服务名称", changes.get("cell", "示例写作助手"))], widths=(4, 12))
    doc.bullets(["一", "二"])
    return doc


def _text(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read("word/document.xml")


@pytest.fixture
def writes(monkeypatch):
    """How many Word files were written (rather than read from the store)."""
    count = [0]
    real = docx.render

    def counted(doc):
        count[0] += 1
        return real(doc)

    monkeypatch.setattr(docx, "render", counted)
    return count


def test_a_kept_word_file_is_the_one_written_now(writes):
    doc = _doc()
    first = word_cache.word(doc)
    kept = word_cache.word(_doc())  # the same blocks, built again
    assert writes[0] == 1
    assert kept == first
    assert _parts(kept) == _parts(docx.render(doc))


@pytest.mark.parametrize(
    "change", [{"title": "另一标题"}, {"para": "报告日期：2026-12-07"}, {"cell": "另一服务"}]
)
def test_other_blocks_are_another_word_file(writes, change):
    original = word_cache.word(_doc())
    changed = word_cache.word(_doc(**change))
    assert writes[0] == 2
    assert _parts(changed) == _parts(docx.render(_doc(**change))) != _parts(original)


def test_a_page_break_more_is_another_word_file(writes):
    doc = _doc()
    word_cache.word(doc)
    doc.page_break()
    word_cache.word(doc)
    assert writes[0] == 2


def test_other_code_or_another_day_is_another_word_file(writes, monkeypatch):
    doc = _doc()
    word_cache.word(doc)
    word_cache.code_version.cache_clear()
    monkeypatch.setattr(word_cache, "_CODE", word_cache._CODE[:-1])  # a file less: other code
    try:
        word_cache.word(doc)
    finally:
        word_cache.code_version.cache_clear()
    assert writes[0] == 2

    today = annexes.today()
    monkeypatch.setattr(annexes, "today", lambda: today + dt.timedelta(days=1))
    word_cache.word(doc)
    assert writes[0] == 3
    days, _files = default_storage.listdir(annex_cache.CACHE_DIR)
    assert days == [(today + dt.timedelta(days=1)).isoformat()]  # earlier days deleted


def test_a_half_written_word_file_is_not_used(writes):
    doc = _doc()
    whole = docx.render(doc)
    default_storage.save(word_cache.path_of(doc), ContentFile(whole[: len(whole) // 2]))
    assert _text(word_cache.word(doc)) == _text(whole)
    assert writes[0] == 2


@pytest.mark.django_db
def test_a_package_reads_its_kept_files_itself_and_renders_only_the_pdfs(
    service, owner, monkeypatch
):
    """The day's second build of a package reads the kept Word files and workbooks in the
    build's process (filing.packages._Builder.kept_or_later): only the PDFs are handed to
    render processes, and every Word file and workbook is the same file as in the first."""
    from assessments.services import assessment_start
    from filing import packages
    from portal import forking
    from tests.test_annex_cache import _facts, _keywords

    assessment, _ = assessment_start(service=service, user=owner)
    facts = _facts(_keywords())
    handed = []
    real = forking.run_all

    def run_all(calls, **kwargs):
        handed.append(len(calls))
        return real(calls, **kwargs)

    monkeypatch.setattr(forking, "run_all", run_all)
    files = []
    for _build in range(2):
        built = packages.route_package(assessment, "gai_filing", facts=facts, preview=True)
        with zipfile.ZipFile(io.BytesIO(built.data)) as zf:
            files.append({n: zf.read(n) for n in zf.namelist() if n.endswith((".docx", ".xlsx"))})
    # Three documents (form, report, the annotation rules' "not involved" page), each as
    # Word and PDF, and two workbooks; then the three PDFs only.
    assert handed == [8, 3]
    assert len(files[0]) == 5 and files[1] == files[0]
