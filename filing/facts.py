"""The facts the pre-filing checks and the filing documents read, gathered once per request.

`FilingFacts` is plain data: checks are pure functions of it and tests build it by hand. A
submitted assessment is read from its frozen snapshot (the same source the review and the
dossier use); a draft from its live answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.files.storage import default_storage

from assessments.scores import snapshot_score
from assessments.services import load_state
from library.catalogue import Catalogue, get_catalogue
from library.layouts import EMPTY, Layout, get_layout
from library.routes import filing_routes

# Narrative fields of an answer (clause details included) that the text checks read.
TEXT_FIELDS = (
    "note",
    "na_reason",
    "alternative_measure",
    "alternative_proof",
    "measures_taken",
    "remediation_plan",
)
# Evidence read as text for the secrets check: small plain-text files only.
TEXT_TYPES = ("text/plain", "text/csv", "text/markdown", "application/json")
TEXT_MAX_BYTES = 512 * 1024
# The fields of the algorithm's public disclosure text (拟公示内容, filing-practice §4.4).
DISCLOSURE_FIELDS = (
    "algorithm_name",
    "principle",
    "mechanism",
    "scenarios",
    "purpose",
    "publicity",
)


@dataclass(frozen=True)
class AnswerFact:
    code: str
    value: Any
    note: str = ""
    na_reason: str = ""
    nonconformity: str = ""
    alternative_measure: str = ""
    alternative_proof: str = ""
    measures_taken: str = ""
    remediation_plan: str = ""
    remediation_due: str | None = None

    @property
    def answered(self) -> bool:
        return self.value not in (None, "", [])

    def texts(self) -> Iterator[tuple[str, str]]:
        """(field, text) of every narrative part, the text answer itself included."""
        if isinstance(self.value, str) and self.value not in ("conform", "not_conform", "na"):
            yield "value", self.value
        for name in TEXT_FIELDS:
            text = getattr(self, name)
            if text:
                yield name, text


@dataclass(frozen=True)
class EvidenceFact:
    id: str
    question: str
    name: str
    content_type: str = ""
    size: int = 0
    sha256: str = ""
    note: str = ""
    kind: str = ""  # analyser kind, "" when the question has none
    status: str = ""  # "", pending, done, failed
    passed: bool | None = None
    result: Mapping[str, Any] | None = None
    error: str = ""

    @property
    def figures(self) -> Mapping[str, Any]:
        return (self.result or {}).get("figures") or {}

    @property
    def checks(self) -> list[Mapping[str, Any]]:
        return list((self.result or {}).get("checks") or [])

    def error_codes(self) -> set[str]:
        return {m.get("code", "") for m in (self.result or {}).get("errors") or []}


@dataclass(frozen=True)
class TextSample:
    """The text of a small plain-text evidence file."""

    evidence_id: str
    question: str
    name: str
    text: str


@dataclass(frozen=True)
class FilingFacts:
    provider: Mapping[str, Any]
    service: Mapping[str, Any]
    answers: Mapping[str, AnswerFact] = field(default_factory=dict)
    applicable: frozenset[str] = frozenset()
    evidence: tuple[EvidenceFact, ...] = ()
    routes: tuple[str, ...] = ()
    # Scope questions that must be answered before the route is decided (route undetermined).
    route_missing: tuple[str, ...] = ()
    # Question code -> kind and domain, for the clause table and the links.
    kinds: Mapping[str, str] = field(default_factory=dict)
    domains: Mapping[str, str] = field(default_factory=dict)
    texts: tuple[TextSample, ...] = ()
    submitted_on: dt.date | None = None
    today: dt.date = field(default_factory=dt.date.today)
    # The assessment's identity and self-assessed score, for the documents.
    assessment: Mapping[str, Any] = field(default_factory=dict)
    self_score: Mapping[str, Any] | None = None
    # The 拟公示内容 (DISCLOSURE_FIELDS), None while only the draft exists. The service holds the
    # text; a submitted version reads the text frozen into its snapshot (`_disclosure`).
    disclosure: Mapping[str, str] | None = None
    # Which questions the documents and checks read (the document layout of the version).
    layout: Layout = EMPTY

    @property
    def profile(self) -> Mapping[str, Any]:
        return self.service.get("profile") or {}

    def answer(self, code: str | None) -> AnswerFact | None:
        """The answer to an applicable question, if it is answered."""
        answer = self.answers.get(code)
        if answer is None or code not in self.applicable or not answer.answered:
            return None
        return answer

    def value(self, code: str | None) -> Any:
        answer = self.answer(code)
        return None if answer is None else answer.value

    def role(self, role: str) -> str | None:
        """The code of the question that plays `role` in this version's layout, or None."""
        return self.layout.code(role)

    def value_of(self, role: str) -> Any:
        """The answer to the question that plays `role`, None when unanswered or absent."""
        return self.value(self.layout.code(role))

    def files(self, *codes: str) -> list[EvidenceFact]:
        return [e for e in self.evidence if e.question in codes]

    def analysed(self, *kinds: str) -> list[EvidenceFact]:
        return [e for e in self.evidence if e.kind in kinds and e.status == "done" and e.result]

    def narrative(self) -> Iterator[tuple[str, str, str]]:
        """(question code, field, text) of every narrative text, evidence notes included."""
        for code, answer in self.answers.items():
            if code in self.applicable:
                for name, text in answer.texts():
                    yield code, name, text
        for e in self.evidence:
            if e.note:
                yield e.question, "evidence_note", e.note


# --- building -------------------------------------------------------------------------------


def facts_for(assessment, *, today: dt.date | None = None, state=None) -> FilingFacts:
    """The facts of an assessment: its snapshot once submitted, its live state as a draft.

    Queries: none for a submitted assessment (beyond the catalogue, cached per process); two
    for a draft (answers; evidence with analyses). `assessment` should come with
    service__provider, service__disclosure and questionnaire selected (without
    service__disclosure the disclosure costs one query more). A draft's `state`, when the caller
    has just loaded it (assessments.services.load_state), saves its two queries.
    """
    catalogue = get_catalogue(assessment.questionnaire)
    if assessment.snapshot:
        facts = _from_snapshot(assessment.snapshot, catalogue)
    else:
        facts = _from_state(assessment, catalogue, state)
    routes = filing_routes(
        assessment.questionnaire,
        profile=facts["service"].get("profile") or {},
        answers={c: a.value for c, a in facts["answers"].items()},
    )
    facts["texts"] = tuple(_read_texts(facts["evidence"]))
    return FilingFacts(
        routes=tuple(r.code for r in routes),
        route_missing=tuple(c for r in routes for c in r.missing),
        kinds={q.code: q.kind for q in catalogue.questions},
        domains={q.code: q.domain for q in catalogue.questions},
        today=today or dt.date.today(),
        disclosure=_disclosure(assessment),
        layout=get_layout(assessment.questionnaire),
        assessment={
            "id": str(assessment.public_id),
            "version": assessment.version,
            "status": assessment.status,
            "questionnaire": f"{catalogue.code} v{catalogue.version}",
        },
        **facts,
    )


def _from_snapshot(snapshot: Mapping[str, Any], catalogue: Catalogue) -> dict[str, Any]:
    answers = {}
    for entry in snapshot["answers"]:
        if "value" not in entry:
            continue
        answers[entry["question"]] = AnswerFact(
            code=entry["question"],
            value=entry.get("value"),
            note=entry.get("note") or "",
            **{name: entry.get(name) or "" for name in TEXT_FIELDS[1:]},
            nonconformity=entry.get("nonconformity") or "",
            remediation_due=entry.get("remediation_due"),
        )
    evidence = tuple(
        EvidenceFact(
            id=e["id"],
            question=e["question"],
            name=e["name"],
            content_type=e.get("content_type", ""),
            size=e.get("size", 0),
            sha256=e.get("sha256", ""),
            note=e.get("note") or "",
            **_analysis_fields(e.get("analysis")),
        )
        for e in snapshot["evidence"]
    )
    submitted = (snapshot.get("assessment") or {}).get("submitted_at")
    return {
        "provider": dict(snapshot.get("provider") or {}),
        "service": dict(snapshot.get("service") or {}),
        "answers": answers,
        "applicable": frozenset(snapshot.get("applicable") or ()),
        "evidence": evidence,
        "submitted_on": dt.datetime.fromisoformat(submitted).date() if submitted else None,
        "self_score": snapshot_score(dict(snapshot), catalogue),
    }


def _analysis_fields(analysis: Mapping[str, Any] | None) -> dict[str, Any]:
    if not analysis:
        return {}
    return {
        "kind": analysis.get("kind", ""),
        "status": analysis.get("status", ""),
        "passed": analysis.get("passed"),
        "result": analysis.get("result"),
        "error": analysis.get("error") or "",
    }


def _from_state(assessment, catalogue: Catalogue, state=None) -> dict[str, Any]:
    state = state or load_state(assessment)
    answers = {
        code: AnswerFact(
            code=code,
            value=a.value,
            note=a.note,
            na_reason=a.na_reason,
            nonconformity=a.nonconformity,
            alternative_measure=a.alternative_measure,
            alternative_proof=a.alternative_proof,
            measures_taken=a.measures_taken,
            remediation_plan=a.remediation_plan,
            remediation_due=a.remediation_due.isoformat() if a.remediation_due else None,
        )
        for code, a in state.answers.items()
    }
    evidence = []
    for code, items in state.evidence.items():
        for e in items:
            analysis = getattr(e, "analysis", None)
            fields = {}
            if analysis is not None:
                fields = {
                    "kind": analysis.kind,
                    "status": analysis.status,
                    "passed": analysis.passed,
                    "result": analysis.result,
                    "error": analysis.error_en,
                }
            evidence.append(
                EvidenceFact(
                    id=str(e.public_id),
                    question=code,
                    name=e.name,
                    content_type=e.content_type,
                    size=e.size,
                    sha256=e.sha256,
                    note=e.note,
                    **fields,
                )
            )
    service, provider = assessment.service, assessment.service.provider
    return {
        "provider": provider_facts(provider),
        "service": {
            "name": service.name,
            "description": service.description,
            "profile": service.profile(),
            "foundation_model_name": service.foundation_model_name,
            "foundation_model_filing_number": service.foundation_model_filing_number,
            "algorithm_filing_number": service.algorithm_filing_number,
            "gai_filing_number": service.gai_filing_number,
            "provider_code": service.effective_provider_code(),
        },
        "answers": answers,
        "applicable": frozenset(state.applicable),
        "evidence": tuple(evidence),
        "submitted_on": None,
        "self_score": assessment.self_score,
    }


def _disclosure(assessment) -> dict[str, str] | None:
    """A submitted version's frozen 拟公示内容, else the service's saved one. Snapshots taken
    before the text was frozen (or before any text was saved) read the live text."""
    frozen = (assessment.snapshot or {}).get("disclosure")
    if frozen is not None:
        return {name: frozen.get(name) or "" for name in DISCLOSURE_FIELDS}
    return saved_disclosure(assessment.service)


def saved_disclosure(service) -> dict[str, str] | None:
    """The service's saved disclosure text, or None. Read through the reverse one-to-one
    accessor, which uses the row select_related put on the service (a missing one is cached as
    None too), so a page that selected it runs no query here."""
    try:
        saved = service.disclosure
    except ObjectDoesNotExist:
        return None
    return {name: getattr(saved, name) for name in DISCLOSURE_FIELDS}


def provider_facts(provider) -> dict[str, Any]:
    return {
        "name_zh": provider.name_zh,
        "name_en": provider.name_en,
        "credit_code": provider.credit_code,
        "address": provider.address,
        "legal_representative": provider.legal_representative,
        "security_lead": provider.security_lead,
        "legality_lead": provider.legality_lead,
        "pi_officer": provider.pi_officer,
        "contact_name": provider.contact_name,
        "contact_phone": provider.contact_phone,
        "contact_email": provider.contact_email,
    }


def evidence_path(sha256: str) -> str:
    """Evidence is content-addressed (assessments.models.evidence_path)."""
    return f"evidence/{sha256[:2]}/{sha256}"


def _read_texts(evidence: tuple[EvidenceFact, ...]) -> Iterator[TextSample]:
    for e in evidence:
        if not e.sha256 or e.size > TEXT_MAX_BYTES:
            continue
        if not (e.content_type in TEXT_TYPES or e.name.lower().endswith((".txt", ".md"))):
            continue
        try:
            with default_storage.open(evidence_path(e.sha256), "rb") as handle:
                raw = handle.read(TEXT_MAX_BYTES)
        except OSError:
            continue  # a missing file is the package's concern, not the text checks'
        yield TextSample(e.id, e.question, e.name, _decode(raw))


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")
