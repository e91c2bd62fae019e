"""Writes on assessments: start, answer, attach evidence, submit, revise.

Views, admin actions, commands and tasks call these. Derived figures (progress, self-assessed
score) are recomputed here, explicitly, whenever answers or evidence change; models have no
save() side effects.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, NamedTuple

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from assessments import filetypes, storage
from assessments.analysis import reanalyse_after_answer_change, request_analysis
from assessments.forms import AnswerForm, clause_gaps_of
from assessments.models import (
    Analysis,
    Answer,
    Assessment,
    ClauseResult,
    Evidence,
    NonConformity,
    Status,
    is_answered,
)
from assessments.scores import answer_inputs, inputs_digest, score_inputs
from assessments.transitions import change_status, status_changed
from audit.models import Action
from audit.services import record
from library import scope
from library.catalogue import Catalogue, QuestionItem, get_catalogue
from library.models import QuestionKind, Questionnaire
from portal.compiled import Compiled
from portal.text import strip_controls
from providers.models import AIService

DEFAULT_QUESTIONNAIRE = "gai-security-self-assessment"
# Sets, built once: `Choices.values` builds a new list on every call (once per clause answer).
CLAUSE_VALUES = frozenset(ClauseResult.values)
CLAUSE_WITHOUT_NA = frozenset(v for v in ClauseResult.values if v != ClauseResult.NA)
NONCONFORMITY_VALUES = frozenset(NonConformity.values)
SNAPSHOT_FORMAT = 1


class NotEditable(PermissionDenied):
    pass


class OtherVersion(NotEditable):
    """The save was meant for another questionnaire version than the assessment's now: the
    pages say so like any refusal, the API with a code of its own (the client re-reads).
    `version`: the version the locked row uses, which the API returns (the view's own read of
    the row may predate the move)."""

    def __init__(self, message: str, *, version: int):
        super().__init__(message)
        self.version = version


@dataclass
class Conflict(Exception):
    """Someone else saved this answer since the editor loaded it."""

    answer: Answer


@dataclass
class SubmissionIncomplete(Exception):
    missing: list[tuple[QuestionItem, str]]


def latest_questionnaire(code: str = DEFAULT_QUESTIONNAIRE) -> Questionnaire:
    found = _LATEST_QUESTIONNAIRE(code=code)
    questionnaire = found[0] if found else None
    if questionnaire is None:
        raise Questionnaire.DoesNotExist(
            _("No questionnaire is loaded yet: run manage.py load_questionnaires.")
        )
    return questionnaire


# Every assessment page asks whether a newer version exists; compiled once (portal.compiled).
_LATEST_QUESTIONNAIRE = Compiled(
    lambda code: Questionnaire.objects.filter(code=code).order_by("-version")[:1], code=str
)


@transaction.atomic
def assessment_start(*, service: AIService, user: User) -> tuple[Assessment, bool]:
    """The open assessment of the service, or a new draft on the latest questionnaire. An open
    one on an earlier version is returned, not doubled by a second draft: its page offers the
    move to the newer version (assessments.upgrade), which keeps its answers."""
    questionnaire = latest_questionnaire()
    # Lock the service row so two clicks cannot both create a draft.
    AIService.objects.select_for_update().filter(pk=service.pk).first()
    existing = Assessment.objects.open().filter(service=service)
    if (found := existing.order_by("-questionnaire__version", "-version").first()) is not None:
        return found, False
    version = Assessment.objects.filter(service=service, questionnaire=questionnaire).count() + 1
    assessment = Assessment.objects.create(
        service=service, questionnaire=questionnaire, created_by=user, version=version
    )
    refresh_assessment(assessment)
    record(
        Action.ASSESSMENT_STARTED,
        actor=user,
        obj=assessment,
        after={"questionnaire": f"{questionnaire.code} v{questionnaire.version}"},
    )
    return assessment, True


LARGE_COLUMNS = ("snapshot", "self_score", "reviewed_score", "filing_routes")


def lock_assessment(pk: int, *, defer: tuple[str, ...] = ()) -> Assessment:
    """The assessment row locked for this transaction, with its service, provider,
    questionnaire and previous version. The lock is taken on the bare row first: PostgreSQL
    re-checks a joined SELECT ... FOR UPDATE against the joined rows it read before waiting,
    so a row whose questionnaire changed meanwhile (an upgrade) would otherwise vanish.
    `defer`: columns the caller does not read (loaded on access if it does after all)."""
    Assessment.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True).get()
    return (
        Assessment.objects.select_related(
            "service__provider", "service__disclosure", "questionnaire", "previous"
        )
        .defer(*defer)
        .get(pk=pk)
    )


def relock_assessment(assessment: Assessment, *, defer: tuple[str, ...] = ()) -> Assessment:
    """`assessment` (as a request read it moments ago, with its service, provider and
    questionnaire) locked and read again, in one query without joins: the related rows are the
    request's, unless the row now points to others (an upgrade moved it meanwhile), which are
    then read again as `lock_assessment` does."""
    locked = Assessment.objects.select_for_update().defer(*defer).get(pk=assessment.pk)
    if (locked.service_id, locked.questionnaire_id) != (
        assessment.service_id,
        assessment.questionnaire_id,
    ):
        return lock_assessment(assessment.pk, defer=defer)
    locked.service, locked.questionnaire = assessment.service, assessment.questionnaire
    return locked


# --- reading state ----------------------------------------------------------------------------


@dataclass
class State:
    """Everything derived about an assessment, computed in a fixed number of queries."""

    catalogue: Catalogue
    # Model instances, or in a light state (load_state) AnswerFacts and EvidenceFacts.
    answers: dict[str, Answer]
    evidence: dict[str, list[Evidence]]
    values: dict[str, Any]
    applicable: set[str]
    complete: dict[str, bool]
    incomplete: dict[str, list[tuple[str, str]]]
    profile: dict[str, Any] = field(default_factory=dict)
    # missing_for_submission's answer, kept: progress, the save's reply and the pages all ask.
    missing: list[tuple[QuestionItem, str]] | None = field(default=None, repr=False)

    def contradictions(self, code: str) -> list[str]:
        """Where the saved answers and the service profile disagree, at question `code`."""
        return [
            c.message
            for c in scope.contradictions(self.catalogue.layout, self.profile, self.values)
            if c.question == code
        ]


# What progress, score and completeness read of an answer, a file and its analysis: the
# autosave's state (`load_state(light=True)`) reads these columns as plain rows. Building model
# instances of every answer and file took longer than the rest of the state; the names, hashes,
# notes and analysis results (about 20 KB of JSON for a full draft) only pages and the snapshot
# show.
class AnswerFacts(NamedTuple):
    value: Any
    note: str
    na_reason: str
    nonconformity: str
    alternative_measure: str
    alternative_proof: str
    measures_taken: str
    remediation_plan: str
    remediation_due: Any
    revision: int

    @property
    def is_answered(self) -> bool:
        return is_answered(self.value)


class AnalysisFacts(NamedTuple):
    kind: str
    status: str
    passed: bool | None


class EvidenceFacts(NamedTuple):
    public_id: Any  # what the API's answer lists
    uploaded_at: Any
    analysis: AnalysisFacts | None  # None: no analyser for this file


# Every column of an answer but the time it was changed, in the model's order: an autosave
# reads all answers of the assessment as rows once, builds the one it changes from its row
# (Answer.from_db; the time is read on access, which only a conflict's reply does) and the
# state's AnswerFacts from all of them. Parsing a timestamp per answer cost more than the rest.
ANSWER_ROW = tuple(f.attname for f in Answer._meta.concrete_fields if f.attname != "updated_at")
# What a save writes of an existing answer (loaded without its time, so named here).
_SAVED_FIELDS = tuple(n for n in ANSWER_ROW if n not in ("id", "assessment_id", "question_id"))
_QUESTION_AT = ANSWER_ROW.index("question_id")
_facts_of = itemgetter(*(ANSWER_ROW.index(name) for name in AnswerFacts._fields))


def answer_rows(assessment: Assessment) -> dict[int, tuple]:
    """The assessment's answers as ANSWER_ROW tuples, by question id."""
    return {row[_QUESTION_AT]: row for row in _ANSWER_ROWS(assessment_id=assessment.pk)}


# The autosave's reads of every answer and file, compiled once (portal.compiled): building the
# statements cost more than running them.
_ANSWER_ROWS = Compiled(
    lambda assessment_id: (
        Answer.objects.filter(assessment_id=assessment_id).order_by().values_list(*ANSWER_ROW)
    ),
    assessment_id=int,
)
_EVIDENCE_FACTS = Compiled(
    lambda assessment_id: Evidence.objects.filter(assessment_id=assessment_id).values_list(
        "question_id",
        "public_id",
        "uploaded_at",
        "analysis__id",
        "analysis__kind",
        "analysis__status",
        "analysis__passed",
    ),
    assessment_id=int,
)


_ANSWERS = Compiled(
    lambda assessment_id: Answer.objects.filter(assessment_id=assessment_id),
    assessment_id=int,
)
_EVIDENCE = Compiled(
    lambda assessment_id: Evidence.objects.filter(assessment_id=assessment_id).select_related(
        "analysis"
    ),
    assessment_id=int,
)


def _related_rows(assessment: Assessment, name: str, statement: Compiled) -> list:
    """`assessment.<name>` as its related manager reads it: the caller's prefetched rows if
    there are any, else by the compiled statement, each row knowing its assessment."""
    if name in getattr(assessment, "_prefetched_objects_cache", {}):
        return list(getattr(assessment, name).all())
    rows = statement(assessment_id=assessment.pk)
    to_assessment = getattr(Assessment, name).field
    for row in rows:
        to_assessment.set_cached_value(row, assessment)
    return rows


def load_state(
    assessment: Assessment, *, light: bool = False, rows: dict[int, tuple] | None = None
) -> State:
    """`light`: the answers and files as AnswerFacts and EvidenceFacts (an autosave's state:
    what progress, score, completeness and the save's reply read, nothing else); `rows`:
    the answers as `answer_rows` gives them, when the caller has read them already."""
    catalogue = get_catalogue(assessment.questionnaire)
    by_pk = catalogue.by_pk
    answers: dict[str, Any]
    evidence: dict[str, list[Any]] = {}
    if light:
        if rows is None:
            rows = answer_rows(assessment)
        answers = {
            by_pk[pk].code: AnswerFacts._make(_facts_of(row))
            for pk, row in rows.items()
            if pk in by_pk
        }
        files = _EVIDENCE_FACTS(assessment_id=assessment.pk)
        for question_id, public_id, uploaded_at, analysis_id, *analysis in files:
            facts = EvidenceFacts(
                public_id,
                uploaded_at,
                AnalysisFacts(*analysis) if analysis_id is not None else None,
            )
            evidence.setdefault(by_pk[question_id].code, []).append(facts)
    else:
        answers = {
            by_pk[a.question_id].code: a
            for a in _related_rows(assessment, "answers", _ANSWERS)
            if a.question_id in by_pk
        }
        for item in _related_rows(assessment, "evidence", _EVIDENCE):
            evidence.setdefault(by_pk[item.question_id].code, []).append(item)
    return derive_state(catalogue, assessment.service.profile(), answers, evidence)


def derive_state(
    catalogue: Catalogue,
    profile: dict[str, Any],
    answers: dict[str, Answer],
    evidence: dict[str, list[Evidence]],
) -> State:
    """Applicability and completeness from the answers and files (no query)."""
    values = {code: a.value for code, a in answers.items()}
    applicable = catalogue.applicable(profile, values)
    incomplete = {
        code: clause_gaps(a, catalogue.by_code[code])
        for code, a in answers.items()
        if catalogue.by_code[code].kind == QuestionKind.CLAUSE
    }
    complete = {
        q.code: _is_complete(q, answers.get(q.code), evidence.get(q.code), incomplete)
        for q in catalogue.questions
    }
    return State(catalogue, answers, evidence, values, applicable, complete, incomplete, profile)


CLAUSE_TEXTS = (
    "na_reason",
    "alternative_measure",
    "alternative_proof",
    "measures_taken",
    "remediation_plan",
)
TEXT_MAX = 10000  # AnswerForm's limit on every clause text


def clause_gaps(answer: Answer, question: QuestionItem) -> list[tuple[str, str]]:
    """What a clause answer still lacks (field, message); the same rules as the form.

    A stored answer went through the form, so its fields are what the form's cleaning gives:
    the rules then apply to them directly (building a form per clause was most of the time of
    loading a state). Anything the form would clean differently (control characters, a text
    over the limit, a value the question does not offer) takes the form's way."""
    value = answer.value or ""
    choices = CLAUSE_VALUES if question.na_allowed else CLAUSE_WITHOUT_NA
    texts = {name: getattr(answer, name) for name in CLAUSE_TEXTS}
    if (
        (value == "" or (isinstance(value, str) and value in choices))
        and (answer.nonconformity in NONCONFORMITY_VALUES or not answer.nonconformity)
        and all(
            isinstance(t, str) and len(t) <= TEXT_MAX and t == strip_controls(t)
            for t in texts.values()
        )
    ):
        cleaned = {name: t.strip() for name, t in texts.items()}
        cleaned.update(
            value=value,
            nonconformity=answer.nonconformity or "",
            remediation_due=answer.remediation_due,
        )
        return clause_gaps_of(cleaned)
    return clause_gaps_by_form(answer, question)


def clause_gaps_by_form(answer: Answer, question: QuestionItem) -> list[tuple[str, str]]:
    data = {"revision": answer.revision, "value": answer.value or "", "note": answer.note}
    for name in (
        "na_reason",
        "nonconformity",
        "alternative_measure",
        "alternative_proof",
        "measures_taken",
        "remediation_plan",
    ):
        data[name] = getattr(answer, name)
    data["remediation_due"] = answer.remediation_due.isoformat() if answer.remediation_due else ""
    form = AnswerForm(data, question=question)
    form.is_valid()
    return form.incomplete


def _is_complete(q: QuestionItem, answer, evidence, incomplete) -> bool:
    if q.kind == QuestionKind.EVIDENCE:
        return bool(evidence)
    if answer is None or not answer.is_answered:
        return False
    return not incomplete.get(q.code)


def progress_of(state: State) -> dict[str, list[int]]:
    """Per domain: [complete, to complete] over the applicable questions that must be complete
    before submission. What is left in a domain is exactly its part of missing_for_submission,
    so applicable_count - answered_count (stored by refresh_assessment) is the one remaining
    count every page shows: provider page, submit button, submit page, results, API."""
    missing = {q.code for q, _reason in missing_for_submission(state)}
    progress = {}
    for domain in state.catalogue.domains:
        codes = [
            q.code
            for q in domain.questions
            if q.code in state.applicable
            and (q.required or q.evidence_required or q.code in missing)
        ]
        done = sum(1 for c in codes if c not in missing)
        progress[domain.code] = [done, len(codes)]
    return progress


def optional_domains(state: State) -> list[str]:
    """Domains with applicable questions none of which must be answered (e.g. one of advisory
    questions only): their progress is 0/0 but they are not "not applicable"."""
    return [
        d.code
        for d in state.catalogue.domains
        if any(q.code in state.applicable for q in d.questions)
        and not any(
            q.code in state.applicable and (q.required or q.evidence_required) for q in d.questions
        )
    ]


def refresh_locked(assessment_pk: int, *, only_editable: bool = False) -> Assessment | None:
    """`refresh_assessment` under the row lock, for writers that change an input without
    holding it (an analysis finishing, the service's profile, the admin's and the command's
    recompute). Without the lock, an autosave committing between their read of the answers and
    their write would be overwritten by figures computed without it. None when the assessment
    is gone, or (`only_editable`) no longer a draft."""
    with transaction.atomic():
        try:
            assessment = lock_assessment(assessment_pk)
        except Assessment.DoesNotExist:
            return None
        if only_editable and not assessment.is_editable:
            return None
        refresh_assessment(assessment)
        return assessment


def refresh_assessment(
    assessment: Assessment, state: State | None = None, *, summary_later: bool = False
) -> State:
    """Recompute and store progress and the self-assessed score, and the filing routes with
    the pre-filing checks that block them (filing.summary): now, or with `summary_later` in a
    background task queued after the commit. `summary_later` requires the caller to hold the
    row lock and to have read the revisions under it (`lock_assessment`): a burst of saves
    then queues one task, the first save's."""
    from filing import summary

    state = state or load_state(assessment)
    progress = progress_of(state)
    counts = (
        progress,
        sum(total for _, total in progress.values()),
        sum(done for done, _ in progress.values()),
    )
    inputs = answer_inputs(state)
    digest = inputs_digest(state.catalogue, inputs)
    # An autosave (the row read under its lock) writes only what changed: most saves are text
    # typed into an answer, which changes neither progress nor score, and the score is about
    # 40 KB of JSON to encode, store and log. Every other caller writes all of it.
    fields = ["updated_at"]
    stored = (assessment.progress, assessment.applicable_count, assessment.answered_count)
    if not summary_later or counts != stored:
        assessment.progress, assessment.applicable_count, assessment.answered_count = counts
        fields += ["progress", "applicable_count", "answered_count"]
    if not summary_later or digest != assessment.self_score_inputs:
        assessment.self_score = score_inputs(state.catalogue, inputs).to_json()
        assessment.self_score_inputs = digest
        fields += ["self_score", "self_score_inputs"]
    if summary_later:
        if not assessment.summary_outdated:
            summary.queue_refresh(assessment.pk)
        assessment.edit_revision += 1
        fields.append("edit_revision")
    else:
        assessment.filing_routes, assessment.blocking_count = summary.compute(assessment, state)
        # Counted up in the database: a caller without the row lock may hold an old revision.
        assessment.edit_revision = F("edit_revision") + 1
        assessment.summary_revision = F("edit_revision") + 1
        fields += ["filing_routes", "blocking_count", "edit_revision", "summary_revision"]
    assessment.save(update_fields=fields)
    if not summary_later:
        assessment.refresh_from_db(fields=["edit_revision", "summary_revision"])
    return state


# --- answers ----------------------------------------------------------------------------------


def _ensure_editable(assessment: Assessment) -> None:
    if not assessment.is_editable:
        raise NotEditable(_("This assessment is submitted and can no longer be changed."))


def _ensure_same_version(assessment: Assessment, question: QuestionItem) -> None:
    """Refuse a save addressed to a question of another questionnaire version: the assessment
    was moved to a newer version (or back) after the page was loaded."""
    if get_catalogue(assessment.questionnaire).by_pk.get(question.pk) is None:
        refuse_other_version(assessment)


def ensure_page_version(assessment: Assessment, posted: str | None) -> None:
    """Refuse a save from a page shown for another questionnaire version than the row's now
    (`posted`: the questionnaire id the page sent). The question code alone would find the
    new version's question of that code, whose wording may have changed since the page."""
    if posted and posted != str(assessment.questionnaire_id):
        refuse_other_version(assessment)


def ensure_read_version(assessment: Assessment, version: int | None) -> None:
    """The API's `ensure_page_version`: `version` is the questionnaire version number the
    client read the answer under (an assessment only moves between versions of its
    questionnaire's code, so the number names the version)."""
    if version is not None and version != assessment.questionnaire.version:
        refuse_other_version(assessment)


def refuse_other_version(assessment: Assessment) -> None:
    raise OtherVersion(
        _(
            "This assessment now uses questionnaire version %(version)s; reload the page "
            "and answer again."
        )
        % {"version": assessment.questionnaire.version},
        version=assessment.questionnaire.version,
    )


def answer_save(
    *,
    assessment: Assessment,
    question: QuestionItem,
    form: AnswerForm,
    user: User,
    locked: bool = False,
) -> tuple[Answer, State]:
    """Store a validated answer form; refuse it when someone saved in between.

    `locked`: the caller's transaction holds the row lock and read `assessment` under it
    (`access.lock_writable_assessment`, the autosave). The save then joins that transaction
    without a savepoint: a refusal rolls the caller's transaction back with it."""
    with transaction.atomic(savepoint=not locked):
        return _answer_save(assessment, question, form, user, locked=locked)


def _answer_save(assessment, question, form, user, *, locked):
    if not locked:
        # Without about 40 KB of score JSON that is rewritten below, and the other large
        # columns.
        assessment = relock_assessment(assessment, defer=LARGE_COLUMNS)
    _ensure_editable(assessment)
    _ensure_same_version(assessment, question)
    # Every answer in one read: the one to change, and the others for the state. The row lock
    # on the assessment (taken above, or by the caller) is what every writer of answers takes
    # first (saves, upgrades, revisions), so nothing changes them until the commit.
    rows = answer_rows(assessment)
    row = rows.get(question.pk)
    if row is None:
        answer = Answer(assessment=assessment, question_id=question.pk)
    else:
        answer = Answer.from_db(Answer.objects.db, ANSWER_ROW, row)
        answer.assessment = assessment
    if answer.revision != form.cleaned_data["revision"]:
        raise Conflict(answer)
    before = {"value": answer.value, "note": answer.note} if answer.revision else None
    answer.value = form.stored_value()
    for name, value in form.stored_details().items():
        setattr(answer, name, value)
    if question.kind == QuestionKind.CLAUSE and answer.value != ClauseResult.NOT_CONFORM:
        answer.nonconformity = ""
    answer.revision += 1
    answer.updated_by = user
    answer.save(update_fields=(*_SAVED_FIELDS, "updated_at") if row is not None else None)
    # As a read gives it back (the state below is computed from it): the JSON column returns
    # lists for tuples, for instance.
    column = Answer._meta.get_field("value")
    answer.value = json.loads(json.dumps(answer.value, cls=column.encoder), cls=column.decoder)
    rows[question.pk] = tuple(getattr(answer, name) for name in ANSWER_ROW)
    if before is None or before["value"] != answer.value:
        reanalyse_after_answer_change(assessment, question.code)
    state = refresh_assessment(
        assessment, load_state(assessment, light=True, rows=rows), summary_later=True
    )
    # Last: the audit chain's lock is held from here to the commit and serialises every
    # audited write of the portal, so nothing slow may run after it (audit.services).
    record(
        Action.ANSWER_CHANGED,
        actor=user,
        obj=answer,
        assessment=assessment,
        summary=question.code,
        before=before,
        after={"value": answer.value, "note": answer.note},
    )
    return answer, state


# --- evidence ---------------------------------------------------------------------------------


class NewFile(NamedTuple):
    """One file of `evidence_add_many`: `analyse=False` keeps a companion file out of the
    question's analyser (a model test's JSONL of prompts and answers beside the results
    workbook it backs)."""

    question: QuestionItem
    upload: UploadedFile
    note: str = ""
    observed_on: Any = None
    analyse: bool = True


@transaction.atomic
def evidence_add(
    *,
    assessment: Assessment,
    question: QuestionItem,
    upload: UploadedFile,
    observed_on=None,
    note: str = "",
    user: User,
    max_bytes: int,
    analyse: bool = True,
) -> tuple[Evidence, State]:
    file = NewFile(question, upload, note, observed_on, analyse)
    [evidence], state = evidence_add_many(
        assessment=assessment, files=[file], user=user, max_bytes=max_bytes
    )
    return evidence, state


@transaction.atomic
def evidence_add_many(
    *, assessment: Assessment, files: list[NewFile], user: User, max_bytes: int
) -> tuple[list[Evidence], State]:
    """Add the files as one change, in three steps: every file checked (size, type, quota)
    before any is stored, so a refusal leaves nothing in storage; then every file stored;
    then the rows and, last, their audit events. The audit chain's lock is held from the first
    record() to the commit and serialises every audited write of the portal, so no file is
    written or hashed, and no state recomputed, once it is taken. A caller recording an event
    of its own (a model test's attach) does so right after, as its last statement."""
    # The lock every save takes, so an upgrade of the questionnaire version cannot interleave.
    assessment = lock_assessment(assessment.pk)
    _ensure_editable(assessment)
    pending: dict[str, int] = {}  # the files checked so far, not in the provider's rows yet
    checked = []
    for file in files:
        _ensure_same_version(assessment, file.question)
        evidence = _checked_file(assessment, file, user, max_bytes, pending)
        pending[evidence.sha256] = evidence.size
        checked.append(evidence)
    for evidence, file in zip(checked, files, strict=True):
        storage.store(evidence, file.upload)  # one file per content, shared
    for evidence, file in zip(checked, files, strict=True):
        evidence.save()
        if file.analyse:
            request_analysis(evidence, file.question)
    state = refresh_assessment(assessment)
    # Last (see above).
    for evidence, file in zip(checked, files, strict=True):
        record(
            Action.EVIDENCE_UPLOADED,
            actor=user,
            obj=evidence,
            assessment=assessment,
            summary=f"{file.question.code}: {evidence.name}",
            after={"name": evidence.name, "sha256": evidence.sha256, "size": evidence.size},
        )
    return checked, state


def _checked_file(assessment, file: NewFile, user, max_bytes: int, pending) -> Evidence:
    """The unsaved row of an upload that passed the checks (FileRefused otherwise), hashed."""
    upload = file.upload
    if upload.size > max_bytes:
        raise filetypes.FileRefused(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": round(upload.size / 1048576, 1), "limit": max_bytes // 1048576}
        )
    name = filetypes.sanitise_name(upload.name or "file")
    kind = filetypes.detect(upload.file, name)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    storage.check_quota(
        provider_id=assessment.service.provider_id,
        sha256=digest.hexdigest(),
        size=upload.size,
        pending=pending,
    )
    return Evidence(
        assessment=assessment,
        question_id=file.question.pk,
        name=name,
        content_type=kind.content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        observed_on=file.observed_on,
        note=file.note.strip(),
        uploaded_by=user,
    )


@transaction.atomic
def evidence_delete(*, evidence: Evidence, user: User) -> State:
    assessment = Assessment.objects.select_for_update().get(pk=evidence.assessment_id)
    _ensure_editable(assessment)
    # Read again under the lock: a move to another questionnaire version that held it may have
    # taken the file out of the live assessment (kept for the history and the undo, which puts
    # it back under a new row with the same public id). Gone is what a request after the move
    # is told too (access.get_evidence); deleting nothing must not be reported nor audited.
    evidence = assessment.evidence.filter(public_id=evidence.public_id).first()
    if evidence is None:
        raise Http404(_("No such file."))
    evidence.delete()  # the file stays: other versions may share it, and the snapshot names it
    state = refresh_assessment(assessment)
    # Last: the audit chain's lock is held from here to the commit (see evidence_add_many).
    record(
        Action.EVIDENCE_DELETED,
        actor=user,
        obj=evidence,
        assessment=assessment,
        summary=evidence.name,
        before={"name": evidence.name, "sha256": evidence.sha256},
    )
    return state


# --- submission -------------------------------------------------------------------------------


def missing_for_submission(state: State) -> list[tuple[QuestionItem, str]]:
    """What stands between the assessment and its submission: each question once, with why.
    Its length is THE remaining count every page shows (submit button, submit page, API).
    Computed once per state (a state is not changed after `derive_state`)."""
    if state.missing is None:
        state.missing = _missing_for_submission(state)
    return state.missing


def _missing_for_submission(state: State) -> list[tuple[QuestionItem, str]]:
    # Translated once, not once per question (a fresh draft misses most of its 200).
    no_file = _("Attach at least one evidence file.")
    no_answer = _("Not answered yet.")
    pending = _("The file is still being analysed; submit when it is done.")
    missing: list[tuple[QuestionItem, str]] = []
    for q in state.catalogue.questions:
        if q.code not in state.applicable:
            continue
        if q.required and not state.complete[q.code]:
            gaps = state.incomplete.get(q.code)
            if gaps:
                reason = gaps[0][1]
            elif q.kind == QuestionKind.EVIDENCE:
                reason = no_file
            else:
                reason = no_answer
            missing.append((q, reason))
        elif q.evidence_required and not state.evidence.get(q.code):
            missing.append((q, no_file))
        if any(
            getattr(e, "analysis", None) is not None and e.analysis.status == "pending"
            for e in state.evidence.get(q.code, ())
        ):
            # The snapshot must hold the analyser's figures, not a pending placeholder.
            if missing and missing[-1][0] is q:  # one entry per question, both reasons
                missing[-1] = (q, f"{missing[-1][1]} {pending}")
            else:
                missing.append((q, pending))
    return missing


def build_snapshot(assessment: Assessment, state: State, user: User) -> dict:
    service, provider = assessment.service, assessment.service.provider
    answers = []
    for q in state.catalogue.questions:
        a = state.answers.get(q.code)
        if a is None and not state.evidence.get(q.code):
            continue
        entry = {
            "question": q.code,
            "applicable": q.code in state.applicable,
            "complete": state.complete[q.code],
        }
        if a is not None:
            entry.update(
                value=a.value,
                note=a.note,
                revision=a.revision,
            )
            if q.kind == QuestionKind.CLAUSE:
                entry.update(
                    na_reason=a.na_reason,
                    nonconformity=a.nonconformity,
                    alternative_measure=a.alternative_measure,
                    alternative_proof=a.alternative_proof,
                    measures_taken=a.measures_taken,
                    remediation_plan=a.remediation_plan,
                    remediation_due=a.remediation_due.isoformat() if a.remediation_due else None,
                )
        answers.append(entry)
    evidence = [
        {
            "id": str(e.public_id),
            "question": code,
            "name": e.name,
            "content_type": e.content_type,
            "size": e.size,
            "sha256": e.sha256,
            "observed_on": e.observed_on.isoformat() if e.observed_on else None,
            "note": e.note,
            "analysis": _analysis_snapshot(e),
        }
        for code, items in state.evidence.items()
        for e in items
    ]
    return {
        "format": SNAPSHOT_FORMAT,
        "assessment": {
            "id": str(assessment.public_id),
            "version": assessment.version,
            "previous": str(assessment.previous.public_id) if assessment.previous_id else None,
            "submitted_at": timezone.now().isoformat(),
            "submitted_by": user.email,
        },
        "questionnaire": {
            "code": assessment.questionnaire.code,
            "version": assessment.questionnaire.version,
            "content_sha256": assessment.questionnaire.content_hash,
        },
        "provider": {
            "name_zh": provider.name_zh,
            "name_en": provider.name_en,
            "credit_code": provider.credit_code,
            "address": provider.address,
            "legal_representative": provider.legal_representative,
            "security_lead": provider.security_lead,
            "legality_lead": provider.legality_lead,
            "pi_officer": provider.pi_officer,
            # The application form's contact line (filing-practice §2.1).
            "contact_name": provider.contact_name,
            "contact_phone": provider.contact_phone,
            "contact_email": provider.contact_email,
        },
        "service": {
            "id": str(service.public_id),
            "name": service.name,
            "description": service.description,
            "profile": service.profile(),
            "foundation_model_name": service.foundation_model_name,
            "foundation_model_filing_number": service.foundation_model_filing_number,
            "algorithm_filing_number": service.algorithm_filing_number,
            "gai_filing_number": service.gai_filing_number,
            "provider_code": service.effective_provider_code(),
        },
        "applicable": sorted(state.applicable),
        "answers": answers,
        "evidence": evidence,
        "self_score": assessment.self_score,
        # The algorithm's public disclosure text (拟公示内容) as submitted: the text the reviewer
        # approves is the one a package of this version prints, whatever is edited later.
        "disclosure": _disclosure_snapshot(service),
    }


def _disclosure_snapshot(service) -> dict | None:
    from filing.facts import saved_disclosure  # filing builds on assessments, not the reverse

    return saved_disclosure(service)


def _analysis_snapshot(evidence: Evidence) -> dict | None:
    analysis = getattr(evidence, "analysis", None)
    if analysis is None:
        return None
    return {
        "kind": analysis.kind,
        "status": analysis.status,
        "passed": analysis.passed,
        "result": analysis.result,
        "error": analysis.error_en,
        "error_zh": analysis.error_zh,
        "error_en": analysis.error_en,
    }


def canonical_json(data: Any) -> bytes:
    return json.dumps(
        data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode()


@transaction.atomic
def assessment_submit(*, assessment: Assessment, user: User) -> Assessment:
    """Freeze the assessment: answers and evidence become read-only and a canonical snapshot
    with its SHA-256 is what review and the dossier read from now on."""
    assessment = lock_assessment(assessment.pk)
    _ensure_editable(assessment)
    state = refresh_assessment(assessment)
    missing = missing_for_submission(state)
    if missing:
        raise SubmissionIncomplete(missing)
    snapshot = build_snapshot(assessment, state, user)
    assessment.snapshot = snapshot
    assessment.snapshot_sha256 = hashlib.sha256(canonical_json(snapshot)).hexdigest()
    assessment.submitted_at = timezone.now()
    assessment.submitted_by = user
    old = change_status(
        assessment,
        Status.SUBMITTED,
        actor=user,
        fields=("snapshot", "snapshot_sha256", "submitted_at", "submitted_by"),
        audit_later=True,
    )
    # From now on the checks read the snapshot (the same facts, dated by the submission).
    from filing import summary

    summary.store(assessment)
    if assessment.previous_id:
        # A resubmission: verdicts on answers that did not change stay valid.
        from reviews.services import carry_over_verdicts, return_to_reviewer

        carry_over_verdicts(assessment)
    # After the checks and the comparison of both snapshots, which would hold the audit chain's
    # lock taken here; before the return to the reviewer, whose events follow the submission's.
    status_changed(assessment, old, actor=user)
    if assessment.previous_id:
        return_to_reviewer(assessment)
    return assessment


@transaction.atomic
def assessment_revise(*, assessment: Assessment, user: User) -> Assessment:
    """A new draft version after a reviewer asked for changes; answers and evidence carry over,
    the old version is superseded."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.status != Status.CHANGES_REQUESTED:
        raise NotEditable(_("Only an assessment returned for changes can be revised."))
    # Recorded last (status_changed below): copying and scoring the draft would hold the
    # audit chain's lock, which every audited write of the portal waits for.
    old = change_status(assessment, Status.SUPERSEDED, actor=user, audit_later=True)
    draft = Assessment.objects.create(
        service=assessment.service,
        questionnaire=assessment.questionnaire,
        version=assessment.version + 1,
        previous=assessment,
        created_by=user,
    )
    Answer.objects.bulk_create(
        Answer(
            assessment=draft,
            question_id=a.question_id,
            value=a.value,
            note=a.note,
            na_reason=a.na_reason,
            nonconformity=a.nonconformity,
            alternative_measure=a.alternative_measure,
            alternative_proof=a.alternative_proof,
            measures_taken=a.measures_taken,
            remediation_plan=a.remediation_plan,
            remediation_due=a.remediation_due,
            updated_by=a.updated_by,
        )
        for a in assessment.answers.all()
    )
    originals = list(assessment.evidence.select_related("analysis"))
    copies = Evidence.objects.bulk_create(
        Evidence(
            assessment=draft,
            question_id=e.question_id,
            file=e.file.name,
            name=e.name,
            content_type=e.content_type,
            size=e.size,
            sha256=e.sha256,
            observed_on=e.observed_on,
            note=e.note,
            uploaded_by=e.uploaded_by,
        )
        for e in originals
    )
    Analysis.objects.bulk_create(
        Analysis(
            evidence=copy,
            kind=e.analysis.kind,
            status=e.analysis.status,
            passed=e.analysis.passed,
            result=e.analysis.result,
            error_zh=e.analysis.error_zh,
            error_en=e.analysis.error_en,
            finished_at=e.analysis.finished_at,
        )
        for e, copy in zip(originals, copies, strict=True)
        if hasattr(e, "analysis")
    )
    refresh_assessment(draft)
    status_changed(assessment, old, actor=user)
    return draft
