"""The demo provider's filing packages open in LibreOffice: every Word and Excel file of every
route package converts to PDF, with pages, holding the text the document must hold.

`make test` installs headless LibreOffice (scripts/system-deps.sh test), so a missing soffice
fails here with that hint instead of skipping. One soffice start per package converts all of
its files at once. The packages are previews (`preview=True`): a final package is refused
while pre-filing checks block, and the demo's do. The test goes over whatever .docx/.xlsx a
package holds (signed PDFs and further documents may join them); MINIMUM is what must be there.
"""

from __future__ import annotations

import fnmatch
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path, PurePosixPath

import docx
import openpyxl
import pytest
from pypdf import PdfReader

from analysers.risks import NON_REFUSE_ASPECTS, risk_label, risks
from assessments.models import Assessment
from filing.documents import REPORT_CHAPTERS
from filing.facts import facts_for
from filing.packages import DRAFT_PREFIX, route_package, routes_of
from providers.demo import load_demo

DEMO_PROVIDER = "上海星辰智能科技有限公司"
OFFICE = (".docx", ".xlsx")
# The files each route's package must hold at least (names without the draft prefix).
MINIMUM = {
    "gai_filing": ("01-*.docx", "02-*.docx", "05-*.xlsx", "06-*.xlsx"),
    "gai_registration": ("调用已备案大模型情况说明.docx", "04-*.xlsx", "05-*.xlsx"),
    "algorithm_filing": (
        "算法备案承诺书.docx",
        "落实算法安全主体责任基本情况.docx",
        "算法安全自评估报告.docx",
        "拟公示内容.docx",
    ),
}
SOFFICE_TIMEOUT = 300


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.fail(
            "LibreOffice (soffice) is not installed: `make test` installs it, or run "
            "`bash scripts/system-deps.sh test` (Debian: libreoffice-writer-nogui, "
            "libreoffice-calc-nogui).",
            pytrace=False,
        )
    return found


def squeeze(text: str) -> str:
    """Text without whitespace: PDF text extraction breaks and spaces lines its own way."""
    return re.sub(r"\s+", "", text)


def pdf_text(path: Path) -> str:
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        timeout=120,
    )
    return result.stdout.decode("utf-8")


def bare_name(path: str) -> str:
    return PurePosixPath(path).name.removeprefix(DRAFT_PREFIX)


def must_hold(name: str, data: bytes, service: str) -> list[str]:
    """Texts the converted PDF of a package file must contain, read from the file itself (its
    title, its sheets' header rows) plus what that kind of document is for."""
    texts: list[str] = []
    if name.endswith(".docx"):
        document = docx.Document(io.BytesIO(data))
        title = next((p.text for p in document.paragraphs if p.text.strip()), None)
        texts += [title] if title else []
        if fnmatch.fnmatch(name, "01-*.docx"):  # the application form
            texts += [DEMO_PROVIDER, service]
        if fnmatch.fnmatch(name, "02-*.docx"):  # the assessment report
            texts += [*REPORT_CHAPTERS, DEMO_PROVIDER, service]
        if "不涉及" in name:
            texts.append("不涉及")
        return texts
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    for sheet in workbook.worksheets:
        rows = sheet.iter_rows(min_row=1, max_row=2, values_only=True)
        header = next(rows, ())
        texts += [str(v) for v in header if v]
        first = next(rows, None)
        if first and sheet.title in ("拦截关键词列表", "生成类", "拒答", "非拒答"):
            texts.append(str(first[1]))  # the first keyword or question
        if first and sheet.title == "拦截关键词列表":
            texts.append(str(first[2]))  # its category (一级分类)
    if "拦截关键词列表" in workbook.sheetnames or "生成类" in workbook.sheetnames:
        # The coverage sheet: every risk of Appendix A by its category name.
        texts += [risk_label(code) for code in risks()]
    if "生成类" in workbook.sheetnames:
        texts += [aspect for aspect, _en in NON_REFUSE_ASPECTS]
    workbook.close()
    return texts


def demo_packages() -> list[tuple[str, str, bytes]]:
    """(service, route, ZIP bytes) of every route package of the demo provider's services."""
    load_demo()
    found = []
    assessments = Assessment.objects.filter(service__provider__name_zh=DEMO_PROVIDER)
    for assessment in assessments.select_related("service__provider", "questionnaire"):
        for route in routes_of(facts_for(assessment)):
            built = route_package(assessment, route, preview=True)
            found.append((assessment.service.name, route, built.data))
    return found


def convert(package: Path, files: list[Path], profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            soffice(),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(package / "pdf"),
            *map(str, files),
        ],
        capture_output=True,
        timeout=SOFFICE_TIMEOUT,
    )


def test_every_word_and_excel_file_of_the_demo_packages_converts_to_pdf(db, tmp_path):
    soffice()  # fail early, before building anything, when LibreOffice is missing
    packages = demo_packages()
    assert {route for _service, route, _data in packages} == set(MINIMUM), (
        "the demo provider's services should cover every route with a package"
    )
    profile = tmp_path / "lo-profile"  # one LibreOffice profile, reused by every start
    for n, (service, route, data) in enumerate(packages):
        label = f"{service} / {route}"
        folder = tmp_path / f"{n:02d}-{route}"  # two services may share a route
        (folder / "src").mkdir(parents=True)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            office = [n for n in archive.namelist() if n.endswith(OFFICE)]
            contents = {n: archive.read(n) for n in office}
        names = [bare_name(n) for n in office]
        for pattern in MINIMUM[route]:
            assert fnmatch.filter(names, pattern), f"{label}: no {pattern} in {sorted(names)}"
        if not office:
            continue
        # Numbered flat copies: the same file name in two folders must not share one PDF.
        sources = {}
        for i, path in enumerate(office, start=1):
            source = folder / "src" / f"{i:02d}-{bare_name(path)}"
            source.write_bytes(contents[path])
            sources[path] = source
        result = convert(folder, list(sources.values()), profile)
        output = (result.stdout + result.stderr).decode("utf-8", "replace")
        assert result.returncode == 0, f"{label}: soffice exited {result.returncode}\n{output}"
        for path, source in sources.items():
            pdf = folder / "pdf" / f"{source.stem}.pdf"
            assert pdf.is_file(), f"{label}: {path} gave no PDF\n{output}"
            assert len(PdfReader(pdf).pages) >= 1, f"{label}: {path} converted to no page"
            text = squeeze(pdf_text(pdf))
            missing = [
                t
                for t in must_hold(bare_name(path), contents[path], service)
                if squeeze(t) not in text
            ]
            assert not missing, f"{label}: the PDF of {path} lacks {missing}"
