"""Builders for the files the analyser tests feed in; every file is made in the test."""

from __future__ import annotations

import csv
import io
import json
import struct
import zipfile
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from PIL import Image, PngImagePlugin

OUR_USCC = "91440300708461136T"
OUR_CODE = "001191440300708461136T1XGW3"
OTHER_CODE = "001191350100M000100Y4300000"  # USCC 91350100M000100Y43, another company
BAD_CHECK_CODE = "001191440300708461136A1XGW3"  # check character T changed to A
TC260_NS = "http://www.tc260.org.cn/ns/AIGC/1.0/"


def csv_bytes(rows: Iterable[Sequence[object]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(sheets: dict[str, Iterable[Sequence[object]]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- label payloads -----------------------------------------------------------------------


def label_fields(**overrides: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "Label": "1",
        "ContentProducer": OUR_CODE,
        "ProduceID": "IMG-20261120-0001",
        "ReservedCode1": "",
        "ContentPropagator": "",
        "PropagateID": "",
        "ReservedCode2": "",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def payload(*, wrapped: bool = True, **overrides: object) -> str:
    fields = label_fields(**overrides)
    return json.dumps({"AIGC": fields} if wrapped else fields, separators=(",", ":"))


def xmp_packet(value: str, *, namespace: str = TC260_NS, as_element: bool = False) -> bytes:
    escaped = value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    if as_element:
        body = f'<rdf:Description rdf:about=""><TC260:AIGC>{escaped}</TC260:AIGC></rdf:Description>'
    else:
        body = f'<rdf:Description rdf:about="" TC260:AIGC="{escaped}"/>'
    return (
        '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        f'xmlns:TC260="{namespace}">{body}</rdf:RDF></x:xmpmeta>'
        '<?xpacket end="w"?>'
    ).encode()


# --- containers ---------------------------------------------------------------------------


def png(*, itxt: str | None = None, text: str | None = None, xmp: bytes | None = None) -> bytes:
    info = PngImagePlugin.PngInfo()
    if itxt is not None:
        info.add_itxt("AIGC", itxt)
    if text is not None:
        info.add_text("AIGC", text)
    if xmp is not None:
        info.add_itxt("XML:com.adobe.xmp", xmp.decode())
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def jpeg(xmp: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    kwargs = {"xmp": xmp} if xmp is not None else {}
    Image.new("RGB", (8, 8), "white").save(buffer, "JPEG", **kwargs)
    return buffer.getvalue()


def webp(xmp: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    kwargs = {"xmp": xmp} if xmp is not None else {}
    Image.new("RGB", (8, 8), "white").save(buffer, "WEBP", **kwargs)
    return buffer.getvalue()


def mp3(tmp_path, *, txxx: dict[str, str]) -> bytes:
    from mutagen.id3 import ID3, TXXX

    path = tmp_path / "sample.mp3"
    # One silent MPEG-1 layer III frame header after the tag is enough to look like MP3.
    path.write_bytes(b"\xff\xfb\x90\x00" + b"\x00" * 413)
    tags = ID3()
    for desc, value in txxx.items():
        tags.add(TXXX(encoding=3, desc=desc, text=[value]))
    tags.save(str(path))
    return path.read_bytes()


def riff_chunk(fourcc: bytes, data: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) % 2 else b"")


def wav(*chunks: tuple[bytes, bytes], info: dict[bytes, bytes] | None = None) -> bytes:
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    body = riff_chunk(b"fmt ", fmt) + riff_chunk(b"data", b"\x00\x00" * 16)
    for fourcc, data in chunks:
        body += riff_chunk(fourcc, data)
    if info:
        body += riff_chunk(b"LIST", b"INFO" + b"".join(riff_chunk(k, v) for k, v in info.items()))
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WAVE" + body


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload) + 8) + kind + payload


def _meta_box(metadata: dict[str, str]) -> bytes:
    hdlr = box(b"hdlr", b"\x00" * 8 + b"mdta" + b"\x00" * 13)
    keys = box(
        b"keys",
        b"\x00\x00\x00\x00"
        + struct.pack(">I", len(metadata))
        + b"".join(box(b"mdta", k.encode()) for k in metadata),
    )
    items = b"".join(
        box(struct.pack(">I", i), box(b"data", struct.pack(">II", 1, 0) + v.encode()))
        for i, v in enumerate(metadata.values(), start=1)
    )
    return box(b"meta", b"\x00\x00\x00\x00" + hdlr + keys + box(b"ilst", items))


def mp4(udta: dict[str, str] | None = None, *, moov: dict[str, str] | None = None) -> bytes:
    """ftyp + moov(mvhd, udta(meta(hdlr mdta, keys, ilst))) + mdat, as ffmpeg
    -movflags use_metadata_tags writes it; `moov` puts a meta box directly under moov."""
    ftyp = box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41")
    children = [box(b"mvhd", b"\x00" * 100)]
    if udta is not None:
        children.append(box(b"udta", _meta_box(udta)))
    if moov is not None:
        children.append(_meta_box(moov))
    return ftyp + box(b"moov", b"".join(children)) + box(b"mdat", b"\x00" * 64)


def office(kind: str = "docx", properties: dict[str, str] | None = None) -> bytes:
    main = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr(main[kind], '<?xml version="1.0"?><document/>')
        if properties is not None:
            props = "".join(
                f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{i}" '
                f'name="{name}"><vt:lpwstr>{value.replace("&", "&amp;").replace("<", "&lt;")}'
                "</vt:lpwstr></property>"
                for i, (name, value) in enumerate(properties.items(), start=2)
            )
            archive.writestr(
                "docProps/custom.xml",
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
                'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
                f'2006/docPropsVTypes">{props}</Properties>',
            )
    return buffer.getvalue()


def pdf(info: dict[str, str] | None = None) -> bytes:
    """A one-page PDF with a correct xref; `info` becomes the Info dictionary."""

    def literal(text: str) -> str:
        return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"

    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    if info is not None:
        entries = " ".join(f"/{k} {literal(v)}" for k, v in info.items())
        objects.append(f"<< {entries} >>".encode("latin-1"))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    trailer = f"<< /Size {len(objects) + 1} /Root 1 0 R"
    trailer += " /Info 4 0 R >>" if info is not None else " >>"
    out += f"trailer\n{trailer}\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()
