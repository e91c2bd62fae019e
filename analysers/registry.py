"""The analyser kinds and one entry point with a uniform signature."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any, Protocol

from .inputs import DEFAULT_MAX_BYTES, Source
from .keywords import analyse_keyword_list
from .labels import analyse_content_labels
from .report import AnalyserResult
from .results import analyse_test_results
from .sampling import analyse_training_sampling
from .testbanks import analyse_test_bank


class Analyser(Protocol):
    def __call__(
        self,
        source: Source,
        *,
        filename: str,
        thresholds: Mapping[str, Any],
        max_bytes: int = DEFAULT_MAX_BYTES,
        expected_uscc: str | None = None,
    ) -> AnalyserResult: ...


ANALYSERS: dict[str, Analyser] = {
    "keyword_list": analyse_keyword_list,
    "test_bank_generated": partial(analyse_test_bank, "test_bank_generated"),
    "test_bank_refuse": partial(analyse_test_bank, "test_bank_refuse"),
    "test_bank_non_refuse": partial(analyse_test_bank, "test_bank_non_refuse"),
    "test_results": analyse_test_results,
    "training_sampling": analyse_training_sampling,
    "content_labels": analyse_content_labels,
}
KINDS = tuple(ANALYSERS)


def analyse(
    kind: str,
    source: Source,
    *,
    filename: str,
    thresholds: Mapping[str, Any] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    expected_uscc: str | None = None,
) -> AnalyserResult:
    """Run the analyser for `kind` on an upload.

    Raises AnalyserError when the upload cannot be analysed at all; ValueError for an
    unknown kind or a malformed threshold (programming errors, not bad input).
    """
    try:
        analyser = ANALYSERS[kind]
    except KeyError:
        raise ValueError(f"unknown analyser kind {kind!r}; expected one of {KINDS}") from None
    return analyser(
        source,
        filename=filename,
        thresholds=thresholds or {},
        max_bytes=max_bytes,
        expected_uscc=expected_uscc,
    )
