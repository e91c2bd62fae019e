"""One form per answer, built from the question's kind.

Type errors (a number that is not a number) refuse the save; missing branch details of a clause
result (an N/A without its reason ...) are saved as they are and reported as incomplete, so
nothing typed is ever lost and the answer counts only once it is complete.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import ClauseResult, NonConformity
from library.catalogue import QuestionItem
from library.models import QuestionKind
from portal.formfields import IsoDateInput, PlainTextField
from portal.formrender import PlainWidgets

TEXTAREA = forms.Textarea(attrs={"rows": 2})
YES_NO = [("yes", _("Yes")), ("no", _("No"))]
CLAUSE_FIELDS = (
    "na_reason",
    "nonconformity",
    "alternative_measure",
    "alternative_proof",
    "measures_taken",
    "remediation_plan",
    "remediation_due",
)


def is_ratio(question: QuestionItem) -> bool:
    return question.unit_en == "ratio" or any(t.get("unit") == "ratio" for t in question.thresholds)


# Without a range in the library no number may be negative or beyond 10^15 (the documents and
# spreadsheets print it as a whole number; 10^15 tokens is above any corpus filed so far).
DEFAULT_MAX = Decimal(10) ** 15


def number_range(question: QuestionItem) -> tuple[Decimal, Decimal, bool]:
    """(min, max, whole numbers only) a number answer must respect."""
    rng = question.answer_range or {}
    if "min" in rng:
        return Decimal(str(rng["min"])), Decimal(str(rng["max"])), bool(rng.get("integer"))
    # A share asked "as a decimal between 0 and 1" cannot be 12000 (or 30 for 30 %).
    if is_ratio(question):
        return Decimal(0), Decimal(1), False
    return Decimal(0), DEFAULT_MAX, False


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)


NA_REFUSED = _(
    "This clause applies to every service in scope: “not applicable” is not an answer here. "
    "Answer “conforms” or “does not conform” with its remediation."
)


def threshold_warnings(question: QuestionItem, value) -> list[str]:
    """What a number answer misses at once: legal minimums and maximums, recommended ones."""
    if question.kind != QuestionKind.NUMBER or not isinstance(value, int | float | Decimal):
        return []
    out = []
    unit = question.unit
    labels = {p.key: p.label for p in question.provisions}  # people read labels, not keys
    for t in question.thresholds:
        limit = Decimal(str(t["value"]))
        number = Decimal(str(value))
        holds = {
            "ge": number >= limit,
            "le": number <= limit,
            "gt": number > limit,
            "lt": number < limit,
            "eq": number == limit,
        }[t["comparison"]]
        if holds:
            continue
        params = {
            "limit": f"{_plain(limit)} {unit}".strip(),
            "cites": "、".join(labels.get(k, k) for k in t.get("cites") or ()),
        }
        if t.get("advisory"):
            message = {
                "ge": _("Below the recommended minimum of %(limit)s (%(cites)s)."),
                "gt": _("Below the recommended minimum of %(limit)s (%(cites)s)."),
            }.get(t["comparison"], _("Beyond the recommended limit of %(limit)s (%(cites)s)."))
        else:
            message = {
                "ge": _("Below the required minimum of %(limit)s (%(cites)s)."),
                "gt": _("Below the required minimum of %(limit)s (%(cites)s)."),
            }.get(t["comparison"], _("Beyond the required limit of %(limit)s (%(cites)s)."))
        out.append(message % params)
    return out


def clause_gaps_of(c) -> list[tuple[str, str]]:
    """What a clause answer still lacks, as (field, message), from its cleaned fields: the one
    rule the form applies on save and the state applies to stored answers."""
    gaps: list[tuple[str, str]] = []
    need = gaps.append
    result = c.get("value")
    if result == ClauseResult.NA and not c.get("na_reason", "").strip():
        need(("na_reason", _("Say why this clause does not apply.")))
    if result == ClauseResult.NOT_CONFORM:
        mode = c.get("nonconformity")
        if not mode:
            need(
                (
                    "nonconformity",
                    _(
                        "Say whether an equivalent alternative measure is in place or measures are "
                        "being taken under a remediation plan."
                    ),
                )
            )
        elif mode == NonConformity.ALTERNATIVE:
            if not c.get("alternative_measure", "").strip():
                need(("alternative_measure", _("Describe the alternative measure.")))
            if not c.get("alternative_proof", "").strip():
                need(
                    (
                        "alternative_proof",
                        _("Explain and prove that the alternative achieves the same effect."),
                    )
                )
        else:
            if not c.get("measures_taken", "").strip():
                need(("measures_taken", _("Describe the measures already taken.")))
            if not c.get("remediation_plan", "").strip():
                need(("remediation_plan", _("Describe the plan to conform.")))
            if not c.get("remediation_due"):
                need(("remediation_due", _("Give the target date of the plan.")))
    return gaps


class AnswerForm(forms.Form):
    # The page shows about 30 of these forms: widgets written without the template engine.
    default_renderer = PlainWidgets
    revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    note = PlainTextField(
        label=_("Justification"), required=False, widget=TEXTAREA, max_length=10000
    )

    def __init__(self, *args, question: QuestionItem, **kwargs):
        super().__init__(*args, **kwargs)
        self.question = question
        self.incomplete: list[tuple[str, str]] = []
        kind = question.kind
        if kind == QuestionKind.CLAUSE:
            self.fields["value"] = forms.ChoiceField(
                label=_("Result"),
                choices=[
                    c
                    for c in ClauseResult.choices
                    if question.na_allowed or c[0] != ClauseResult.NA
                ],
                required=False,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": NA_REFUSED} if not question.na_allowed else {},
            )
            self.fields["na_reason"] = PlainTextField(
                label=_("Why it does not apply"),
                required=False,
                widget=TEXTAREA,
                max_length=10000,
            )
            self.fields["nonconformity"] = forms.ChoiceField(
                label=_("How the gap is handled"),
                choices=NonConformity.choices,
                required=False,
                widget=forms.RadioSelect,
            )
            for name, label in [
                ("alternative_measure", _("Equivalent alternative measure")),
                ("alternative_proof", _("Proof that it is as effective")),
                ("measures_taken", _("Measures taken so far")),
                ("remediation_plan", _("Remediation plan")),
            ]:
                self.fields[name] = PlainTextField(
                    label=label, required=False, widget=TEXTAREA, max_length=10000
                )
            self.fields["remediation_due"] = forms.DateField(
                label=_("Target date"),
                required=False,
                widget=IsoDateInput(),
            )
        elif kind == QuestionKind.YES_NO:
            self.fields["value"] = forms.ChoiceField(
                label=_("Answer"), choices=YES_NO, required=False, widget=forms.RadioSelect
            )
        elif kind == QuestionKind.SINGLE_CHOICE:
            self.fields["value"] = forms.ChoiceField(
                label=_("Answer"),
                choices=question.choice_options(),
                required=False,
                widget=forms.RadioSelect,
            )
        elif kind == QuestionKind.MULTIPLE_CHOICE:
            self.fields["value"] = forms.MultipleChoiceField(
                label=_("Answer"),
                choices=question.choice_options(),
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
        elif kind == QuestionKind.NUMBER:
            low, high, integer = number_range(question)
            between = _("Enter a number from %(min)s to %(max)s.") % {
                "min": _plain(low),
                "max": _plain(high),
            }
            messages = {
                "min_value": between,
                "max_value": between,
                "max_digits": between,
                "invalid": _("Enter a whole number.")
                if integer
                else _("Enter a number, such as 12 or 0.5."),
            }
            if integer:
                self.fields["value"] = forms.IntegerField(
                    label=_("Answer"),
                    required=False,
                    localize=False,
                    min_value=int(low),
                    max_value=int(high),
                    error_messages=messages,
                )
            else:
                self.fields["value"] = forms.DecimalField(
                    label=_("Answer"),
                    required=False,
                    max_digits=22,
                    decimal_places=6,
                    localize=False,
                    min_value=low,
                    max_value=high,
                    error_messages={
                        **messages,
                        "max_decimal_places": _("Enter at most six decimal places."),
                    },
                )
        elif kind == QuestionKind.DATE:
            self.fields["value"] = forms.DateField(
                label=_("Answer"), required=False, widget=IsoDateInput()
            )
        elif kind == QuestionKind.TEXT:
            self.fields["value"] = PlainTextField(
                label=_("Answer"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
                max_length=20000,
            )

    def clean(self):
        cleaned = super().clean()
        if self.question.kind == QuestionKind.CLAUSE:
            self._check_clause(cleaned)
        return cleaned

    def _check_clause(self, c: dict) -> None:
        self.incomplete.extend(clause_gaps_of(c))

    def stored_value(self):
        """The answer as stored in Answer.value (JSON): see docs/library-format.md."""
        value = self.cleaned_data.get("value")
        kind = self.question.kind
        if value in (None, "", []):
            return None
        if kind == QuestionKind.YES_NO:
            return value == "yes"
        if kind == QuestionKind.NUMBER:
            if isinstance(value, int):
                return value
            return int(value) if value == value.to_integral_value() else float(value)
        if kind == QuestionKind.DATE:
            return value.isoformat()
        if kind == QuestionKind.TEXT:
            return value.strip() or None
        return value

    def stored_details(self) -> dict:
        details = {"note": self.cleaned_data.get("note", "").strip()}
        if self.question.kind == QuestionKind.CLAUSE:
            for name in CLAUSE_FIELDS:
                value = self.cleaned_data.get(name)
                details[name] = (value.strip() if isinstance(value, str) else value) or (
                    None if name == "remediation_due" else ""
                )
        return details


def initial_for(question: QuestionItem, answer, prefill=None) -> dict:
    """Form initial data from a stored answer (or None); `prefill` stands in for a missing
    value (a scope answer the service profile implies)."""
    if answer is None or answer.value in (None, "", []):
        initial = initial_for_value(question, prefill)
        if answer is not None:
            initial.update(revision=answer.revision, note=answer.note)
        return initial
    value = answer.value
    if question.kind == QuestionKind.YES_NO and value is not None:
        value = "yes" if value else "no"
    initial = {"revision": answer.revision, "value": value, "note": answer.note}
    if question.kind == QuestionKind.CLAUSE:
        for name in CLAUSE_FIELDS:
            initial[name] = getattr(answer, name)
    return initial


def initial_for_value(question: QuestionItem, value) -> dict:
    if value is None:
        return {"revision": 0}
    if question.kind == QuestionKind.YES_NO:
        value = "yes" if value else "no"
    return {"revision": 0, "value": value}


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("File"))
    observed_on = forms.DateField(
        label=_("Observation date"),
        required=False,
        widget=IsoDateInput(),
        help_text=_("When the evidence shows the state of things."),
    )
    note = PlainTextField(label=_("Note"), required=False, max_length=500)
