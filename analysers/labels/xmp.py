"""The TC260:AIGC property of an XMP packet (JPEG APP1, PNG iTXt, WebP 'XMP ' chunk)."""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .binary import LabelReadError
from .candidates import Candidate

TC260_NS = "http://www.tc260.org.cn/ns/AIGC/1.0/"


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def xmp_candidates(packet: bytes, where: str) -> list[Candidate]:
    """AIGC properties in an XMP packet, as attribute or element, in any namespace.

    Only the TC260 namespace is the standard place; another namespace still counts as a
    label (the file must hold only one) but is flagged.
    """
    start = packet.find(b"<")
    if start < 0:
        return []
    try:
        root = fromstring(packet[start:].rstrip(b"\x00 \r\n\t"))
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise LabelReadError(
            f"{where} 的 XMP 数据不是合法的 XML。",
            f"the XMP packet in {where} is not well-formed XML.",
        ) from exc
    found: list[Candidate] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions
        for name, value in element.attrib.items():
            ns, local = _split(name)
            if local == "AIGC":
                found.append(_candidate(where, ns, value))
        ns, local = _split(element.tag)
        if local == "AIGC":
            found.append(_candidate(where, ns, _text(element)))
    return found


def _candidate(where: str, ns: str, value: str) -> Candidate:
    standard = ns == TC260_NS
    place = f"{where} XMP TC260:AIGC" if standard else f"{where} XMP {{{ns}}}AIGC"
    return Candidate(place, value.strip(), standard)


def _text(element: Element) -> str:
    # A property may be a plain value or wrapped in rdf:Alt/rdf:li.
    return "".join(element.itertext())
