"""Forms of the filing app: the disclosure text (拟公示内容, one field per item of
filing-practice §4.4 and the revision the user started from) and a package request."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Submit
from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from filing import disclosure
from filing.models import Disclosure, PackageRoute
from portal.formfields import PlainTextField

HELP = {
    "algorithm_name": _(
        "The same name in the filing system, this text and the self-assessment report; "
        "the portal uses the service name."
    ),
    "principle": _("What the model is and how it generates, in plain words."),
    "mechanism": _("From input to output: checks on input and output, labels, logs."),
    "scenarios": _("Who uses it, through which channels, for what."),
    "purpose": _("One sentence: 应用于…场景，根据…，生成…"),
    "publicity": _("Where the principle, purpose and mechanism are shown to users (optional)."),
}
ROWS = {"purpose": 2, "principle": 5, "mechanism": 6}


def _field(name: str) -> forms.CharField:
    model_field = Disclosure._meta.get_field(name)
    return PlainTextField(
        label=capfirst(model_field.verbose_name),
        help_text=HELP[name],
        required=name in disclosure.REQUIRED,
        max_length=getattr(model_field, "max_length", None),
        strip=True,
        widget=forms.TextInput
        if name == "algorithm_name"
        else forms.Textarea(attrs={"rows": ROWS.get(name, 4)}),
    )


class DisclosureForm(forms.Form):
    """Refuses secrets and personal data as errors on the field that holds them, so the
    user's text stays in the form and the message says what to remove."""

    algorithm_name = _field("algorithm_name")
    principle = _field("principle")
    mechanism = _field("mechanism")
    scenarios = _field("scenarios")
    purpose = _field("purpose")
    publicity = _field("publicity")
    revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, read_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "disclosure-form"
        self.helper.layout = Layout(
            *(Field(name, wrapper_class=f"disclosure-field-{name}") for name in disclosure.FIELDS),
            "revision",
        )
        if read_only:
            for field in self.fields.values():
                field.disabled = True
            self.helper.form_tag = False
        else:
            self.helper.add_input(Submit("save", _("Save the disclosure text")))

    def clean(self):
        cleaned = super().clean()
        text = {name: cleaned.get(name) or "" for name in disclosure.FIELDS}
        refused = disclosure.refusals(text)
        for name, messages in refused.items():
            self.add_error(name, [m + ("." if m.isascii() else "。") for m in messages])
        if refused:
            self.add_error(
                None,
                _(
                    "Not saved: the text holds personal data or secrets (marked at the fields). "
                    "The CAC publishes this text; remove them and save again."
                ),
            )
        return cleaned

    def text(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in disclosure.FIELDS}


class PackageForm(forms.Form):
    """A click on "build draft/signed package" of one route."""

    route = forms.ChoiceField(choices=PackageRoute.choices)
    preview = forms.BooleanField(required=False)
