"""Background work through a real Celery worker on Redis and a real database.

Skipped, with the reason shown, only when CELERY_BROKER_URL is not a Redis URL (a laptop on the
embedded default); CI sets it, and tests/conftest.py fails the run if Redis does not answer.
"""

from __future__ import annotations

import os
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from assessments.models import Assessment
from assessments.services import assessment_start
from library.loading import load_library
from notifications.models import Kind, Notification
from notifications.services import notify
from portal.celery import app
from providers import services
from providers.models import Role
from providers.tasks import send_invitation_email
from tests import factories

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"),
        reason="CELERY_BROKER_URL is not a redis:// URL; the real-worker tests need Redis",
    ),
]


@pytest.fixture
def worker(transactional_db):
    app.conf.task_always_eager = False
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as w:
        yield w


def _wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_invitation_mail_goes_through_the_worker_after_commit(worker):
    provider = factories.make_provider()
    owner = factories.make_member(provider, Role.OWNER).user
    invitation = services.invitation_send(
        provider=provider, email="colleague@example.cn", role=Role.EDITOR, invited_by=owner
    )
    assert _wait_for(lambda: len(mail.outbox) == 1), "the worker did not send the invitation"
    message = mail.outbox[0]
    assert message.to == ["colleague@example.cn"]
    assert provider.name_zh in message.subject
    assert services.invitation_token(invitation)[:20] in message.body


def test_a_withdrawn_invitation_is_not_mailed(worker):
    provider = factories.make_provider()
    owner = factories.make_member(provider, Role.OWNER).user
    withdrawn = factories.make_invitation(provider, invited_by=owner, email="gone@example.cn")
    services.invitation_revoke(invitation=withdrawn)
    pending = factories.make_invitation(provider, invited_by=owner, email="here@example.cn")
    # One solo worker takes tasks in order: once the second mail is out, the first task ran.
    send_invitation_email.delay(withdrawn.pk, "http://portal.test/x/", "zh-hans")
    send_invitation_email.delay(pending.pk, "http://portal.test/y/", "zh-hans")
    assert _wait_for(lambda: len(mail.outbox) >= 1)
    assert [m.to for m in mail.outbox] == [["here@example.cn"]]


def test_a_committed_notification_is_mailed_by_the_worker(worker):
    load_library()  # idempotent; an earlier transactional test may have flushed the library
    provider = factories.make_provider()
    editor = factories.make_member(provider, Role.EDITOR).user
    reviewer = factories.make_user(is_reviewer=True)
    assessment, _created = assessment_start(service=factories.make_service(provider), user=editor)
    with transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(
            status="submitted", snapshot_sha256="0" * 64, submitted_by=editor
        )
        [notification] = notify(Kind.SUBMITTED, assessment=assessment, actor=editor)
    assert _wait_for(lambda: len(mail.outbox) == 1), "the worker did not send the notification"
    assert mail.outbox[0].to == [reviewer.email]
    assert reverse("reviews:detail", args=[assessment.public_id]) in mail.outbox[0].body
    assert Notification.objects.get(pk=notification.pk).emailed_at is not None


# --- filing dossiers ----------------------------------------------------------------------------


@pytest.fixture
def dossier_signing(settings, tmp_path):
    """A development CA in the test's own folder, passed to a worker subprocess as env too."""
    from dossiers import signing

    directory = tmp_path / "signing"
    signing.write_dev_ca(directory)
    settings.DOSSIER_DEV_SIGNING_DIR = directory
    settings.DOSSIER_ALLOW_DEV_SIGNING = True
    settings.DOSSIER_SIGNING_PKCS12 = ""
    settings.DOSSIER_SIGNING_KEY = ""
    settings.DOSSIER_TRUST_ROOTS = []
    settings.DOSSIER_TSA_URL = ""
    return directory


def _approved_dossier_world():
    from dossiers.testing import approve, make_assessment
    from library.loading import load_library
    from library.models import Questionnaire

    if not Questionnaire.objects.exists():  # an earlier transactional test flushed it
        load_library()
    provider = factories.make_provider(
        name_zh="丙智能科技有限公司", security_lead="李四", legality_lead="王五"
    )
    service = factories.make_service(provider, name="丙写作助手", channels=["web", "app"])
    editor = factories.make_member(provider, Role.EDITOR).user
    reviewer = factories.make_user(is_reviewer=True, display_name="赵审核")
    assessment = approve(make_assessment(service, editor), editor, reviewer)
    return assessment, editor, reviewer


def _run(*args: str) -> str:
    import subprocess

    return subprocess.run(args, capture_output=True, text=True, timeout=60).stdout


def test_a_dossier_is_made_end_to_end_on_the_worker(worker, dossier_signing, settings, client):
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from dossiers.models import Dossier, DossierStatus
    from dossiers.services import dossier_request

    assessment, editor, reviewer = _approved_dossier_world()
    dossier, created = dossier_request(assessment=assessment, user=editor, edition="zh")
    assert created
    assert _wait_for(
        lambda: (
            Dossier.objects.get(pk=dossier.pk).status in (DossierStatus.READY, DossierStatus.FAILED)
        ),
        timeout=180,
    ), "the worker did not finish the dossier"
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.READY, (dossier.error_code, dossier.error_detail)
    pdf = Path(settings.MEDIA_ROOT) / dossier.pdf_path
    package = Path(settings.MEDIA_ROOT) / dossier.package_path

    # Independent validator: poppler's pdfsig (the development CA is not in its trust store).
    pdfsig = _run("pdfsig", str(pdf))
    assert "Signature is Valid" in pdfsig and "Total document signed" in pdfsig, pdfsig
    fonts = _run("pdffonts", str(pdf))
    assert "NotoSansCJKSC" in fonts.replace("-", "").replace(" ", ""), fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:] if "CJK" in line)
    text = _run("pdftotext", str(pdf), "-")
    with translation.override("zh-hans"):
        summary = gettext("Summary of results")
    for heading in ("生成式人工智能服务备案材料", "基本情况", summary, "审核意见与签字"):
        assert heading in text, heading

    # pyHanko: bottom line, the reviewer in the reason.
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from dossiers import signing

    data = pdf.read_bytes()
    signature = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=signing.trust_roots()))
    assert status.bottom_line
    assert reviewer.email in str(signature.sig_object["/Reason"])

    # The verification page: genuine; a flipped byte and an appended update are not.
    url = reverse("dossiers:verify")

    def verdict(name: str, content: bytes) -> str:
        from django.core.cache import cache

        cache.clear()
        response = client.post(
            url, {"file": SimpleUploadedFile(name, content)}, HTTP_ACCEPT_LANGUAGE="en"
        )
        assert response.status_code == 200
        return response.content.decode()

    with translation.override("zh-hans"):
        genuine = gettext("Genuine and current")
        not_genuine = gettext("Not genuine")
    assert genuine in verdict("dossier.pdf", data)
    assert genuine in verdict("package.zip", package.read_bytes())
    flipped = bytearray(data)
    flipped[len(flipped) // 2] ^= 0x20
    assert not_genuine in verdict("flipped.pdf", bytes(flipped))
    from pyhanko.pdf_utils.generic import NameObject, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    info = writer.trailer["/Info"]
    info[NameObject("/Subject")] = TextStringObject("appended")
    writer.update_container(info)
    appended = io.BytesIO()
    writer.write(appended)
    assert not_genuine in verdict("appended.pdf", appended.getvalue())

    # The manifest matches the package.
    import hashlib
    import json
    import zipfile

    with zipfile.ZipFile(package) as zf:
        raw = zf.read("manifest.json")
        assert hashlib.sha256(raw).hexdigest() == dossier.manifest_sha256
        for entry in json.loads(raw)["files"]:
            assert hashlib.sha256(zf.read(entry["path"])).hexdigest() == entry["sha256"]

    # A second request for the same version returns the same dossier.
    again, created = dossier_request(assessment=assessment, user=editor, edition="zh")
    assert not created and again.pk == dossier.pk
    assert Dossier.objects.filter(assessment=assessment).count() == 1


def test_a_worker_killed_mid_render_still_completes_the_dossier_once(
    transactional_db, dossier_signing, settings, tmp_path
):
    """A real prefork worker (two children) in a subprocess: the child rendering the dossier is
    killed; late acknowledgement with reject-on-worker-lost hands the task to the other child,
    which takes over the row (the killed child's database lock died with it)."""
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from django.db import connection

    from dossiers import signing
    from dossiers.models import Dossier, DossierStatus
    from dossiers.services import dossier_request

    app.conf.task_always_eager = False
    assessment, editor, _reviewer = _approved_dossier_world()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}",
        "CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"],
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "DOSSIER_SIGNING_KEY": str(dossier_signing / signing.DEV_KEY),
        "DOSSIER_SIGNING_CERT": str(dossier_signing / signing.DEV_CERT),
        "DOSSIER_SIGNING_CHAIN": str(dossier_signing / signing.DEV_ROOT),
    }
    root = Path(__file__).resolve().parent.parent
    log = (tmp_path / "worker.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "2",
            "-l",
            "info",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        dossier, _ = dossier_request(assessment=assessment, user=editor, edition="zh")

        def rendering():
            row = Dossier.objects.get(pk=dossier.pk)
            return row.status == DossierStatus.RENDERING and row.progress >= 30 and row.claimed_by

        assert _wait_for(rendering, timeout=120), (tmp_path / "worker.log").read_text()[-3000:]
        victim = int(Dossier.objects.get(pk=dossier.pk).claimed_by.rsplit(":", 1)[1])
        os.kill(victim, signal.SIGKILL)
        assert _wait_for(
            lambda: Dossier.objects.get(pk=dossier.pk).status == DossierStatus.READY, timeout=180
        ), (tmp_path / "worker.log").read_text()[-3000:]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    dossier.refresh_from_db()
    assert dossier.attempts == 2
    assert int(dossier.claimed_by.rsplit(":", 1)[1]) != victim
    assert Dossier.objects.filter(assessment=assessment).count() == 1
    folder = Path(settings.MEDIA_ROOT) / dossier.pdf_path
    assert not list(folder.parent.glob(".tmp-*"))
    from dossiers.verification import CURRENT, verify_file

    with folder.open("rb") as handle:
        assert verify_file(handle, folder.stat().st_size).outcome == CURRENT


def test_a_signed_filing_package_is_built_on_the_worker(worker, dossier_signing, settings, client):
    """A member's click queues the package; the worker renders, signs and stores it; the ZIP
    downloads and the public page says it is genuine; pdfsig validates a signed document."""
    import zipfile
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile

    from dossiers.models import DossierStatus
    from dossiers.testing import approve, make_assessment
    from filing.models import FilingPackage
    from library.models import Questionnaire

    if not Questionnaire.objects.exists():  # an earlier transactional test flushed it
        load_library()
    provider = factories.make_provider(
        name_zh="丁智能科技有限公司",
        legal_representative="丁一",
        security_lead="丁二",
        legality_lead="丁三",
    )
    service = factories.make_service(provider, name="丁写作助手", channels=["web"])
    editor = factories.make_member(provider, Role.EDITOR).user
    reviewer = factories.make_user(is_reviewer=True, display_name="钱审核")
    assessment = make_assessment(service, editor)
    factories.attach(assessment, "TD-06", editor, name="开源语料许可证.pdf")
    assessment = approve(assessment, editor, reviewer)

    client.force_login(editor)
    url = reverse("filing:package", kwargs={"assessment": assessment.public_id})
    response = client.post(url, {"route": "gai_filing"})
    assert response.status_code == 302
    package = FilingPackage.objects.get(assessment=assessment)
    assert _wait_for(
        lambda: (
            FilingPackage.objects.get(pk=package.pk).status
            in (DossierStatus.READY, DossierStatus.FAILED)
        ),
        timeout=180,
    ), "the worker did not finish the package"
    package.refresh_from_db()
    assert package.status == DossierStatus.READY, (package.error_code, package.error_detail)

    download = client.get(reverse("filing:package_download", kwargs={"package": package.public_id}))
    data = b"".join(download.streaming_content)
    path = Path(settings.MEDIA_ROOT) / "downloaded.zip"
    path.write_bytes(data)
    report = Path(settings.MEDIA_ROOT) / "report.pdf"
    report.write_bytes(zipfile.ZipFile(path).read("02-附件1-安全评估报告.pdf"))
    pdfsig = _run("pdfsig", str(report))
    assert "Signature is Valid" in pdfsig and "Total document signed" in pdfsig, pdfsig

    client.logout()
    with translation.override("zh-hans"):
        genuine = gettext("Genuine and current")
    response = client.post(
        reverse("dossiers:verify"),
        {"file": SimpleUploadedFile("package.zip", data)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert genuine in response.content.decode()


def test_the_weekly_digest_goes_from_beat_through_the_worker_once(worker):
    from notifications.models import Digest
    from notifications.tasks import send_weekly_digests
    from tests.test_upgrade import V1, V2, make_version

    v1, _v2 = make_version(1, V1, code="digest-worker"), make_version(2, V2, code="digest-worker")
    provider = factories.make_provider()
    owner = factories.make_member(provider, Role.OWNER, email="digest@w.example.cn").user
    Assessment.objects.create(service=factories.make_service(provider), questionnaire=v1)
    # What beat sends (CELERY_BEAT_SCHEDULE["send-weekly-digests"]), twice in the same week.
    send_weekly_digests.delay()
    assert _wait_for(lambda: len(mail.outbox) == 1), "the worker did not send the digest"
    send_weekly_digests.delay()
    assert _wait_for(lambda: Digest.objects.filter(emailed_at__isnull=False).count() == 1)
    time.sleep(1)
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert "Told it is an AI?" in mail.outbox[0].body
