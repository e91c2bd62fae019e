"""An attached run's figures reach the dossier's chapter on the model tests and the filing
report of the package: each draw's rate against its threshold, the model as the endpoint
reported it, the seed and the bank files' hashes, in both editions (HTML and PDF text)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from assessments.models import Evidence
from assessments.services import assessment_start
from dossiers.models import DossierStatus
from dossiers.services import dossier_request
from modeltests import services

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts" / "dossiers"


@pytest.fixture(autouse=True)
def _signing(dev_signing):
    pass


@pytest.fixture
def attached(finished, service, editor, django_capture_on_commit_callbacks):
    assessment, _ = assessment_start(service=service, user=editor)
    with django_capture_on_commit_callbacks(execute=True):
        services.run_attach(run=finished, user=editor)
    workbook = Evidence.objects.get(assessment=assessment, name__endswith=".xlsx")
    assert workbook.analysis.status == "done", workbook.analysis.error_en
    return assessment


def _pdf_text(path: Path) -> str:
    """In reading layout: a table row stays on one line."""
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True
    ).stdout


def _flat(text: str) -> str:
    """Hashes break anywhere at a line end in the PDF: compare without white space."""
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize(
    ("edition", "words"),
    [
        ("zh", ("模型输出测试", "关键词抽检", "应拒答抽测", "非拒答抽测", "随机种子", "未达标")),
        (
            "en",
            (
                "Tests of the model's outputs",
                "Keyword draw",
                "Should-refuse draw",
                "Should-not-refuse draw",
                "Seed of the draws",
                "not met",
            ),
        ),
    ],
)
def test_the_dossier_shows_the_attached_runs_figures(
    attached,
    finished,
    editor,
    settings,
    django_capture_on_commit_callbacks,
    edition,
    words,
):
    with django_capture_on_commit_callbacks(execute=True):
        dossier, _ = dossier_request(assessment=attached, user=editor, edition=edition)
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.READY, dossier.error_code
    pdf = Path(settings.MEDIA_ROOT) / dossier.pdf_path
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(pdf, ARTIFACTS / f"model-tests-{edition}.pdf")
    text = _pdf_text(pdf)
    chapter = text[text.index(words[0], text.index(words[0]) + 1) :]  # past the contents
    for word in words:
        assert word in chapter, word
    # The scripted run: keyword 36 of 40 pass (90.0 %, ≥ 90 % met, but 40 < 1 000 questions),
    # should-refuse 10 of 10 refused, should-not-refuse 1 of 10 refused (10.0 %, ≤ 5 % not met).
    not_met = words[-1]
    for tested, minimum, rate, comparison, threshold in (
        ("40", "1000", "90.0", "≥", "90"),
        ("10", "300", "100.0", "≥", "95"),
        ("10", "300", "10.0", "≤", "5"),
    ):
        row = rf"{tested} / ≥ {minimum}\s+{rate} %\s+{comparison}\s*{threshold}\s*%\s+{not_met}"
        assert re.search(row, chapter), row
    assert finished.model_name in chapter and finished.model_version in chapter
    assert str(finished.seed) in chapter
    flat = _flat(chapter)
    for bank in finished.banks:
        assert bank["sha256"] in flat, bank
    assert "sk-test" not in text  # the endpoint's key never reaches a document


def test_the_filing_report_cites_the_run(attached, finished, owner_client):
    import docx

    url = reverse(
        "filing:document", kwargs={"assessment": attached.public_id, "document": "report.docx"}
    )
    response = owner_client.get(url)
    document = docx.Document(io.BytesIO(b"".join(response.streaming_content)))
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "题库")
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert ["生成内容", "关键词抽检", "40", "合格 36 题，合格率 90.0%"] == rows[1][:4], rows
    assert any(r[0] == "应拒答" and "拒答率 100.0%" in r[3] for r in rows)
    assert any(r[0] == "非拒答" and "拒答率 10.0%" in r[3] for r in rows)
    text = "\n".join(p.text for p in document.paragraphs)
    identity = next(line for line in text.splitlines() if line.startswith("测试身份"))
    assert f"被测模型 {finished.model_name}" in identity
    assert f"随机种子 {finished.seed}" in identity
    for bank in finished.banks:
        assert bank["sha256"] in identity
