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
from django.urls import reverse

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
    monkeypatch.setattr(packages, "blocking_titles", lambda facts: [])


def test_gai_filing_layout(draft, unblocked):
    facts = make_facts(["gai_filing", "algorithm_filing"], evidence_set())
    name, data = packages.route_package(draft, "gai_filing", facts=facts)
    assert name.endswith(".zip") and not name.startswith("草稿-")
    assert unzip(data).namelist() == [
        "01-生成式人工智能上线备案表.docx",
        "02-附件1-安全评估报告.docx",
        "03-附件2-服务协议与隐私政策/附件2.1-服务协议-TR-06-服务协议.pdf",
        "03-附件2-服务协议与隐私政策/附件2.2-隐私政策-PI-Q04-隐私政策.pdf",
        "04-附件3-语料标注规则/AN-01-标注规则.docx",
        "05-附件4-拦截关键词列表.xlsx",
        "06-附件5-评估测试题.xlsx",
        "07-其他佐证/SCOPE-14-调用合同.pdf",
        "07-其他佐证/SCOPE-01-营业执照.pdf",
        "待补充.txt",
        "manifest.json",
    ]


def test_registration_layout(draft, unblocked):
    facts = make_facts(["gai_registration"], evidence_set())
    _name, data = packages.route_package(draft, "gai_registration", facts=facts)
    zf = unzip(data)
    assert zf.namelist() == [
        "01-调用已备案模型情况说明及证明材料/SCOPE-14-调用合同.pdf",
        "02-产品服务协议/附件2.1-服务协议-TR-06-服务协议.pdf",
        "02-产品服务协议/附件2.2-隐私政策-PI-Q04-隐私政策.pdf",
        "03-拦截关键词库.xlsx",
        "04-评估测试题.xlsx",
        "05-其他/AN-01-标注规则.docx",
        "05-其他/SCOPE-01-营业执照.pdf",
        "待补充.txt",
        "manifest.json",
    ]
    assert "登记表" in zf.read("待补充.txt").decode()


def test_algorithm_filing_layout(draft, unblocked):
    facts = make_facts(["algorithm_filing"], evidence_set())
    _name, data = packages.route_package(draft, "algorithm_filing", facts=facts)
    zf = unzip(data)
    assert zf.namelist() == [
        "01-主体/主体信息.txt",
        "02-算法/算法基本信息.txt",
        "03-产品及功能/产品信息.txt",
        "待补充.txt",
        "manifest.json",
    ]
    todo = zf.read("待补充.txt").decode()
    assert "算法安全自评估报告" in todo and "拟公示内容" in todo
    assert "甲科技有限公司" in zf.read("01-主体/主体信息.txt").decode()


def test_manifest_hashes_match(draft, unblocked):
    facts = make_facts(["gai_filing"], evidence_set())
    _name, data = packages.route_package(draft, "gai_filing", facts=facts)
    zf = unzip(data)
    manifest = json.loads(zf.read("manifest.json"))
    assert manifest["route"] == "gai_filing" and manifest["preview"] is False
    listed = [f["path"] for f in manifest["files"]]
    assert listed == [n for n in zf.namelist() if n != "manifest.json"]
    for entry in manifest["files"]:
        content = zf.read(entry["path"])
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()
        assert entry["size"] == len(content)


@pytest.mark.parametrize("route", ["gai_filing", "gai_registration"])
def test_test_account_sheet_is_excluded(draft, unblocked, route):
    facts = make_facts([route], evidence_set())
    _name, data = packages.route_package(draft, route, facts=facts)
    names = " ".join(unzip(data).namelist()).lower()
    assert "测试账号" not in names and "test" not in names
    assert packages.is_test_account("API测试账号.xlsx")
    assert packages.is_test_account("reviewer_test_accounts.csv")
    assert not packages.is_test_account("测试题.xlsx")


def test_missing_agreement_gets_a_readme(draft, unblocked):
    facts = make_facts(["gai_filing"], applicable=("TR-06", "PI-Q04", "AN-01"))
    _name, data = packages.route_package(draft, "gai_filing", facts=facts)
    zf = unzip(data)
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
    _name, data = packages.route_package(draft, "gai_filing", facts=facts)
    zf = unzip(data)
    page = "04-附件3-语料标注规则/附件3-语料标注规则-不涉及.docx"
    assert page in zf.namelist()
    text = "\n".join(p.text for p in Document(io.BytesIO(zf.read(page))).paragraphs)
    assert "不涉及" in text and "SCOPE-07" in text and "开源语料" in text


def test_final_is_refused_while_blocked(draft, monkeypatch):
    monkeypatch.setattr(packages, "blocking_titles", lambda facts: ["PKG-03 材料齐全"])
    facts = make_facts(["gai_filing"], evidence_set())
    with pytest.raises(packages.PackageBlocked) as error:
        packages.route_package(draft, "gai_filing", facts=facts)
    assert error.value.titles == ["PKG-03 材料齐全"]
    assert "PKG-03 材料齐全" in str(error.value)


def test_preview_is_allowed_while_blocked_and_marked(draft, monkeypatch):
    monkeypatch.setattr(packages, "blocking_titles", lambda facts: ["PKG-03 材料齐全"])
    facts = make_facts(["gai_filing"], evidence_set())
    name, data = packages.route_package(draft, "gai_filing", preview=True, facts=facts)
    assert name.startswith("草稿-")
    zf = unzip(data)
    assert "草稿-01-生成式人工智能上线备案表.docx" in zf.namelist()
    for path in zf.namelist():
        if path != "manifest.json":
            assert path.rpartition("/")[2].startswith("草稿-"), path
    assert json.loads(zf.read("manifest.json"))["preview"] is True


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
    _name, data = packages.route_package(draft, "algorithm_filing", facts=facts)
    zf = unzip(data)
    assert zf.read("dossier-GAI-20260101-PKGTEST000.pdf") == factories.PDF_BYTES


# --- the view ---------------------------------------------------------------------------------


@pytest.fixture
def filing_draft(draft, owner):
    factories.answer(draft, "SCOPE-02", owner, value="provider_interface")
    factories.answer(draft, "SCOPE-03", owner, value="self_developed")
    return draft


def _url(assessment, **query):
    url = reverse("filing:package", kwargs={"assessment": assessment.public_id})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.mark.parametrize("persona", ["owner", "editor", "viewer"])
def test_members_download_a_preview(filing_draft, personas, client_for, persona):
    response = client_for(personas[persona]).get(_url(filing_draft, route="gai_filing", preview=1))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert "manifest.json" in unzip(response.content).namelist()


@pytest.mark.parametrize("persona", ["outsider", "reviewer"])
def test_outsiders_get_404(filing_draft, personas, client_for, persona):
    client = client_for(personas[persona])
    assert client.get(_url(filing_draft, route="gai_filing", preview=1)).status_code == 404
    assert client.get(_url(filing_draft, route="gai_filing")).status_code == 404


def test_final_download_refused_while_blocked(filing_draft, owner_client):
    from filing.facts import facts_for

    titles = packages.blocking_titles(facts_for(filing_draft))
    assert titles
    response = owner_client.get(_url(filing_draft, route="gai_filing"))
    assert response.status_code == 409
    body = response.content.decode()
    assert all(title in body for title in titles)


def test_unknown_route_is_404_and_no_route_redirects(filing_draft, owner_client):
    assert owner_client.get(_url(filing_draft, route="nope", preview=1)).status_code == 404
    response = owner_client.get(_url(filing_draft))
    assert response.status_code == 302
    assert response["Location"].endswith(
        reverse("filing:checks", kwargs={"assessment": filing_draft.public_id})
    )


def test_checks_page_lists_the_routes(filing_draft, owner_client):
    body = owner_client.get(
        reverse("filing:checks", kwargs={"assessment": filing_draft.public_id})
    ).content.decode()
    assert 'id="filing-packages"' in body
    assert 'data-route="gai_filing"' in body
    assert _url(filing_draft, route="gai_filing", preview=1).replace("&", "&amp;") in body
    assert "package-blocked-gai_filing" in body  # final disabled with the reason
