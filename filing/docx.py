"""Word (.docx) rendering of a `filing.blocks.Doc`: the editable version of a filing document.

python-docx on its default template: real Title and Heading 1/2 styles (navigation pane,
numbering, table of contents work in Word and LibreOffice), tables with a repeating header row,
and the East Asian font set on every style (w:eastAsia), without which Word falls back to a
Latin font for Chinese.
"""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from filing.blocks import Bullets, Doc, Heading, PageBreak, Para, Table, Title
from portal.text import strip_controls

# Named East Asian fonts: the Noto CJK SC families render with simplified-Chinese glyphs in
# LibreOffice (a bare 宋体 falls back to whatever CJK font fontconfig prefers, often the JP
# variant); the font table gives Word 宋体/黑体 as alternates with the GB2312 charset, which it
# substitutes on machines without Noto.
BODY_FONT = "Noto Serif CJK SC"
HEADING_FONT = "Noto Sans CJK SC"
FONT_ALTERNATES = ((BODY_FONT, "宋体", "roman"), (HEADING_FONT, "黑体", "swiss"))
LATIN_FONT = "Times New Roman"


def _fonts(style, east_asia: str, latin: str = LATIN_FONT) -> None:
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    # Theme fonts win over named ones; drop them so the names below apply.
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def new_document(title: str) -> DocumentType:
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin = section.bottom_margin = Cm(2.5)
    styles = doc.styles
    _fonts(styles["Normal"], BODY_FONT)
    styles["Normal"].font.size = Pt(11)
    for name, size in (("Title", 20), ("Heading 1", 15), ("Heading 2", 13), ("Heading 3", 12)):
        style = styles[name]
        _fonts(style, HEADING_FONT)
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0, 0, 0)
    for name in ("Table Grid", "List Bullet"):
        _fonts(styles[name], BODY_FONT)
    _font_table(doc)
    doc.core_properties.title = title
    doc.core_properties.language = "zh-CN"
    doc.core_properties.author = ""
    return doc


def _font_table(doc: DocumentType) -> None:
    part = next(r.target_part for r in doc.part.rels.values() if r.reltype.endswith("/fontTable"))
    entries = "".join(
        f'<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>'
        f'<w:family w:val="{family}"/><w:pitch w:val="variable"/></w:font>'
        for name, alt, family in FONT_ALTERNATES
    )
    part._blob = part.blob.replace(b"</w:fonts>", entries.encode() + b"</w:fonts>")


def render(source: Doc) -> bytes:
    """The .docx file of a document. Text goes through `_t`: a control character in an answer
    would make python-docx refuse the whole file (XML 1.0 cannot hold it)."""
    doc = new_document(_t(source.title))
    for block in source.blocks:
        match block:
            case Title(text):
                doc.add_heading(_t(text), level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
            case Heading(text, level):
                doc.add_heading(_t(text), level=level)
            case Para(text, bold, center):
                p = doc.add_paragraph()
                p.add_run(_t(text)).bold = bold
                if center:
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            case Bullets(items):
                for item in items:
                    doc.add_paragraph(_t(item), style="List Bullet")
            case Table():
                _table(doc, block)
            case PageBreak():
                doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _t(text) -> str:
    return strip_controls(str(text))


def _table(doc: DocumentType, block: Table) -> None:
    t = doc.add_table(rows=1, cols=len(block.header))
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    head = t.rows[0]
    flag = OxmlElement("w:tblHeader")  # repeat the header row on every page
    flag.set(qn("w:val"), "true")
    head._tr.get_or_add_trPr().append(flag)
    for cell, text in zip(head.cells, block.header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(_t(text)).bold = True
    for row in block.rows:
        new = t.add_row()
        for cell, value in zip(new.cells, row, strict=True):
            cell.text = _t(value)
        if block.row_height:
            new.height = Cm(block.row_height)
            new.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    for row in t.rows:  # a row stays on one page (LibreOffice and Word honour cantSplit)
        flag = OxmlElement("w:cantSplit")
        flag.set(qn("w:val"), "true")
        row._tr.get_or_add_trPr().insert(0, flag)
    if block.widths:
        # LibreOffice lays out by the grid, Word by the cell widths: set both.
        t.autofit = False
        for column, width in zip(t._tbl.tblGrid.gridCol_lst, block.widths, strict=True):
            column.w = Cm(width)
        for row in t.rows:
            for cell, width in zip(row.cells, block.widths, strict=True):
                cell.width = Cm(width)
    doc.add_paragraph()
