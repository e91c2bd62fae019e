from django import forms
from django.utils.translation import gettext_lazy as _

from dossiers.models import Edition


class GenerateForm(forms.Form):
    edition = forms.ChoiceField(label=_("Edition"), choices=Edition.choices, initial=Edition.ZH)


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=_("Dossier PDF or filing package (ZIP)"),
        help_text=_("The file is checked and then discarded; nothing is kept."),
    )
