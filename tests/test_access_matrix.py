"""Every URL of the project, every persona: the expected status code.

A new view must get a row here, or `test_every_url_is_in_the_matrix` fails; a view that forgets
tenant scoping shows up as a 200 for the outsider.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from assessments.services import assessment_start, assessment_submit
from library.models import Instrument, Provision, Question
from notifications.models import Kind, Notification
from providers.services import invitation_token
from reviews.models import AnswerReview
from reviews.services import assessment_claim
from tests import factories
from tests.urlwalk import named_urls

PERSONAS = ["anonymous", "owner", "editor", "viewer", "outsider", "reviewer"]
LOGIN = 302


def _all(status, **overrides):
    row = {p: status for p in PERSONAS if p != "anonymous"}
    row["anonymous"] = LOGIN
    row.update(overrides)
    return row


MEMBER_READ = _all(200, outsider=404, reviewer=404)
MEMBER_WRITE = _all(200, viewer=403, outsider=404, reviewer=404)
OWNER_ONLY = _all(200, editor=403, viewer=403, outsider=404, reviewer=404)
# POST actions of owners redirect back to the members page on success.
OWNER_POST = _all(302, editor=403, viewer=403, outsider=404, reviewer=404)
WRITER_POST = _all(302, viewer=403, outsider=404, reviewer=404)
# The review area: reviewers only (members of the provider are not reviewers here).
REVIEWER_ONLY = _all(403, reviewer=200)
REVIEWER_POST = _all(403, reviewer=302)
# An empty autosave or upload is refused as invalid (422) once access is granted.
WRITER_INVALID = _all(422, viewer=403, outsider=404, reviewer=404)


@pytest.fixture
def world(provider, service, personas):
    question = Question.objects.select_related("questionnaire").order_by("pk").first()
    assessment, _created = assessment_start(service=service, user=personas["editor"])
    kept = factories.attach(assessment, "SCOPE-01", personas["editor"])
    doomed = factories.attach(assessment, "SCOPE-01", personas["editor"], name="old.pdf")
    measured = factories.attach(
        assessment,
        "CS-18",
        personas["editor"],
        name="附件4.pdf",
        content=factories.PDF_BYTES,
        analyse=False,
    )
    # A second service's submission, in review by the reviewer persona.
    other_service = factories.make_service(provider, name="乙服务")
    submitted, _ = assessment_start(service=other_service, user=personas["editor"])
    factories.fill_required(submitted, personas["editor"])
    submitted = assessment_submit(assessment=submitted, user=personas["editor"])
    submitted = assessment_claim(assessment=submitted, reviewer=personas["reviewer"])
    colleague = factories.make_user(email="colleague-reviewer@example.cn", is_reviewer=True)
    first_question = Question.objects.get(
        questionnaire=submitted.questionnaire, code=submitted.snapshot["applicable"][0]
    )
    AnswerReview.objects.create(
        assessment=submitted, question=first_question, verdict="accepted", reviewer=colleague
    )
    invitation = factories.make_invitation(provider, email="new@a.example.cn")
    target = provider.memberships.get(user=personas["viewer"])
    spare = factories.make_member(provider, email="spare@a.example.cn")
    dossier = _ready_dossier(assessment)
    from api.tokens import token_create

    editors_token, _secret = token_create(
        user=personas["editor"], name="CI", provider=provider, role="editor", days=30
    )
    return {
        **_model_test_world(provider, service, personas),
        "access_token": editors_token.public_id,
        "dossier": dossier.public_id,
        "filing_package": _ready_package(assessment).public_id,
        "provider": provider.public_id,
        "service": service.public_id,
        "member": target.public_id,
        "spare": spare.public_id,
        "invitation": invitation.public_id,
        "token": invitation_token(invitation),
        "instrument": Instrument.objects.order_by("pk").first().code,
        "provision": Provision.objects.order_by("pk").first().key,
        "questionnaire": question.questionnaire,
        "question": question.code,
        "assessment": assessment.public_id,
        "evidence": kept.public_id,
        "doomed": doomed.public_id,
        "measured": measured.public_id,
        "review": submitted.public_id,
        "review_question": first_question.code,
        "review_evidence": submitted.evidence.first().public_id,
        # The editor's own; everyone else must get 404 for it.
        "notification": Notification.objects.create(
            recipient=personas["editor"], kind=Kind.APPROVED, assessment=assessment
        ).public_id,
    }


def _model_test_world(provider, service, personas):
    """A model endpoint that nothing answers at (port 9, discard): a connection test fails fast."""
    endpoint, run = factories.make_unreachable_model_run(provider, service, name="matrix")
    return {
        "model_endpoint": endpoint.public_id,
        "model_test_run": run.public_id,
        "model_test_item": run.items.get().pk,
    }


def _ready_dossier(assessment):
    """A finished preview with a file, so the download rows can answer 200."""
    from django.conf import settings

    from dossiers.models import Dossier, DossierKind, DossierStatus

    relative = "dossiers/matrix/preview.pdf"
    path = settings.MEDIA_ROOT / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(factories.PDF_BYTES)
    return Dossier.objects.create(
        number="GAI-20260101-MATRIX0000",
        assessment=assessment,
        kind=DossierKind.PREVIEW,
        snapshot_sha256="a" * 64,
        assessment_version=assessment.version,
        status=DossierStatus.READY,
        pdf_path=relative,
        pdf_sha256="b" * 64,
        package_path=relative,
    )


def _ready_package(assessment):
    """A finished draft route package with a file, for the download and retry rows."""
    from django.conf import settings

    from dossiers.models import DossierKind, DossierStatus
    from filing.models import FilingPackage

    relative = "filing/matrix/package.zip"
    path = settings.MEDIA_ROOT / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PK\x05\x06" + b"\0" * 18)  # an empty ZIP
    return FilingPackage.objects.create(
        number="PKG-20260101-MATRIX0000",
        assessment=assessment,
        assessment_version=assessment.version,
        route="gai_filing",
        kind=DossierKind.PREVIEW,
        status=DossierStatus.READY,
        zip_path=relative,
        zip_name="package.zip",
        zip_sha256="c" * 64,
    )


def _case(world, name):
    p, s = world["provider"], world["service"]
    q = world["questionnaire"]
    a = world["assessment"]
    r, rq = world["review"], world["review_question"]
    cases = {
        "providers:assessment_start": ("post", {"provider": p, "service": s}, WRITER_POST),
        "assessments:detail": ("get", {"assessment": a}, MEMBER_READ),
        "assessments:answer": ("post", {"assessment": a, "question": "SCOPE-01"}, WRITER_INVALID),
        "assessments:evidence_upload": (
            "post",
            {"assessment": a, "question": "SCOPE-01"},
            WRITER_INVALID,
        ),
        "assessments:evidence_download": (
            "get",
            {"assessment": a, "evidence": world["evidence"]},
            MEMBER_READ,
        ),
        "assessments:evidence_delete": (
            "post",
            {"assessment": a, "evidence": world["doomed"]},
            WRITER_POST,
        ),
        "assessments:submit": ("get", {"assessment": a}, MEMBER_READ),
        "assessments:results": ("get", {"assessment": a}, MEMBER_READ),
        "assessments:history": ("get", {"assessment": a}, MEMBER_READ),
        "assessments:analysis": (
            "get",
            {"assessment": a, "evidence": world["measured"]},
            MEMBER_READ,
        ),
        "library:analyser_template": ("get", {"kind": "keyword_list", "fmt": "xlsx"}, _all(200)),
        # Revising a draft is refused with a message and a redirect back.
        "assessments:revise": ("post", {"assessment": a}, WRITER_POST),
        # Moving to a newer questionnaire version: preview for writers (this draft is on the
        # newest version, so the page says so); moving and undoing redirect with a message.
        "assessments:upgrade": ("get", {"assessment": a}, MEMBER_WRITE),
        "assessments:upgrade_undo": ("post", {"assessment": a}, WRITER_POST),
        # Signed out: a short page about the portal; signed in: a redirect to the work.
        "home": ("get", {}, _all(302, anonymous=200)),
        "healthz": ("get", {}, {p: 200 for p in PERSONAS}),
        "set_language": ("post", {}, {p: 302 for p in PERSONAS}),
        "accounts:login": ("get", {}, _all(302, anonymous=200)),
        "accounts:logout": ("post", {}, _all(302)),
        "accounts:password_change": ("get", {}, _all(200)),
        "accounts:profile": ("get", {}, _all(200)),
        # Single sign-on is not configured in tests: its addresses do not exist (404).
        "accounts:oidc_login": ("get", {}, {pp: 404 for pp in PERSONAS}),
        "accounts:oidc_callback": ("get", {}, {pp: 404 for pp in PERSONAS}),
        # Without a sign-in half-way, the code page sends back to the sign-in.
        "accounts:mfa_verify": ("get", {}, {pp: 302 for pp in PERSONAS}),
        "accounts:mfa_setup": ("get", {}, _all(200)),
        "accounts:mfa_recovery_codes": ("post", {}, _all(302)),
        "accounts:mfa_disable": ("post", {}, _all(302)),
        # An empty token form is refused (422); only the editor may revoke the editor's token.
        "accounts:token_create": ("post", {}, _all(422)),
        "accounts:token_revoke": ("post", {"token": world["access_token"]}, _all(404, editor=302)),
        "accounts:password_change_done": ("get", {}, _all(200)),
        "accounts:password_reset": ("get", {}, {pp: 200 for pp in PERSONAS}),
        "accounts:password_reset_done": ("get", {}, {pp: 200 for pp in PERSONAS}),
        "accounts:password_reset_confirm": (
            "get",
            {"uidb64": "MQ", "token": "bad-token"},
            {pp: 200 for pp in PERSONAS},
        ),
        "accounts:password_reset_complete": ("get", {}, {pp: 200 for pp in PERSONAS}),
        "providers:list": ("get", {}, _all(200)),
        "providers:create": ("get", {}, _all(200)),
        # Everyone signed in has a portfolio: the services of their own providers only
        # (test_the_portfolio_shows_only_the_personas_own_services below).
        "assessments:portfolio": ("get", {}, _all(200)),
        "assessments:portfolio_export": ("get", {}, _all(200)),
        "providers:detail": ("get", {"provider": p}, MEMBER_READ),
        "providers:edit": ("get", {"provider": p}, OWNER_ONLY),
        "providers:service_create": ("get", {"provider": p}, MEMBER_WRITE),
        "providers:service_detail": ("get", {"provider": p, "service": s}, MEMBER_READ),
        "providers:service_edit": ("get", {"provider": p, "service": s}, MEMBER_WRITE),
        "providers:members": ("get", {"provider": p}, MEMBER_READ),
        "providers:member_role": ("post", {"provider": p, "member": world["member"]}, OWNER_POST),
        # The first post asks for a confirmation (a page), the second removes.
        "providers:member_remove": ("post", {"provider": p, "member": world["spare"]}, OWNER_ONLY),
        "providers:invitation_revoke": (
            "post",
            {"provider": p, "invitation": world["invitation"]},
            OWNER_POST,
        ),
        # Anyone holding the link may see it; only new@a.example.cn can accept it.
        "providers:invitation_accept": (
            "get",
            {"token": world["token"]},
            {pp: 200 for pp in PERSONAS},
        ),
        "library:index": ("get", {}, _all(200)),
        "library:search": ("get", {}, _all(200)),
        "library:risks": ("get", {}, _all(200)),
        "library:instrument_changes": ("get", {"code": world["instrument"]}, _all(200)),
        "library:questionnaire_changes": ("get", {"code": q.code, "old": 1, "new": 2}, _all(200)),
        "library:instrument": ("get", {"code": world["instrument"]}, _all(200)),
        "library:provision": ("get", {"key": world["provision"]}, _all(200)),
        "library:questionnaire": ("get", {"code": q.code, "version": q.version}, _all(200)),
        "library:question": (
            "get",
            {"code": q.code, "version": q.version, "question": world["question"]},
            _all(200),
        ),
        "reviews:index": ("get", {}, _all(403, reviewer=200)),
        # Dossiers: the panel and downloads for members, actions for writers; the
        # verification page is public (no login), with or without a dossier number.
        "dossiers:panel": ("get", {"assessment": a}, MEMBER_READ),
        "dossiers:generate": ("post", {"assessment": a}, WRITER_POST),
        "dossiers:retry": ("post", {"dossier": world["dossier"]}, WRITER_POST),
        "dossiers:download_pdf": ("get", {"dossier": world["dossier"]}, MEMBER_READ),
        "dossiers:download_package": ("get", {"dossier": world["dossier"]}, MEMBER_READ),
        "dossiers:verify": ("get", {}, {pp: 200 for pp in PERSONAS}),
        "dossiers:verify_number": ("get", {"number": "GAI-0-NONE"}, {pp: 200 for pp in PERSONAS}),
        # Pre-filing checks and filing documents: members under the assessment (a draft
        # here), reviewers beside the review (a submitted version).
        "filing:checks": ("get", {"assessment": a}, MEMBER_READ),
        "filing:document": ("get", {"assessment": a, "document": "report.docx"}, MEMBER_READ),
        # Without ?route= the package view sends members back to the checks page.
        "filing:package": ("get", {"assessment": a}, _all(302, outsider=404, reviewer=404)),
        # The algorithm's disclosure text: members read (viewers without the save button);
        # saving is refused to viewers with 403 (tests/test_filing_disclosure.py).
        "filing:disclosure": ("get", {"assessment": a}, MEMBER_READ),
        "filing:packages": ("get", {"assessment": a}, MEMBER_READ),
        "filing:package_download": ("get", {"package": world["filing_package"]}, MEMBER_READ),
        # A ready package cannot be retried: writers are sent back with a message.
        "filing:package_retry": ("post", {"package": world["filing_package"]}, WRITER_POST),
        "filing:review_checks": ("get", {"assessment": r}, REVIEWER_ONLY),
        "filing:review_document": (
            "get",
            {"assessment": r, "document": "annex4.xlsx"},
            REVIEWER_ONLY,
        ),
        "reviews:detail": ("get", {"assessment": r}, REVIEWER_ONLY),
        "reviews:claim": ("post", {"assessment": r}, REVIEWER_POST),
        # Assigning is for administrators (see test_admin_assigns in tests/test_reviews.py).
        "reviews:assign": ("post", {"assessment": r}, _all(403)),
        "reviews:verdict": ("post", {"assessment": r, "question": rq}, _all(403, reviewer=422)),
        "reviews:confirm": ("post", {"assessment": r, "question": rq}, REVIEWER_POST),
        "reviews:accept_domain": ("post", {"assessment": r}, REVIEWER_POST),
        "reviews:request_changes": ("post", {"assessment": r}, REVIEWER_POST),
        "reviews:approve": ("post", {"assessment": r}, REVIEWER_POST),
        "reviews:reject": ("post", {"assessment": r}, REVIEWER_POST),
        "reviews:evidence": (
            "get",
            {"assessment": r, "evidence": world["review_evidence"]},
            REVIEWER_ONLY,
        ),
        # The fixture's file is a PDF, which has no preview (tests/test_reviews.py shows one).
        "reviews:evidence_thumbnail": (
            "get",
            {"assessment": r, "evidence": world["review_evidence"]},
            _all(403, reviewer=404),
        ),
        "modeltests:endpoint_list": ("get", {"provider": p}, MEMBER_READ),
        "modeltests:endpoint_create": ("get", {"provider": p}, MEMBER_WRITE),
        "modeltests:endpoint_edit": (
            "get",
            {"provider": p, "endpoint": world["model_endpoint"]},
            MEMBER_WRITE,
        ),
        # The connection test answers with the page and the (failed) result.
        "modeltests:endpoint_check": (
            "post",
            {"provider": p, "endpoint": world["model_endpoint"]},
            MEMBER_WRITE,
        ),
        "modeltests:service_runs": ("get", {"service": s}, MEMBER_READ),
        "modeltests:run": ("get", {"run": world["model_test_run"]}, MEMBER_READ),
        "modeltests:run_progress": ("get", {"run": world["model_test_run"]}, MEMBER_READ),
        # Without an action the control form sends writers back to the run with a message.
        "modeltests:run_control": ("post", {"run": world["model_test_run"]}, WRITER_POST),
        # Questions and answers: owners and editors (and assigned reviewers), not viewers.
        "modeltests:run_items": ("get", {"run": world["model_test_run"]}, MEMBER_WRITE),
        "modeltests:run_export": ("get", {"run": world["model_test_run"]}, MEMBER_WRITE),
        # The run is not finished: writers are sent back to it with a message.
        "modeltests:run_attach": ("post", {"run": world["model_test_run"]}, WRITER_POST),
        "modeltests:run_grade": ("get", {"run": world["model_test_run"]}, MEMBER_WRITE),
        # Only answers of the refusal draws take an override: this one is generated (404).
        "modeltests:item_refusal": (
            "post",
            {"run": world["model_test_run"], "item": world["model_test_item"]},
            _all(404, viewer=403),
        ),
        "notifications:list": ("get", {}, _all(200)),
        "notifications:badge": ("get", {}, _all(200)),
        "notifications:mark_all_read": ("post", {}, _all(302)),
        # Runs after mark_all_read (sorted by name): marking a read one again is still a 302.
        "notifications:mark_read": (
            "post",
            {"notification": world["notification"]},
            _all(404, editor=302),
        ),
    }
    return cases.get(name)


def test_every_url_is_in_the_matrix(world):
    api_names = {name for name, *_rest in _api_cases(world)}
    missing = sorted(
        name for name in named_urls() if _case(world, name) is None and name not in api_names
    )
    assert not missing, f"add these URLs to the access matrix: {missing}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_gets_the_expected_status_everywhere(world, personas, client_for, persona):
    client = client_for(personas[persona])
    failures = []
    # Signing out last, so that it does not sign the persona out of the other checks.
    for name in sorted(named_urls(), key=lambda n: (n == "accounts:logout", n)):
        if name.startswith("api:"):
            continue  # test_api_matrix below, with the session and with tokens
        method, kwargs, expected = _case(world, name)
        url = reverse(name, kwargs=kwargs)
        data = {"role": "editor"} if name == "providers:member_role" else {}
        response = getattr(client, method)(url, data)
        if response.status_code != expected[persona]:
            failures.append(
                f"{method.upper()} {name}: {response.status_code} != {expected[persona]}"
            )
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("persona", PERSONAS[1:])
def test_the_portfolio_shows_only_the_personas_own_services(world, personas, client_for, persona):
    """The portfolio and its export answer 200 to everyone: what they hold is the tenant
    boundary. Members see the provider's two services, the outsider only its own provider's
    (none here), the reviewer nothing; a provider filter naming someone else's provider finds
    nothing either."""
    from io import BytesIO

    from openpyxl import load_workbook

    from providers.models import AIService

    client = client_for(personas[persona])
    own = persona in ("owner", "editor", "viewer")
    names = set(
        AIService.objects.filter(provider__public_id=world["provider"]).values_list(
            "name", flat=True
        )
    )
    assert len(names) == 2
    page = client.get(reverse("assessments:portfolio")).content.decode()
    assert all((name in page) == own for name in names), persona
    book = load_workbook(BytesIO(client.get(reverse("assessments:portfolio_export")).content))
    exported = {row[2] for row in book.active.iter_rows(min_row=2, values_only=True)}
    assert exported == (names if own else set())
    if not own:
        foreign = client.get(reverse("assessments:portfolio"), {"provider": world["provider"]})
        assert not any(name in foreign.content.decode() for name in names)


# --- the REST API (/api/v1/) ---------------------------------------------------------------
# A program is not sent to the sign-in page: without credentials it gets 401.


def _api(status, **overrides):
    row = {p: status for p in PERSONAS}
    row["anonymous"] = 401
    row.update(overrides)
    return row


API_MEMBER_READ = _api(200, outsider=404, reviewer=404)
API_WRITER = _api(200, viewer=403, outsider=404, reviewer=404)
API_WRITER_INVALID = _api(422, viewer=403, outsider=404, reviewer=404)
API_WRITER_CONFLICT = _api(409, viewer=403, outsider=404, reviewer=404)
API_OWNER = _api(200, editor=403, viewer=403, outsider=404, reviewer=404)
API_REVIEWER = _api(403, reviewer=200)
API_PUBLIC = {p: 200 for p in PERSONAS}


def _api_cases(world):
    """(url name, method, kwargs, JSON body, expected per persona); one name may appear with
    several methods. Writes are sent so that they are refused or change nothing lasting."""
    a = {"assessment": world["assessment"]}
    r = {"assessment": world["review"]}
    ev = {**a, "evidence": world["evidence"]}
    pr = {"provider": world["provider"]}
    me = {**pr, "endpoint": world["model_endpoint"]}
    run = {"run": world["model_test_run"]}
    return [
        ("api:schema", "get", {}, None, API_PUBLIC),
        ("api:docs", "get", {}, None, API_PUBLIC),
        ("api:redoc", "get", {}, None, API_PUBLIC),
        ("api:not_found", "get", {"rest": "nowhere/"}, None, {p: 404 for p in PERSONAS}),
        ("api:me", "get", {}, None, _api(200)),
        ("api:providers", "get", {}, None, _api(200)),
        ("api:provider", "get", {"provider": world["provider"]}, None, API_MEMBER_READ),
        ("api:provider", "patch", {"provider": world["provider"]}, {}, API_OWNER),
        ("api:services", "get", {"provider": world["provider"]}, None, API_MEMBER_READ),
        ("api:service", "get", {"service": world["service"]}, None, API_MEMBER_READ),
        ("api:service", "patch", {"service": world["service"]}, {}, API_WRITER),
        (
            "api:service_assessments",
            "get",
            {"service": world["service"]},
            None,
            API_MEMBER_READ,
        ),
        # The service has an open draft: starting returns it (200).
        ("api:service_assessments", "post", {"service": world["service"]}, None, API_WRITER),
        ("api:assessments", "get", {}, None, _api(200)),
        ("api:assessment", "get", a, None, API_MEMBER_READ),
        ("api:answers", "get", a, None, API_MEMBER_READ),
        ("api:answer", "get", {**a, "question": "SCOPE-01"}, None, API_MEMBER_READ),
        ("api:answer", "put", {**a, "question": "SCOPE-01"}, {}, API_WRITER_INVALID),
        ("api:evidence_upload", "post", {**a, "question": "SCOPE-01"}, {}, API_WRITER_INVALID),
        ("api:evidence_list", "get", a, None, API_MEMBER_READ),
        ("api:evidence", "get", ev, None, API_MEMBER_READ),
        (
            "api:evidence",
            "delete",
            {**a, "evidence": world["doomed"]},
            None,
            _api(204, viewer=403, outsider=404, reviewer=404),
        ),
        ("api:evidence_content", "get", ev, None, API_MEMBER_READ),
        (
            "api:evidence_analysis",
            "get",
            {**a, "evidence": world["measured"]},
            None,
            API_MEMBER_READ,
        ),
        ("api:submission", "get", a, None, API_MEMBER_READ),
        ("api:submission", "post", a, None, API_WRITER_INVALID),  # answers are missing
        ("api:revision", "post", a, None, API_WRITER_CONFLICT),  # a draft is not returned
        ("api:score", "get", a, None, API_MEMBER_READ),
        ("api:routes", "get", a, None, API_MEMBER_READ),
        ("api:checks", "get", a, None, API_MEMBER_READ),
        ("api:dossiers", "get", a, None, API_MEMBER_READ),
        ("api:dossiers", "post", a, {}, API_WRITER_INVALID),  # no edition chosen
        ("api:packages", "get", a, None, API_MEMBER_READ),
        ("api:packages", "post", a, {}, API_WRITER_INVALID),  # no route chosen
        ("api:dossier", "get", {"dossier": world["dossier"]}, None, API_MEMBER_READ),
        ("api:dossier_retry", "post", {"dossier": world["dossier"]}, None, API_WRITER_CONFLICT),
        ("api:dossier_pdf", "get", {"dossier": world["dossier"]}, None, API_MEMBER_READ),
        ("api:dossier_package", "get", {"dossier": world["dossier"]}, None, API_MEMBER_READ),
        ("api:package", "get", {"package": world["filing_package"]}, None, API_MEMBER_READ),
        (
            "api:package_retry",
            "post",
            {"package": world["filing_package"]},
            None,
            API_WRITER_CONFLICT,
        ),
        (
            "api:package_download",
            "get",
            {"package": world["filing_package"]},
            None,
            API_MEMBER_READ,
        ),
        ("api:reviews", "get", {}, None, API_REVIEWER),
        ("api:review", "get", r, None, API_REVIEWER),
        ("api:review_claim", "post", r, None, API_REVIEWER),  # the reviewer's own already
        (
            "api:review_verdict",
            "put",
            {**r, "question": world["review_question"]},
            {},
            _api(403, reviewer=422),
        ),
        ("api:review_decision", "post", r, {}, _api(403, reviewer=422)),
        (
            "api:review_evidence",
            "get",
            {**r, "evidence": world["review_evidence"]},
            None,
            API_REVIEWER,
        ),
        # Model tests: members read; writers change; the questions and answers for writers
        # (and assigned reviewers: tests/modeltests/test_api.py), not viewers.
        ("api:model_endpoints", "get", pr, None, API_MEMBER_READ),
        ("api:model_endpoints", "post", pr, {}, API_WRITER_INVALID),  # no name, no address
        ("api:model_endpoint", "get", me, None, API_MEMBER_READ),
        ("api:model_endpoint", "patch", me, {}, API_WRITER),  # nothing sent, nothing changed
        # Nothing answers at the matrix endpoint: the connection test reports the failure.
        ("api:model_endpoint_check", "post", me, None, API_WRITER),
        ("api:model_tests", "get", {"service": world["service"]}, None, API_MEMBER_READ),
        ("api:model_tests", "post", {"service": world["service"]}, {}, API_WRITER_INVALID),
        ("api:model_test", "get", run, None, API_MEMBER_READ),
        ("api:model_test_control", "post", run, {}, API_WRITER_INVALID),  # no action
        ("api:model_test_attachment", "post", run, None, API_WRITER_CONFLICT),  # not finished
        ("api:model_test_items", "get", run, None, API_WRITER),
        ("api:instruments", "get", {}, None, _api(200)),
        ("api:instrument", "get", {"code": world["instrument"]}, None, _api(200)),
        ("api:questionnaires", "get", {}, None, _api(200)),
        (
            "api:questionnaire",
            "get",
            {"code": world["questionnaire"].code, "version": world["questionnaire"].version},
            None,
            _api(200),
        ),
    ]


def _token_client(persona, user, world):
    """A client that sends the persona's own token: their role at their provider, or the
    review area for the reviewer."""
    from api.models import TokenRole
    from api.tokens import token_create
    from providers.models import Membership

    client = Client()
    if user is None:
        return client
    if persona == "reviewer":
        provider, role = None, TokenRole.REVIEWER
    else:
        membership = Membership.objects.filter(user=user).select_related("provider").first()
        provider, role = membership.provider, membership.role
    _token, secret = token_create(user=user, name="matrix", provider=provider, role=role, days=1)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


@pytest.mark.parametrize("auth", ["session", "token"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_api_matrix(world, personas, client_for, persona, auth):
    user = personas[persona]
    client = client_for(user) if auth == "session" else _token_client(persona, user, world)
    failures = []
    for name, method, kwargs, body, expected in _api_cases(world):
        url = reverse(name, kwargs=kwargs)
        if body is None:
            response = getattr(client, method)(url)
        else:
            response = getattr(client, method)(url, body, content_type="application/json")
        if response.status_code != expected[persona]:
            failures.append(
                f"{method.upper()} {name}: {response.status_code} != {expected[persona]}"
            )
        elif response.status_code >= 400 and name not in ("api:docs", "api:redoc"):
            assert response["Content-Type"] == "application/problem+json", (name, method)
    assert not failures, "\n".join(failures)


def test_a_token_acts_only_within_its_provider(world, personas, client_for):
    """The outsider owns another provider; made a viewer here too, their token for the other
    provider still sees nothing of this one, and their session sees it read-only."""
    from providers.models import Membership, Provider, Role

    outsider = personas["outsider"]
    here = Provider.objects.get(public_id=world["provider"])
    Membership.objects.create(provider=here, user=outsider, role=Role.VIEWER)
    token_client = _token_client("outsider", outsider, world)
    url = reverse("api:assessment", kwargs={"assessment": world["assessment"]})
    assert token_client.get(url).status_code == 404
    assert client_for(outsider).get(url).status_code == 200
    listed = token_client.get(reverse("api:providers")).json()
    assert [p["id"] for p in listed] == [
        str(
            Membership.objects.filter(user=outsider).exclude(provider=here).get().provider.public_id
        )
    ]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 302), ("owner", 302), ("reviewer", 302)],
)
def test_admin_is_for_staff_only(personas, client_for, persona, expected):
    response = client_for(personas[persona]).get(reverse("admin:index"))
    assert response.status_code == expected
    assert "/admin/login/" in response["Location"]


PROJECT_APPS = {
    "accounts",
    "providers",
    "library",
    "assessments",
    "reviews",
    "audit",
    "notifications",
    "dossiers",
    "filing",
    "api",
    "modeltests",
}


def test_every_model_has_an_admin():
    from django.apps import apps
    from django.contrib import admin

    missing = [
        model._meta.label
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS
        and not model._meta.auto_created
        and model not in admin.site._registry
    ]
    assert not missing, f"register these models in the admin: {missing}"


def test_admin_opens_for_staff(admin_user, client_for):
    from django.contrib import admin

    client = client_for(admin_user)
    assert client.get(reverse("admin:index")).status_code == 200
    for model in admin.site._registry:
        if model._meta.app_label not in PROJECT_APPS:
            continue
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/?q=test"
        assert client.get(url).status_code == 200, url
