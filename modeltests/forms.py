from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from modeltests.clients import check_template
from modeltests.models import EndpointKind, ModelEndpoint

CUSTOM_EXAMPLE = '{"model": "{{model}}", "input": "{{prompt}}"}'


class EndpointForm(forms.ModelForm):
    base_url = forms.URLField(label=_("base URL"), max_length=500, assume_scheme="https")
    api_key = forms.CharField(
        label=_("API key"),
        required=False,
        max_length=2000,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    clear_key = forms.BooleanField(label=_("Remove the stored key"), required=False)

    class Meta:
        model = ModelEndpoint
        fields = [
            "name",
            "kind",
            "base_url",
            "model_name",
            "request_template",
            "response_path",
            "concurrency",
            "rate_per_second",
            "timeout_seconds",
            "max_retries",
        ]
        widgets = {"request_template": forms.Textarea(attrs={"rows": 4, "class": "font-monospace"})}
        help_texts = {
            "base_url_": _(
                "OpenAI-compatible: the address before /chat/completions, e.g. "
                "http://10.0.0.5:8000/v1 (vLLM), http://127.0.0.1:11434/v1 (Ollama). Custom: the "
                "full address the JSON request is posted to."
            ),
            "model_name": _("The model name the endpoint expects, e.g. qwen2.5-72b-instruct."),
            "request_template": _(
                "Custom endpoints only: the JSON body, with {{prompt}} where the question goes "
                "and optionally {{model}}."
            ),
            "response_path": _(
                "Custom endpoints only: where the answer text is in the JSON response, as a "
                "dotted path, e.g. output.text or choices.0.message.content."
            ),
        }

    def __init__(self, *args, provider, **kwargs):
        super().__init__(*args, **kwargs)
        self.provider = provider
        self.fields["request_template"].widget.attrs["placeholder"] = CUSTOM_EXAMPLE
        self.fields["base_url"].help_text = self.Meta.help_texts["base_url_"]
        if self.instance.pk and self.instance.has_key:
            self.fields["api_key"].help_text = _(
                "A key is stored and is never shown again. Leave empty to keep it; type a new "
                "one to replace it."
            )
        else:
            self.fields.pop("clear_key")
            self.fields["api_key"].help_text = _(
                "Stored encrypted; never shown again, never logged or exported."
            )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(
                _("Endpoint"),
                "name",
                "kind",
                "base_url",
                "model_name",
                "api_key",
                *(["clear_key"] if "clear_key" in self.fields else []),
            ),
            Fieldset(_("Custom HTTP endpoint"), "request_template", "response_path"),
            Fieldset(
                _("Limits"), "concurrency", "rate_per_second", "timeout_seconds", "max_retries"
            ),
            Submit("save", _("Save")),
        )

    def clean_base_url(self) -> str:
        url = self.cleaned_data["base_url"].strip()
        if not url.startswith(("http://", "https://")):
            raise forms.ValidationError(_("Enter an http:// or https:// address."))
        return url

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == EndpointKind.OPENAI and not data.get("model_name"):
            self.add_error("model_name", _("Name the model the endpoint should answer with."))
        if kind == EndpointKind.CUSTOM:
            template = data.get("request_template") or ""
            if not template.strip():
                self.add_error("request_template", _("A custom endpoint needs a request template."))
            else:
                try:
                    check_template(template)
                except ValueError:
                    self.add_error(
                        "request_template",
                        _("Enter a JSON object with a {{prompt}} placeholder inside a string."),
                    )
            if not (data.get("response_path") or "").strip():
                self.add_error("response_path", _("Say where the answer is in the response."))
        name = data.get("name")
        if name:
            clash = self.provider.model_endpoints.filter(name=name).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("name", _("This provider already has an endpoint of that name."))
        return data


class RunForm(forms.Form):
    # Chosen by public id: the same value in the page's form and in an API request.
    endpoint = forms.ModelChoiceField(
        label=_("Model to test"), queryset=ModelEndpoint.objects.none(), to_field_name="public_id"
    )
    judge = forms.ModelChoiceField(
        label=_("Judge model (classifier draw)"),
        queryset=ModelEndpoint.objects.none(),
        to_field_name="public_id",
        required=False,
        help_text=_("Any registered endpoint; grades each answer with the versioned rubric."),
    )
    bank_file = forms.FileField(
        label=_("Newer test banks (optional)"),
        required=False,
        help_text=_(
            "An annex 5 workbook with the sheets 生成类, 拒答 and 非拒答. Empty: the annex 5 banks "
            "uploaded to the latest assessment."
        ),
    )
    manual = forms.IntegerField(label=_("Manual draw"), min_value=0, max_value=20000, initial=1000)
    keyword = forms.IntegerField(
        label=_("Keyword draw"), min_value=0, max_value=20000, initial=1000
    )
    classifier = forms.IntegerField(
        label=_("Classifier draw"), min_value=0, max_value=20000, initial=1000
    )
    refuse = forms.IntegerField(
        label=_("Should-refuse draw"), min_value=0, max_value=20000, initial=300
    )
    non_refuse = forms.IntegerField(
        label=_("Should-not-refuse draw"), min_value=0, max_value=20000, initial=300
    )
    budget = forms.IntegerField(
        label=_("Request budget"),
        min_value=1,
        max_value=1_000_000,
        initial=10000,
        help_text=_(
            "Every request counts, retries and judge requests included; the run pauses when it is spent."
        ),
    )
    seed = forms.IntegerField(
        label=_("Seed (optional)"),
        required=False,
        min_value=0,
        max_value=2**48 - 1,
        help_text=_("Empty: a new random seed. The same seed and banks draw the same questions."),
    )

    def __init__(self, *args, provider, **kwargs):
        super().__init__(*args, **kwargs)
        endpoints = provider.model_endpoints.order_by("name")
        self.fields["endpoint"].queryset = endpoints
        self.fields["judge"].queryset = endpoints
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(_("Models"), "endpoint", "judge"),
            Fieldset(_("Banks"), "bank_file"),
            Fieldset(
                _("Questions per draw (TC260-003 9.3: 1 000 each; 9.4: 300 each)"),
                "manual",
                "keyword",
                "classifier",
                "refuse",
                "non_refuse",
            ),
            Fieldset(_("Limits"), "budget", "seed"),
        )

    def sizes(self) -> dict[str, int]:
        return {
            d: self.cleaned_data[d]
            for d in ("manual", "keyword", "classifier", "refuse", "non_refuse")
        }

    def run_arguments(self) -> dict:
        """What modeltests.services.run_start takes from this form (page and API alike)."""
        from modeltests.banks import uploaded_source

        upload = self.cleaned_data.get("bank_file")
        return {
            "endpoint": self.cleaned_data["endpoint"],
            "judge": self.cleaned_data.get("judge"),
            "sizes": self.sizes(),
            "budget": self.cleaned_data["budget"],
            "seed": self.cleaned_data.get("seed"),
            "bank_files": [uploaded_source(upload)] if upload else None,
        }

    def clean(self):
        data = super().clean()
        if all(
            not data.get(d) for d in ("manual", "keyword", "classifier", "refuse", "non_refuse")
        ):
            raise forms.ValidationError(_("Draw at least one question."))
        return data


class ControlForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ("pause", "resume", "cancel", "retry")])
    budget = forms.IntegerField(required=False, min_value=1, max_value=1_000_000)
