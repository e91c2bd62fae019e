"""The review page's cards, built from the submission snapshot (never from live answers)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from assessments.models import Answer, Evidence, NonConformity
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
class FieldDiff:
    """One field of an answer before and after, with the differing characters marked."""

    label: str
    old: str  # safe HTML: the previous text, removed parts in <del>
    new: str  # safe HTML: the current text, added parts in <ins>


@dataclass
class Comparison:
    """A changed answer beside the previous version's answer and the verdict it got then."""

    fields: list[FieldDiff]
    review: AnswerReview | None  # the previous version's verdict and comment
    files_removed: list[str]
    files_added: list[str]


# Past these sizes the middle of two texts (what lies between their common start and end) is
# compared by sentences, then as a whole: the matcher's time grows with the product of lengths.
CHARACTER_DIFF_LIMIT = 2000
SENTENCE_DIFF_LIMIT = 250_000  # sentences before × sentences after
_SENTENCE = re.compile(r"[^。！？；.!?;\n]*[。！？；.!?;\n]?")


def _common_ends(old: str, new: str) -> tuple[int, int]:
    """Lengths of the common start and of the common end (not overlapping the start)."""
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end = 0
    while end < limit - start and old[-1 - end] == new[-1 - end]:
        end += 1
    return start, end


def _middle_opcodes(old: str, new: str) -> list[tuple[str, str, str]]:
    """(op, removed, added) over the two middles."""
    if len(old) + len(new) <= CHARACTER_DIFF_LIMIT:
        a, b = list(old), list(new)
    else:
        a = [part for part in _SENTENCE.findall(old) if part]
        b = [part for part in _SENTENCE.findall(new) if part]
        if len(a) * len(b) > SENTENCE_DIFF_LIMIT:
            return [("replace", old, new)]
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    ops = [
        (op, "".join(a[i1:i2]), "".join(b[j1:j2])) for op, i1, i2, j1, j2 in matcher.get_opcodes()
    ]
    return _merge_short_matches(ops)


def _merge_short_matches(ops: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """A character or two that happens to match between two changes (a 件 or a 的) splits one
    rewritten phrase into confetti; it is folded into the change around it."""
    merged: list[tuple[str, str, str]] = []
    for index, (op, removed, added) in enumerate(ops):
        inside = 0 < index < len(ops) - 1
        if (
            op == "equal"
            and inside
            and ops[index - 1][0] != "equal"
            and ops[index + 1][0] != "equal"
            and len(removed) <= 2
        ):
            op = "replace"
        if op != "equal" and merged and merged[-1][0] != "equal":
            _op, old_removed, old_added = merged.pop()
            removed, added = old_removed + removed, old_added + added
            op = "replace"
        merged.append((op, removed, added))
    return merged


def text_diff(old: str, new: str) -> tuple[str, str]:
    """The two texts as safe HTML, what was removed marked in the first, what was added in the
    second. Characters, not words: Chinese has no spaces, and answers change in a phrase or a
    sentence, which a character diff shows exactly; long changes are compared by sentences."""
    start, end = _common_ends(old, new)
    before, after = [escape(old[:start])], [escape(new[:start])]
    for op, removed, added in _middle_opcodes(
        old[start : len(old) - end], new[start : len(new) - end]
    ):
        if op == "equal":
            before.append(escape(removed))
            after.append(escape(added))
            continue
        if removed:
            before.append(f"<del>{escape(removed)}</del>")
        if added:
            after.append(f"<ins>{escape(added)}</ins>")
    before.append(escape(old[len(old) - end :]))
    after.append(escape(new[len(new) - end :]))
    return mark_safe("".join(before)), mark_safe("".join(after))  # every part escaped above


def detail_value(name: str, value) -> str:
    """A clause detail as people read it: the gap handling by its label, never its code."""
    if not value:
        return ""
    if name == "nonconformity" and value in NonConformity.values:
        return str(NonConformity(value).label)
    return str(value)


def compare(
    question: QuestionItem,
    old_entry: dict | None,
    new_entry: dict | None,
    old_files: list[dict],
    new_files: list[dict],
    review: AnswerReview | None,
) -> Comparison:
    """What changed in one answer between two snapshots, field by field."""
    labels = detail_labels()
    old_answer, new_answer = snapshot_answer(old_entry), snapshot_answer(new_entry)
    pairs = [
        (
            str(_("Answer")),
            answer_display(question, old_answer) if old_answer else "",
            answer_display(question, new_answer) if new_answer else "",
        )
    ]
    for name in CLAUSE_DETAILS:
        pairs.append(
            (
                labels[name],
                detail_value(name, (old_entry or {}).get(name)),
                detail_value(name, (new_entry or {}).get(name)),
            )
        )
    fields = [FieldDiff(label, *text_diff(old, new)) for label, old, new in pairs if old != new]
    old_names = {f["sha256"]: f["name"] for f in old_files}
    new_names = {f["sha256"]: f["name"] for f in new_files}
    return Comparison(
        fields=fields,
        review=review,
        files_removed=[n for h, n in old_names.items() if h not in new_names],
        files_added=[n for h, n in new_names.items() if h not in old_names],
    )


def detail_labels() -> dict[str, str]:
    return {
        "na_reason": str(_("Why it does not apply")),
        "nonconformity": str(_("How the gap is handled")),
        "alternative_measure": str(_("Equivalent alternative measure")),
        "alternative_proof": str(_("Proof that it is as effective")),
        "measures_taken": str(_("Measures taken so far")),
        "remediation_plan": str(_("Remediation plan")),
    }


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
    comparison: Comparison | None = None  # set on changed answers of a resubmission


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
    previous_reviews: dict[int, AnswerReview] | None = None,
) -> list[ReviewCard]:
    """The domain's cards; on a resubmission (`previous_reviews` given: the previous version's
    verdicts), each changed answer compared with the previous version's answer."""
    snapshot = assessment.snapshot
    answers = {a["question"]: a for a in snapshot["answers"]}
    evidence: dict[str, list[dict]] = {}
    for item in snapshot["evidence"]:
        evidence.setdefault(item["question"], []).append({**item, "row": files.get(item["id"])})
    old_answers: dict[str, dict] = {}
    old_evidence: dict[str, list[dict]] = {}
    if previous_reviews is not None and assessment.previous and assessment.previous.snapshot:
        old = assessment.previous.snapshot
        old_answers = {a["question"]: a for a in old["answers"]}
        for item in old["evidence"]:
            old_evidence.setdefault(item["question"], []).append(item)
    applicable = set(snapshot.get("applicable") or ())
    cards = []
    for q in domain.questions:
        entry = answers.get(q.code)
        answer = snapshot_answer(entry)
        comparison = None
        if q.pk in changed and previous_reviews is not None:
            comparison = compare(
                q,
                old_answers.get(q.code),
                entry,
                old_evidence.get(q.code, []),
                evidence.get(q.code, []),
                previous_reviews.get(q.pk),
            )
        cards.append(
            ReviewCard(
                question=q,
                applicable=q.code in applicable,
                answered=answer is not None or bool(evidence.get(q.code)),
                display=answer_display(q, answer) if answer else "",
                details={
                    k: detail_value(k, entry.get(k))
                    for k in CLAUSE_DETAILS
                    if entry and entry.get(k)
                },
                evidence=evidence.get(q.code, []),
                review=reviews.get(q.pk),
                changed=q.pk in changed,
                comparison=comparison,
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
