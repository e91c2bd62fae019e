"""Streaming rows out of CSV and XLSX uploads, and finding the columns by their headers.

CSV: UTF-8 (with or without BOM), GB18030 (what Excel writes on Chinese Windows) or UTF-16
with BOM (Excel's "Unicode text"); the encoding is found by a decoding pass before the real
one, so memory stays bounded. XLSX: openpyxl in read-only mode, after the ZIP-bomb checks.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, BinaryIO

from .inputs import Source, max_uncompressed_for, open_source, open_zip, read_head
from .report import AnalyserError

Cell = Any  # str | int | float | datetime | None, as the reader gives it

HEADER_SEARCH_ROWS = 10
_DECODE_CHUNK = 256 * 1024
# Excel itself caps a cell at 32 767 characters; anything beyond that is not a table.
csv.field_size_limit(1024 * 1024)


@dataclass
class Sheet:
    """One table: a worksheet, or the whole CSV file (`name` None)."""

    name: str | None
    rows: Iterator[tuple[int, Sequence[Cell]]]  # (1-based row number, cells)


@dataclass(frozen=True)
class Role:
    """A column an analyser looks for, and the header texts that name it.

    `exact` are compared after folding (NFKC, no spaces, lower case); `contains` are looked
    for inside a header when no exact match was found.
    """

    key: str
    label_zh: str
    label_en: str
    exact: tuple[str, ...]
    contains: tuple[str, ...] = ()


@dataclass
class Header:
    row: int
    columns: dict[str, int] = field(default_factory=dict)  # role key -> column index
    texts: dict[str, str] = field(default_factory=dict)  # role key -> header as written
    score: int = 0


def fold(text: Cell) -> str:
    if text is None:
        return ""
    folded = unicodedata.normalize("NFKC", str(text)).lower()
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "*:：()（）[]【】")


def cell_text(value: Cell) -> str:
    """A cell as the text a person sees (1.0 → "1", None → "")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFC", str(value)).strip()


def match_header(cells: Sequence[Cell], roles: Sequence[Role]) -> Header | None:
    """Assign columns to roles; roles listed first win a contested column.

    `Header.score` counts exact matches double, so a title row such as
    "附件4 拦截关键词列表" loses against the real header "关键词" below it.
    """
    folded = [fold(c) for c in cells]
    header = Header(row=0)
    taken: set[int] = set()
    for pass_exact in (True, False):
        for role in roles:
            if role.key in header.columns:
                continue
            for index, text in enumerate(folded):
                if index in taken or not text:
                    continue
                hit = (
                    text in role.exact
                    if pass_exact
                    else any(token in text for token in role.contains)
                )
                if hit:
                    header.columns[role.key] = index
                    header.texts[role.key] = cell_text(cells[index])
                    header.score += 2 if pass_exact else 1
                    taken.add(index)
                    break
    return header if header.columns else None


def find_header(
    sheet: Sheet, roles: Sequence[Role], required: Sequence[str]
) -> tuple[Header | None, Iterator[tuple[int, Sequence[Cell]]]]:
    """Look for the header in the first rows (files often start with a title row).

    Returns the best-scoring row holding all `required` roles and the rows after it; when
    no row qualifies, None and all rows from the start.
    """
    seen: list[tuple[int, Sequence[Cell]]] = []
    best: tuple[int, Header] | None = None
    for number, cells in sheet.rows:
        seen.append((number, cells))
        header = match_header(cells, roles)
        if header and all(key in header.columns for key in required):
            header.row = number
            if best is None or header.score > best[1].score:
                best = (len(seen), header)
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    if best is None:
        return None, _chain(seen, sheet.rows)
    position, header = best
    return header, _chain(seen[position:], sheet.rows)


def _chain(
    first: list[tuple[int, Sequence[Cell]]], rest: Iterator[tuple[int, Sequence[Cell]]]
) -> Iterator[tuple[int, Sequence[Cell]]]:
    yield from first
    yield from rest


def missing_columns_error(roles: Iterable[Role], required: Sequence[str]) -> AnalyserError:
    wanted = [r for r in roles if r.key in required]
    zh = "；".join(f"{r.label_zh}（如 {'、'.join(r.exact[:4])}）" for r in wanted)
    en = "; ".join(f"{r.label_en} (e.g. {', '.join(r.exact[:4])})" for r in wanted)
    return AnalyserError(
        "missing_columns",
        f"在前 {HEADER_SEARCH_ROWS} 行中找不到所需的列标题：{zh}。",
        f"No header row with the expected columns was found in the first "
        f"{HEADER_SEARCH_ROWS} rows. Expected: {en}.",
    )


def get(cells: Sequence[Cell], header: Header, key: str) -> Cell:
    index = header.columns.get(key)
    if index is None or index >= len(cells):
        return None
    return cells[index]


# --- opening ------------------------------------------------------------------------------


def open_tables(stream: BinaryIO, *, filename: str, max_bytes: int) -> Iterator[Sheet]:
    """The sheets of an XLSX or the single table of a CSV; rejects anything else."""
    head = read_head(stream, 8)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        yield from _xlsx_sheets(stream, max_bytes=max_bytes)
        return
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise AnalyserError(
            "old_excel",
            "这是旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV 后再上传。",
            "This is an old Excel (.xls) file; save it as .xlsx or CSV and upload again.",
        )
    if head.startswith(b"%PDF") or head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8"):
        raise _not_a_table(filename)
    yield Sheet(None, _csv_rows(stream, filename=filename))


def _not_a_table(filename: str) -> AnalyserError:
    return AnalyserError(
        "not_a_table",
        f"{filename} 不是表格文件：请上传 .xlsx 或 .csv。",
        f"{filename} is not a table: upload an .xlsx or .csv file.",
    )


def _xlsx_sheets(stream: BinaryIO, *, max_bytes: int) -> Iterator[Sheet]:
    import openpyxl  # imported here: the cost is paid only by XLSX uploads

    archive = open_zip(
        stream,
        max_uncompressed=max_uncompressed_for(max_bytes),
        what_zh="工作簿",
        what_en="workbook",
    )
    names = set(archive.namelist())
    archive.close()
    if "xl/workbook.xml" not in names:
        raise AnalyserError(
            "not_xlsx",
            "该 ZIP 文件不是 Excel 工作簿（.xlsx）。",
            "This ZIP file is not an Excel workbook (.xlsx).",
        )
    stream.seek(0)
    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    # openpyxl surfaces damaged workbooks as whatever its XML and ZIP layers raise
    # (KeyError, ValueError, TypeError, zipfile and parser errors); to the user they all
    # mean the same thing.
    except Exception as exc:
        raise _bad_workbook() from exc
    try:
        for worksheet in workbook.worksheets:
            yield Sheet(worksheet.title, _xlsx_rows(worksheet))
    finally:
        workbook.close()


def _bad_workbook() -> AnalyserError:
    return AnalyserError(
        "bad_xlsx",
        "工作簿已损坏或格式不受支持，无法读取。",
        "The workbook is damaged or in an unsupported format and cannot be read.",
    )


def _xlsx_rows(worksheet: Any) -> Iterator[tuple[int, Sequence[Cell]]]:
    try:
        yield from enumerate(worksheet.iter_rows(values_only=True), start=1)
    except Exception as exc:  # see _xlsx_sheets
        raise _bad_workbook() from exc


def detect_encoding(stream: BinaryIO) -> str:
    """The text encoding of a whole file, found by decoding it once in chunks."""
    head = read_head(stream, 4)
    if head.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        stream.seek(0)
        try:
            while chunk := stream.read(_DECODE_CHUNK):
                if "\x00" in decoder.decode(chunk):
                    raise _binary_file()
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        stream.seek(0)
        return encoding
    raise AnalyserError(
        "bad_encoding",
        "无法识别文件编码：请以 UTF-8 或 GB18030（Excel 默认的“CSV”）保存。",
        "The text encoding is not recognised: save the file as UTF-8 or GB18030 "
        "(Excel's default CSV on Chinese Windows).",
    )


def _binary_file() -> AnalyserError:
    return AnalyserError(
        "binary_file",
        "文件包含二进制数据，不是 CSV 文本文件。",
        "The file contains binary data; it is not a CSV text file.",
    )


def _csv_rows(stream: BinaryIO, *, filename: str) -> Iterator[tuple[int, Sequence[Cell]]]:
    encoding = detect_encoding(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        sample = text.read(64 * 1024)
        text.seek(0)
        delimiter = _delimiter(sample)
        reader = csv.reader(text, delimiter=delimiter)
        start = 1
        try:
            for cells in reader:
                yield start, cells
                start = reader.line_num + 1
        except csv.Error as exc:
            raise AnalyserError(
                "bad_csv",
                f"第 {reader.line_num} 行：CSV 格式错误（{exc}）。",
                f"row {reader.line_num}: malformed CSV ({exc}).",
            ) from exc
    finally:
        # Leave the caller's stream open: the wrapper would close it on garbage collection.
        text.detach()


def _delimiter(sample: str) -> str:
    first_lines = sample.splitlines()[:5]
    best, best_count = ",", 0
    for candidate in (",", "\t", ";", "|"):
        counts = [line.count(candidate) for line in first_lines if line]
        if counts and min(counts) > best_count:
            best, best_count = candidate, min(counts)
    return best


@contextmanager
def tables(source: Source, *, filename: str, max_bytes: int) -> Iterator[Iterator[Sheet]]:
    """Open an upload and yield its sheets lazily (see `open_tables`)."""
    with open_source(source, max_bytes=max_bytes) as stream:
        sheets = open_tables(stream, filename=filename, max_bytes=max_bytes)
        try:
            yield sheets
        finally:
            sheets.close()


def is_blank(cells: Sequence[Cell]) -> bool:
    return all(cell_text(c) == "" for c in cells)


_DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def parse_date(value: Cell) -> date | None:
    """A date from an XLSX date cell or text such as 2026-11-20, 2026/11/20, 2026年11月20日."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    m = _DATE_RE.search(text) or (
        re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text) if text.isdigit() else None
    )
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def parse_count(value: Cell) -> int | None:
    """A non-negative whole number from a cell ("4,000", "4000 条", 4000.0)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value >= 0 else None
    text = cell_text(value).replace(",", "").replace("，", "")
    m = re.fullmatch(r"\s*(\d+)(?:\.0+)?\s*(?:条|个|项|items?)?\s*", text)
    return int(m.group(1)) if m else None
