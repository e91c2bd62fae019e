"""The scope answers that repeat the service profile: prefilled from it, checked against it.

The answer to a scope question is the one source of truth for routes and applicability; the
service profile only supplies its starting value. An unanswered scope question takes the value
the profile implies (shown as prefilled in the form, to be confirmed by saving); an answer that
departs from the profile stays in force and is flagged where it occurs, so a careless default in
the profile cannot silently send an internal tool to full filing, nor hide a public service.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from library.layouts import Layout


def _audience(value: Any) -> bool | None:
    # enterprise_cn decides nothing by itself: an API sold to enterprises is public when the
    # customers expose it to the public, internal when they only use it inside (GAI Art. 2).
    return {"public_cn": True, "outside_cn": False}.get(value)


def _model_source(value: Any) -> str | None:
    # a third-party base may be trained further or only called: the profile cannot tell
    return "self_developed" if value == "self_developed" else None


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


@dataclass(frozen=True)
class Prefill:
    role: str  # the question's role in the version's layout (library.layouts)
    profile_field: str
    derive: Any  # profile value -> answer value, or None when the profile does not decide


# Which questions these are is the layout's to say (`questions:` of the version's layout file),
# so that a version can renumber or drop them; a version whose layout names none prefills none.
PREFILLS = (
    Prefill("scope.audience", "audience", _audience),
    Prefill("scope.model_source", "foundation_model_source", _model_source),
    Prefill("scope.public_opinion", "public_opinion", _flag),
    Prefill("scope.emotional_interaction", "emotional_interaction", _flag),
)
# Roles of the questions at which contradictions() may report something.
CHECKED_ROLES = (
    "scope.audience",
    "scope.model_source",
    "scope.public_opinion",
    "scope.user_input_training",
    "scope.emotional_interaction",
)


def checked(layout: Layout) -> tuple[str, ...]:
    """Codes of the questions at which contradictions() may report something."""
    return tuple(code for role in CHECKED_ROLES if (code := layout.code(role)))


def _missing(value: Any) -> bool:
    return value in (None, "", [])


def profile_defaults(layout: Layout, profile: Mapping[str, Any]) -> dict[str, Any]:
    """Answers the service profile implies, by question code (only those it decides)."""
    out = {}
    for p in PREFILLS:
        code = layout.code(p.role)
        value = p.derive(profile.get(p.profile_field))
        if code and value is not None:
            out[code] = value
    return out


def effective_answers(
    layout: Layout, profile: Mapping[str, Any], answers: Mapping[str, Any]
) -> dict[str, Any]:
    """The answers with unanswered scope questions filled from the profile."""
    merged = dict(answers)
    for code, value in profile_defaults(layout, profile).items():
        if _missing(merged.get(code)):
            merged[code] = value
    return merged


def prefilled_value(
    layout: Layout, code: str, profile: Mapping[str, Any], answer_value: Any
) -> Any:
    """The value a form shows as prefilled for an unanswered scope question, else None."""
    if not _missing(answer_value):
        return None
    return profile_defaults(layout, profile).get(code)


@dataclass(frozen=True)
class Contradiction:
    question: str
    message: str


AUDIENCE_CONFLICT = {
    ("public_cn", False): _(
        "The service profile says the service is offered to the public in mainland China, but "
        "this answer says it is not. The answer decides the filing route: correct whichever is "
        "wrong."
    ),
    ("outside_cn", True): _(
        "The service profile says the service is offered outside mainland China only, but this "
        "answer says it reaches the public in mainland China. The answer decides the filing "
        "route: correct whichever is wrong."
    ),
}


def contradictions(
    layout: Layout, profile: Mapping[str, Any], answers: Mapping[str, Any]
) -> list[Contradiction]:
    """Where the saved answers and the service profile disagree, at the question concerned."""
    found = []
    audience_q, source_q, opinion_q, training_q, companion_q = (
        layout.code(role) for role in CHECKED_ROLES
    )
    audience_conflict = AUDIENCE_CONFLICT.get((profile.get("audience"), answers.get(audience_q)))
    if audience_q and audience_conflict:
        found.append(Contradiction(audience_q, str(audience_conflict)))
    source = answers.get(source_q) if source_q else None
    profile_source = profile.get("foundation_model_source")
    if source == "call_filed_only" and profile_source == "self_developed":
        found.append(
            Contradiction(
                source_q,
                str(
                    _(
                        "The service profile says the model is self-developed, but this answer "
                        "says the service only calls an already filed model."
                    )
                ),
            )
        )
    if source == "self_developed" and profile_source == "third_party":
        found.append(
            Contradiction(
                source_q,
                str(
                    _(
                        "The service profile names a third-party foundation model, but this "
                        "answer says the model is self-developed. If you trained the "
                        "third-party model further, choose 'further trained'."
                    )
                ),
            )
        )
    opinion = answers.get(opinion_q) if opinion_q else None
    if isinstance(opinion, bool) and isinstance(profile.get("public_opinion"), bool):
        if opinion != profile["public_opinion"]:
            found.append(
                Contradiction(
                    opinion_q,
                    str(
                        _(
                            "The service profile and this answer disagree on whether the "
                            "service has public-opinion attributes or social-mobilisation "
                            "capability."
                        )
                    ),
                )
            )
    companion = answers.get(companion_q) if companion_q else None
    if isinstance(companion, bool) and isinstance(profile.get("emotional_interaction"), bool):
        if companion != profile["emotional_interaction"]:
            found.append(
                Contradiction(
                    companion_q,
                    str(
                        _(
                            "The service profile and this answer disagree on whether the "
                            "service offers sustained emotional interaction. The answer decides "
                            "whether the anthropomorphic-services questions and their assessment "
                            "report apply: correct whichever is wrong."
                        )
                    ),
                )
            )
    if source == "call_filed_only" and training_q and answers.get(training_q) is True:
        found.append(
            Contradiction(
                training_q,
                _(
                    "%(code)s says the service only calls an already filed model without "
                    "training it, yet this answer says user inputs are used for training. "
                    "If you train a model on them, %(code)s should say 'further trained'; "
                    "if the model's vendor trains on them, say so in the note."
                )
                % {"code": source_q},
            )
        )
    return found
