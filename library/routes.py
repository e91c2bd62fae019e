"""Which filing route(s) a service needs, and conditions explained in words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from library import conditions
from library.i18n import text_language
from library.layouts import get_layout
from library.models import Questionnaire
from library.scope import effective_answers

PROFILE_LABELS = {
    "modalities": gettext_lazy("modalities"),
    "channels": gettext_lazy("channels"),
    "audience": gettext_lazy("audience"),
    "public_opinion": gettext_lazy("public-opinion attribute"),
    "minors_allowed": gettext_lazy("minors may use it"),
    "foundation_model_source": gettext_lazy("foundation model source"),
    "foundation_model_filed": gettext_lazy("third-party foundation model is filed"),
    "provides_api": gettext_lazy("offers an API"),
    "has_algorithm_filing": gettext_lazy("has an algorithm filing number"),
    "has_gai_filing": gettext_lazy("has a generative-AI filing number"),
    "launch_status": gettext_lazy("launch status"),
    "emotional_interaction": gettext_lazy("offers sustained emotional interaction"),
}


@dataclass(frozen=True)
class FilingRoute:
    code: str
    title: str
    reason: str
    cites: tuple[str, ...]
    # scope questions still to answer before the route can be decided (undetermined only)
    missing: tuple[str, ...] = ()


UNDETERMINED = "undetermined"


def filing_routes(
    questionnaire: Questionnaire, *, profile: Mapping[str, Any], answers: Mapping[str, Any]
) -> list[FilingRoute]:
    """Every route whose own condition holds, `none` included.

    Unanswered scope questions take the value the service profile implies (library.scope).
    When no route holds, or the questionnaire's `undetermined` route does, the result says
    which scope questions decide it: never "no filing required" by default.
    """
    lang_en = text_language() == "en"
    answers = effective_answers(get_layout(questionnaire), profile, answers)
    matched = []
    for route in questionnaire.filing_routes:
        if not conditions.evaluate(route.get("applies_if"), profile=profile, answers=answers):
            continue
        missing = ()
        if route["code"] == UNDETERMINED:
            missing = _unanswered(route.get("applies_if"), profile, answers)
        matched.append(
            FilingRoute(
                code=route["code"],
                title=route["title_en" if lang_en else "title_zh"],
                reason=route["reason_en" if lang_en else "reason_zh"],
                cites=tuple(route.get("cites") or ()),
                missing=missing,
            )
        )
    if not matched:
        referenced = sorted(
            {
                code
                for r in questionnaire.filing_routes
                for code in _answer_fields(r.get("applies_if"))
            }
        )
        matched.append(
            FilingRoute(
                code=UNDETERMINED,
                title=_("Route undetermined"),
                reason=_("The scope answers do not decide a filing route yet."),
                cites=(),
                missing=tuple(c for c in referenced if answers.get(c) in (None, "", [])),
            )
        )
    return matched


def cite_labels(routes: list[FilingRoute]) -> dict[str, str]:
    """Provision key -> citation as people write it (暂行办法第二条), for the routes' cites."""
    from library.catalogue import CitedProvision
    from library.models import Provision

    keys = {k for r in routes for k in r.cites}
    provisions = Provision.objects.filter(key__in=keys).select_related("instrument")
    return {
        p.key: CitedProvision(
            p.key,
            p.ref_zh,
            p.ref_en,
            p.instrument.short_zh,
            p.instrument.short_en,
            p.is_unconfirmed,
        ).label
        for p in provisions
    }


def _answer_fields(condition: Any) -> set[str]:
    if not condition:
        return set()
    for op in ("all", "any"):
        if op in condition:
            return set().union(*(_answer_fields(c) for c in condition[op]))
    if "not" in condition:
        return _answer_fields(condition["not"])
    scope, _sep, name = condition["field"].partition(".")
    return {name} if scope == "answer" else set()


def _unanswered(condition: Any, profile, answers) -> tuple[str, ...]:
    """Codes tested `answered: false` in the branches of the condition that hold, in order."""
    found: list[str] = []

    def walk(cond):
        if not conditions.evaluate(cond, profile=profile, answers=answers):
            return
        for op in ("all", "any"):
            if op in cond:
                for sub in cond[op]:
                    walk(sub)
                return
        if cond.get("answered") is False:
            code = cond["field"].partition(".")[2]
            if code not in found:
                found.append(code)

    if condition:
        walk(condition)
    return tuple(found)


def describe_condition(condition: Any) -> str:
    """A condition as a sentence for the library pages (field names, not code)."""
    if condition is None:
        return ""
    if "all" in condition:
        return (" " + _("and") + " ").join(f"({describe_condition(c)})" for c in condition["all"])
    if "any" in condition:
        return (" " + _("or") + " ").join(f"({describe_condition(c)})" for c in condition["any"])
    if "not" in condition:
        return _("not") + f" ({describe_condition(condition['not'])})"
    scope, _sep, name = condition["field"].partition(".")
    subject = (
        str(PROFILE_LABELS.get(name, name))
        if scope == "profile"
        else _("answer to %(code)s") % {"code": name}
    )
    if "answered" in condition:
        return (
            _("%(subject)s is answered") % {"subject": subject}
            if condition["answered"]
            else _("%(subject)s is not answered") % {"subject": subject}
        )
    if "equals" in condition:
        return f"{subject} = {_display(condition['equals'])}"
    if "in" in condition:
        return _("%(subject)s is one of %(values)s") % {
            "subject": subject,
            "values": ", ".join(_display(v) for v in condition["in"]),
        }
    return _("%(subject)s includes %(value)s") % {
        "subject": subject,
        "value": _display(condition["contains"]),
    }


def _display(value: Any) -> str:
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return str(value)
