"""The test banks and the keyword list a run uses: the files uploaded for annex 5 and annex 4
(the questions the document layout of the assessment's version names), or files given to the
command, read with the analysers' own readers so that a question's bank and risk are exactly
what the checks counted."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings

from analysers.annex5 import iter_question_rows
from analysers.keywords import iter_keyword_rows
from analysers.risks import aspect_of, resolve_risk
from library.layouts import get_layout
from modeltests.sampling import BankQuestion


@dataclass(frozen=True)
class SourceFile:
    name: str
    sha256: str
    open: Callable[[], IO[bytes]] = field(compare=False, repr=False)
    default_bank: str | None = None


def uploaded_source(upload) -> SourceFile:
    """A bank file uploaded with a run (page or API) as a source to read."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return SourceFile(upload.name[:200], digest.hexdigest(), lambda: upload.open("rb"), None)


@dataclass
class Banks:
    questions: dict[str, list[BankQuestion]] = field(default_factory=dict)
    sources: list[dict] = field(default_factory=list)  # {bank, name, sha256, questions}

    def count(self, bank: str) -> int:
        return len(self.questions.get(bank, []))


def read_banks(files: list[SourceFile]) -> Banks:
    """Every question of the files, each (bank, question text) once, keyed by the file's hash
    and row so that a re-read of the same files gives the same keys."""
    banks = Banks()
    seen: set[tuple[str, str]] = set()
    for f in files:
        counts: dict[str, int] = {}
        with f.open() as handle:
            rows = iter_question_rows(
                handle,
                filename=f.name,
                default_bank=f.default_bank,  # type: ignore[arg-type]
                max_bytes=settings.ANALYSER_MAX_BYTES,
            )
            for row in rows:
                text = row.question.strip()
                if (row.bank, text) in seen:
                    continue
                seen.add((row.bank, text))
                if row.bank == "non_refuse":
                    risk = aspect_of(row.category) or ""
                else:
                    risk = resolve_risk(row.category, row.primary).code or ""
                key = f"{f.sha256[:16]}:{row.sheet or ''}:{row.row}"
                banks.questions.setdefault(row.bank, []).append(
                    BankQuestion(key, row.bank, text, risk)
                )
                counts[row.bank] = counts.get(row.bank, 0) + 1
        for bank, n in sorted(counts.items()):
            banks.sources.append({"bank": bank, "name": f.name, "sha256": f.sha256, "questions": n})
    return banks


def read_keywords(files: list[SourceFile]) -> tuple[list[str], list[dict]]:
    keywords: list[str] = []
    sources = []
    for f in files:
        with f.open() as handle:
            found = [
                r.keyword
                for r in iter_keyword_rows(
                    handle, filename=f.name, max_bytes=settings.ANALYSER_MAX_BYTES
                )
            ]
        keywords.extend(found)
        sources.append({"name": f.name, "sha256": f.sha256, "keywords": len(found)})
    return keywords, sources


def file_source(path, default_bank: str | None = None) -> SourceFile:
    from pathlib import Path

    path = Path(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return SourceFile(path.name, digest, lambda: path.open("rb"), default_bank)


def evidence_source(evidence, default_bank: str | None = None) -> SourceFile:
    return SourceFile(
        evidence.name, evidence.sha256, lambda: evidence.file.open("rb"), default_bank
    )


def latest_assessment(service):
    return service.assessments.select_related("questionnaire").order_by("-created_at").first()


def upload_questions(layout) -> tuple[dict[str, str], set[str]]:
    """(bank question -> bank, keyword questions) of a version's annex 5 and annex 4 uploads."""
    banks = {row["q"]: row["bank"] for row in layout.rows("annexes.annex5") if "bank" in row}
    return banks, {row["q"] for row in layout.rows("annexes.annex4")}


def assessment_files(assessment) -> tuple[list[SourceFile], list[SourceFile]]:
    """(bank files, keyword files) uploaded to the assessment, each content once."""
    if assessment is None:
        return [], []
    bank_questions, keyword_questions = upload_questions(get_layout(assessment.questionnaire))
    evidence = list(
        assessment.evidence.select_related("question")
        .filter(question__code__in=[*bank_questions, *keyword_questions])
        .order_by("uploaded_at")
    )
    bank_files, keyword_files, seen = [], [], set()
    for e in evidence:
        if (e.question.code, e.sha256) in seen:
            continue
        seen.add((e.question.code, e.sha256))
        if e.question.code in keyword_questions:
            keyword_files.append(evidence_source(e))
        else:
            bank_files.append(evidence_source(e, bank_questions[e.question.code]))
    return bank_files, keyword_files


def keyword_file_opener(sources: list[dict], service) -> list[SourceFile]:
    """The keyword files a run recorded, found again by hash among the service's uploads (the
    worker re-reads them instead of storing 10 000+ keywords per run)."""
    from assessments.models import Evidence

    wanted = {s["sha256"] for s in sources}
    found = {}
    for e in Evidence.objects.filter(assessment__service=service, sha256__in=wanted):
        found.setdefault(e.sha256, evidence_source(e))
    return [found[s] for s in wanted if s in found]
