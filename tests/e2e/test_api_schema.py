"""Schemathesis against the live test server: every operation of the OpenAPI schema, with
property-based inputs (valid and invalid), must answer without a server error, with a status,
content type and body its schema documents.

Path parameters are mostly replaced by the identifiers of real objects (chosen from the
generated value, so that Hypothesis can replay a case), so that the operations reach their
real work and not only their 404. Background jobs (analyses, dossiers, packages) are queued
and not run here: the worker tests run them; a queued job is a valid state for the API.
"""

from __future__ import annotations

import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from api.tokens import token_create
from assessments.services import assessment_start, assessment_submit
from library.loading import load_library
from portal.celery import app
from providers.models import Role
from reviews.services import assessment_claim
from tests import factories

pytestmark = [pytest.mark.django_db(transaction=True)]

EXAMPLES = 8  # per operation and generation mode: about 700 requests in all
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def queued_only():
    """Jobs go to the broker and stay there (no worker runs in this test); purged after."""
    app.conf.task_always_eager = False
    yield
    app.control.purge()
    app.conf.task_always_eager = True


@pytest.fixture
def world(live_server, queued_only):
    load_library()  # an earlier transactional test may have flushed it
    provider = factories.make_provider()
    owner = factories.make_member(provider, Role.OWNER, email="owner@s.example.cn").user
    service = factories.make_service(provider, channels=["web", "api"])
    draft, _ = assessment_start(service=service, user=owner)
    evidence = factories.attach(draft, "SCOPE-01", owner)
    other = factories.make_service(provider, name="已提交的服务")
    submitted, _ = assessment_start(service=other, user=owner)
    factories.fill_required(submitted, owner)
    submitted = assessment_submit(assessment=submitted, user=owner)
    reviewer = factories.make_user(email="reviewer@s.example.cn", is_reviewer=True)
    submitted = assessment_claim(assessment=submitted, reviewer=reviewer)
    _t, owner_secret = token_create(
        user=owner, name="fuzz", provider=provider, role=Role.OWNER, days=1
    )
    _t, reviewer_secret = token_create(
        user=reviewer, name="fuzz", provider=None, role="reviewer", days=1
    )
    endpoint, run = _model_test(provider, service)
    return {
        "base": live_server.url,
        "ids": {
            "endpoint": [endpoint.public_id],
            "run": [run.public_id],
            "provider": [provider.public_id],
            "service": [service.public_id, other.public_id],
            "assessment": [draft.public_id, submitted.public_id],
            "evidence": [evidence.public_id],
            "question": ["SCOPE-01", "SCOPE-06", "CS-05", "CS-18"],
            "code": ["TC260-003", "GAI-MEASURES"],
        },
        "owner": owner_secret,
        "reviewer": reviewer_secret,
    }


def _model_test(provider, service):
    """An endpoint nothing answers at (port 9: a connection test fails at once) and a run of
    one question on it, queued."""
    return factories.make_unreachable_model_run(provider, service, name="fuzz")


def _real(case, ids) -> None:
    """Three cases in four get real identifiers, picked from the generated value itself. An
    identifier generated invalid on purpose (negative cases) is left as it is."""
    for name, value in list(case.path_parameters.items()):
        choices = ids.get(name)
        if not choices:
            continue
        if isinstance(choices[0], uuid.UUID):
            if not _is_uuid(value):
                continue
            seed = int(uuid.UUID(str(value)))
        else:
            seed = sum(map(ord, str(value)))
        if seed % 4:
            case.path_parameters[name] = str(choices[seed % len(choices)])


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@pytest.fixture
def api_schema(world):
    return schemathesis.openapi.from_url(world["base"] + "/api/v1/schema/?format=json")


def _fuzz(operation, mode, *, base: str, headers: dict, ids: dict):
    checks = CHECKS + ([negative_data_rejection] if mode == GenerationMode.NEGATIVE else [])

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        _real(case, ids)
        case.call_and_validate(base_url=base, headers=headers, checks=checks)

    return run


def test_every_operation_keeps_to_its_schema(world, api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 40
    failures = []
    for operation in operations:
        secret = world["reviewer" if "/reviews/" in operation.path else "owner"]
        headers = {"Authorization": f"Bearer {secret}"}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run = _fuzz(operation, mode, base=world["base"], headers=headers, ids=world["ids"])
            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:  # report every operation's failure
                failures.append(
                    f"{operation.method.upper()} {operation.path} ({mode.value}): {exc}"
                )
    assert not failures, "\n\n".join(failures)
