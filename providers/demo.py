"""Load the demo data set of fixtures/demo/demo.yaml; rerunning changes nothing.

A service with an `assessment` entry gets one filled-in self-assessment (built by
dossiers.testing.make_assessment: every required question answered, the annex 4/5 artefacts
uploaded and analysed), with the entry's answers and optionally submitted. Only a service
without any assessment gets one, so the demo users' own work is never touched or duplicated.
A provider's `model_endpoints` (the scripted model of `make model-server`) are created once.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction

from accounts.models import User
from providers.models import AIService, Membership, Provider

SERVICE_FIELDS = {
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
    "launch_status",
    "algorithm_filing_number",
    "gai_filing_number",
}


def demo_file() -> Path:
    return Path(settings.BASE_DIR) / "fixtures" / "demo" / "demo.yaml"


def read_demo(path: Path | None = None) -> dict:
    with (path or demo_file()).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def answer_value(value):
    """A YAML value as the answer form takes it: YAML reads yes/no as booleans, dates as dates."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return [answer_value(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def questionnaire_loaded() -> bool:
    from library.models import Questionnaire

    return Questionnaire.objects.exists()


def ensure_assessment(service: AIService, spec: dict, users: dict[str, User]) -> bool:
    """The demo assessment of a service that has none yet; True when one was created."""
    from assessments.models import Assessment
    from assessments.services import assessment_submit
    from dossiers.testing import make_assessment

    if Assessment.objects.filter(service=service).exists():
        return False
    assessment = make_assessment(
        service,
        users[spec["filled_by"]],
        gaps=spec.get("gaps", 3),
        answers={code: answer_value(value) for code, value in spec["answers"].items()},
    )
    if spec.get("submitted_by"):
        assessment_submit(assessment=assessment, user=users[spec["submitted_by"]])
    return True


def ensure_endpoint(provider: Provider, spec: dict) -> bool:
    from modeltests.models import ModelEndpoint

    if provider.model_endpoints.filter(name=spec["name"]).exists():
        return False
    endpoint = ModelEndpoint(provider=provider, **{k: v for k, v in spec.items() if k != "api_key"})
    if spec.get("api_key"):
        endpoint.set_api_key(spec["api_key"])
    endpoint.full_clean(exclude=["created_by", "last_check_ok"])
    endpoint.save()
    return True


@transaction.atomic
def load_demo(path: Path | None = None) -> dict[str, int]:
    """Create what is missing; the counts of what was created. Assessments need the
    questionnaire (manage.py load_questionnaires): without it they are left out."""
    data = read_demo(path)
    created = {"users": 0, "providers": 0, "services": 0, "assessments": 0, "endpoints": 0}
    with_assessments = questionnaire_loaded()
    users = {}
    for spec in data["users"]:
        user = User.objects.filter(email=spec["email"]).first()
        if user is None:
            user = User(
                email=spec["email"],
                display_name=spec["name"],
                is_reviewer=spec.get("reviewer", False),
                is_staff=spec.get("staff", False),
                is_superuser=spec.get("superuser", False),
            )
            user.set_password(data["password"])
            user.full_clean()
            user.save()
            created["users"] += 1
        users[spec["email"]] = user
    for spec in data["providers"]:
        fields = {
            k: v for k, v in spec.items() if k not in {"members", "services", "model_endpoints"}
        }
        provider = Provider.objects.filter(credit_code=spec["credit_code"]).first()
        if provider is None:
            provider = Provider(**fields)
            provider.full_clean()
            provider.save()
            created["providers"] += 1
        for member in spec["members"]:
            Membership.objects.get_or_create(
                provider=provider, user=users[member["email"]], defaults={"role": member["role"]}
            )
        for endpoint_spec in spec.get("model_endpoints", []):
            created["endpoints"] += ensure_endpoint(provider, endpoint_spec)
        for service_spec in spec["services"]:
            service = provider.services.filter(name=service_spec["name"]).first()
            if service is None:
                service = AIService(
                    provider=provider,
                    name=service_spec["name"],
                    **{k: v for k, v in service_spec.items() if k in SERVICE_FIELDS},
                )
                service.full_clean()
                service.save()
                created["services"] += 1
            if with_assessments and "assessment" in service_spec:
                created["assessments"] += ensure_assessment(
                    service, service_spec["assessment"], users
                )
    return created
