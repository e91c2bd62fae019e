"""The review loop: claim or assign, verdicts per answer, request changes, approve or reject.

Each status change is one function here (or in assessments.services for submit and revise);
views, admin actions and commands call these. Reviewers never review a provider they belong to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from assessments.models import Assessment, Status
from assessments.scores import score_inputs, snapshot_inputs
from assessments.scoring import ReviewVerdict, ScoreResult
from assessments.transitions import change_status
from audit.models import Action
from audit.services import record
from filing.checks import CheckResult, run_checks
from filing.facts import FilingFacts, facts_for
from filing.models import PackageRoute
from filing.packages import blocks_route, routes_of
from library.catalogue import QuestionItem, get_catalogue
from notifications.services import notify
from providers.models import Membership
from reviews.access import CONFLICT_OF_INTEREST
from reviews.models import AnswerReview, Verdict

REVIEWABLE = (Status.SUBMITTED, Status.IN_REVIEW)


def has_conflict(user: User, assessment: Assessment) -> bool:
    return Membership.objects.filter(user=user, provider_id=assessment.service.provider_id).exists()


def ensure_reviewer(user: User, assessment: Assessment) -> None:
    if not user.is_reviewer:
        raise PermissionDenied(_("Only reviewers review assessments."))
    if has_conflict(user, assessment):
        raise PermissionDenied(CONFLICT_OF_INTEREST)


def _lock(assessment: Assessment) -> Assessment:
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("service__provider", "questionnaire", "previous")
        .get(pk=assessment.pk)
    )


def _ensure_assignee(assessment: Assessment, reviewer: User) -> None:
    ensure_reviewer(reviewer, assessment)
    if assessment.status != Status.IN_REVIEW:
        raise ValidationError(_("This assessment is not in review."), code="not_in_review")
    if assessment.assigned_to_id != reviewer.pk:
        raise PermissionDenied(_("Only the assigned reviewer can do this; claim it first."))


@transaction.atomic
def assessment_claim(*, assessment: Assessment, reviewer: User) -> Assessment:
    assessment = _lock(assessment)
    ensure_reviewer(reviewer, assessment)
    if assessment.status == Status.IN_REVIEW and assessment.assigned_to_id not in (
        None,
        reviewer.pk,
    ):
        raise ValidationError(_("Another reviewer has claimed it already."), code="claimed")
    assessment.assigned_to = reviewer
    if assessment.status == Status.SUBMITTED:
        change_status(assessment, Status.IN_REVIEW, actor=reviewer, fields=("assigned_to",))
    else:
        assessment.save(update_fields=["assigned_to", "updated_at"])
    record(
        Action.ASSESSMENT_ASSIGNED,
        actor=reviewer,
        obj=assessment,
        after={"reviewer": reviewer.email},
    )
    return assessment


@transaction.atomic
def assessment_assign(
    *, assessment: Assessment, reviewer: User, by: User, due_date: date | None = None
) -> Assessment:
    """An administrator gives the assessment to a reviewer (and optionally a due date)."""
    if not by.is_staff:
        raise PermissionDenied(_("Only administrators assign reviews."))
    assessment = _lock(assessment)
    ensure_reviewer(reviewer, assessment)
    if assessment.status not in REVIEWABLE:
        raise ValidationError(_("Only submitted assessments can be assigned."), code="state")
    assessment.assigned_to = reviewer
    fields = ["assigned_to"]
    if due_date is not None:
        assessment.due_date = due_date
        fields.append("due_date")
    if assessment.status == Status.SUBMITTED:
        change_status(assessment, Status.IN_REVIEW, actor=by, fields=tuple(fields))
    else:
        assessment.save(update_fields=[*fields, "updated_at"])
    record(
        Action.ASSESSMENT_ASSIGNED,
        actor=by,
        obj=assessment,
        after={"reviewer": reviewer.email, "due_date": assessment.due_date},
    )
    notify("assigned", assessment=assessment, actor=by)
    return assessment


def reviewed_score(assessment: Assessment, reviews=None) -> ScoreResult:
    """The score with the reviewer's verdicts applied to the submitted answers. `reviews`: the
    assessment's AnswerReview rows when the caller has them (else read here)."""
    catalogue = get_catalogue(assessment.questionnaire)
    if reviews is None:
        reviews = assessment.answer_reviews.all()
    verdicts = [
        ReviewVerdict(catalogue.by_pk[r.question_id].code, r.verdict)
        for r in reviews
        if r.question_id in catalogue.by_pk
    ]
    # Scored per domain, with the parts of unchanged domains kept (assessments.scores).
    return score_inputs(catalogue, snapshot_inputs(assessment.snapshot, catalogue), verdicts)


def _store_reviewed_score(assessment: Assessment) -> ScoreResult:
    score = reviewed_score(assessment)
    assessment.reviewed_score = score.to_json()
    assessment.save(update_fields=["reviewed_score", "updated_at"])
    return score


@transaction.atomic
def verdict_set(
    *,
    assessment: Assessment,
    question: QuestionItem,
    verdict: str,
    comment: str,
    reviewer: User,
) -> tuple[AnswerReview, ScoreResult]:
    assessment = _lock(assessment)
    _ensure_assignee(assessment, reviewer)
    if verdict not in Verdict.values:
        raise ValidationError(_("Choose a verdict."), code="verdict")
    comment = comment.strip()
    if verdict != Verdict.ACCEPTED and not comment:
        raise ValidationError(
            _("Say what needs to change: a comment is required unless you accept."),
            code="comment",
        )
    before = (
        AnswerReview.objects.filter(assessment=assessment, question_id=question.pk)
        .values("verdict", "comment")
        .first()
    )
    review, created = AnswerReview.objects.select_for_update().get_or_create(
        assessment=assessment,
        question_id=question.pk,
        defaults={"verdict": verdict, "comment": comment, "reviewer": reviewer},
    )
    if not created and (review.verdict, review.comment) != (verdict, comment):
        review.verdict, review.comment, review.reviewer = verdict, comment, reviewer
        review.carried_over = False
        review.confirmed_by, review.confirmed_at = None, None  # a new verdict needs new eyes
        review.save()
    score = _store_reviewed_score(assessment)
    # Last: the audit chain's lock is held from here to the commit and every audited write of
    # the portal waits for it, so the score (all answers, every verdict) is computed before.
    record(
        Action.REVIEW_VERDICT,
        actor=reviewer,
        obj=assessment,
        summary=question.code,
        before=before,
        after={"verdict": verdict, "comment": comment},
    )
    return review, score


@transaction.atomic
def domain_accept(*, assessment: Assessment, domain: str, reviewer: User) -> int:
    """Accept every answer of a domain that has no verdict yet, except red lines (each of them
    needs a verdict of its own); returns how many. Each accepted answer is one audit event, as
    if the reviewer had set it alone, so the trail reads the same either way."""
    assessment = _lock(assessment)
    _ensure_assignee(assessment, reviewer)
    catalogue = get_catalogue(assessment.questionnaire)
    applicable = set(assessment.snapshot.get("applicable") or ())
    done = set(assessment.answer_reviews.values_list("question_id", flat=True))
    questions = [
        q
        for q in catalogue.questions
        if q.domain == domain and q.code in applicable and q.pk not in done and not q.red_line
    ]
    AnswerReview.objects.bulk_create(
        AnswerReview(
            assessment=assessment, question_id=q.pk, verdict=Verdict.ACCEPTED, reviewer=reviewer
        )
        for q in questions
    )
    _store_reviewed_score(assessment)
    # Last (see verdict_set).
    for q in questions:
        record(
            Action.REVIEW_VERDICT,
            actor=reviewer,
            obj=assessment,
            summary=q.code,
            before=None,
            after={"verdict": Verdict.ACCEPTED, "comment": ""},
        )
    return len(questions)


@transaction.atomic
def verdict_confirm(*, review: AnswerReview, reviewer: User) -> AnswerReview:
    """Four-eyes review: a second reviewer confirms a verdict on a red line."""
    review = (
        AnswerReview.objects.select_for_update()
        .select_related("assessment__service")
        .get(pk=review.pk)
    )
    ensure_reviewer(reviewer, review.assessment)
    if review.reviewer_id == reviewer.pk:
        raise PermissionDenied(_("A second reviewer must confirm, not the first."))
    review.confirmed_by, review.confirmed_at = reviewer, timezone.now()
    review.save(update_fields=["confirmed_by", "confirmed_at", "updated_at"])
    return review


def unreviewed_questions(assessment: Assessment, reviews=None) -> list[QuestionItem]:
    """Applicable answered questions without a verdict yet."""
    catalogue = get_catalogue(assessment.questionnaire)
    applicable = set(assessment.snapshot.get("applicable") or ())
    answered = {a["question"] for a in assessment.snapshot["answers"]}
    answered |= {e["question"] for e in assessment.snapshot["evidence"]}
    if reviews is None:
        done = set(assessment.answer_reviews.values_list("question_id", flat=True))
    else:
        done = {r.question_id for r in reviews}
    return [
        q
        for q in catalogue.questions
        if q.code in applicable and q.code in answered and q.pk not in done
    ]


def unconfirmed_red_lines(assessment: Assessment, reviews=None) -> list[QuestionItem]:
    if not settings.REVIEW_FOUR_EYES:
        return []
    catalogue = get_catalogue(assessment.questionnaire)
    if reviews is None:
        reviews = assessment.answer_reviews.filter(confirmed_by__isnull=True)
    return [
        catalogue.by_pk[r.question_id]
        for r in reviews
        if r.confirmed_by_id is None and catalogue.by_pk[r.question_id].red_line
    ]


def approval_blockers(assessment: Assessment, reviews=None) -> list[str]:
    """Why the assessment cannot be approved yet, in words; empty when it can. `reviews`: the
    assessment's AnswerReview rows when the caller has them (read once here otherwise)."""
    if reviews is None:
        reviews = list(assessment.answer_reviews.all())
    reasons = []
    missing = unreviewed_questions(assessment, reviews)
    if missing:
        reasons.append(_("%(n)d answers have no verdict yet.") % {"n": len(missing)})
    score = reviewed_score(assessment, reviews)
    if score.failed_red_lines:
        reasons.append(
            _("Red lines fail in the reviewed score: %(codes)s")
            % {"codes": ", ".join(score.failed_red_lines)}
        )
    if score.pending_red_lines:
        reasons.append(
            _("Red lines still need revision: %(codes)s")
            % {"codes": ", ".join(score.pending_red_lines)}
        )
    unconfirmed = unconfirmed_red_lines(assessment, reviews)
    if unconfirmed:
        reasons.append(
            _("A second reviewer must confirm the verdicts on: %(codes)s")
            % {"codes": ", ".join(q.code for q in unconfirmed)}
        )
    return reasons


@dataclass(frozen=True)
class RouteBlocks:
    """A filing route and the pre-filing checks that hold back its package."""

    code: str
    title: str
    blocks: tuple[CheckResult, ...]


def route_blocks(assessment: Assessment, facts: FilingFacts | None = None) -> list[RouteBlocks]:
    """Per applicable route, the blocking pre-filing checks of the submitted version: what the
    provider will be told to fix after an approval. No query for a submitted assessment that
    comes with service__provider, service__disclosure and questionnaire (or with its `facts`)."""
    facts = facts or facts_for(assessment)
    blocks = run_checks(facts).blocks
    return [
        RouteBlocks(
            code=code,
            title=str(PackageRoute(code).label),
            blocks=tuple(r for r in blocks if blocks_route(r, code)),
        )
        for code in routes_of(facts)
    ]


def blocking_checks(routes: list[RouteBlocks]) -> list[CheckResult]:
    """The distinct blocking checks over all routes, in their first route's order."""
    seen: dict[str, CheckResult] = {}
    for route in routes:
        for result in route.blocks:
            seen.setdefault(result.code, result)
    return list(seen.values())


def _decide(
    assessment: Assessment,
    reviewer: User,
    text: str,
    status: str,
    empty: str,
    *,
    acknowledge_blocks: bool = False,
):
    """The three decisions share their shape: a text is required, then the status moves.

    An approval despite blocking pre-filing checks must be confirmed (`acknowledge_blocks`);
    the checks confirmed are recorded with the status change, so it is on the record that the
    reviewer knew what the provider still has to fix before filing."""
    assessment = _lock(assessment)
    _ensure_assignee(assessment, reviewer)
    if not text.strip():
        raise ValidationError(empty, code="text")
    recorded = None
    if status == Status.APPROVED:
        blockers = approval_blockers(assessment)
        if blockers:
            raise ValidationError(blockers, code="blocked")
        checks = blocking_checks(route_blocks(assessment))
        if checks and not acknowledge_blocks:
            raise ValidationError(
                _(
                    "%(n)d pre-filing checks block filing. Confirm that you approve knowing "
                    "the provider must fix them before filing."
                )
                % {"n": len(checks)},
                code="unacknowledged_blocks",
            )
        if checks:
            recorded = {"blocking_checks_acknowledged": [r.code for r in checks]}
    assessment.review_summary = text.strip()
    assessment.decided_by, assessment.decided_at = reviewer, timezone.now()
    change_status(
        assessment,
        status,
        actor=reviewer,
        fields=("review_summary", "decided_by", "decided_at"),
        recorded=recorded,
    )
    return assessment


@transaction.atomic
def request_changes(*, assessment: Assessment, reviewer: User, summary: str) -> Assessment:
    return _decide(
        assessment,
        reviewer,
        summary,
        Status.CHANGES_REQUESTED,
        _("Summarise what the provider must change."),
    )


@transaction.atomic
def approve(
    *, assessment: Assessment, reviewer: User, opinion: str, acknowledge_blocks: bool = False
) -> Assessment:
    return _decide(
        assessment,
        reviewer,
        opinion,
        Status.APPROVED,
        _("Write the review opinion that goes into the dossier."),
        acknowledge_blocks=acknowledge_blocks,
    )


@transaction.atomic
def reject(*, assessment: Assessment, reviewer: User, opinion: str) -> Assessment:
    return _decide(
        assessment, reviewer, opinion, Status.REJECTED, _("Say why the assessment is rejected.")
    )


def changed_questions(assessment: Assessment) -> set[int]:
    """Questions whose answer or evidence differs from the previous version's submission."""
    previous = assessment.previous
    if previous is None or not previous.snapshot or not assessment.snapshot:
        return set()
    catalogue = get_catalogue(assessment.questionnaire)

    def fingerprint(snapshot):
        prints: dict[str, list] = {}
        for a in snapshot["answers"]:
            entry = {k: v for k, v in a.items() if k not in ("revision",)}
            prints.setdefault(a["question"], []).append(sorted(entry.items()))
        for e in snapshot["evidence"]:
            prints.setdefault(e["question"], []).append(e["sha256"])
        return {code: sorted(map(str, items)) for code, items in prints.items()}

    before, after = fingerprint(previous.snapshot), fingerprint(assessment.snapshot)
    codes = {c for c in set(before) | set(after) if before.get(c) != after.get(c)}
    return {catalogue.by_code[c].pk for c in codes if c in catalogue.by_code}


def carry_over_verdicts(assessment: Assessment) -> int:
    """On resubmission, keep the previous version's verdicts on unchanged answers."""
    previous = assessment.previous
    changed = changed_questions(assessment)
    # After a move to a newer questionnaire version the previous round's questions are other
    # rows: follow them by code (a question that changed has no unchanged answer to carry).
    same_version = previous.questionnaire_id == assessment.questionnaire_id
    before = None if same_version else get_catalogue(previous.questionnaire)
    now = get_catalogue(assessment.questionnaire)

    def question_id(old_id: int) -> int | None:
        if same_version:
            return old_id
        old = before.by_pk.get(old_id)
        new = now.by_code.get(old.code) if old is not None else None
        return new.pk if new is not None else None

    rows = [
        AnswerReview(
            assessment=assessment,
            question_id=question_id(r.question_id),
            verdict=r.verdict,
            comment=r.comment,
            reviewer=r.reviewer,
            carried_over=True,
            confirmed_by=r.confirmed_by,
            confirmed_at=r.confirmed_at,
        )
        for r in previous.answer_reviews.all()
        if question_id(r.question_id) is not None and question_id(r.question_id) not in changed
    ]
    AnswerReview.objects.bulk_create(rows)
    return len(rows)


def return_to_reviewer(assessment: Assessment) -> None:
    """On resubmission, the reviewer of the previous round has it back at once, in review,
    without claiming it again, if still eligible (still a reviewer, still active, not since a
    provider member). Apart from carry_over_verdicts, which a submission runs before its audit
    event (it compares both snapshots), this after it: its own events follow the submission's."""
    reviewer = assessment.previous.assigned_to
    if (
        reviewer is not None
        and not assessment.assigned_to_id
        and reviewer.is_active
        and reviewer.is_reviewer
        and not has_conflict(reviewer, assessment)
    ):
        assessment.assigned_to = reviewer
        change_status(assessment, Status.IN_REVIEW, actor=None, fields=("assigned_to",))
        record(Action.ASSESSMENT_ASSIGNED, obj=assessment, after={"reviewer": reviewer.email})


def release_conflicting_claims(membership: Membership) -> int:
    """A reviewer who joins a provider cannot go on reviewing it: the claims they hold on its
    open assessments are given up (back to the queue, unassigned); returns how many."""
    open_claims = Assessment.objects.select_for_update().filter(
        service__provider_id=membership.provider_id,
        assigned_to_id=membership.user_id,
        status__in=REVIEWABLE,
    )
    count = 0
    for assessment in open_claims:
        assessment.assigned_to = None
        if assessment.status == Status.IN_REVIEW:
            change_status(assessment, Status.SUBMITTED, actor=None, fields=("assigned_to",))
        else:
            assessment.save(update_fields=["assigned_to", "updated_at"])
        record(
            Action.ASSESSMENT_ASSIGNED,
            obj=assessment,
            before={"reviewer": membership.user.email},
            after={"reviewer": None},
        )
        count += 1
    return count


def provider_comments(assessment: Assessment) -> dict[int, AnswerReview]:
    """The reviewer's comments a provider sees on its answers after changes were requested."""
    source = assessment if assessment.status == Status.CHANGES_REQUESTED else assessment.previous
    if source is None or source.status not in (Status.CHANGES_REQUESTED, Status.SUPERSEDED):
        return {}
    return {r.question_id: r for r in source.answer_reviews.exclude(verdict=Verdict.ACCEPTED)}
