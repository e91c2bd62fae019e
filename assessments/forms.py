"""One form per answer, built from the question's kind.

Type errors (a number that is not a number) refuse the save; missing branch details of a clause
result (an N/A without its reason ...) are saved as they are and reported as incomplete, so
nothing typed is ever lost and the answer counts only once it is complete.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import ClauseResult, NonConformity
from library.catalogue import QuestionItem
from library.models import QuestionKind
from portal.formfields import IsoDateInput, PlainTextField

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


class AnswerForm(forms.Form):
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
                choices=ClauseResult.choices,
                required=False,
                widget=forms.RadioSelect,
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
            # A share asked "as a decimal between 0 and 1" cannot be 12000 (or 30 for 30 %).
            ratio = is_ratio(question)
            self.fields["value"] = forms.DecimalField(
                label=_("Answer"),
                required=False,
                max_digits=20,
                decimal_places=6,
                localize=False,
                min_value=0 if ratio else None,
                max_value=1 if ratio else None,
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
        need = self.incomplete.append
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

    def stored_value(self):
        """The answer as stored in Answer.value (JSON): see docs/library-format.md."""
        value = self.cleaned_data.get("value")
        kind = self.question.kind
        if value in (None, "", []):
            return None
        if kind == QuestionKind.YES_NO:
            return value == "yes"
        if kind == QuestionKind.NUMBER:
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
