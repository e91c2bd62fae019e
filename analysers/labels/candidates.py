"""A label found in a file: where it sat and its raw value."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    """An implicit-label value as read from a container.

    `standard` is False when the value sat somewhere the reference does not give for this
    format (it still counts toward "only one label per file").
    """

    place: str
    value: str
    standard: bool = True


@dataclass
class Extraction:
    candidates: list[Candidate]
    notes: list[tuple[str, str]]  # (zh, en) remarks about the container, e.g. unread parts

    @classmethod
    def empty(cls) -> Extraction:
        return cls([], [])
