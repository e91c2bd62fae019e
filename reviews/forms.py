from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from portal.formfields import IsoDateInput, PlainTextField
from reviews.models import Verdict


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Verdict"), choices=Verdict.choices, widget=forms.RadioSelect
    )
    comment = PlainTextField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DecisionForm(forms.Form):
    text = PlainTextField(
        label=_("Opinion"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4})
    )
    acknowledge_blocks = forms.BooleanField(
        label=_("I approve knowing that the provider must fix the blocking checks before filing."),
        required=False,
    )


class AssignForm(forms.Form):
    reviewer = forms.ModelChoiceField(
        label=_("Reviewer"),
        queryset=User.objects.filter(is_reviewer=True, is_active=True),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=IsoDateInput(attrs={"class": "form-control form-control-sm"}),
    )
