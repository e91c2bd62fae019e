"""The review page's cards, built from the submission snapshot (never from live answers)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from assessments.models import Answer, Evidence
from assessments.presenters import answer_display
from library.catalogue import Catalogue, DomainItem, QuestionItem
from reviews.models import AnswerReview

CLAUSE_DETAILS = (
    "na_reason",
    "nonconformity",
    "alternative_measure",
    "alternative_proof",
    "measures_taken",
    "remediation_plan",
)


@dataclass
class ReviewCard:
    question: QuestionItem
    applicable: bool
    answered: bool
    display: str
    details: dict
    evidence: list[dict] = field(default_factory=list)
    review: AnswerReview | None = None
    changed: bool = False


def snapshot_answer(entry: dict | None) -> Answer | None:
    if not entry or entry.get("value") is None:
        return None
    due = entry.get("remediation_due")
    return Answer(
        value=entry.get("value"),
        note=entry.get("note", ""),
        remediation_due=dt.date.fromisoformat(due) if due else None,
        **{name: entry.get(name, "") for name in CLAUSE_DETAILS},
    )


def review_cards(
    assessment,
    catalogue: Catalogue,
    domain: DomainItem,
    reviews: dict[int, AnswerReview],
    files: dict[str, Evidence],
    changed: set[int],
) -> list[ReviewCard]:
    snapshot = assessment.snapshot
    answers = {a["question"]: a for a in snapshot["answers"]}
    evidence: dict[str, list[dict]] = {}
    for item in snapshot["evidence"]:
        evidence.setdefault(item["question"], []).append({**item, "row": files.get(item["id"])})
    applicable = set(snapshot.get("applicable") or ())
    cards = []
    for q in domain.questions:
        entry = answers.get(q.code)
        answer = snapshot_answer(entry)
        cards.append(
            ReviewCard(
                question=q,
                applicable=q.code in applicable,
                answered=answer is not None or bool(evidence.get(q.code)),
                display=answer_display(q, answer) if answer else "",
                details={k: entry.get(k) for k in CLAUSE_DETAILS if entry and entry.get(k)},
                evidence=evidence.get(q.code, []),
                review=reviews.get(q.pk),
                changed=q.pk in changed,
            )
        )
    return cards


@dataclass
class DomainProgress:
    """One line of the review page's domain list."""

    domain: DomainItem
    reviewed: int  # answers with a verdict
    total: int  # applicable answered questions: what needs a verdict
    changed: int  # answers changed since the previous version
    open_comments: int  # verdicts other than accepted, i.e. comments the provider must address

    @property
    def done(self) -> bool:
        return self.total > 0 and self.reviewed >= self.total


def domain_progress(
    assessment, catalogue: Catalogue, reviews: dict[int, AnswerReview], changed: set[int]
) -> list[DomainProgress]:
    snapshot = assessment.snapshot
    applicable = set(snapshot.get("applicable") or ())
    answered = {a["question"] for a in snapshot["answers"]}  # as unreviewed_questions() counts
    answered |= {e["question"] for e in snapshot["evidence"]}
    rows = []
    for domain in catalogue.domains:
        due = [q for q in domain.questions if q.code in applicable and q.code in answered]
        rows.append(
            DomainProgress(
                domain=domain,
                reviewed=sum(1 for q in due if q.pk in reviews),
                total=len(due),
                changed=sum(1 for q in domain.questions if q.pk in changed),
                open_comments=sum(
                    1
                    for q in domain.questions
                    if q.pk in reviews and reviews[q.pk].verdict != "accepted"
                ),
            )
        )
    return rows
