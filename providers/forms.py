from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from portal.formfields import PlainTextMixin
from providers import codes
from providers.models import AIService, Channel, Invitation, Modality, Provider, Role


class ProviderForm(PlainTextMixin, forms.ModelForm):
    class Meta:
        model = Provider
        fields = [
            "name_zh",
            "name_en",
            "credit_code",
            "address",
            "legal_representative",
            "security_lead",
            "legality_lead",
            "pi_officer",
            "contact_name",
            "contact_email",
            "contact_phone",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(_("Organisation"), "name_zh", "name_en", "credit_code", "address"),
            Fieldset(
                _("Responsible persons"),
                "legal_representative",
                "security_lead",
                "legality_lead",
                "pi_officer",
            ),
            Fieldset(_("Contact"), "contact_name", "contact_email", "contact_phone"),
            Submit("save", _("Save")),
        )

    def clean_credit_code(self) -> str:
        try:
            return codes.validate_uscc(self.cleaned_data["credit_code"])
        except codes.CodeError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc


class AIServiceForm(PlainTextMixin, forms.ModelForm):
    modalities = forms.MultipleChoiceField(
        label=_("Modalities"),
        choices=Modality.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What the service generates."),
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("How users reach the service."),
    )

    class Meta:
        model = AIService
        fields = [
            "name",
            "description",
            "modalities",
            "channels",
            "audience",
            "public_opinion",
            "minors_allowed",
            "emotional_interaction",
            "foundation_model_source",
            "foundation_model_name",
            "foundation_model_filing_number",
            "algorithm_filing_number",
            "gai_filing_number",
            "launch_status",
            "provider_code",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, provider: Provider, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.provider = provider
        self.fields["provider_code"].widget.attrs["placeholder"] = (
            self.instance.effective_provider_code()
        )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(_("Service"), "name", "description", "launch_status"),
            Fieldset(
                _("Reach"),
                Div(
                    Div("modalities", css_class="col-md-6"),
                    Div("channels", css_class="col-md-6"),
                    css_class="row",
                ),
                "audience",
                "public_opinion",
                "minors_allowed",
                "emotional_interaction",
            ),
            Fieldset(
                _("Model"),
                "foundation_model_source",
                "foundation_model_name",
                "foundation_model_filing_number",
            ),
            Fieldset(
                _("Filings and codes"),
                "algorithm_filing_number",
                "gai_filing_number",
                "provider_code",
            ),
            Submit("save", _("Save")),
        )

    def clean_provider_code(self) -> str:
        return self.cleaned_data["provider_code"].strip().upper()


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["email", "role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_class = "row g-2 align-items-end"
        self.helper.layout = Layout(
            Div("email", css_class="col-md-6"),
            Div("role", css_class="col-md-3"),
            Div(Submit("invite", _("Send invitation")), css_class="col-md-3 mb-3"),
        )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
