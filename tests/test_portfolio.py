"""The portfolio: every service of the user's providers with its current assessment; filters,
sorting, pages and the XLSX export, in both languages, at a constant number of queries.

The stored figures it reads (routes, blocking checks) are tested against a fresh computation in
tests/test_filing_summary.py; here they are set directly, many at once."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessments.models import Answer, Assessment, Status
from assessments.services import latest_questionnaire
from library.models import Question
from providers.models import Role
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("assessments:portfolio")
EXPORT = reverse("assessments:portfolio_export")
STATUSES = [Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.APPROVED]
VERDICTS = ["ready", "ready_after_remediation", "not_ready"]
ROUTES = [
    {"gai_filing": ["FORM-03"], "algorithm_filing": ["FORM-03", "ALGO-03"]},
    {"gai_registration": []},
    {"none": []},
    {"undetermined": []},
]


def make_portfolio(provider, n: int, *, prefix: str = "组合服务") -> list[str]:
    """n services; every tenth without an assessment, the others cycling through statuses,
    verdicts, routes; every fifth with an overdue remediation target, every seventh in review
    with a review due date next week."""
    questionnaire = latest_questionnaire()
    question = Question.objects.filter(questionnaire=questionnaire).order_by("pk").first()
    today = timezone.localdate()
    names = []
    for i in range(n):
        service = factories.make_service(provider, name=f"{prefix}{i:02d}")
        names.append(service.name)
        if i % 10 == 9:
            continue
        status = Status.IN_REVIEW if i % 7 == 0 else STATUSES[i % 4]
        routes = ROUTES[i % 4]
        assessment = Assessment.objects.create(
            service=service,
            questionnaire=questionnaire,
            status=status,
            snapshot_sha256="" if status == Status.DRAFT else "0" * 64,
            answered_count=i,
            applicable_count=100,
            self_score={"overall": float(40 + i), "verdict": VERDICTS[i % 3]},
            filing_routes=routes,
            blocking_count=len({c for codes in routes.values() for c in codes}),
            due_date=today + timedelta(days=7) if i % 7 == 0 else None,
        )
        if i % 5 == 0:
            Answer.objects.create(
                assessment=assessment, question=question, remediation_due=today - timedelta(1)
            )
    return names


def _rows(page: str) -> list[str]:
    return re.findall(r'class="portfolio-row">\s*<td[^>]*><a [^>]*><strong>([^<]+)</strong>', page)


def _sheet(response):
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    return rows[0], rows[1:]


def test_queries_are_the_same_for_5_and_60_services(client_for):
    counts = {}
    for n in (5, 60):
        provider = factories.make_provider()
        user = factories.make_member(provider, Role.VIEWER).user
        make_portfolio(provider, n)
        client = client_for(user)
        client.get(URL)
        with CaptureQueriesContext(connection) as page:
            response = client.get(URL, {"sort": "blocking", "route": "gai_filing"})
        assert response.status_code == 200
        with CaptureQueriesContext(connection) as second:
            client.get(URL, {"page": 2, "q": "组合"})
        with CaptureQueriesContext(connection) as export:
            assert client.get(EXPORT, {"status": "approved"}).status_code == 200
        counts[n] = (len(page), len(second), len(export))
    assert counts[5] == counts[60], counts
    # session, user, count, the page of services, their current assessments, the providers
    # of the filter; the export: session, user, the services, their assessments, and the audit
    # record of each exported provider (the chain's lock with the last hash in one round trip,
    # insert; on SQLite reading the last hash is the lock). The export's event does not wait for
    # the lock (audit.services.record_read): inside the test's transaction its try is wrapped
    # in a savepoint and its release (a request in autocommit has neither).
    assert counts[60] == (6, 6, 8)


def test_filters_sort_and_pages(client_for, provider, owner):
    names = make_portfolio(provider, 60)
    client = client_for(owner)
    first = client.get(URL).content.decode()
    assert _rows(first) == names[:25] and "1–25" in first
    assert _rows(client.get(URL, {"page": 3}).content.decode()) == names[50:]

    found = _rows(client.get(URL, {"q": "组合服务07"}).content.decode())
    assert found == ["组合服务07"]
    by_code = client.get(URL, {"q": provider.credit_code}).content.decode()
    assert len(_rows(by_code)) == 25

    none = _rows(client.get(URL, {"status": "none"}).content.decode())
    assert none == [n for i, n in enumerate(names) if i % 10 == 9]

    def expected(keep):
        return [n for i, n in enumerate(names) if i % 10 != 9 and keep(i)]

    route = client.get(URL, {"route": "gai_registration"}).content.decode()
    assert _rows(route) == expected(lambda i: i % 4 == 1)

    verdict = _rows(client.get(URL, {"verdict": "not_ready"}).content.decode())
    assert verdict == expected(lambda i: i % 3 == 2)[:25]

    overdue = _rows(client.get(URL, {"due": "overdue"}).content.decode())
    assert overdue == expected(lambda i: i % 5 == 0)
    soon = _rows(client.get(URL, {"due": "soon"}).content.decode())
    assert soon == expected(lambda i: i % 7 == 0)

    worst = _rows(client.get(URL, {"sort": "blocking"}).content.decode())
    assert set(worst[:15]) == set(expected(lambda i: i % 4 == 0))
    lowest = _rows(client.get(URL, {"sort": "score", "status": "approved"}).content.decode())
    assert lowest == [n for i, n in enumerate(names) if i % 10 != 9 and i % 7 and i % 4 == 3]

    # Page links keep the filters.
    searched = client.get(URL, {"q": "组合", "sort": "service"}).content.decode()
    link = re.search(r'href="(\?[^"]*page=2)"', searched).group(1)
    assert "sort=service" in html.unescape(link)
    # Nonsense filters are ignored, not errors.
    odd = client.get(URL, {"status": "x", "route": "'; drop", "due": "y", "sort": "z", "page": "q"})
    assert odd.status_code == 200 and _rows(odd.content.decode()) == names[:25]
    nobody = "00000000-0000-0000-0000-000000000000"
    for provider_id in ("abc", "\x00", "0" * 36, nobody):
        response = client.get(URL, {"provider": provider_id, "q": "组合服务07\x00"})
        assert response.status_code == 200
        expected_rows = [] if provider_id == nobody else ["组合服务07"]
        assert _rows(response.content.decode()) == expected_rows
        assert client.get(EXPORT, {"provider": provider_id, "q": "\x00"}).status_code == 200


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_labels_not_codes_on_the_page_and_in_the_export(client_for, provider, owner, language):
    make_portfolio(provider, 12)
    client = client_for(owner)
    client.cookies["django_language"] = language
    page = client.get(URL).content.decode()
    text = re.sub(r"<[^>]+>", " ", page.split('class="table align-middle')[1])
    for code in (
        "in_review",
        "gai_filing",
        "gai_registration",
        "ready_after_remediation",
        "not_ready",
    ):
        assert code not in text
    labels = {
        "zh-hans": ("审核中", "整改后可提交备案", "备案路线待定", "无需备案"),
        "en": ("In review", "Ready after remediation", "Route undetermined", "No filing required"),
    }[language]
    for label in labels:
        assert label in text

    header, rows = _sheet(client.get(EXPORT, {"route": "none"}))
    assert header[0] == ("服务提供者" if language == "zh-hans" else "Provider")
    assert {row[2] for row in rows} == {"组合服务02", "组合服务06", "组合服务10"}
    assert all(row[11] == labels[3] for row in rows)
    cells = " ".join(str(c) for row in rows for c in row)
    assert "none" not in cells and "draft" not in cells and "approved" not in cells


def test_export_holds_every_filtered_row_not_one_page(client_for, provider, owner):
    names = make_portfolio(provider, 60)
    make_portfolio(factories.make_provider(), 3, prefix="丙组")  # someone else's
    client = client_for(owner)
    header, rows = _sheet(client.get(EXPORT))
    assert [row[2] for row in rows] == names
    _header, overdue = _sheet(client.get(EXPORT, {"due": "overdue", "sort": "service"}))
    assert [row[2] for row in overdue] == [
        n for i, n in enumerate(names) if i % 10 != 9 and i % 5 == 0
    ]
    assert all(row[14] is not None and row[14].date() < timezone.localdate() for row in overdue)


def test_an_export_is_on_each_exported_providers_audit_trail(client_for):
    from audit.models import Action, AuditEvent
    from audit.presenters import changes

    first, second, third = (factories.make_provider() for _ in range(3))
    user = factories.make_member(first, Role.VIEWER).user
    from providers.models import Membership

    for provider in (second, third):
        Membership.objects.create(provider=provider, user=user, role=Role.VIEWER)
    make_portfolio(first, 4, prefix="甲组")
    make_portfolio(second, 2, prefix="乙组")
    client = client_for(user)
    assert client.get(EXPORT).status_code == 200
    events = AuditEvent.objects.filter(action=Action.PORTFOLIO_EXPORTED).order_by("pk")
    assert [(e.provider_id, e.after, e.actor_id) for e in events] == [
        (first.pk, {"services_exported": 4}, user.pk),
        (second.pk, {"services_exported": 2}, user.pk),
    ]  # nothing of the third, which has no service in the export
    from django.utils import translation

    with translation.override("zh-hans"):
        assert [(c.label, c.new) for c in changes(events[0])] == [("导出的服务数", "4")]


def test_a_member_of_two_providers_sees_both_and_filters_by_provider(client_for):
    first, second = factories.make_provider(), factories.make_provider()
    user = factories.make_member(first, Role.VIEWER).user
    from providers.models import Membership

    Membership.objects.create(provider=second, user=user, role=Role.EDITOR)
    make_portfolio(first, 3, prefix="甲组")
    make_portfolio(second, 3, prefix="乙组")
    stranger = factories.make_provider()
    make_portfolio(stranger, 3, prefix="丁组")
    client = client_for(user)
    page = client.get(URL).content.decode()
    shown = _rows(page)
    assert sorted(shown) == sorted(
        [f"甲组{i:02d}" for i in range(3)] + [f"乙组{i:02d}" for i in range(3)]
    )
    assert 'id="f-provider"' in page
    only = _rows(client.get(URL, {"provider": str(second.public_id)}).content.decode())
    assert only == [f"乙组{i:02d}" for i in range(3)]
    assert _rows(client.get(URL, {"provider": str(stranger.public_id)}).content.decode()) == []
