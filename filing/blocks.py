"""A narrative document as a list of blocks, written once and rendered twice.

The filing documents (application form, assessment report, algorithm-filing documents) must
exist as editable Word and as signed PDF with the same headings, tables and numbering. The
builders in `filing.documents` and `filing.algorithm` write a `Doc`; `filing.docx` turns it into
a .docx and `filing.pdf` into a PDF, so the two versions cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Title:
    text: str


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Para:
    text: str
    bold: bool = False
    center: bool = False


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] | None = None  # centimetres; None lets the renderer decide
    row_height: float | None = None  # centimetres, minimum: room to sign in signature tables

    @property
    def total_width(self) -> float:
        return sum(self.widths) if self.widths else 0.0


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Title | Heading | Para | Bullets | Table | PageBreak


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass
class Doc:
    """A document title (file properties, PDF title) and its blocks in reading order."""

    title: str
    blocks: list[Block] = field(default_factory=list)

    def heading_title(self, text: str) -> None:
        """The centred title on the first page."""
        self.blocks.append(Title(text))

    def heading(self, text: str, level: int = 1) -> None:
        self.blocks.append(Heading(text, level))

    def para(self, text: str, *, bold: bool = False, center: bool = False) -> None:
        self.blocks.append(Para(text, bold, center))

    def bullets(self, items: Iterable[str]) -> None:
        self.blocks.append(Bullets(tuple(str(i) for i in items)))

    def table(
        self,
        header: Sequence[str],
        rows: Iterable[Sequence[Any]],
        widths: Sequence[float] | None = None,
        *,
        row_height: float | None = None,
    ) -> None:
        """A grid table whose first row is a header row (repeated on every page); rows do not
        break across pages."""
        head = tuple(str(h) for h in header)
        body = tuple(tuple(_cell(v) for v in row) for row in rows)
        for row in body:
            if len(row) != len(head):
                raise ValueError(f"row of {len(row)} cells under a header of {len(head)}")
        if widths is not None and len(widths) != len(head):
            raise ValueError("one width per column")
        self.blocks.append(Table(head, body, tuple(widths) if widths else None, row_height))

    def page_break(self) -> None:
        self.blocks.append(PageBreak())

    def text(self) -> str:
        """Every word of the document, in order (tests and the secrets check read it)."""
        parts: list[str] = []
        for block in self.blocks:
            match block:
                case Title(text) | Heading(text) | Para(text):
                    parts.append(text)
                case Bullets(items):
                    parts.extend(items)
                case Table(header, rows):
                    parts.append(" ".join(header))
                    parts.extend(" ".join(row) for row in rows)
        return "\n".join(parts)
