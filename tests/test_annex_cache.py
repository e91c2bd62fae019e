"""filing/annex_cache.py: a kept annex 4/5 workbook is the one that would be written now, and a
changed upload, analyser, language or day never meets an earlier one (packages included)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import translation

from assessments.services import assessment_start
from filing import annex_cache, annexes, packages
from tests import artefacts
from tests.test_filing_packages import make_facts, stored

WRITERS = {"annex4": "05-附件4-拦截关键词列表.xlsx", "annex5": "06-附件5-评估测试题.xlsx"}


def _keywords(extra: str = "") -> bytes:
    name, data = artefacts.keyword_list()
    return data + (f"{extra},A.1 a\r\n".encode() if extra else b"")


def _facts(keywords: bytes):
    _name, bank = artefacts.test_bank("test_bank_generated")
    _name, refuse = artefacts.test_bank("test_bank_refuse")
    return make_facts(
        ["gai_filing"],
        [
            stored("CS-18", "附件4_拦截关键词列表.csv", keywords),
            stored("CS-23", "生成类.csv", bank),
            stored("CS-30", "拒答.csv", refuse),
        ],
    )


def _parts(data: bytes) -> dict[str, bytes]:
    """Every part of an XLSX; of docProps/core.xml, all but the moment the file was saved."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    parts["docProps/core.xml"] = re.sub(
        rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>", b"", parts["docProps/core.xml"]
    )
    return parts


def _values(data: bytes) -> set:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {value for sheet in workbook for row in sheet.values for value in row}


def _written_now(kind: str, facts) -> bytes:
    return getattr(annexes, f"{kind}_for")(facts).read()


@pytest.fixture
def builds(monkeypatch):
    """How many workbooks were written (rather than read from the cache), by kind."""
    counts = {kind: 0 for kind in annex_cache.KINDS}
    for kind in annex_cache.KINDS:
        real = getattr(annexes, f"build_{kind}")

        def counted(*args, kind=kind, real=real, **kwargs):
            counts[kind] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(annexes, f"build_{kind}", counted)
    return counts


@pytest.mark.parametrize("kind", annex_cache.KINDS)
def test_a_kept_workbook_is_the_one_written_now(kind, builds):
    facts = _facts(_keywords())
    first = annex_cache.workbook(kind, facts)
    kept = annex_cache.workbook(kind, facts)
    assert builds[kind] == 1
    assert kept == first
    assert _parts(kept) == _parts(_written_now(kind, facts))


def test_another_upload_analyser_language_or_day_is_another_workbook(builds, monkeypatch):
    facts = _facts(_keywords())
    original = annex_cache.workbook("annex4", facts)
    assert builds["annex4"] == 1

    replaced = _facts(_keywords(extra="新加关键词"))
    fresh = annex_cache.workbook("annex4", replaced)
    assert builds["annex4"] == 2
    assert "新加关键词" not in _values(original)
    assert "新加关键词" in _values(fresh)

    with translation.override("en"):
        annex_cache.workbook("annex4", facts)
    assert builds["annex4"] == 3

    annex_cache.code_version.cache_clear()
    monkeypatch.setattr(annex_cache, "_CODE", (*annex_cache._CODE[:-1],))  # a file less: other code
    try:
        annex_cache.workbook("annex4", facts)
    finally:
        annex_cache.code_version.cache_clear()
    assert builds["annex4"] == 4

    today = annexes.today()
    monkeypatch.setattr(annexes, "today", lambda: today + dt.timedelta(days=1))
    tomorrow = annex_cache.workbook("annex4", facts)
    assert builds["annex4"] == 5
    tomorrow_text = (today + dt.timedelta(days=1)).isoformat()  # its 生成日期
    assert tomorrow_text in _values(tomorrow) and tomorrow_text not in _values(original)
    days, _files = default_storage.listdir(annex_cache.CACHE_DIR)
    assert days == [(today + dt.timedelta(days=1)).isoformat()]  # earlier days deleted


def test_a_half_written_workbook_is_not_used(builds):
    facts = _facts(_keywords())
    path = annex_cache.path_of("annex4", facts)
    whole = _written_now("annex4", facts)
    default_storage.save(path, ContentFile(whole[: len(whole) // 2]))
    assert _parts(annex_cache.workbook("annex4", facts)) == _parts(whole)


@pytest.mark.django_db
def test_a_package_after_a_replaced_upload_holds_the_new_workbook(service, owner):
    assessment, _ = assessment_start(service=service, user=owner)
    before = _facts(_keywords())
    after = _facts(_keywords(extra="新加关键词"))
    for facts in (before, after):
        built = packages.route_package(assessment, "gai_filing", facts=facts, preview=True)
        with zipfile.ZipFile(io.BytesIO(built.data)) as zf:
            for kind, name in WRITERS.items():
                assert _parts(zf.read(f"草稿-{name}")) == _parts(_written_now(kind, facts))
