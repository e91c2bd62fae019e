"""Dossiers: request (one per version), build (render, sign, package), verification, views.

Tasks run eagerly here (tests/conftest.py); tests/test_worker.py runs them on a real worker.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from dossiers import signing
from dossiers.models import Dossier, DossierKind, DossierStatus
from dossiers.services import dossier_request
from dossiers.testing import approve, make_assessment
from dossiers.verification import CURRENT, NOT_GENUINE, SUPERSEDED, verify_file

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "dossiers"


@pytest.fixture(autouse=True)
def _signing(dev_signing):
    pass


@pytest.fixture
def approved(service, editor, reviewer):
    assessment = make_assessment(service, editor)
    return approve(assessment, editor, reviewer)


def generate(assessment, user, capture, edition="zh") -> Dossier:
    with capture(execute=True):
        dossier, _created = dossier_request(assessment=assessment, user=user, edition=edition)
    dossier.refresh_from_db()
    return dossier


def media_file(settings, relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


def keep(name: str, path: Path) -> None:
    """Copy a generated PDF to test-artifacts/ for looking at (pdftoppm)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, ARTIFACTS / name)


def test_approved_assessment_gets_a_signed_dossier_and_package(
    approved, editor, settings, django_capture_on_commit_callbacks
):
    dossier = generate(approved, editor, django_capture_on_commit_callbacks)
    assert dossier.status == DossierStatus.READY, (dossier.error_code, dossier.error_detail)
    assert dossier.kind == DossierKind.FINAL
    pdf = media_file(settings, dossier.pdf_path)
    keep("final-zh.pdf", pdf)
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == dossier.pdf_sha256
    assert dossier.page_count > 10
    with pdf.open("rb") as handle:
        verdict = verify_file(handle, pdf.stat().st_size)
    assert verdict.outcome == CURRENT, verdict.reasons
    package = media_file(settings, dossier.package_path)
    with package.open("rb") as handle:
        verdict = verify_file(handle, package.stat().st_size)
    assert verdict.outcome == CURRENT, verdict.reasons
    assert verdict.files_checked > 4


def test_every_edition_and_the_draft_preview_render_for_looking_at(
    approved, service, editor, settings, django_capture_on_commit_callbacks
):
    """Not an assertion on looks: it leaves the PDFs in test-artifacts/dossiers/ for pdftoppm."""
    for edition in ("en", "bilingual"):
        dossier = generate(approved, editor, django_capture_on_commit_callbacks, edition)
        assert dossier.status == DossierStatus.READY, dossier.error_code
        keep(f"final-{edition}.pdf", media_file(settings, dossier.pdf_path))


# --- a small questionnaire: the whole pipeline in about a second ------------------------------


@pytest.fixture
def small(service, editor, reviewer):
    """An approved assessment of a five-question questionnaire, with one evidence file."""
    from assessments.models import Assessment
    from assessments.services import refresh_assessment
    from tests import factories

    questionnaire = factories.make_questionnaire(5, domains=3)
    assessment = Assessment.objects.create(
        service=service, questionnaire=questionnaire, created_by=editor
    )
    factories.attach(assessment, "T-000", editor, name="制度文件.pdf")
    factories.fill_required(assessment, editor)
    refresh_assessment(assessment)
    return approve(assessment, editor, reviewer)


@pytest.fixture
def small_dossier(small, editor, django_capture_on_commit_callbacks):
    dossier = generate(small, editor, django_capture_on_commit_callbacks)
    assert dossier.status == DossierStatus.READY, (dossier.error_code, dossier.error_detail)
    return dossier


def check(path: Path):
    from django.utils import translation

    with translation.override("en"), path.open("rb") as handle:
        return verify_file(handle, path.stat().st_size)


def test_a_second_request_for_the_same_version_returns_the_same_dossier(
    small, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        first, created = dossier_request(assessment=small, user=editor, edition="zh")
    assert created and len(callbacks) == 1
    with django_capture_on_commit_callbacks() as callbacks:
        second, created = dossier_request(assessment=small, user=editor, edition="zh")
    assert not created and not callbacks
    assert second.pk == first.pk
    assert Dossier.objects.filter(assessment=small).count() == 1


def test_the_signature_names_the_approving_reviewer_and_covers_the_manifest(
    small_dossier, settings, reviewer
):
    from pyhanko.pdf_utils.reader import PdfFileReader

    pdf = media_file(settings, small_dossier.pdf_path)
    reader = PdfFileReader(io.BytesIO(pdf.read_bytes()))
    signature = reader.embedded_signatures[0]
    assert reviewer.email in str(signature.sig_object["/Reason"])
    assert str(reader.trailer["/Info"]["/manifestsha256"]) == small_dossier.manifest_sha256
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert small_dossier.manifest_sha256 in text


def test_the_package_matches_its_manifest(small_dossier, settings):
    package = media_file(settings, small_dossier.package_path)
    with zipfile.ZipFile(package) as zf:
        raw = zf.read("manifest.json")
        manifest = json.loads(raw)
        assert hashlib.sha256(raw).hexdigest() == small_dossier.manifest_sha256
        names = set(zf.namelist())
        for entry in manifest["files"]:
            data = zf.read(entry["path"])
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
            assert len(data) == entry["size"]
        assert names == {e["path"] for e in manifest["files"]} | {"manifest.json", manifest["pdf"]}
    kinds = {e["kind"] for e in manifest["files"]}
    assert kinds == {"snapshot", "evidence"}
    assert manifest["snapshot_sha256"] == small_dossier.assessment.snapshot_sha256


def test_a_rerun_of_a_finished_task_does_nothing(small_dossier):
    from dossiers.services import dossier_build

    assert dossier_build(small_dossier.pk) is False
    small_dossier.refresh_from_db()
    assert small_dossier.attempts == 1


def _tamper_zip(source: Path, target: Path, *, change=None, add=None) -> None:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if change and item.filename.startswith(change):
                # Still valid JSON for the manifest, but other bytes.
                data = (
                    data.replace(b'"format":1', b'"format": 1')
                    if change == "manifest.json"
                    else data + b"!"
                )
            zout.writestr(item, data)
        if add:
            zout.writestr(add, b"extra")


@pytest.mark.parametrize(
    ("change", "add", "reason"),
    [
        ("evidence/", None, "does not match the manifest"),
        ("manifest.json", None, "not the manifest the signed PDF certifies"),
        (None, "evidence/extra.txt", "does not list"),
    ],
)
def test_a_tampered_package_is_not_genuine(small_dossier, settings, tmp_path, change, add, reason):
    source = media_file(settings, small_dossier.package_path)
    target = tmp_path / "tampered.zip"
    _tamper_zip(source, target, change=change, add=add)
    verdict = check(target)
    assert verdict.outcome == NOT_GENUINE
    assert reason in verdict.reasons[0]


def test_flipped_byte_and_appended_update_are_not_genuine(small_dossier, settings, tmp_path):
    data = media_file(settings, small_dossier.pdf_path).read_bytes()
    flipped = bytearray(data)
    flipped[len(flipped) // 3] ^= 0x01
    (tmp_path / "flipped.pdf").write_bytes(bytes(flipped))
    assert check(tmp_path / "flipped.pdf").outcome == NOT_GENUINE

    (tmp_path / "appended.pdf").write_bytes(_append_update(data))
    verdict = check(tmp_path / "appended.pdf")
    assert verdict.outcome == NOT_GENUINE
    assert "appended to the file after it was signed" in verdict.reasons[0]


def _append_update(data: bytes) -> bytes:
    """An incremental update after the signature that rewrites the file's first 50 objects
    (all of them would also rewrite the signature's, which pyHanko sees at once)."""
    from pyhanko.pdf_utils.generic import NameObject, Reference, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    info = writer.trailer["/Info"]
    info[NameObject("/Title")] = TextStringObject("篡改后的标题")
    writer.update_container(info)
    for number in range(1, min(writer.prev.trailer["/Size"], 50)):
        ref = Reference(number, 0, writer.prev)
        with contextlib.suppress(Exception):  # free entries
            writer.get_object(ref)
            writer.mark_update(ref)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_an_untrusted_signer_is_not_genuine(small_dossier, settings):
    settings.DOSSIER_ALLOW_DEV_SIGNING = False  # the development root is no longer trusted
    verdict = check(media_file(settings, small_dossier.pdf_path))
    assert verdict.outcome == NOT_GENUINE
    assert "not one the portal trusts" in verdict.reasons[0]


def test_a_later_signed_version_supersedes_the_dossier(small_dossier, settings, service, editor):
    from assessments.models import Assessment

    newer_assessment = Assessment.objects.create(
        service=service,
        questionnaire=small_dossier.assessment.questionnaire,
        version=2,
        created_by=editor,
    )
    newer = Dossier.objects.create(
        number="GAI-20990101-NEWER00000",
        assessment=newer_assessment,
        kind=DossierKind.FINAL,
        snapshot_sha256="b" * 64,
        assessment_version=2,
        status=DossierStatus.READY,
        pdf_sha256="c" * 64,
    )
    verdict = check(media_file(settings, small_dossier.pdf_path))
    assert verdict.outcome == SUPERSEDED
    assert verdict.newer == newer


def test_a_draft_gets_an_unsigned_preview_watermarked_on_every_page(
    service, editor, settings, django_capture_on_commit_callbacks
):
    from assessments.services import assessment_start
    from tests import factories

    assessment, _ = assessment_start(service=service, user=editor)
    factories.answer(assessment, "SCOPE-01", editor, value="yes")
    dossier = generate(assessment, editor, django_capture_on_commit_callbacks)
    assert dossier.status == DossierStatus.READY, dossier.error_code
    assert dossier.kind == DossierKind.PREVIEW
    assert not dossier.package_path and not dossier.signer_fingerprint
    pdf = media_file(settings, dossier.pdf_path)
    keep("preview-zh.pdf", pdf)
    for page in range(1, dossier.page_count + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
            capture_output=True,
            text=True,
        ).stdout
        assert "草稿" in text and "不得用于备案" in text, page
    verdict = check(pdf)
    assert verdict.outcome == NOT_GENUINE and "no signature" in verdict.reasons[0]
    # A second click on the unchanged draft returns the same preview.
    again, created = dossier_request(assessment=assessment, user=editor, edition="zh")
    assert not created and again.pk == dossier.pk


def test_a_failed_job_says_why_keeps_the_assessment_and_can_be_retried(
    small, editor, settings, django_capture_on_commit_callbacks, editor_client
):
    settings.DOSSIER_ALLOW_DEV_SIGNING = False
    before = (small.status, small.updated_at, small.snapshot_sha256)
    dossier = generate(small, editor, django_capture_on_commit_callbacks)
    assert dossier.status == DossierStatus.FAILED
    assert dossier.error_code == "signing_not_configured"
    small.refresh_from_db()
    assert (small.status, small.updated_at, small.snapshot_sha256) == before
    page = editor_client.get(reverse("dossiers:panel", kwargs={"assessment": small.public_id}))
    assert "签名证书" in page.content.decode()
    assert reverse("dossiers:retry", kwargs={"dossier": dossier.public_id}) in page.content.decode()

    settings.DOSSIER_ALLOW_DEV_SIGNING = True
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            reverse("dossiers:retry", kwargs={"dossier": dossier.public_id}), HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.READY
    assert dossier.attempts == 2


def test_the_kept_key_signs_as_pyhanko_does(dev_signing):
    """dossiers.signing keeps the private key parsed; a signature must be what pyHanko's own
    SimpleSigner makes (PKCS#1 v1.5 is deterministic), and an ECDSA one must verify."""
    import datetime as dt

    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    def plain(signer):
        return signers.SimpleSigner(
            signing_cert=signer.signing_cert,
            signing_key=signer.signing_key,
            cert_registry=signer.cert_registry,
        )

    kept = signing.load_signing_key().signer
    for data in (b"", b"abc", bytes(range(256)) * 40):
        assert kept.sign_raw(data, "sha256") == plain(kept).sign_raw(data, "sha256")

    ec_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ecdsa test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(ec_key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(ec_key, hashes.SHA256())
    )
    ec_signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            ec_key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        cert_registry=SimpleCertificateStore(),
    )
    signature = signing._KeptKeySigner.keeping_key_of(ec_signer).sign_raw(b"abc", "sha256")
    ec_key.public_key().verify(signature, b"abc", ec.ECDSA(hashes.SHA256()))  # raises if wrong


def test_a_render_leaves_the_garbage_collector_as_it_found_it():
    """html_to_pdf hides the process's older objects from the collector while WeasyPrint runs
    (dossiers.pdf.old_objects_left_out_of_gc); afterwards nothing stays hidden, garbage made
    before the render is still collected, and nothing of the render is left behind."""
    import gc
    import weakref

    from dossiers.pdf import html_to_pdf

    html = '<html lang="zh-CN"><body><h1>安全评估报告</h1><p>第一章 总则</p></body></html>'
    html_to_pdf(html)  # fonts and caches loaded once per process
    gc.collect()
    before = len(gc.get_objects())

    class Node:
        pass

    cycle = Node()
    cycle.self = cycle
    collected = []
    weakref.finalize(cycle, collected.append, True)
    del cycle
    for _ in range(3):
        assert html_to_pdf(html).pages == 1
    assert gc.get_freeze_count() == 0
    # The render's garbage went with it, without waiting for a full collection.
    assert len(gc.get_objects()) < before + 500
    gc.collect()
    assert collected == [True]


def test_a_missing_cjk_font_fails_the_render(tmp_path):
    """With a fontconfig that knows only DejaVu, WeasyPrint draws boxes and logs .notdef;
    html_to_pdf must refuse (in a subprocess: fontconfig reads its configuration once)."""
    dejavu = Path("/usr/share/fonts/truetype/dejavu")
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        f'<?xml version="1.0"?><fontconfig><dir>{dejavu}</dir>'
        f"<cachedir>{tmp_path}/cache</cachedir></fontconfig>"
    )
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='portal.settings'; django.setup()\n"
        "from dossiers.pdf import html_to_pdf\nfrom dossiers.errors import DossierError\n"
        "try:\n    html_to_pdf('<html lang=\"zh-CN\"><body><p>安全评估报告</p></body></html>')\n"
        "except DossierError as exc:\n    print('REFUSED', exc.code)\nelse:\n    print('RENDERED')\n"
    )
    import os
    import sys

    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=120,
    )
    assert "REFUSED font_missing" in result.stdout, result.stderr[-2000:]


# --- views -------------------------------------------------------------------------------------


def test_generate_through_the_panel_and_download(
    small, editor_client, settings, django_capture_on_commit_callbacks
):
    url = reverse("dossiers:generate", kwargs={"assessment": small.public_id})
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(url, {"edition": "bilingual"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    dossier = Dossier.objects.get(assessment=small)
    assert dossier.status == DossierStatus.READY and dossier.edition == "bilingual"
    body = response.content.decode()
    assert dossier.number in body
    pdf = editor_client.get(reverse("dossiers:download_pdf", kwargs={"dossier": dossier.public_id}))
    assert pdf.status_code == 200
    assert hashlib.sha256(b"".join(pdf.streaming_content)).hexdigest() == dossier.pdf_sha256
    package = editor_client.get(
        reverse("dossiers:download_package", kwargs={"dossier": dossier.public_id})
    )
    assert package.status_code == 200 and package["Content-Disposition"].endswith('.zip"')


def test_the_panel_polls_while_a_job_runs(small, editor, editor_client):
    Dossier.objects.create(
        number="GAI-20260101-RUNNING000",
        assessment=small,
        kind=DossierKind.FINAL,
        snapshot_sha256=small.snapshot_sha256,
        assessment_version=1,
        status=DossierStatus.RENDERING,
        progress=40,
    )
    body = editor_client.get(
        reverse("dossiers:panel", kwargs={"assessment": small.public_id})
    ).content.decode()
    assert 'hx-trigger="every 2s"' in body and 'aria-valuenow="40"' in body


def test_the_public_page_verifies_an_upload(small_dossier, settings, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("dossiers:verify")
    data = media_file(settings, small_dossier.package_path).read_bytes()
    response = client.post(url, {"file": SimpleUploadedFile("p.zip", data)})
    assert response.status_code == 200
    with translation.override("zh-hans"):
        assert gettext("Genuine and current") in response.content.decode()
    page = client.get(reverse("dossiers:verify_number", kwargs={"number": small_dossier.number}))
    assert small_dossier.pdf_sha256 in page.content.decode()


def test_the_public_page_limits_size_and_rate(settings, client):
    from django.core.cache import cache
    from django.core.files.uploadedfile import SimpleUploadedFile

    cache.clear()
    url = reverse("dossiers:verify")
    settings.DOSSIER_VERIFY_MAX_BYTES = 1024
    big = client.post(url, {"file": SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 200_000)})
    assert big.status_code == 413
    settings.DOSSIER_VERIFY_PER_HOUR = 2
    small_file = SimpleUploadedFile("x.pdf", b"%PDF-1.7 nothing")
    statuses = [client.post(url, {"file": small_file}).status_code for _ in range(2)]
    assert statuses == [200, 429]  # the oversized upload counted as the first check
    cache.clear()


def test_the_verification_rate_limit_is_shared_by_every_process(settings, client, tmp_path):
    """The embedded default settings count in a cache another process reads too: a second
    gunicorn worker (here: a separate Python process with the same settings) sees the checks
    this one counted, so the hourly limit holds however many processes serve the page."""
    import os
    import runpy
    import sys

    from django.core.files.uploadedfile import SimpleUploadedFile

    env = {k: v for k, v in os.environ.items() if k not in ("CACHE_URL", "PROXY_COUNT")}
    env["PORTAL_VAR_DIR"] = str(tmp_path / "var")
    saved = os.environ.copy()
    os.environ.clear()
    os.environ.update(env)
    try:
        loaded = runpy.run_path(str(Path(__file__).resolve().parent.parent / "portal/settings.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    django_default = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.CACHES = loaded.get("CACHES", django_default)
    settings.DOSSIER_VERIFY_PER_HOUR = 2
    url = reverse("dossiers:verify")
    address = {"REMOTE_ADDR": "192.0.2.44"}
    for _ in range(2):
        client.post(url, {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.7 x")}, **address)
    other_process = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.core.cache import cache; "
            "print(cache.get('dossiers:verify:192.0.2.44'))",
        ],
        env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert other_process.stdout.strip() == "2", other_process.stderr
    third = client.post(url, {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.7 x")}, **address)
    assert third.status_code == 429


# --- commands ------------------------------------------------------------------------------------


def test_verify_dossier_command(small_dossier, settings, tmp_path):
    from django.core.management import call_command

    out = io.StringIO()
    call_command(
        "verify_dossier", str(media_file(settings, small_dossier.package_path)), stdout=out
    )
    assert "GENUINE AND CURRENT" in out.getvalue()
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\n%%EOF\n")
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_dossier", str(bad), stdout=io.StringIO())
    assert exit_info.value.code == 2


def test_ensure_signing_cert_is_idempotent_and_never_overwrites(settings, tmp_path):
    from django.core.management import CommandError, call_command

    settings.DOSSIER_DEV_SIGNING_DIR = tmp_path / "signing"
    call_command("ensure_signing_cert", stdout=io.StringIO())
    files = sorted((tmp_path / "signing").iterdir())
    assert [f.name for f in files] == sorted(signing.DEV_FILES)
    assert all("DEVELOPMENT-ONLY" in f.name for f in files)
    stamps = [f.stat().st_mtime_ns for f in files]
    out = io.StringIO()
    call_command("ensure_signing_cert", stdout=out)
    assert "exists" in out.getvalue()
    assert [f.stat().st_mtime_ns for f in files] == stamps
    files[0].unlink()
    with pytest.raises(CommandError, match="refusing to overwrite"):
        call_command("ensure_signing_cert", stdout=io.StringIO())


def test_ten_thousand_character_answers_render_in_a_fraction_of_the_time_limit(
    service, editor, reviewer, django_capture_on_commit_callbacks, settings, tmp_path
):
    """WeasyPrint's min-content sizing of `overflow-wrap: anywhere` text in a grid or an
    automatic table grew with the square of the text: 10 000 characters hit the 600 s limit."""
    from assessments.forms import CLAUSE_FIELDS
    from assessments.models import Answer, Assessment
    from assessments.services import refresh_assessment
    from tests import factories

    questionnaire = factories.make_questionnaire(5, domains=1)
    assessment = Assessment.objects.create(
        service=service, questionnaire=questionnaire, created_by=editor
    )
    factories.fill_required(assessment, editor)
    sentence = "训练数据来源合法性审查记录见附件三，covering 12 data sources；"
    text = (sentence * 400)[:10_000]
    clause = Answer.objects.get(assessment=assessment, question__code="T-000")
    for name in CLAUSE_FIELDS:
        if name not in ("nonconformity", "remediation_due"):
            setattr(clause, name, text)
    clause.note = text
    clause.save()
    Answer.objects.filter(assessment=assessment, question__code="T-003").update(value=text)
    refresh_assessment(assessment)
    approved = approve(assessment, editor, reviewer)
    dossier = generate(approved, editor, django_capture_on_commit_callbacks)
    assert dossier.status == DossierStatus.READY, (dossier.error_code, dossier.error_detail)
    assert dossier.page_count >= 20  # every field is in the document
    assert dossier.render_seconds < settings.DOSSIER_TASK_SOFT_TIME_LIMIT / 20, (
        dossier.render_seconds
    )
    keep("long-answers.pdf", media_file(settings, dossier.pdf_path))
    # The public page on this large dossier with an update appended: pyHanko's diff analysis
    # of the update took minutes (the page gave up after 30 s); the byte range tells at once.
    appended = tmp_path / "appended.pdf"
    appended.write_bytes(_append_update(media_file(settings, dossier.pdf_path).read_bytes()))
    started = time.perf_counter()
    verdict = check(appended)
    assert time.perf_counter() - started < 2
    assert verdict.reasons == ["Content was appended to the file after it was signed."]


def test_bilingual_text_is_escaped_once():
    """An apostrophe in the English half printed as “&#x27;” in the PDF (escaped twice)."""
    from django.template import Context, Template

    template = Template(
        "{% load i18n dossier_pdf %}{% both %}{% translate 'Yes' %} {{ text }}{% endboth %}"
    )
    out = template.render(Context({"edition": "bilingual", "text": "the user's <b>"}))
    assert "&amp;" not in out
    assert out.count("the user&#x27;s &lt;b&gt;") == 2


def test_cached_page_references_equal_pydyfs_own_as_pages_are_added():
    import pydyf

    from dossiers.pdf import _cache_page_references

    _cache_page_references()
    _cache_page_references()  # twice: still one layer
    pdf = pydyf.PDF()
    for _page in range(5):
        pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
        assert pdf.page_references == tuple(f"{n} 0 R".encode() for n in pdf.pages["Kids"][::3])
        assert pdf.page_references is pdf.page_references  # no rebuild between additions


def test_fonts_read_on_demand_give_weasyprints_own_pdf_without_copying_the_font_files(tmp_path):
    """dossiers.pdf._font_files_on_demand: a PDF with three CJK faces (serif regular and bold,
    sans bold) is the same, byte for byte, as WeasyPrint's own code writes it, while the render
    no longer allocates a whole font collection (19-27 MB each) for every face it uses."""
    import tracemalloc

    import weasyprint.pdf.fonts as fonts
    import weasyprint.text.fonts

    from dossiers.pdf import _font_files_on_demand, _weasyprint, html_to_pdf
    from filing import pdf
    from filing.blocks import Doc

    doc = Doc("字体测试")
    doc.heading_title("生成式人工智能服务安全评估报告")
    doc.para("正文使用宋体，Latin text and digits 0123456789。", bold=True)
    doc.table(("项目", "内容"), [("服务名称", "示例写作助手"), ("SHA-256", "ab" * 32)])
    html = pdf.render_html(doc)

    def render() -> tuple[bytes, int]:
        tracemalloc.start()
        try:
            data = _weasyprint(html)[0]  # html_to_pdf would put the on-demand reading back
            return data, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    _font_files_on_demand()
    html_to_pdf(html)  # fonts and caches loaded once per process
    on_demand, on_demand_peak = render()
    patched = fonts.Font.__dict__["file_content"], fonts.get_hb_object_data
    del fonts.Font.file_content
    fonts.get_hb_object_data = weasyprint.text.fonts.get_hb_object_data
    try:
        own, own_peak = render()
    finally:
        fonts.Font.file_content, fonts.get_hb_object_data = patched
    assert on_demand == own
    (tmp_path / "fonts.pdf").write_bytes(on_demand)
    listing = subprocess.run(
        ["pdffonts", str(tmp_path / "fonts.pdf")], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    # Three faces, each embedded as a subset ("emb" and "sub" columns).
    assert len(listing) == 3
    assert all(" yes yes " in line for line in listing), listing
    assert own_peak > 19_000_000  # WeasyPrint's own: at least one whole collection copied
    assert on_demand_peak < own_peak - 19_000_000


@pytest.mark.parametrize("header", [("项目", "内容"), ("、", "、")])
def test_cff_subsets_in_one_pass_give_weasyprints_own_pdf(header, monkeypatch):
    """dossiers.pdf._cff_subsets_in_one_pass: the same PDF, byte for byte, as WeasyPrint's two
    subsetting passes. With a header of "、" alone, the sans face's glyph reached from it (its
    vertical form) lies after the last glyph used, where one pass would keep it: that face
    takes WeasyPrint's own two passes, the serif faces one."""
    import weasyprint.pdf.fonts as fonts

    import dossiers.pdf
    from dossiers.pdf import _cff_subsets_in_one_pass, _weasyprint, html_to_pdf
    from filing import pdf
    from filing.blocks import Doc

    doc = Doc("字体测试")
    doc.para("正文：生成式人工智能服务（第 1 版），Latin 0123456789。", bold=True)
    doc.table(header, [("服务名称", "示例写作助手"), ("SHA-256", "ab" * 32)])
    html = pdf.render_html(doc)
    _cff_subsets_in_one_pass()
    html_to_pdf(html)  # fonts and caches loaded once per process
    taken = []
    one_pass = dossiers.pdf._cff_subset_in_one_pass

    def noted(font, glyphs):
        data = one_pass(font, glyphs)
        taken.append((font.family, data is not None))
        return data

    monkeypatch.setattr(dossiers.pdf, "_cff_subset_in_one_pass", noted)
    ours = _weasyprint(html)[0]  # html_to_pdf would put the one pass back
    patched = fonts.Font._harfbuzz_subset
    fonts.Font._harfbuzz_subset = patched.__wrapped__
    try:
        own = _weasyprint(html)[0]
    finally:
        fonts.Font._harfbuzz_subset = patched
    assert ours == own
    sans = ("Noto Sans CJK SC", header == ("项目", "内容"))
    assert sorted(taken) == [sans, ("Noto Serif CJK SC", True), ("Noto Serif CJK SC", True)]


def _stranded_labels(html: str) -> tuple[int, list[tuple[int, str]]]:
    """(labels seen, [(page, text) of each label whose value starts on a later page]) in the
    laid-out dossier, from WeasyPrint's boxes. Labels: a field label (dt, whose value is the
    next dd), a question (its provisions or first field follow) and its provisions line."""
    from weasyprint import HTML

    from dossiers.pdf import _fetcher_class, static_root

    document = HTML(
        string=html, base_url=static_root().as_uri() + "/", url_fetcher=_fetcher_class()()
    ).render()
    first_page: dict[int, int] = {}
    elements = {}

    def walk(box, page):
        element = getattr(box, "element", None)
        if element is not None and (
            box.element_tag in ("dt", "dd")
            or {"head", "provisions"} & set((element.get("class") or "").split())
        ):
            first_page.setdefault(id(element), page)
            elements[id(element)] = element
        for child in getattr(box, "children", ()):
            walk(child, page)

    for number, page in enumerate(document.pages, start=1):
        walk(page._page_box, number)
    order = list(elements)  # document order: each label is followed by what it introduces
    labels, stranded = 0, []
    for key, following in zip(order, order[1:], strict=False):
        if elements[key].tag == "dd":
            continue
        labels += 1
        if first_page[following] != first_page[key]:
            text = " ".join("".join(elements[key].itertext()).split())
            stranded.append((first_page[key], text[:40]))
    return labels, stranded


def test_no_field_label_ends_a_page_without_its_answer(
    service, editor, reviewer, django_capture_on_commit_callbacks, monkeypatch, settings
):
    """A label (答案, 理由说明…) or a question at the foot of a page with its answer on the next
    one reads as unanswered. Answers of many lengths put labels at every height of a page: what
    a label introduces must start on the label's page."""
    from assessments.models import Answer, Assessment
    from assessments.services import refresh_assessment
    from dossiers import services as dossier_services
    from tests import factories

    questionnaire = factories.make_questionnaire(36, domains=1)
    assessment = Assessment.objects.create(
        service=service, questionnaire=questionnaire, created_by=editor
    )
    factories.fill_required(assessment, editor)
    sentence = "按季度开展安全评估并留存记录，covering every release；"
    for i, answer in enumerate(Answer.objects.filter(assessment=assessment).order_by("pk")):
        answer.note = (sentence * 40)[: 15 + (i * 37) % 260]
        if answer.value == "conform" and i % 3 == 0:
            answer.value, answer.nonconformity = "not_conform", "remediation"
            answer.measures_taken = (sentence * 10)[: 10 + (i * 53) % 120]
            answer.remediation_plan = (sentence * 10)[: 20 + (i * 29) % 200]
            answer.remediation_due = dt.date(2027, 3, 31)
        answer.save()
    refresh_assessment(assessment)
    approved = approve(assessment, editor, reviewer)
    captured = []
    original = dossier_services.render_dossier_html

    def spy(context, *, edition):
        captured.append(html := original(context, edition=edition))
        return html

    monkeypatch.setattr(dossier_services, "render_dossier_html", spy)
    for edition in ("zh", "bilingual"):
        dossier = generate(approved, editor, django_capture_on_commit_callbacks, edition)
        assert dossier.status == DossierStatus.READY, dossier.error_detail
        keep(f"varied-answers-{edition}.pdf", media_file(settings, dossier.pdf_path))
    for html in captured:
        labels, stranded = _stranded_labels(html)
        assert labels > 150
        assert not stranded
