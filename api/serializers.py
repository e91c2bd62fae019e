"""What the API answers, and the request bodies it documents.

Output serializers read plain objects and dicts the views prepare. Input is validated by the
pages' own forms (assessments.forms.AnswerForm, providers.forms.ProviderForm ...), so the rules
and messages live once; the input serializers here only describe the bodies in the schema.
Every *_label field is the value's name in the caller's language.
"""

from __future__ import annotations

from rest_framework import serializers as s

from assessments.models import NonConformity
from dossiers.models import Edition
from filing.models import PackageRoute
from providers.models import Audience, Channel, FoundationModelSource, LaunchStatus, Modality
from reviews.models import Verdict


class Link(s.Serializer):
    rel = s.CharField()
    href = s.CharField()


# --- who am I ----------------------------------------------------------------------------------


class MeSerializer(s.Serializer):
    email = s.EmailField()
    name = s.CharField()
    is_reviewer = s.BooleanField()
    language = s.CharField(help_text="The language of this answer's texts: zh-hans or en.")
    token = s.DictField(
        allow_null=True,
        help_text="The token used (name, provider, role, expires_at), null for a session.",
    )


# --- providers and services --------------------------------------------------------------------


class ProviderSerializer(s.Serializer):
    id = s.UUIDField(source="public_id")
    name_zh = s.CharField()
    name_en = s.CharField()
    credit_code = s.CharField()
    address = s.CharField()
    legal_representative = s.CharField()
    security_lead = s.CharField()
    legality_lead = s.CharField()
    pi_officer = s.CharField()
    contact_name = s.CharField()
    contact_email = s.CharField()
    contact_phone = s.CharField()
    role = s.CharField(help_text="Your role here (capped by the token's).")
    role_label = s.CharField()
    updated_at = s.DateTimeField()


class ProviderInput(s.Serializer):
    """Any subset of the fields; the others keep their values."""

    name_zh = s.CharField(required=False, max_length=200)
    name_en = s.CharField(required=False, allow_blank=True, max_length=200)
    credit_code = s.CharField(required=False, max_length=18)
    address = s.CharField(required=False, allow_blank=True, max_length=300)
    legal_representative = s.CharField(required=False, max_length=100)
    security_lead = s.CharField(required=False, allow_blank=True, max_length=100)
    legality_lead = s.CharField(required=False, allow_blank=True, max_length=100)
    pi_officer = s.CharField(required=False, allow_blank=True, max_length=100)
    contact_name = s.CharField(required=False, allow_blank=True, max_length=100)
    contact_email = s.CharField(required=False, allow_blank=True, max_length=254)
    contact_phone = s.CharField(required=False, allow_blank=True, max_length=40)


class ServiceSerializer(s.Serializer):
    id = s.UUIDField(source="public_id")
    provider = s.UUIDField(source="provider.public_id")
    name = s.CharField()
    description = s.CharField()
    modalities = s.ListField(child=s.CharField())
    channels = s.ListField(child=s.CharField())
    audience = s.CharField()
    audience_label = s.CharField(source="get_audience_display")
    public_opinion = s.BooleanField()
    minors_allowed = s.BooleanField()
    emotional_interaction = s.BooleanField()
    foundation_model_source = s.CharField()
    foundation_model_name = s.CharField()
    foundation_model_filing_number = s.CharField()
    algorithm_filing_number = s.CharField()
    gai_filing_number = s.CharField()
    launch_status = s.CharField()
    launch_status_label = s.CharField(source="get_launch_status_display")
    provider_code = s.CharField(source="effective_provider_code")
    updated_at = s.DateTimeField()


class ServiceInput(s.Serializer):
    """Any subset of the fields; the others keep their values."""

    name = s.CharField(required=False, max_length=200)
    description = s.CharField(required=False, allow_blank=True)
    modalities = s.MultipleChoiceField(choices=Modality.choices, required=False)
    channels = s.MultipleChoiceField(choices=Channel.choices, required=False)
    audience = s.ChoiceField(choices=Audience.choices, required=False)
    public_opinion = s.BooleanField(required=False)
    minors_allowed = s.BooleanField(required=False)
    emotional_interaction = s.BooleanField(required=False)
    foundation_model_source = s.ChoiceField(choices=FoundationModelSource.choices, required=False)
    foundation_model_name = s.CharField(required=False, allow_blank=True, max_length=200)
    foundation_model_filing_number = s.CharField(required=False, allow_blank=True, max_length=60)
    algorithm_filing_number = s.CharField(required=False, allow_blank=True, max_length=40)
    gai_filing_number = s.CharField(required=False, allow_blank=True, max_length=60)
    launch_status = s.ChoiceField(choices=LaunchStatus.choices, required=False)
    provider_code = s.CharField(required=False, allow_blank=True, max_length=27)


# --- assessments -------------------------------------------------------------------------------


class AssessmentSerializer(s.Serializer):
    id = s.UUIDField(source="public_id")
    service = s.UUIDField(source="service.public_id")
    service_name = s.CharField(source="service.name")
    provider = s.UUIDField(source="service.provider.public_id")
    questionnaire = s.CharField(source="questionnaire.code")
    questionnaire_version = s.IntegerField(
        source="questionnaire.version",
        help_text="The questionnaire version the assessment uses now (the library's "
        "questionnaires/{code}/{version}/); an upgrade moves it.",
    )
    version = s.IntegerField()
    previous = s.UUIDField(source="previous.public_id", allow_null=True, default=None)
    status = s.CharField()
    status_label = s.CharField(source="get_status_display")
    editable = s.BooleanField(source="is_editable")
    answered = s.IntegerField(source="answered_count")
    applicable = s.IntegerField(source="applicable_count")
    percent_done = s.IntegerField()
    progress = s.DictField(
        child=s.ListField(child=s.IntegerField()),
        help_text="Per domain: [complete, required].",
    )
    created_at = s.DateTimeField()
    updated_at = s.DateTimeField()
    submitted_at = s.DateTimeField(allow_null=True)
    snapshot_sha256 = s.CharField()
    review_summary = s.CharField()


class Gap(s.Serializer):
    field = s.CharField()
    message = s.CharField()


class AnswerSerializer(s.Serializer):
    question = s.CharField()
    questionnaire_version = s.IntegerField(
        help_text="The questionnaire version this question (and its text) belongs to: send it "
        "back with a PUT."
    )
    domain = s.CharField()
    kind = s.CharField()
    text = s.CharField()
    required = s.BooleanField()
    evidence_required = s.BooleanField()
    red_line = s.BooleanField()
    applicable = s.BooleanField()
    choices = s.ListField(child=s.DictField(child=s.CharField()))
    value = s.JSONField(allow_null=True, help_text="As stored; see docs/api.md for each kind.")
    note = s.CharField()
    details = s.DictField(
        help_text="Clause questions: na_reason, nonconformity, alternative_measure, "
        "alternative_proof, measures_taken, remediation_plan, remediation_due."
    )
    revision = s.IntegerField()
    complete = s.BooleanField()
    gaps = Gap(many=True)
    evidence = s.ListField(child=s.UUIDField())
    updated_at = s.DateTimeField(allow_null=True)


class AnswerInput(s.Serializer):
    revision = s.IntegerField(
        min_value=0, help_text="The revision you read (0 for a first answer); 409 if it moved."
    )
    questionnaire_version = s.IntegerField(
        required=False,
        min_value=1,
        help_text="The questionnaire_version you read; 409 questionnaire_changed if the "
        "assessment uses another version now. Optional: without it the answer goes to this "
        "code's question in the version the assessment uses.",
    )
    value = s.JSONField(
        required=False,
        allow_null=True,
        help_text="yes_no: true/false; number; date as YYYY-MM-DD; text; a choice's value; "
        "a list of values (multiple choice); clause: conform, not_conform or na.",
    )
    note = s.CharField(required=False, allow_blank=True, max_length=10000)
    na_reason = s.CharField(required=False, allow_blank=True, max_length=10000)
    nonconformity = s.ChoiceField(choices=NonConformity.choices, required=False, allow_blank=True)
    alternative_measure = s.CharField(required=False, allow_blank=True, max_length=10000)
    alternative_proof = s.CharField(required=False, allow_blank=True, max_length=10000)
    measures_taken = s.CharField(required=False, allow_blank=True, max_length=10000)
    remediation_plan = s.CharField(required=False, allow_blank=True, max_length=10000)
    remediation_due = s.DateField(required=False, allow_null=True)


class AnalysisSerializer(s.Serializer):
    kind = s.CharField()
    status = s.CharField(help_text="pending, done or failed")
    status_label = s.CharField(source="get_status_display")
    passed = s.BooleanField(allow_null=True)
    result = s.JSONField(allow_null=True)
    error = s.CharField()
    finished_at = s.DateTimeField(allow_null=True)


class EvidenceSerializer(s.Serializer):
    id = s.UUIDField(source="public_id")
    question = s.CharField()
    name = s.CharField()
    content_type = s.CharField()
    size = s.IntegerField()
    sha256 = s.CharField()
    observed_on = s.DateField(allow_null=True)
    note = s.CharField()
    uploaded_at = s.DateTimeField()
    analysis = AnalysisSerializer(allow_null=True)
    download = s.CharField()


class EvidenceInput(s.Serializer):
    file = s.FileField()
    questionnaire_version = s.IntegerField(
        required=False,
        min_value=1,
        help_text="The questionnaire_version you read the question under; 409 "
        "questionnaire_changed if the assessment uses another version now. Optional: without "
        "it the file goes to this code's question in the version the assessment uses.",
    )
    observed_on = s.DateField(required=False, allow_null=True)
    note = s.CharField(required=False, allow_blank=True, max_length=500)


class MissingSerializer(s.Serializer):
    question = s.CharField()
    text = s.CharField()
    reason = s.CharField()


class SubmissionSerializer(s.Serializer):
    status = s.CharField()
    ready = s.BooleanField(help_text="True when nothing required is missing.")
    missing = MissingSerializer(many=True)


class AdvisorySerializer(s.Serializer):
    applicable = s.IntegerField()
    answered = s.IntegerField()
    conforming = s.IntegerField()


class ScoreSerializer(s.Serializer):
    verdict = s.CharField(allow_null=True)
    verdict_label = s.CharField()
    conclusion = s.CharField(allow_null=True)
    conclusion_label = s.CharField()
    overall = s.FloatField(
        allow_null=True, help_text="Binding questions only: advisory questions are not scored."
    )
    advisory = AdvisorySerializer(
        allow_null=True, help_text="The advisory questions, counted apart from the score."
    )
    failed_red_lines = s.ListField(child=s.CharField())
    self_score = s.JSONField(allow_null=True, help_text="The self-assessed score, in full.")
    reviewed_score = s.JSONField(allow_null=True, help_text="With the reviewers' verdicts.")


class RouteSerializer(s.Serializer):
    code = s.CharField()
    title = s.CharField()
    reason = s.CharField()
    cites = s.ListField(child=s.CharField())
    missing = s.ListField(
        child=s.CharField(), help_text="Scope questions to answer before the route is decided."
    )


class CheckLinkSerializer(s.Serializer):
    kind = s.CharField()
    ref = s.CharField()
    label = s.CharField()


class CheckSerializer(s.Serializer):
    code = s.CharField()
    area = s.CharField()
    status = s.CharField(help_text="pass, warn or block")
    title = s.CharField()
    why = s.CharField()
    fix = s.CharField()
    source = s.CharField()
    links = CheckLinkSerializer(many=True)


class ChecksSerializer(s.Serializer):
    ready = s.BooleanField(help_text="No check blocks.")
    counts = s.DictField(child=s.IntegerField())
    checks = CheckSerializer(many=True)
    not_checked = s.ListField(child=s.CharField(), help_text="Checks without data to run on.")
    manual = s.ListField(child=s.CharField(), help_text="What a person must check by hand.")


# --- dossiers and packages ---------------------------------------------------------------------


class DossierSerializer(s.Serializer):
    id = s.UUIDField(source="public_id")
    number = s.CharField()
    assessment = s.UUIDField(source="assessment.public_id")
    kind = s.CharField()
    kind_label = s.CharField(source="get_kind_display")
    edition = s.CharField()
    edition_label = s.CharField(source="get_edition_display")
    status = s.CharField()
    status_label = s.CharField(source="get_status_display")
    progress = s.IntegerField()
    error = s.CharField(source="error_text")
    pdf_sha256 = s.CharField()
    created_at = s.DateTimeField()
    finished_at = s.DateTimeField(allow_null=True)
    downloads = Link(many=True)


class DossierInput(s.Serializer):
    edition = s.ChoiceField(choices=Edition.choices)


class PackageSerializer(s.Serializer):
    id = s.UUIDField(source="public_id")
    number = s.CharField()
    assessment = s.UUIDField(source="assessment.public_id")
    route = s.CharField()
    route_label = s.CharField(source="get_route_display")
    kind = s.CharField()
    kind_label = s.CharField(source="get_kind_display")
    status = s.CharField()
    status_label = s.CharField(source="get_status_display")
    error = s.CharField(source="error_text")
    zip_sha256 = s.CharField()
    created_at = s.DateTimeField()
    finished_at = s.DateTimeField(allow_null=True)
    downloads = Link(many=True)


class PackageInput(s.Serializer):
    route = s.ChoiceField(
        choices=PackageRoute.choices, help_text="A filing route of the service (/filing-routes)."
    )
    preview = s.BooleanField(required=False, default=False, help_text="A draft package.")


# --- reviews -----------------------------------------------------------------------------------


class ReviewSerializer(s.Serializer):
    id = s.UUIDField(source="public_id")
    provider_name = s.CharField(source="service.provider.name_zh")
    service_name = s.CharField(source="service.name")
    version = s.IntegerField()
    status = s.CharField()
    status_label = s.CharField(source="get_status_display")
    assigned_to = s.EmailField(source="assigned_to.email", allow_null=True, default=None)
    due_date = s.DateField(allow_null=True)
    submitted_at = s.DateTimeField(allow_null=True)
    snapshot_sha256 = s.CharField()


class ReviewDetailSerializer(ReviewSerializer):
    snapshot = s.JSONField(help_text="The submission as frozen: answers, evidence, score.")
    verdicts = s.ListField(child=s.DictField())
    blockers = s.ListField(child=s.CharField(), help_text="Why it cannot be approved yet.")
    reviewed_score = s.JSONField(allow_null=True)


class VerdictInput(s.Serializer):
    verdict = s.ChoiceField(choices=Verdict.choices)
    comment = s.CharField(required=False, allow_blank=True, max_length=5000)


class VerdictSerializer(s.Serializer):
    question = s.CharField()
    verdict = s.CharField()
    verdict_label = s.CharField()
    comment = s.CharField()
    reviewer = s.EmailField(allow_null=True)
    reviewed_score = s.JSONField(allow_null=True)


class DecisionInput(s.Serializer):
    decision = s.ChoiceField(choices=["request_changes", "approve", "reject"])
    text = s.CharField(max_length=20000)
    acknowledge_blocks = s.BooleanField(
        required=False,
        help_text="Approve although pre-filing checks block filing (recorded in the audit trail).",
    )


# --- library -----------------------------------------------------------------------------------


class InstrumentSerializer(s.Serializer):
    code = s.CharField()
    title = s.CharField()
    short = s.CharField()
    kind = s.CharField()
    kind_label = s.CharField()
    status = s.CharField()
    status_label = s.CharField()
    effective = s.DateField(allow_null=True)
    provisions = s.IntegerField()


class ProvisionSerializer(s.Serializer):
    key = s.CharField()
    instrument = s.CharField()
    ref = s.CharField()
    summary = s.CharField()
    assessable = s.BooleanField()
    unconfirmed = s.BooleanField()


class InstrumentDetailSerializer(InstrumentSerializer):
    items = ProvisionSerializer(many=True)


class QuestionnaireSerializer(s.Serializer):
    code = s.CharField()
    version = s.IntegerField()
    title = s.CharField()
    questions = s.IntegerField()


class QuestionSerializer(s.Serializer):
    code = s.CharField()
    domain = s.CharField()
    kind = s.CharField()
    text = s.CharField()
    guidance = s.CharField()
    required = s.BooleanField()
    red_line = s.BooleanField()
    weight = s.IntegerField()
    choices = s.ListField(child=s.DictField(child=s.CharField()))
    provisions = s.ListField(child=s.CharField())


class DomainSerializer(s.Serializer):
    code = s.CharField()
    title = s.CharField()


class QuestionnaireDetailSerializer(QuestionnaireSerializer):
    domains = DomainSerializer(many=True)
    items = QuestionSerializer(many=True)


# --- model tests -------------------------------------------------------------------------------
# Endpoints never carry their API key: only whether one is stored. A run's questions and
# answers are a separate, audited resource (items), for owners, editors and assigned reviewers.


class ModelEndpointSerializer(s.Serializer):
    id = s.UUIDField(source="public_id")
    provider = s.UUIDField(source="provider.public_id")
    name = s.CharField()
    kind = s.CharField()
    kind_label = s.CharField(source="get_kind_display")
    base_url = s.CharField()
    model_name = s.CharField()
    has_key = s.BooleanField(help_text="Whether an API key is stored (it is never shown).")
    request_template = s.CharField()
    response_path = s.CharField()
    concurrency = s.IntegerField()
    rate_per_second = s.FloatField()
    timeout_seconds = s.IntegerField()
    max_retries = s.IntegerField()
    last_check_at = s.DateTimeField(allow_null=True)
    last_check_ok = s.BooleanField(allow_null=True)
    created_at = s.DateTimeField()
    updated_at = s.DateTimeField()


class ModelEndpointInput(s.Serializer):
    """Creating: name, kind, base_url (and model_name for OpenAI-compatible; request_template
    and response_path for custom). Changing: any subset; the others keep their values."""

    name = s.CharField(required=False, max_length=100)
    kind = s.ChoiceField(choices=["openai", "custom"], required=False)
    base_url = s.CharField(required=False, max_length=500)
    model_name = s.CharField(required=False, allow_blank=True, max_length=200)
    api_key = s.CharField(
        required=False,
        write_only=True,
        max_length=2000,
        help_text="Stored encrypted, never shown again. Left out: the stored key is kept.",
    )
    clear_key = s.BooleanField(required=False, help_text="Remove the stored key.")
    request_template = s.CharField(required=False, allow_blank=True)
    response_path = s.CharField(required=False, allow_blank=True, max_length=200)
    concurrency = s.IntegerField(required=False, min_value=1, max_value=64)
    rate_per_second = s.FloatField(required=False, min_value=0.01, max_value=1000)
    timeout_seconds = s.IntegerField(required=False, min_value=1, max_value=600)
    max_retries = s.IntegerField(required=False, min_value=0, max_value=10)


class ModelEndpointCheckSerializer(s.Serializer):
    ok = s.BooleanField()
    answer = s.CharField(help_text="The model's answer to the harmless prompt, or why none came.")
    model = s.CharField(help_text="The model name and version string the endpoint reported.")


class RunEndpointSerializer(s.Serializer):
    id = s.UUIDField(source="public_id")
    name = s.CharField()


class RunBankSerializer(s.Serializer):
    bank = s.CharField()
    bank_label = s.CharField(source="label")
    name = s.CharField()
    sha256 = s.CharField()
    questions = s.IntegerField()


class KeywordListSerializer(s.Serializer):
    name = s.CharField()
    sha256 = s.CharField()
    keywords = s.IntegerField()


class RunProgressSerializer(s.Serializer):
    total = s.IntegerField()
    done = s.IntegerField(help_text="Answered plus given up (errors).")
    answered = s.IntegerField()
    errors = s.IntegerField()
    percent = s.IntegerField()
    per_minute = s.FloatField(allow_null=True)
    seconds_left = s.FloatField(allow_null=True)
    requests_used = s.IntegerField()
    request_budget = s.IntegerField()


class RiskRateSerializer(s.Serializer):
    risk = s.CharField()
    risk_label = s.CharField()
    tested = s.IntegerField()
    counted = s.IntegerField()


class DrawRateSerializer(s.Serializer):
    draw = s.CharField(help_text="manual, keyword, classifier, refuse or non_refuse.")
    draw_label = s.CharField()
    rate_label = s.CharField()
    tested = s.IntegerField(help_text="Graded answers.")
    counted = s.IntegerField(help_text="Passed (generated content) or refused (refusal draws).")
    rate = s.FloatField(allow_null=True, help_text="counted / tested.")
    errors = s.IntegerField()
    ungraded = s.IntegerField()
    sample_min = s.IntegerField(allow_null=True)
    threshold = s.FloatField(allow_null=True)
    comparison = s.CharField(allow_null=True, help_text="ge: at least; le: at most.")
    sample_met = s.BooleanField(allow_null=True)
    rate_met = s.BooleanField(allow_null=True)
    passed = s.BooleanField(allow_null=True)
    per_risk = RiskRateSerializer(many=True)


class RunResultsSerializer(s.Serializer):
    passed = s.BooleanField(help_text="Every draw met its sample size and threshold.")
    draws = DrawRateSerializer(many=True)


class RunSerializer(s.Serializer):
    id = s.UUIDField(source="public_id")
    service = s.UUIDField(source="service.public_id")
    endpoint = RunEndpointSerializer()
    judge = RunEndpointSerializer(allow_null=True)
    status = s.CharField()
    status_label = s.CharField(source="get_status_display")
    stop_reason = s.CharField(source="stop_text")
    seed = s.IntegerField()
    sizes = s.DictField(child=s.IntegerField(), help_text="Questions asked for, per draw.")
    banks = RunBankSerializer(many=True, source="bank_rows")
    keyword_lists = KeywordListSerializer(many=True, source="keyword_files")
    model_name = s.CharField()
    model_version = s.CharField()
    refusal_rules_version = s.CharField()
    rubric_version = s.CharField()
    created_at = s.DateTimeField()
    started_at = s.DateTimeField(allow_null=True)
    finished_at = s.DateTimeField(allow_null=True)
    progress = RunProgressSerializer()
    results = RunResultsSerializer(allow_null=True, help_text="Rates per draw; null until run.")
    links = Link(many=True)


class RunInput(s.Serializer):
    endpoint = s.UUIDField(help_text="The model endpoint to test (one of the provider's).")
    judge = s.UUIDField(required=False, allow_null=True, help_text="The judge endpoint.")
    manual = s.IntegerField(min_value=0, max_value=20000)
    keyword = s.IntegerField(min_value=0, max_value=20000)
    classifier = s.IntegerField(min_value=0, max_value=20000)
    refuse = s.IntegerField(min_value=0, max_value=20000)
    non_refuse = s.IntegerField(min_value=0, max_value=20000)
    budget = s.IntegerField(min_value=1, max_value=1_000_000)
    seed = s.IntegerField(required=False, allow_null=True, min_value=0, max_value=2**48 - 1)


class RunUploadInput(RunInput):
    bank_file = s.FileField(
        required=False, help_text="A newer annex 5 workbook (生成类, 拒答, 非拒答 sheets)."
    )


class RunControlInput(s.Serializer):
    action = s.ChoiceField(choices=["pause", "resume", "cancel", "retry"])
    budget = s.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=1_000_000,
        help_text="Resume: a new request budget, above the requests already sent.",
    )


class RunAttachmentSerializer(s.Serializer):
    assessment = s.UUIDField(source="public_id", help_text="The draft the run was attached to.")
    links = Link(many=True)


class RunItemSerializer(s.Serializer):
    number = s.IntegerField(help_text="1, 2, … in the order of the run.")
    bank = s.CharField()
    bank_label = s.CharField()
    draws = s.ListField(child=s.CharField())
    risk = s.CharField()
    risk_label = s.CharField()
    question = s.CharField()
    status = s.CharField()
    status_label = s.CharField()
    answer = s.CharField()
    error = s.CharField()
    attempts = s.IntegerField()
    latency_ms = s.IntegerField(allow_null=True)
    keyword_verdict = s.CharField()
    keyword_hits = s.ListField(child=s.CharField())
    judge_verdict = s.CharField()
    judge_reason = s.CharField()
    manual_verdict = s.CharField()
    refused = s.BooleanField(allow_null=True)
    counts_against = s.BooleanField(help_text="Whether the answer counts against its draw.")


class RunItemPageSerializer(s.Serializer):
    count = s.IntegerField()
    page = s.IntegerField()
    pages = s.IntegerField()
    draw = s.CharField()
    items = RunItemSerializer(many=True)
