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
    questionnaire_version = s.IntegerField(source="questionnaire.version")
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


class ScoreSerializer(s.Serializer):
    verdict = s.CharField(allow_null=True)
    verdict_label = s.CharField()
    conclusion = s.CharField(allow_null=True)
    conclusion_label = s.CharField()
    overall = s.FloatField(allow_null=True)
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
