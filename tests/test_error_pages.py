"""The portal's own error pages (branded, in the reader's language, saying why and where to go)
and the Content-Security-Policy that every response carries."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path, reverse
from django.utils import translation

from portal.urls import urlpatterns as portal_urlpatterns
from providers.models import Role
from tests import factories

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent


@login_not_required
def _boom(request):
    raise RuntimeError("a bug in a view")


def _refuse(request):
    raise PermissionDenied


# A URL configuration with the portal's handlers and two views that fail on purpose.
urlpatterns = [
    path("__boom__/", _boom),
    path("api/v1/__boom__/", _boom),
    path("__refuse__/", _refuse),
    *portal_urlpatterns,
]
handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"


def _in(language: str, client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _text(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_reviewer_refused_for_a_conflict_of_interest_is_told_why(language, provider, service):
    from assessments import services as assessment_services

    editor = factories.make_member(provider, Role.EDITOR, email="ed@a.example.cn").user
    assessment, _ = assessment_services.assessment_start(service=service, user=editor)
    factories.fill_required(assessment, editor)
    assessment_services.assessment_submit(assessment=assessment, user=editor)
    insider = factories.make_user(email="insider@example.cn", is_reviewer=True)
    provider.memberships.create(user=insider, role=Role.VIEWER)
    client = Client()
    client.force_login(insider)
    _in(language, client)
    url = reverse("reviews:detail", kwargs={"assessment": assessment.public_id})
    response = client.get(url)
    assert response.status_code == 403
    page = _text(response)
    with translation.override(language):
        expected = [
            translation.gettext("You may not open this page"),
            translation.gettext(
                "You are a member of this provider, so you cannot review its assessments: no "
                "one reviews their own organisation's work. Ask an administrator to assign the "
                "review to another reviewer."
            ),
            translation.gettext("Generative AI compliance portal"),
            translation.gettext("Where to go from here"),
        ]
    for text in expected:
        assert text.replace("'", "&#x27;") in page
    assert reverse("reviews:index") in page  # where to go instead
    if language == "zh-hans":
        assert "利益冲突" in page or "不能审核" in page  # really translated, not the English
        assert "You are a member" not in page


def test_an_unknown_address_gets_the_portal_page_not_djangos(owner_client):
    response = owner_client.get("/no/such/page/")
    assert response.status_code == 404
    page = _text(response)
    with translation.override("zh-hans"):
        assert translation.gettext("Page not found") in page
        assert translation.gettext("Generative AI compliance portal") in page
    assert reverse("providers:list") in page
    assert "Not Found" not in page and "Resolver404" not in page


def test_a_missing_object_says_so_without_naming_the_model(owner_client, provider):
    url = reverse("providers:detail", kwargs={"provider": "00000000-0000-0000-0000-000000000000"})
    page = _text(owner_client.get(url))
    with translation.override("zh-hans"):
        assert translation.gettext("No such provider.") in page


def test_a_signed_out_visitor_of_a_missing_page_is_offered_sign_in(client):
    response = client.get("/accounts/no-such-page/")
    assert response.status_code in (302, 404)  # sign-in first, or the page, never a trace


def test_a_bare_refusal_explains_the_role(owner_client, settings):
    settings.ROOT_URLCONF = __name__
    _in("en", owner_client)
    response = owner_client.get("/__refuse__/")
    assert response.status_code == 403
    assert "Your account does not have the role this page needs" in _text(response)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_server_error_is_a_branded_page_that_needs_no_database(
    language, settings, django_assert_max_num_queries
):
    settings.ROOT_URLCONF = __name__
    client = _in(language, Client(raise_request_exception=False))
    # Signed out: the page itself must not touch the database, which may be what failed.
    with django_assert_max_num_queries(0):
        response = client.get("/__boom__/")
    assert response.status_code == 500
    page = _text(response)
    with translation.override(language):
        assert translation.gettext("Something went wrong on our side") in page
        assert translation.gettext("Generative AI compliance portal") in page
    assert "Traceback" not in page and "RuntimeError" not in page
    assert "Content-Security-Policy" in response.headers


def test_a_server_error_in_the_api_is_a_problem_document(settings):
    settings.ROOT_URLCONF = __name__
    response = Client(raise_request_exception=False).get("/api/v1/__boom__/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 500


def test_an_expired_form_is_explained(owner, provider):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(reverse("providers:detail", kwargs={"provider": provider.public_id}))
    assert response.status_code == 403
    with translation.override("zh-hans"):
        assert translation.gettext("This form has expired") in _text(response)


# --- Content-Security-Policy -------------------------------------------------------------------


def _directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


def test_every_kind_of_page_carries_a_policy_without_inline_script(owner_client, client):
    responses = [
        owner_client.get(reverse("providers:list")),
        owner_client.get("/no/such/page/"),
        client.get(reverse("accounts:login")),
        client.get(reverse("dossiers:verify")),
        client.get(reverse("api:docs")),
        client.get(reverse("api:me")),
    ]
    for response in responses:
        directives = _directives(response)
        assert directives["script-src"] == ["'self'"], response
        assert directives["default-src"] == ["'self'"]
        assert directives["object-src"] == ["'none'"]
        assert directives["frame-ancestors"] == ["'none'"]


_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I)
_HANDLER = re.compile(r"""<[^>]*\son[a-z]+\s*=\s*["']""", re.I)
_JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.I)


def test_no_template_holds_an_inline_script_or_event_handler():
    """The policy forbids them, so the browser would silently ignore them: they must live in
    static/js instead. PDFs and e-mails are rendered elsewhere and are not checked."""
    offenders = []
    for template in sorted((BASE_DIR / "templates").rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for pattern in (_INLINE_SCRIPT, _HANDLER, _JS_URL):
            for match in pattern.finditer(text):
                offenders.append(f"{template.relative_to(BASE_DIR)}: {match.group(0)[:80]}")
    assert not offenders, "inline script under the CSP:\n" + "\n".join(offenders)
