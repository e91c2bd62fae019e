"""Route packages built by the worker: request from the checks page, signed PDFs, verification,
downloads, refusals, failures and access. Tasks run eagerly after commit (conftest); the real
worker on Redis is exercised in tests/test_worker.py."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from audit.models import Action, AuditEvent
from dossiers.models import DossierKind, DossierStatus
from dossiers.testing import approve, make_assessment
from dossiers.verification import CURRENT, NOT_GENUINE, SUPERSEDED, verify_file
from filing import packages, services
from filing.facts import facts_for
from filing.messages import error_message
from filing.models import FilingPackage
from tests import factories

pytestmark = pytest.mark.usefixtures("dev_signing")
QUERIES_PANEL = 5  # membership, assessment, packages, facts (answers, evidence)


def _ready_provider(provider):
    provider.legal_representative = "张三"
    provider.security_lead = "李四"
    provider.legality_lead = "王五"
    provider.save()


@pytest.fixture
def ready(provider, service, editor, reviewer):
    """An approved assessment on which no pre-filing check blocks: signatories entered and the
    open-source corpus proven (FORM-07, FORM-03), as a provider would do before filing."""
    _ready_provider(provider)
    assessment = make_assessment(service, editor)
    factories.attach(assessment, "TD-06", editor, name="开源语料许可证.pdf")
    approved = approve(assessment, editor, reviewer)
    assert packages.blocking_titles(facts_for(approved)) == []
    return approved


def request(assessment, user, capture, route="gai_filing", preview=False) -> FilingPackage:
    with capture(execute=True):
        package, _created = services.package_request(
            assessment=assessment, user=user, route=route, preview=preview
        )
    package.refresh_from_db()
    return package


def media(settings, package) -> Path:
    return Path(settings.MEDIA_ROOT) / package.zip_path


def check(path: Path):
    with translation.override("en"), path.open("rb") as handle:
        return verify_file(handle, path.stat().st_size)


@pytest.fixture
def signed(ready, editor, django_capture_on_commit_callbacks):
    package = request(ready, editor, django_capture_on_commit_callbacks)
    assert package.status == DossierStatus.READY, (package.error_code, package.error_detail)
    return package


def test_a_signed_package_verifies_as_a_whole_and_file_by_file(signed, settings, tmp_path):
    path = media(settings, signed)
    zf = zipfile.ZipFile(path)
    signed_pdfs = sorted(signed.signed_files)
    assert {
        "00-材料清单.pdf",
        "01-生成式人工智能上线备案表.pdf",
        "02-附件1-安全评估报告.pdf",
    } <= set(signed_pdfs)
    assert set(signed_pdfs) <= set(zf.namelist())
    verdict = check(path)
    assert verdict.outcome == CURRENT, verdict.reasons
    assert verdict.dossier == signed and verdict.files_checked == len(zf.namelist()) - 2
    for name in signed_pdfs:  # each signed document verifies on its own, too
        single = tmp_path / "single.pdf"
        single.write_bytes(zf.read(name))
        assert check(single).outcome == CURRENT, name


@pytest.mark.skipif(
    shutil.which("pdfsig") is None, reason="poppler-utils is installed by make test"
)
def test_pdfsig_validates_the_signed_report(signed, settings, signing_dir, tmp_path):
    report = tmp_path / "report.pdf"
    report.write_bytes(zipfile.ZipFile(media(settings, signed)).read("02-附件1-安全评估报告.pdf"))
    out = subprocess.run(
        ["pdfsig", "-nocert", str(report)], capture_output=True, text=True, check=False
    ).stdout
    assert "Signature Validation: Signature is Valid." in out
    assert "Total document signed" in out


def test_a_tampered_package_is_not_genuine(signed, settings, tmp_path):
    source = zipfile.ZipFile(media(settings, signed))
    target = tmp_path / "tampered.zip"
    with zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "05-附件4-拦截关键词列表.xlsx":
                data = data + b"\0"
            out.writestr(info, data)
    verdict = check(target)
    assert verdict.outcome == NOT_GENUINE
    assert "05-附件4-拦截关键词列表.xlsx" in verdict.reasons[0]


def test_the_verification_page_knows_the_package_number(signed, client):
    page = client.get(reverse("dossiers:verify_number", kwargs={"number": signed.number}))
    body = page.content.decode()
    assert signed.zip_sha256 in body and signed.number in body
    with translation.override("zh-hans"):
        assert gettext("Filing package number") in body


def test_a_later_signed_package_supersedes(signed, settings, service, editor, reviewer):
    later = approve(make_assessment(service, editor), editor, reviewer)
    newer = FilingPackage.objects.create(
        number="PKG-20990101-NEWER00000",
        assessment=later,
        assessment_version=later.version,
        route=signed.route,
        kind=DossierKind.FINAL,
        status=DossierStatus.READY,
        zip_sha256="c" * 64,
    )
    verdict = check(media(settings, signed))
    assert verdict.outcome == SUPERSEDED and verdict.newer == newer


def test_the_package_is_audited_on_build_and_download(signed, editor_client):
    assert AuditEvent.objects.filter(
        action=Action.PACKAGE_GENERATED, summary__contains=signed.number
    ).exists()
    response = editor_client.get(
        reverse("filing:package_download", kwargs={"package": signed.public_id})
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).testzip() is None
    assert AuditEvent.objects.filter(action=Action.PACKAGE_DOWNLOADED).count() == 1


# --- requests and refusals ---------------------------------------------------------------------


def test_a_signed_package_needs_an_approved_assessment(service, editor):
    draft = make_assessment(service, editor)
    with translation.override("en"), pytest.raises(services.PackageRefused, match="approved"):
        services.package_request(assessment=draft, user=editor, route="gai_filing", preview=False)
    assert not FilingPackage.objects.exists()


def test_a_signed_package_is_refused_while_checks_block(service, editor, reviewer):
    approved = approve(make_assessment(service, editor), editor, reviewer)  # no signatories
    titles = packages.blocking_titles(facts_for(approved), "gai_filing")
    assert "FORM-07 签字人" in titles
    with pytest.raises(services.PackageRefused) as refusal:
        services.package_request(
            assessment=approved, user=editor, route="gai_filing", preview=False
        )
    assert all(title in str(refusal.value) for title in titles)


def test_a_draft_package_is_built_while_checks_block(
    service, editor, editor_client, django_capture_on_commit_callbacks, settings
):
    draft = make_assessment(service, editor)
    url = reverse("filing:package", kwargs={"assessment": draft.public_id})
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(url, {"route": "gai_filing", "preview": "1"})
    assert response.status_code == 302 and response["Location"].endswith("#filing-packages")
    package = FilingPackage.objects.get()
    assert package.status == DossierStatus.READY and package.kind == DossierKind.PREVIEW
    assert package.signed_files == {} and package.zip_name.startswith("草稿-")
    names = zipfile.ZipFile(media(settings, package)).namelist()
    assert "草稿-02-附件1-安全评估报告.pdf" in names
    assert check(media(settings, package)).outcome == NOT_GENUINE  # unsigned


def test_a_second_click_while_building_returns_the_same_package(ready, editor):
    first, created = services.package_request(
        assessment=ready, user=editor, route="gai_filing", preview=True
    )
    again, created_again = services.package_request(
        assessment=ready, user=editor, route="gai_filing", preview=True
    )
    assert created and not created_again and again == first


def test_a_route_that_does_not_apply_is_refused(ready, editor):
    with pytest.raises(services.PackageRefused):
        services.package_request(
            assessment=ready, user=editor, route="gai_registration", preview=True
        )


def test_a_failed_build_says_why_and_can_be_retried(
    ready, editor, editor_client, settings, django_capture_on_commit_callbacks
):
    settings.DOSSIER_ALLOW_DEV_SIGNING = False  # no certificate configured
    package = request(ready, editor, django_capture_on_commit_callbacks)
    assert package.status == DossierStatus.FAILED
    assert package.error_code == "signing_not_configured"
    page = editor_client.get(reverse("filing:checks", kwargs={"assessment": ready.public_id}))
    body = page.content.decode()
    with translation.override("zh-hans"):
        assert error_message("signing_not_configured") in body
    settings.DOSSIER_ALLOW_DEV_SIGNING = True
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            reverse("filing:package_retry", kwargs={"package": package.public_id})
        )
    assert response.status_code == 302
    package.refresh_from_db()
    assert package.status == DossierStatus.READY


def test_the_panel_polls_while_a_package_is_built(ready, editor, editor_client):
    FilingPackage.objects.create(
        number="PKG-20260101-RUNNING000",
        assessment=ready,
        assessment_version=ready.version,
        route="gai_filing",
        kind=DossierKind.FINAL,
        status=DossierStatus.RENDERING,
    )
    body = editor_client.get(
        reverse("filing:packages", kwargs={"assessment": ready.public_id})
    ).content.decode()
    assert 'hx-trigger="every 2s"' in body and "spinner-border" in body


def test_the_panel_query_count_does_not_grow_with_packages(
    ready, editor, editor_client, django_assert_num_queries
):
    url = reverse("filing:packages", kwargs={"assessment": ready.public_id})
    editor_client.get(url)
    for i in range(6):
        FilingPackage.objects.create(
            number=f"PKG-20260101-Q{i:09d}",
            assessment=ready,
            assessment_version=ready.version,
            route="gai_filing",
            kind=DossierKind.PREVIEW,
            status=DossierStatus.FAILED,
        )
    with django_assert_num_queries(QUERIES_PANEL):
        assert editor_client.get(url).status_code == 200


# --- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("owner", 302), ("editor", 302), ("viewer", 403), ("outsider", 404), ("reviewer", 404)],
)
def test_who_may_request_a_package(ready, personas, client_for, persona, status):
    url = reverse("filing:package", kwargs={"assessment": ready.public_id})
    response = client_for(personas[persona]).post(url, {"route": "gai_filing", "preview": "1"})
    assert response.status_code == status


@pytest.mark.parametrize(
    ("persona", "status"),
    [("owner", 200), ("viewer", 200), ("outsider", 404), ("reviewer", 404)],
)
def test_who_may_download_a_package(signed, personas, client_for, persona, status):
    url = reverse("filing:package_download", kwargs={"package": signed.public_id})
    assert client_for(personas[persona]).get(url).status_code == status


def test_an_unknown_route_is_refused_with_a_message(ready, editor_client):
    url = reverse("filing:package", kwargs={"assessment": ready.public_id})
    response = editor_client.post(url, {"route": "nope"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert 'id="filing-packages"' in response.content.decode()  # the section, not a page
    with translation.override("zh-hans"):
        assert gettext("Choose a filing route.") in response.content.decode()
    response = editor_client.post(url, {"route": "nope"}, follow=True)
    with translation.override("zh-hans"):
        assert gettext("Choose a filing route.") in response.content.decode()
    assert not FilingPackage.objects.exists()
