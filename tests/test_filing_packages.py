"""Filing packages per route (filing/packages.py): layout, manifest, exclusions, refusal, access.

Layout tests build FilingFacts by hand (evidence stored content-addressed like real uploads) and
pass them to `route_package`; the view tests run against a real draft assessment.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from assessments.services import assessment_start
from filing import packages
from filing.facts import AnswerFact, EvidenceFact, FilingFacts, evidence_path
from tests import factories

PROVIDER = {"name_zh": "甲科技有限公司", "credit_code": "91310110000000001X"}
SERVICE = {"name": "甲对话助手", "profile": {"modalities": ["text"], "channels": ["web"]}}


def stored(question: str, name: str, content: bytes | None = None) -> EvidenceFact:
    data = content or f"{question}:{name}".encode()
    sha = hashlib.sha256(data).hexdigest()
    if not default_storage.exists(evidence_path(sha)):
        default_storage.save(evidence_path(sha), ContentFile(data))
    return EvidenceFact(
        id=f"ev-{question}-{name}", question=question, name=name, size=len(data), sha256=sha
    )


def make_facts(routes, evidence=(), answers=(), applicable=()) -> FilingFacts:
    answers = {a.code: a for a in answers}
    return FilingFacts(
        provider=PROVIDER,
        service=SERVICE,
        answers=answers,
        applicable=frozenset(set(answers) | {e.question for e in evidence} | set(applicable)),
        evidence=tuple(evidence),
        routes=tuple(routes),
        assessment={"id": "x", "version": 1, "status": "draft", "questionnaire": "q v1"},
        layout=factories.layout(),
    )


def unzip(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


def evidence_set():
    return [
        stored("TR-06", "服务协议.pdf"),
        stored("PI-Q04", "隐私政策.pdf"),
        stored("AN-01", "标注规则.docx"),
        stored("CS-18", "关键词.csv"),
        stored("SCOPE-14", "调用合同.pdf"),
        stored("SCOPE-01", "营业执照.pdf"),
        stored("SCOPE-01", "测试账号清单.xlsx"),
        stored("AF-15", "Test Accounts.txt"),
    ]


@pytest.fixture
def draft(service, owner):
    assessment, _ = assessment_start(service=service, user=owner)
    return assessment


@pytest.fixture
def unblocked(monkeypatch):
    monkeypatch.setattr(packages, "blocking_titles", lambda facts, route=None: [])


def test_gai_filing_layout(draft, unblocked):
    facts = make_facts(["gai_filing", "algorithm_filing"], evidence_set())
    built = packages.route_package(draft, "gai_filing", facts=facts)
    assert built.name.endswith(".zip") and not built.name.startswith("草稿-")
    assert unzip(built.data).namelist() == [
        "01-生成式人工智能上线备案表.docx",
        "01-生成式人工智能上线备案表.pdf",
        "02-附件1-安全评估报告.docx",
        "02-附件1-安全评估报告.pdf",
        "03-附件2-服务协议与隐私政策/附件2.1-服务协议-TR-06-服务协议.pdf",
        "03-附件2-服务协议与隐私政策/附件2.2-隐私政策-PI-Q04-隐私政策.pdf",
        "04-附件3-语料标注规则/AN-01-标注规则.docx",
        "05-附件4-拦截关键词列表.xlsx",
        "06-附件5-评估测试题.xlsx",
        "07-其他佐证/SCOPE-14-调用合同.pdf",
        "07-其他佐证/SCOPE-01-营业执照.pdf",
        "待补充.txt",
        "00-材料清单.pdf",
        "manifest.json",
    ]


def test_word_and_pdf_carry_the_same_headings_and_tables(draft, unblocked):
    from docx import Document
    from pypdf import PdfReader

    facts = make_facts(["gai_filing"], evidence_set())
    zf = unzip(packages.route_package(draft, "gai_filing", facts=facts).data)
    word = Document(io.BytesIO(zf.read("02-附件1-安全评估报告.docx")))
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    pdf_text = "".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(zf.read("02-附件1-安全评估报告.pdf"))).pages
    ).replace(" ", "")
    assert headings[0] == "1 评估对象与范围" and len(headings) > 20
    positions = [pdf_text.find(h.replace(" ", "")) for h in headings]
    assert -1 not in positions, [h for h, p in zip(headings, positions, strict=True) if p == -1]
    assert positions == sorted(positions)  # same order
    assert len(word.tables) >= 5
    for table in word.tables:  # every header row of the Word tables is in the PDF
        assert "".join(c.text for c in table.rows[0].cells).replace(" ", "") in pdf_text


def test_registration_layout(draft, unblocked):
    statement = "通过 API 调用甲公司的乙大模型（备案号 Beijing-Yi-202401010001），用于客服问答。"
    evidence = [
        *evidence_set(),
        stored("FD-18", "内容安全管理制度.pdf"),
        stored("FD-19", "模型调用协议.pdf"),
    ]
    facts = make_facts(["gai_registration"], evidence, answers=[AnswerFact("FD-19", statement)])
    zf = unzip(packages.route_package(draft, "gai_registration", facts=facts).data)
    assert zf.namelist() == [
        "01-调用已备案模型情况说明及证明材料/调用已备案大模型情况说明.docx",
        "01-调用已备案模型情况说明及证明材料/调用已备案大模型情况说明.pdf",
        "01-调用已备案模型情况说明及证明材料/SCOPE-14-调用合同.pdf",
        "01-调用已备案模型情况说明及证明材料/FD-19-模型调用协议.pdf",
        "02-产品服务协议/附件2.1-服务协议-TR-06-服务协议.pdf",
        "02-产品服务协议/附件2.2-隐私政策-PI-Q04-隐私政策.pdf",
        "03-内容安全管理制度/FD-18-内容安全管理制度.pdf",
        "04-拦截关键词库.xlsx",
        "05-评估测试题.xlsx",
        "06-其他/AN-01-标注规则.docx",
        "06-其他/SCOPE-01-营业执照.pdf",
        "待补充.txt",
        "00-材料清单.pdf",
        "manifest.json",
    ]
    todo = zf.read("待补充.txt").decode()
    assert "登记表" in todo and "内容安全管理制度" not in todo
    from docx import Document

    word = Document(io.BytesIO(zf.read(zf.namelist()[0])))
    text = "\n".join(p.text for p in word.paragraphs)
    assert statement in text and "模型调用协议.pdf" in text


def test_algorithm_filing_layout(draft, unblocked):
    facts = make_facts(["algorithm_filing"], evidence_set())
    zf = unzip(packages.route_package(draft, "algorithm_filing", facts=facts).data)
    documents = [
        "01-主体/算法备案承诺书",
        "01-主体/落实算法安全主体责任基本情况",
        "02-算法/算法安全自评估报告",
        "02-算法/拟公示内容",
    ]
    assert zf.namelist() == [
        "01-主体/主体信息.txt",
        "02-算法/算法基本信息.txt",
        "03-产品及功能/产品信息.txt",
        *(f"{stem}.{ext}" for stem in documents for ext in ("docx", "pdf")),
        "待补充.txt",
        "00-材料清单.pdf",
        "manifest.json",
    ]
    todo = zf.read("待补充.txt").decode()
    assert "拟公示内容（§4.4）" not in todo and "签字盖章后的扫描件" in todo
    assert "甲科技有限公司" in zf.read("01-主体/主体信息.txt").decode()


def test_an_algorithm_check_blocks_only_the_algorithm_package(draft):
    from filing.checks import CheckResult

    algo = CheckResult("ALGO-01", "block", "拟公示内容", "Disclosure", "", "", area="algorithm")
    form = CheckResult("FORM-07", "block", "签字人", "Signatories", "", "", area="form")
    assert packages.blocks_route(algo, "algorithm_filing")
    assert not packages.blocks_route(algo, "gai_filing")
    assert packages.blocks_route(form, "gai_filing") and packages.blocks_route(form, None)


def test_manifest_hashes_match_and_the_list_names_every_file(draft, unblocked):
    from pypdf import PdfReader

    facts = make_facts(["gai_filing"], evidence_set())
    built = packages.route_package(draft, "gai_filing", facts=facts, number="PKG-TEST")
    zf = unzip(built.data)
    raw = zf.read("manifest.json")
    assert hashlib.sha256(raw).hexdigest() == built.manifest_sha256
    manifest = json.loads(raw)
    assert manifest["route"] == "gai_filing" and manifest["preview"] is False
    assert manifest["pdf"] == "00-材料清单.pdf" and manifest["number"] == "PKG-TEST"
    listed = [f["path"] for f in manifest["files"]]
    assert listed == [n for n in zf.namelist() if n not in ("manifest.json", "00-材料清单.pdf")]
    for entry in manifest["files"]:
        content = zf.read(entry["path"])
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()
        assert entry["size"] == len(content)
    reader = PdfReader(io.BytesIO(zf.read("00-材料清单.pdf")))
    assert reader.metadata["/manifestsha256"] == built.manifest_sha256
    assert reader.metadata["/dossiernumber"] == "PKG-TEST"
    text = "".join(page.extract_text() for page in reader.pages)
    assert manifest["files"][0]["sha256"] in text.replace("\n", "")
    assert built.signed == {}  # nothing signed without a signer


def test_pdfs_are_stored_as_they_are_and_the_other_files_deflated(draft, unblocked):
    facts = make_facts(["gai_filing"], evidence_set())
    zf = unzip(packages.route_package(draft, "gai_filing", facts=facts).data)
    kinds = {i.filename: i.compress_type for i in zf.infolist()}
    assert {name.rsplit(".", 1)[-1] for name in kinds} >= {"pdf", "docx", "xlsx", "txt", "json"}
    for name, kind in kinds.items():
        expected = zipfile.ZIP_STORED if name.endswith(".pdf") else zipfile.ZIP_DEFLATED
        assert kind == expected, name
    assert zf.testzip() is None  # every member reads back with its CRC


@pytest.mark.parametrize("route", ["gai_filing", "gai_registration"])
def test_test_account_sheet_is_excluded(draft, unblocked, route):
    facts = make_facts([route], evidence_set())
    names = " ".join(unzip(packages.route_package(draft, route, facts=facts).data).namelist())
    assert "测试账号" not in names and "test" not in names.lower()
    assert packages.is_test_account("API测试账号.xlsx")
    assert packages.is_test_account("reviewer_test_accounts.csv")
    assert not packages.is_test_account("测试题.xlsx")


def test_missing_agreement_gets_a_readme(draft, unblocked):
    facts = make_facts(["gai_filing"], applicable=("TR-06", "PI-Q04", "AN-01"))
    zf = unzip(packages.route_package(draft, "gai_filing", facts=facts).data)
    readme = zf.read("03-附件2-服务协议与隐私政策/README.txt").decode()
    assert "TR-06" in readme and "PI-Q04" in readme
    assert "AN-01" in zf.read("04-附件3-语料标注规则/README.txt").decode()
    assert "03-附件2-服务协议与隐私政策" in zf.read("待补充.txt").decode()


def test_not_involved_page_when_annotation_does_not_apply(draft, unblocked):
    from docx import Document

    facts = make_facts(
        ["gai_filing"],
        [stored("TR-06", "服务协议.pdf")],
        answers=[AnswerFact("SCOPE-07", False, note="全部使用已标注的开源语料。")],
    )
    zf = unzip(packages.route_package(draft, "gai_filing", facts=facts).data)
    page = "04-附件3-语料标注规则/附件3-语料标注规则-不涉及"
    assert f"{page}.pdf" in zf.namelist()
    word = Document(io.BytesIO(zf.read(f"{page}.docx")))
    text = "\n".join(p.text for p in word.paragraphs)
    text += "\n".join(c.text for t in word.tables for row in t.rows for c in row.cells)
    assert "不涉及" in text and "SCOPE-07" in text and "开源语料" in text
    assert "甲科技有限公司" in text and "甲对话助手" in text and "（盖章）" in text


def test_final_is_refused_while_blocked(draft, monkeypatch):
    monkeypatch.setattr(packages, "blocking_titles", lambda facts, route=None: ["PKG-03 材料齐全"])
    facts = make_facts(["gai_filing"], evidence_set())
    with pytest.raises(packages.PackageBlocked) as error:
        packages.route_package(draft, "gai_filing", facts=facts)
    assert error.value.titles == ["PKG-03 材料齐全"]
    assert "PKG-03 材料齐全" in str(error.value)


def test_preview_is_allowed_while_blocked_and_marked(draft, monkeypatch):
    from pypdf import PdfReader

    monkeypatch.setattr(packages, "blocking_titles", lambda facts, route=None: ["PKG-03 材料齐全"])
    facts = make_facts(["gai_filing"], evidence_set())
    built = packages.route_package(draft, "gai_filing", preview=True, facts=facts)
    assert built.name.startswith("草稿-")
    zf = unzip(built.data)
    assert "草稿-01-生成式人工智能上线备案表.docx" in zf.namelist()
    for path in zf.namelist():
        if path != "manifest.json":
            assert path.rpartition("/")[2].startswith("草稿-"), path
    assert json.loads(zf.read("manifest.json"))["preview"] is True
    form = PdfReader(io.BytesIO(zf.read("草稿-01-生成式人工智能上线备案表.pdf")))
    assert all("草稿" in page.extract_text() for page in form.pages)


def test_route_that_does_not_apply_is_refused(draft, unblocked):
    facts = make_facts(["algorithm_filing"])
    with pytest.raises(packages.PackageError):
        packages.route_package(draft, "gai_filing", facts=facts)
    with pytest.raises(packages.PackageError):
        packages.route_package(draft, "none", facts=make_facts(["none"]))


def test_signed_dossier_pdf_is_in_the_root(draft, unblocked):
    from dossiers.models import Dossier, DossierKind, DossierStatus

    default_storage.save("dossiers/t/signed.pdf", ContentFile(factories.PDF_BYTES))
    Dossier.objects.create(
        number="GAI-20260101-PKGTEST000",
        assessment=draft,
        kind=DossierKind.FINAL,
        snapshot_sha256="a" * 64,
        assessment_version=draft.version,
        status=DossierStatus.READY,
        pdf_path="dossiers/t/signed.pdf",
        pdf_sha256="b" * 64,
    )
    facts = make_facts(["algorithm_filing"])
    zf = unzip(packages.route_package(draft, "algorithm_filing", facts=facts).data)
    assert zf.read("dossier-GAI-20260101-PKGTEST000.pdf") == factories.PDF_BYTES
