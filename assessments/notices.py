"""What a newer questionnaire version means for each of a provider's services: the dashboard
notices and the weekly digest read the same function.

Only the new and changed questions that apply to the service count: its profile and the
answers it already gave (those that carry over) decide, the same way as on the assessment page.
"""

from __future__ import annotations

from dataclasses import dataclass

from assessments.models import Answer, Assessment, Status
from assessments.upgrade import UPGRADABLE
from library.catalogue import QuestionItem, get_catalogue
from library.changes import compare
from library.models import Questionnaire
from providers.models import AIService

# A decided assessment keeps its version: the next one starts on the newest version.
STARTABLE = (Status.APPROVED, Status.REJECTED)


@dataclass
class UpgradeNotice:
    service: AIService
    assessment: Assessment | None
    current: Questionnaire | None
    target: Questionnaire
    questions: list[QuestionItem]  # new or changed in `target`, applicable to the service

    @property
    def can_upgrade(self) -> bool:
        return self.assessment is not None and self.assessment.status in UPGRADABLE

    @property
    def can_start(self) -> bool:
        return self.assessment is not None and self.assessment.status in STARTABLE


def upgrade_notices(pairs: list[tuple[AIService, Assessment | None]]) -> list[UpgradeNotice]:
    """One notice per service whose current assessment uses an older questionnaire version
    than the newest loaded one; three queries whatever the number of services."""
    versions = {q.pk: q for q in Questionnaire.objects.all()}
    newest: dict[str, Questionnaire] = {}
    for q in versions.values():
        if q.code not in newest or q.version > newest[q.code].version:
            newest[q.code] = q
    behind = [
        (service, current)
        for service, current in pairs
        if current is not None
        and current.status != Status.SUPERSEDED
        and versions[current.questionnaire_id].version
        < newest[versions[current.questionnaire_id].code].version
    ]
    values: dict[int, dict[int, object]] = {}
    rows = Answer.objects.filter(assessment_id__in=[a.pk for _, a in behind]).values_list(
        "assessment_id", "question_id", "value"
    )
    for assessment_id, question_id, value in rows:
        values.setdefault(assessment_id, {})[question_id] = value
    notices = []
    diffs: dict[tuple[int, int], object] = {}  # services on the same versions share one diff
    for service, current in behind:
        old = versions[current.questionnaire_id]
        target = newest[old.code]
        before, after = get_catalogue(old), get_catalogue(target)
        if (old.pk, target.pk) not in diffs:
            diffs[old.pk, target.pk] = compare(before, after)
        diff = diffs[old.pk, target.pk]
        unchanged = set(diff.unchanged)
        answers = {
            before.by_pk[pk].code: value
            for pk, value in values.get(current.pk, {}).items()
            if pk in before.by_pk and before.by_pk[pk].code in unchanged
        }
        applicable = after.applicable(service.profile(), answers)
        marked = set(diff.marked)
        questions = [q for q in after.questions if q.code in marked and q.code in applicable]
        if questions:
            notices.append(UpgradeNotice(service, current, old, target, questions))
    return notices
