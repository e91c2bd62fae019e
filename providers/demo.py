"""Load the demo data set of fixtures/demo/demo.yaml; rerunning changes nothing."""

from __future__ import annotations

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


@transaction.atomic
def load_demo(path: Path | None = None) -> dict[str, int]:
    data = read_demo(path)
    created = {"users": 0, "providers": 0, "services": 0}
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
        fields = {k: v for k, v in spec.items() if k not in {"members", "services"}}
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
        for service_spec in spec["services"]:
            if provider.services.filter(name=service_spec["name"]).exists():
                continue
            service = AIService(
                provider=provider,
                name=service_spec["name"],
                **{k: v for k, v in service_spec.items() if k in SERVICE_FIELDS},
            )
            service.full_clean()
            service.save()
            created["services"] += 1
    return created
