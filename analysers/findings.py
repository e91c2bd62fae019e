"""Collecting errors and warnings with their location, capped per kind of message.

A 200 000-line list with a bad column would otherwise produce 200 000 stored messages; the
first few per code show the pattern, the rest are counted in `AnalyserResult.suppressed`.
"""

from __future__ import annotations

from .report import AnalyserResult, Message

MAX_MESSAGES_PER_CODE = 50


def location(
    *, sheet: str | None = None, row: int | None = None, file: str | None = None
) -> tuple[str, str]:
    """The ("第 17 行：", "row 17: ") prefixes for a message."""
    zh_parts: list[str] = []
    en_parts: list[str] = []
    if file:
        zh_parts.append(file)
        en_parts.append(file)
    if sheet:
        zh_parts.append(f"工作表“{sheet}”")
        en_parts.append(f"sheet {sheet}")
    if row is not None:
        zh_parts.append(f"第 {row} 行")
        en_parts.append(f"row {row}")
    if not zh_parts:
        return "", ""
    return "，".join(zh_parts) + "：", ", ".join(en_parts) + ": "


class Findings:
    """Appends located, capped messages to a result."""

    def __init__(self, result: AnalyserResult) -> None:
        self.result = result
        self._counts: dict[str, int] = {}

    def _add(
        self,
        target: list[Message],
        code: str,
        zh: str,
        en: str,
        *,
        sheet: str | None = None,
        row: int | None = None,
        file: str | None = None,
    ) -> None:
        seen = self._counts.get(code, 0) + 1
        self._counts[code] = seen
        if seen > MAX_MESSAGES_PER_CODE:
            self.result.suppressed[code] = self.result.suppressed.get(code, 0) + 1
            return
        prefix_zh, prefix_en = location(sheet=sheet, row=row, file=file)
        target.append(Message(code, prefix_zh + zh, prefix_en + en, sheet, row, file))

    def error(self, code: str, zh: str, en: str, **where: object) -> None:
        self._add(self.result.errors, code, zh, en, **where)  # type: ignore[arg-type]

    def warning(self, code: str, zh: str, en: str, **where: object) -> None:
        self._add(self.result.warnings, code, zh, en, **where)  # type: ignore[arg-type]

    def count(self, code: str) -> int:
        """How many messages with this code were raised (stored or suppressed)."""
        return self._counts.get(code, 0)


class RowRefs:
    """(sheet, row) packed into one int, for the per-entry tables of duplicate detection.

    Ints rather than tuples: ~100 bytes less per entry, and nothing for the garbage
    collector to walk. With tuples, every collection re-scanned the whole table and a
    200 000-row workbook took superlinear time.
    """

    def __init__(self) -> None:
        self._sheets: list[str | None] = []
        self._index: dict[str | None, int] = {}

    def pack(self, sheet: str | None, row: int) -> int:
        index = self._index.setdefault(sheet, len(self._sheets))
        if index == len(self._sheets):
            self._sheets.append(sheet)
        return index << 32 | row

    def unpack(self, ref: int) -> tuple[str | None, int]:
        index, row = divmod(ref, 1 << 32)
        return self._sheets[index], row

    @staticmethod
    def describe(place: tuple[str | None, int], current_sheet: str | None) -> tuple[str, str]:
        """("第 17 行" / "row 17"), naming the sheet only when it differs from the current one."""
        sheet, row = place
        if sheet and sheet != current_sheet:
            return f"工作表“{sheet}”第 {row} 行", f"sheet {sheet}, row {row}"
        return f"第 {row} 行", f"row {row}"
