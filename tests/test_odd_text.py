"""Odd text (control characters, bidi overrides, formula-looking names) never breaks a
generator, never hides a name, and never runs as a spreadsheet formula."""

from __future__ import annotations

import io
import unicodedata

import docx as python_docx
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filing import annexes
from filing import docx as filing_docx
from filing.blocks import Bullets, Doc, Heading, Para, Table, Title
from portal.text import cell_text, strip_controls

# Text as people paste it: any characters, controls and format characters included.
odd_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",))
    | st.sampled_from("\x00\x07\x1b\u202e\ufeff\r"),
    max_size=60,
)
CONTROLS = "制度\x00文件\x07\x1b[31m\u202egnp.exe\ufeff\r\n第二行\x0b完"


def _printable(text: str) -> bool:
    return all(c in "\t\n" or unicodedata.category(c)[0] != "C" for c in text)


@given(odd_text)
def test_stripped_text_is_printable_and_keeps_every_printable_character(text):
    clean = strip_controls(text)
    assert _printable(clean)
    assert [c for c in text.replace("\r\n", "\n").replace("\r", "\n") if _printable(c)] == list(
        clean
    )


@given(odd_text)
def test_no_cell_text_can_start_a_formula(text):
    value = cell_text(text)
    assert _printable(value) and not value.startswith(("=", "+", "-", "@", "\t", "\r"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(odd_text)
def test_the_word_document_takes_any_text(text):
    source = Doc(
        title=text,
        blocks=(
            Title(text),
            Heading(text),
            Para(text),
            Bullets((text,)),
            Table(header=("项目", text), rows=((text, text),)),
        ),
    )
    document = python_docx.Document(io.BytesIO(filing_docx.render(source)))
    texts = [p.text for p in document.paragraphs if p.text]
    clean = strip_controls(text)
    if clean.strip():
        assert clean.strip() in (t.strip() for t in texts)


def _sheet_values(data: bytes) -> list:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return [
        v
        for ws in workbook.worksheets
        for row in ws.iter_rows(values_only=True)
        for v in row
        if isinstance(v, str)
    ]


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "a\x07b.csv"])
def test_every_annex_cell_written_from_user_text_is_neutralised(name):
    data = f"关键词,违规类型\r\n{name},A.1 a\r\n=cmd|calc,A.1 a\r\n".encode("utf-8-sig")
    out = io.BytesIO()
    annexes.build_annex4([annexes.Source(name, lambda: io.BytesIO(data))], out, max_bytes=10**6)
    values = _sheet_values(out.getvalue())
    assert not [v for v in values if v.startswith(("=", "+", "-", "@"))]
    assert not [v for v in values if not _printable(v)]
    assert any(
        strip_controls(name).lstrip("=+-@")[:3] in v for v in values
    )  # the name is shown, as text


def test_a_control_character_does_not_pass_for_a_missing_font():
    from dossiers.pdf import html_to_pdf

    html = f'<html lang="zh-CN"><body><p>{CONTROLS}</p></body></html>'
    rendered = html_to_pdf(html)
    assert rendered.pages == 1


def test_the_separator_list_is_every_unicode_separator_but_the_space():
    """strip_controls' shortcut sets these aside before str.isprintable(); a separator missing
    from the list would only send its text down the slow path, one too many would skip a
    control character: both caught here when Python's Unicode version changes."""
    from portal.text import SEPARATORS

    separators = {c for c in map(chr, range(0x110000)) if unicodedata.category(c)[0] == "Z"}
    assert separators - {" "} == set(SEPARATORS)


def test_long_text_with_newlines_and_controls_is_cleaned():
    text = "第一行\n" * 5000 + "\u3000a\x00b\u202e\r\nc"
    assert strip_controls(text) == "第一行\n" * 5000 + "\u3000ab\nc"
