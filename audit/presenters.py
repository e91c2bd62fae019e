"""Audit events as people read them: fields by their names, values by their labels (审核中, 是,
接受), never the stored codes (`in_review`, `True`, `accepted`, `provider_both`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.apps import apps
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import Action, AuditEvent

# Keys of before/after that are no model field of the same name.
EXTRA_LABELS = {
    "value": gettext_lazy("Answer"),
    "note": gettext_lazy("Note"),
    "blocking_checks_acknowledged": gettext_lazy("Blocking checks acknowledged"),
    "services_exported": gettext_lazy("Services exported"),
    "sha256": "SHA-256",
}


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@lru_cache(maxsize=1)
def _fields() -> tuple[dict[str, object], dict[str, dict]]:
    """field name → verbose name (the first model's), and field name → {value: label} for
    fields with choices, over every model of the project. The assessment's models come first,
    so that `status` reads as an assessment's status."""
    names: dict[str, object] = {}
    choices: dict[str, dict] = {}
    models = sorted(apps.get_models(), key=lambda m: m._meta.app_label != "assessments")
    for model in models:
        for field in model._meta.get_fields():
            if not hasattr(field, "verbose_name") or field.auto_created:
                continue
            names.setdefault(field.name, field.verbose_name)
            if getattr(field, "choices", None):
                # Several models have a `status`: their labels together (first one wins).
                merged = choices.setdefault(field.name, {})
                for value, label in field.flatchoices:
                    merged.setdefault(value, label)
    return names, choices


def _value(key: str, value, question=None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list) and not (question is not None and key == "value"):
        return "、".join(_value(key, v, question) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{_label(k)}: {_value(k, v)}" for k, v in value.items())
    if key == "questionnaire" and isinstance(value, str):
        return _questionnaire(value)
    if question is not None and key == "value":
        from assessments.models import Answer
        from assessments.presenters import answer_display

        return answer_display(question, Answer(value=value, note=""))
    labels = _fields()[1].get(key)
    if labels and value in labels:
        return str(labels[value])
    return str(value)


def _questionnaire(value: str) -> str:
    """ "gai-security-self-assessment v2" as recorded → the questionnaire's title and version."""
    from library.models import Questionnaire

    code, _sep, version = value.rpartition(" v")
    found = (
        Questionnaire.objects.filter(code=code, version=version).first()
        if version.isdigit()
        else None
    )
    if found is None:
        return value
    return questionnaire_name(found)


def questionnaire_name(questionnaire) -> str:
    """The questionnaire as people name it: its title and version, never its code."""
    return _("%(title)s, version %(version)s") % {
        "title": questionnaire.tr("title"),
        "version": questionnaire.version,
    }


def _label(key: str) -> str:
    if key in EXTRA_LABELS:
        return str(EXTRA_LABELS[key])
    name = _fields()[0].get(key)
    return capfirst(str(name)) if name else key


def changes(event: AuditEvent, catalogue=None) -> list[Change]:
    """The event's changed fields in words; an answer's value by the question's own labels
    when the catalogue is given."""
    question = None
    if catalogue is not None and event.action == Action.ANSWER_CHANGED:
        question = catalogue.by_code.get(event.summary.split(":")[0].strip())
    return [
        Change(_label(key), _value(key, old, question), _value(key, new, question))
        for key, old, new in event.changes()
    ]


def summary(event: AuditEvent) -> str:
    """The summary in words: a status change by its two status labels (审核中 → 已通过), not
    their codes; other summaries as written."""
    if event.action == Action.ASSESSMENT_STATUS_CHANGED:
        from assessments.models import Status

        before = event.before.get("status") if isinstance(event.before, dict) else None
        after = event.after.get("status") if isinstance(event.after, dict) else None
        if before in Status.values and after in Status.values:
            return f"{Status(before).label} → {Status(after).label}"
    return event.summary
