"""DOCX/XLSX/PPTX: the custom property AIGC in docProps/custom.xml (vt:lpwstr value)."""

from __future__ import annotations

import zipfile
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ..inputs import ZIP_READ_ERRORS
from .binary import MAX_METADATA_BYTES, LabelReadError
from .candidates import Candidate, Extraction

CUSTOM_XML = "docProps/custom.xml"
OFFICE_PARTS = {
    "word/document.xml": "docx",
    "xl/workbook.xml": "xlsx",
    "ppt/presentation.xml": "pptx",
}


def office_kind(names: set[str]) -> str | None:
    if "[Content_Types].xml" not in names:
        return None
    return next((kind for part, kind in OFFICE_PARTS.items() if part in names), None)


def extract(archive: zipfile.ZipFile) -> Extraction:
    """Read custom.xml from an archive already checked by `inputs.open_zip`."""
    result = Extraction.empty()
    try:
        info = archive.getinfo(CUSTOM_XML)
    except KeyError:
        return result
    if info.file_size > MAX_METADATA_BYTES:
        raise LabelReadError("custom.xml 过大。", "docProps/custom.xml is too large.")
    try:
        root = fromstring(archive.read(info))
    except (ParseError, DefusedXmlException, *ZIP_READ_ERRORS) as exc:
        raise LabelReadError(
            "docProps/custom.xml 无法读取或不是合法的 XML。",
            "docProps/custom.xml cannot be read or is not well-formed XML.",
        ) from exc
    for prop in root:
        if not isinstance(prop.tag, str) or not prop.tag.endswith("property"):
            continue
        name = prop.get("name", "")
        if name.strip().upper() != "AIGC":
            continue
        value = "".join(prop.itertext()).strip()
        standard = name == "AIGC" and any(
            isinstance(child.tag, str) and child.tag.endswith("}lpwstr") for child in prop
        )
        result.candidates.append(Candidate(f"Office custom.xml property {name}", value, standard))
    return result
