"""Moving an assessment in flight to a newer questionnaire version, and back ("undo").

Answers carry over where the question kept its code and its content fingerprint
(library.changes.fingerprint), or where only its thresholds changed: a figure or a file answers
it still, and is judged again (its files' analyses run again under the new thresholds, and once
more under the old ones on undo); evidence follows its answer. Answers and files of questions that
were removed or changed are taken out of the live assessment and kept, read-only, in the
upgrade's `retired` list (shown on the history page). Changed and new questions are "marked"
until answered. The move is one transaction under the assessment's row lock, the lock every
save takes, so no answer can be written half-way; it is audited, and can be undone until the
next save (any audited write on the assessment after the move).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from assessments.analysis import reanalyse
from assessments.models import (
    Analysis,
    Answer,
    Assessment,
    Evidence,
    QuestionnaireUpgrade,
    Status,
)
from assessments.services import (
    NotEditable,
    latest_questionnaire,
    lock_assessment,
    refresh_assessment,
)
from audit.models import Action, AuditEvent
from audit.services import record
from library.catalogue import Catalogue, QuestionItem, get_catalogue
from library.changes import VersionDiff, compare
from library.models import Questionnaire
from portal.compiled import Compiled

UPGRADABLE = (Status.DRAFT, Status.CHANGES_REQUESTED)
# Writes after which an upgrade can no longer be undone ("until the next save").
SAVES = (
    Action.ANSWER_CHANGED,
    Action.EVIDENCE_UPLOADED,
    Action.EVIDENCE_DELETED,
    Action.ASSESSMENT_STATUS_CHANGED,
    Action.MODEL_TEST_ATTACHED,
)
ANSWER_FIELDS = (
    "value",
    "note",
    "na_reason",
    "nonconformity",
    "alternative_measure",
    "alternative_proof",
    "measures_taken",
    "remediation_plan",
)
EVIDENCE_FIELDS = ("name", "content_type", "size", "sha256", "note")
ANALYSIS_FIELDS = ("kind", "status", "passed", "result", "error_zh", "error_en")


class UpgradeRefused(NotEditable):
    pass


@dataclass
class Plan:
    """What an upgrade would do: the preview page shows it, the upgrade carries it out."""

    assessment: Assessment
    target: Questionnaire
    diff: VersionDiff
    carried: list[QuestionItem]  # answered (or with files) and unchanged: kept
    rejudged: list[QuestionItem]  # of those, the ones judged again by changed thresholds
    dropped: list[tuple[QuestionItem, bool]]  # answered but removed/changed: (old item, removed)
    files_kept: int
    files_retired: int

    @property
    def source(self) -> Catalogue:
        return self.diff.old

    @property
    def new(self) -> list:
        return self.diff.added + self.diff.changed


def newer_version(assessment: Assessment) -> Questionnaire | None:
    """The newest version of the assessment's questionnaire, if newer than its own."""
    try:
        newest = latest_questionnaire(assessment.questionnaire.code)
    except Questionnaire.DoesNotExist:
        return None
    return newest if newest.version > assessment.questionnaire.version else None


def refusal(assessment: Assessment, target: Questionnaire | None) -> str | None:
    """Why this assessment cannot move (in words), or None."""
    if target is None:
        return _("This assessment already uses the newest questionnaire version.")
    if assessment.status not in UPGRADABLE:
        return _(
            "Only a draft or an assessment returned for changes can move to a newer version; "
            "this one is “%(status)s” and keeps its version."
        ) % {"status": Status(assessment.status).label}
    clash = (
        Assessment.objects.open()
        .filter(service_id=assessment.service_id, questionnaire=target)
        .exclude(pk=assessment.pk)
    )
    if clash.exists():
        return _(
            "This service already has an open assessment on version %(version)s; continue "
            "that one instead."
        ) % {"version": target.version}
    return None


def plan_upgrade(assessment: Assessment, target: Questionnaire) -> Plan:
    source = get_catalogue(assessment.questionnaire)
    diff = compare(source, get_catalogue(target))
    unchanged = set(diff.unchanged) | set(diff.rejudged)
    answered = {
        a.question_id: a for a in assessment.answers.all() if a.is_answered or a.note.strip()
    }
    files: dict[int, int] = {}
    for question_id in assessment.evidence.values_list("question_id", flat=True):
        files[question_id] = files.get(question_id, 0) + 1
    carried, dropped, kept, retired = [], [], 0, 0
    for q in source.questions:
        if q.pk not in answered and q.pk not in files:
            continue
        if q.code in unchanged:
            carried.append(diff.new.by_code[q.code])
            kept += files.get(q.pk, 0)
        else:
            dropped.append((q, q.code not in diff.new.by_code))
            retired += files.get(q.pk, 0)
    rejudged = [q for q in carried if q.code in set(diff.rejudged)]
    return Plan(assessment, target, diff, carried, rejudged, dropped, kept, retired)


def _lock(assessment: Assessment) -> Assessment:
    return lock_assessment(assessment.pk)


def _free_version(assessment: Assessment, target: Questionnaire) -> int:
    """The assessment keeps its version number unless the service has that number on the new
    questionnaire already (versions are unique per service and questionnaire)."""
    taken = Assessment.objects.filter(service_id=assessment.service_id, questionnaire=target)
    if not taken.filter(version=assessment.version).exists():
        return assessment.version
    return (taken.aggregate(m=Max("version"))["m"] or 0) + 1


@transaction.atomic
def upgrade_assessment(*, assessment: Assessment, user: User) -> Assessment:
    """Move the assessment to the newest questionnaire version (see the module docstring). A
    returned assessment is first revised into a new draft, which then moves."""
    assessment = _lock(assessment)
    target = newer_version(assessment)
    reason = refusal(assessment, target)
    if reason:
        raise UpgradeRefused(reason)
    if assessment.status == Status.CHANGES_REQUESTED:
        from assessments.services import assessment_revise

        assessment = _lock(assessment_revise(assessment=assessment, user=user))
    plan = plan_upgrade(assessment, target)
    source, new = plan.diff.old, plan.diff.new
    unchanged = set(plan.diff.unchanged) | set(plan.diff.rejudged)
    moved: dict[str, dict] = {"answers": {}, "evidence": {}, "rejudged": []}
    retired: list[dict] = []
    retired_by_code: dict[str, dict] = {}

    def retired_entry(q: QuestionItem) -> dict:
        if q.code not in retired_by_code:
            entry = {
                "question": q.code,
                "question_id": q.pk,
                "removed": q.code not in new.by_code,
                "answer": None,
                "evidence": [],
            }
            retired_by_code[q.code] = entry
            retired.append(entry)
        return retired_by_code[q.code]

    answers = list(assessment.answers.all())
    for a in answers:
        q = source.by_pk.get(a.question_id)
        if q is None:
            continue
        if q.code in unchanged:
            moved["answers"][str(a.pk)] = a.question_id
            a.question_id = new.by_code[q.code].pk
        elif a.is_answered or a.note.strip():
            entry = retired_entry(q)
            entry["answer"] = {name: getattr(a, name) for name in ANSWER_FIELDS}
            entry["answer"].update(
                revision=a.revision,
                remediation_due=a.remediation_due.isoformat() if a.remediation_due else None,
                updated_by=a.updated_by_id,
                updated_at=a.updated_at.isoformat(),
            )
    carried_answers = [a for a in answers if str(a.pk) in moved["answers"]]
    Answer.objects.bulk_update(carried_answers, ["question"])
    Answer.objects.filter(assessment=assessment).exclude(
        pk__in=[a.pk for a in carried_answers]
    ).delete()

    evidence = list(assessment.evidence.select_related("analysis"))
    carried_files, retired_files = [], []
    for e in evidence:
        q = source.by_pk[e.question_id]
        if q.code in unchanged:
            moved["evidence"][str(e.pk)] = e.question_id
            e.question_id = new.by_code[q.code].pk
            carried_files.append(e)
            if q.code in plan.diff.rejudged and getattr(e, "analysis", None) is not None:
                moved["rejudged"].append(e.analysis.pk)
            continue
        entry = {name: getattr(e, name) for name in EVIDENCE_FIELDS}
        analysis = getattr(e, "analysis", None)
        entry.update(
            id=str(e.public_id),
            file=e.file.name,
            observed_on=e.observed_on.isoformat() if e.observed_on else None,
            uploaded_by=e.uploaded_by_id,
            uploaded_at=e.uploaded_at.isoformat(),
            analysis={name: getattr(analysis, name) for name in ANALYSIS_FIELDS}
            if analysis is not None
            else None,
        )
        retired_entry(q)["evidence"].append(entry)
        retired_files.append(e.pk)
    Evidence.objects.bulk_update(carried_files, ["question"])
    reanalyse(moved["rejudged"])
    # The files stay in storage: storage.collect_orphans keeps every hash an upgrade retired.
    Evidence.objects.filter(pk__in=retired_files).delete()

    from_questionnaire = assessment.questionnaire
    from_version = assessment.version
    assessment.questionnaire = target
    assessment.version = _free_version(assessment, target)
    assessment.save(update_fields=["questionnaire", "version", "updated_at"])
    upgrade = QuestionnaireUpgrade.objects.create(
        assessment=assessment,
        from_questionnaire=from_questionnaire,
        to_questionnaire=target,
        from_version=from_version,
        performed_by=user,
        carried=[q.code for q in plan.carried],
        marked=plan.diff.marked,
        retired=retired,
        moved=moved,
    )
    refresh_assessment(assessment)
    event = record(
        Action.QUESTIONNAIRE_UPGRADED,
        actor=user,
        obj=assessment,
        summary=f"v{from_questionnaire.version} → v{target.version}",
        before={"questionnaire": from_questionnaire.version},
        after={
            "questionnaire": target.version,
            "carried": len(plan.carried),
            "marked": len(plan.diff.marked),
            "retired": len(retired),
        },
    )
    upgrade.audit_event_id = event.pk
    upgrade.save(update_fields=["audit_event_id"])
    return assessment


def latest_upgrade(assessment: Assessment) -> QuestionnaireUpgrade | None:
    found = _LATEST_UPGRADE(assessment_id=assessment.pk)
    return found[0] if found else None


# Every assessment page asks for it; compiled once (portal.compiled). The newest first, by the
# model's ordering.
_LATEST_UPGRADE = Compiled(
    lambda assessment_id: QuestionnaireUpgrade.objects.filter(
        assessment_id=assessment_id, undone_at__isnull=True
    ).select_related("from_questionnaire", "to_questionnaire")[:1],
    assessment_id=int,
)


def undoable(assessment: Assessment, upgrade: QuestionnaireUpgrade | None) -> bool:
    """True while nothing was saved on the assessment since the move."""
    if upgrade is None or assessment.status != Status.DRAFT or upgrade.audit_event_id is None:
        return False
    if assessment.questionnaire_id != upgrade.to_questionnaire_id:
        return False
    later = AuditEvent.objects.filter(
        assessment_id=assessment.pk, id__gt=upgrade.audit_event_id, action__in=SAVES
    )
    return not later.exists()


@transaction.atomic
def undo_upgrade(*, assessment: Assessment, user: User) -> Assessment:
    """Put the assessment back on the version it came from, as it was before the move."""
    assessment = _lock(assessment)
    upgrade = latest_upgrade(assessment)
    if not undoable(assessment, upgrade):
        raise UpgradeRefused(
            _("The move can no longer be undone: answers or files were saved since.")
            if upgrade is not None
            else _("There is no move to a newer version to undo.")
        )
    moved = upgrade.moved
    answers = list(Answer.objects.filter(pk__in=[int(pk) for pk in moved["answers"]]))
    for a in answers:
        a.question_id = moved["answers"][str(a.pk)]
    Answer.objects.bulk_update(answers, ["question"])
    files = list(Evidence.objects.filter(pk__in=[int(pk) for pk in moved["evidence"]]))
    for e in files:
        e.question_id = moved["evidence"][str(e.pk)]
    Evidence.objects.bulk_update(files, ["question"])
    reanalyse(moved.get("rejudged", ()))
    # Nothing was saved since the move, so every other answer row is an empty placeholder.
    Answer.objects.filter(assessment=assessment).exclude(pk__in=[a.pk for a in answers]).delete()
    _restore_retired(assessment, upgrade.retired)

    assessment.questionnaire = upgrade.from_questionnaire
    assessment.version = upgrade.from_version
    assessment.save(update_fields=["questionnaire", "version", "updated_at"])
    upgrade.undone_at = timezone.now()
    upgrade.save(update_fields=["undone_at"])
    refresh_assessment(assessment)
    record(
        Action.QUESTIONNAIRE_UPGRADE_UNDONE,
        actor=user,
        obj=assessment,
        summary=f"v{upgrade.to_questionnaire.version} → v{upgrade.from_questionnaire.version}",
        before={"questionnaire": upgrade.to_questionnaire.version},
        after={"questionnaire": upgrade.from_questionnaire.version},
    )
    return assessment


def _restore_retired(assessment: Assessment, retired: list[dict]) -> None:
    analyses = []
    for entry in retired:
        if entry["answer"] is not None:
            data = entry["answer"]
            Answer.objects.create(
                assessment=assessment,
                question_id=entry["question_id"],
                revision=data["revision"],
                remediation_due=data["remediation_due"],
                updated_by_id=data["updated_by"],
                **{name: data[name] for name in ANSWER_FIELDS},
            )
        for e in entry["evidence"]:
            row = Evidence.objects.create(
                public_id=e["id"],
                assessment=assessment,
                question_id=entry["question_id"],
                file=e["file"],
                observed_on=e["observed_on"],
                uploaded_by_id=e["uploaded_by"],
                **{name: e[name] for name in EVIDENCE_FIELDS},
            )
            Evidence.objects.filter(pk=row.pk).update(uploaded_at=e["uploaded_at"])
            if e["analysis"] is not None:
                analyses.append(Analysis(evidence=row, **e["analysis"]))
    Analysis.objects.bulk_create(analyses)


def retired_hashes() -> set[str]:
    """SHA-256 of every file an upgrade took out of a live assessment (kept for history and
    undo, so the orphan clean-up must not remove them)."""
    hashes = set()
    for retired in QuestionnaireUpgrade.objects.values_list("retired", flat=True):
        for entry in retired or ():
            hashes.update(e["sha256"] for e in entry.get("evidence", ()))
    return hashes


def marked_codes(assessment: Assessment, upgrade: QuestionnaireUpgrade | None) -> set[str]:
    """Questions to show as "new in version N" (until answered): the upgrade's marked ones."""
    if upgrade is None or assessment.questionnaire_id != upgrade.to_questionnaire_id:
        return set()
    return set(upgrade.marked)


@dataclass
class Retired:
    """An answer kept from an earlier questionnaire version, as the history page shows it."""

    question: QuestionItem
    removed: bool
    shown: str
    files: list[dict]
    upgrade: QuestionnaireUpgrade


def retired_answers(assessment: Assessment) -> list[Retired]:
    """Answers and files that moves to newer versions took out of the live assessment, for
    reading (one query; the questions come from the cached catalogues)."""
    from assessments.presenters import answer_display

    rows = []
    upgrades = assessment.upgrades.filter(undone_at__isnull=True).select_related(
        "from_questionnaire"
    )
    for moved in upgrades.order_by("performed_at", "pk"):
        catalogue = get_catalogue(moved.from_questionnaire)
        for entry in moved.retired:
            q = catalogue.by_code.get(entry["question"])
            if q is None:
                continue
            data = entry["answer"] or {}
            answer = Answer(**{name: data.get(name) for name in ANSWER_FIELDS if name in data})
            answer.note = answer.note or ""
            rows.append(
                Retired(q, entry["removed"], answer_display(q, answer), entry["evidence"], moved)
            )
    return rows
