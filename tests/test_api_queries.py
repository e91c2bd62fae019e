"""API lists answer in a constant number of queries, whatever they hold."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from api.tokens import token_create
from assessments.services import assessment_start
from providers.models import Role
from tests import factories

pytestmark = pytest.mark.django_db


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["api:assessments", "api:services", "api:reviews"])
def test_lists_take_as_many_queries_for_one_row_as_for_many(name, reviewer):
    provider = factories.make_provider()
    owner = factories.make_member(provider, Role.OWNER).user
    if name == "api:reviews":
        _t, secret = token_create(user=reviewer, name="q", provider=None, role="reviewer", days=1)
    else:
        _t, secret = token_create(user=owner, name="q", provider=provider, role="owner", days=1)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    url = reverse(name, kwargs={"provider": provider.public_id} if name == "api:services" else {})

    def grow():
        service = factories.make_service(provider)
        assessment, _ = assessment_start(service=service, user=owner)
        factories.fill_required(assessment, owner)
        from assessments.services import assessment_submit

        assessment_submit(assessment=assessment, user=owner)

    grow()
    few = _count(client, url)
    grow()
    grow()
    assert _count(client, url) == few
