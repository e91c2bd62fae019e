"""Filing packages: one ZIP per filing route, in the numbered layout of filing-practice.md §9.

`route_package(assessment, route_code, ...)` returns a `BuiltPackage` (file name, ZIP bytes,
manifest hash, signed PDFs). The ZIP holds the documents the portal writes — each narrative
document as editable Word and as PDF (signed in a final package), the annex 4/5 workbooks — the
provider's uploaded evidence sorted into the route's numbered folders, a `待补充.txt` naming
what the portal cannot produce, the signed dossier PDF of this version when one exists,
`manifest.json` with the SHA-256 and size of every file, and `00-材料清单.pdf`: the file list
with the manifest's SHA-256 in its (signed) metadata, which the verification page checks like a
dossier.

A final package is refused while any pre-filing check blocks (`PackageBlocked`); a preview
(`preview=True`) is always built, unsigned, and every document name in it starts with "草稿-".
The test-channel sheet (测试账号) never goes into a package (filing-practice §3.6). Packages
are built by the worker (`filing.services.package_build`), not in a request.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from dossiers.pdf import load_weasyprint
from filing import algorithm, annex_cache, documents, pdf, word_cache
from filing.blocks import Doc
from filing.checks import run_checks
from filing.facts import EvidenceFact, FilingFacts, evidence_path, facts_for
from library.catalogue import get_catalogue
from library.layouts import row_codes
from portal import forking
from portal.text import safe_filename

MANIFEST_NAME = "manifest.json"
LIST_NAME = "00-材料清单.pdf"
TODO_NAME = "待补充.txt"
README_NAME = "README.txt"
DRAFT_PREFIX = "草稿-"
MANIFEST_FORMAT = 2

ROUTE_LABELS = {
    "gai_filing": "大模型上线备案",
    "gai_registration": "登记",
    "algorithm_filing": "算法备案",
}
PACKAGE_ROUTES = tuple(ROUTE_LABELS)

# Which uploads go where comes from the document layout of the assessment's version:
# packages.annex_sources (uploads whose rows become the annex 4/5 workbooks: not copied again
# as further evidence), the agreement files with their name stems, and the registration
# package's folders with what their README says while empty.
_TEST_ACCOUNT = re.compile(r"测试账号|测试帐号|test[\s_\-]*accounts?", re.IGNORECASE)


class PackageError(Exception):
    """The package cannot be built (unknown or non-applicable route)."""


class PackageBlocked(PackageError):
    """A final package while pre-filing checks block; `titles` names the blocking checks."""

    def __init__(self, titles: list[str]):
        self.titles = titles
        super().__init__(
            _("The final package is refused while pre-filing checks block: %(titles)s")
            % {"titles": "; ".join(titles)}
        )


def is_test_account(name: str) -> bool:
    return bool(_TEST_ACCOUNT.search(name))


# Checks of one filing track block only that track's package: an unfinished public disclosure
# text holds back the algorithm filing, not the generative-AI filing (and vice versa).
ROUTE_AREAS = {"algorithm": ("algorithm_filing",)}


def blocks_route(result, route: str | None) -> bool:
    return route is None or route in ROUTE_AREAS.get(result.area, (route,))


def blocking_titles(facts: FilingFacts, route: str | None = None) -> list[str]:
    """Blocking checks as "CODE title"; with a route, only those that hold back its package."""
    return [f"{r.code} {r.title}" for r in run_checks(facts).blocks if blocks_route(r, route)]


def routes_of(facts: FilingFacts) -> list[str]:
    """The applicable routes that have a package, in the questionnaire's order."""
    return [code for code in facts.routes if code in ROUTE_LABELS]


def _safe(name: str) -> str:
    return safe_filename(name)


@dataclass
class _Builder:
    assessment: object
    facts: FilingFacts
    preview: bool
    number: str = ""
    sign: Callable[[bytes], bytes] | None = None  # a final package's PDF signer
    files: list[tuple[str, bytes]] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)  # evidence ids placed in a folder
    signed: dict[str, str] = field(default_factory=dict)  # path -> SHA-256 of signed PDFs
    # Files made by finish(): (index in files, path, maker, is a PDF to sign, cost estimate).
    later: list[tuple[int, str, Callable[[], bytes], bool, float]] = field(default_factory=list)

    def add(self, path: str, data: bytes) -> str:
        folder, _sep, name = path.rpartition("/")
        if self.preview:
            name = DRAFT_PREFIX + name
        path = f"{folder}/{name}" if folder else name
        self.files.append((path, data))
        return path

    def add_later(
        self, path: str, make: Callable[[], bytes], *, pdf: bool = False, cost: float = 0
    ) -> None:
        """A file whose place in the package is known now and whose bytes `finish` makes;
        `cost` estimates how long that takes, for the order they are started in."""
        path = self.add(path, b"")
        self.later.append((len(self.files) - 1, path, make, pdf, cost))

    def kept_or_later(
        self, path: str, kept: Callable[[], bytes | None], make: Callable[[], bytes], cost=0.0
    ) -> None:
        """A file kept by an earlier build (filing/word_cache.py, filing/annex_cache.py) is
        read here, at once; `make` writes it in `finish` otherwise. Reading a kept file takes a
        few milliseconds, a render process of its own about 20 ms of fork and exit beside the
        report's parts (docs/benchmarks.md, "Signed package")."""
        data = kept()
        if data is None:
            self.add_later(path, make, cost=cost)
        else:
            self.add(path, data)

    def finish(self) -> None:
        """Make the deferred files (rendered and signed PDFs, Word files, annex workbooks):
        several at once in forked processes, which took a package from one core to all of
        them. A forked process signs with the key the worker loaded; the key stays in memory."""
        calls = [
            partial(_signed, make, self.sign) if is_pdf and self.sign is not None else make
            for _index, _path, make, is_pdf, _cost in self.later
        ]
        if any(is_pdf for *_rest, is_pdf, _cost in self.later):
            load_weasyprint()  # once here, not once in every render process
        made = forking.run_all(calls, costs=[cost for *_rest, cost in self.later], last_here=True)
        for (index, path, _make, is_pdf, _cost), data in zip(self.later, made, strict=True):
            if is_pdf and self.sign is not None:
                self.signed[path] = hashlib.sha256(data).hexdigest()
            self.files[index] = (path, data)
        self.later.clear()

    def document(self, stem: str, doc: Doc) -> None:
        """A narrative document twice: editable Word, and PDF (signed in a final package). The
        PDF costs most, by its length plus about a short document's worth of fonts (the
        46-page report: 2-2.5 s of CPU, the 3-page form 0.4 s, the report's Word file 0.25 s,
        kept after the day's first build: filing/word_cache.py)."""
        size = len(doc.text())
        self.kept_or_later(
            f"{stem}.docx",
            partial(word_cache.kept, doc),
            partial(word_cache.word, doc),
            cost=size / 8,
        )
        self.add_later(
            f"{stem}.pdf",
            partial(_pdf_bytes, doc, self.number, self.preview),
            pdf=True,
            cost=size + 5000,
        )

    def workbook(self, path: str, kind: str) -> None:
        """The annex 4 or 5 workbook (filing/annex_cache.py)."""
        self.kept_or_later(
            path,
            partial(annex_cache.kept, kind, self.facts),
            partial(annex_cache.workbook, kind, self.facts),
        )

    def add_pdf(self, path: str, data: bytes) -> None:
        if self.sign is not None:
            data = self.sign(data)
            path = self.add(path, data)
            self.signed[path] = hashlib.sha256(data).hexdigest()
        else:
            self.add(path, data)

    def evidence(self, *codes: str) -> list[EvidenceFact]:
        return [
            e
            for e in self.facts.files(*codes)
            if e.id not in self.used and not is_test_account(e.name)
        ]

    def copy(self, folder: str, items: list[EvidenceFact], prefix: str = "") -> int:
        """Copy stored uploads into `folder`; a file missing from storage goes to 待补充."""
        copied = 0
        for e in items:
            self.used.add(e.id)
            data = _read(e)
            if data is None:
                self.todo.append(f"{folder}：{e.name}（文件未在存储中找到，请重新上传）")
                continue
            stem = f"{prefix}-" if prefix else ""
            self.add(f"{folder}/{stem}{e.question}-{_safe(e.name)}", data)
            copied += 1
        return copied

    def folder(self, folder: str, items: list[EvidenceFact], missing: str) -> None:
        if not self.copy(folder, items):
            self.add(f"{folder}/{README_NAME}", _text(missing))
            self.todo.append(f"{folder}：{missing}")

    def further(self, folder: str) -> None:
        rest = [
            e
            for e in self.facts.evidence
            if e.id not in self.used
            and e.question not in self.facts.layout.codes("packages.annex_sources")
            and not is_test_account(e.name)
        ]
        if rest:
            self.copy(folder, rest)


def _signed(make: Callable[[], bytes], sign: Callable[[bytes], bytes]) -> bytes:
    return sign(make())


def _pdf_bytes(doc: Doc, number: str, draft: bool) -> bytes:
    return pdf.render(doc, number=number, draft=draft, in_parts=True).data


def _read(e: EvidenceFact) -> bytes | None:
    if not e.sha256:
        return None
    try:
        with default_storage.open(evidence_path(e.sha256), "rb") as handle:
            return handle.read()
    except OSError:
        return None


def _compress_type(path: str) -> int:
    """PDFs go into the ZIP as they are: their streams are compressed already, and deflating
    them again was 0.045 of the ZIP's 0.054 s of CPU at the end of a signed build, for a tenth
    of their size (docs/benchmarks.md, "Signed package"). Workbooks, Word files and text are
    deflated (a workbook to a sixth, in 2 ms)."""
    return zipfile.ZIP_STORED if path.lower().endswith(".pdf") else zipfile.ZIP_DEFLATED


def _text(text: str) -> bytes:
    return (text.rstrip() + "\n").encode("utf-8")


def annotation_reason(facts: FilingFacts) -> str:
    code = facts.role("scope.annotation")
    answer = facts.answers.get(code)
    parts = []
    if answer is not None and answer.value is False:
        parts.append(f"本单位未自行或委托他人对训练数据开展数据标注（{code} 答“否”）。")
    source = facts.value_of("scope.model_source")
    if source and source not in ("self_developed", "fine_tuned"):
        parts.append("本服务未对模型进行训练或微调，不涉及语料标注。")
    if answer is not None:
        parts += [t for t in (answer.note, answer.na_reason) if t]
    return "".join(parts) or "根据自评估问卷，本服务不涉及语料标注。"


# --- layouts (filing-practice §9) -----------------------------------------------------------


def _agreement_codes(facts: FilingFacts) -> tuple[str | None, str | None]:
    return facts.role("documents.service_agreement"), facts.role("documents.privacy_policy")


def _folder(facts: FilingFacts, section: str) -> dict:
    """The one row of a package folder's layout section: its questions and its README text."""
    return next(iter(facts.layout.rows(section)), {"q": [], "missing": "尚未上传。"})


def _copy_agreements(b: _Builder, folder: str) -> int:
    """The service agreement and the privacy policy, each file named with its stem."""
    rows = b.facts.layout.rows("packages.agreements")
    return sum(b.copy(folder, b.evidence(*row_codes(row)), row["stem"]) for row in rows)


def _gai_filing(b: _Builder) -> None:
    catalogue = get_catalogue(b.assessment.questionnaire)
    b.document("01-生成式人工智能上线备案表", documents.application_form(b.facts, catalogue))
    b.document("02-附件1-安全评估报告", documents.assessment_report(b.facts, catalogue))
    folder = "03-附件2-服务协议与隐私政策"
    agreement, privacy = _agreement_codes(b.facts)
    if not _copy_agreements(b, folder):
        missing = (
            f"尚未上传服务协议（附件2.1，问题 {agreement}）和隐私政策（附件2.2，问题 {privacy}）。"
        )
        b.add(f"{folder}/{README_NAME}", _text(missing))
        b.todo.append(f"{folder}：{missing}")
    folder = "04-附件3-语料标注规则"
    rules = b.facts.role("documents.annotation_rules")
    if rules in b.facts.applicable:
        b.folder(folder, b.evidence(rules), f"尚未上传附件3《语料标注规则》（问题 {rules}）。")
    else:
        b.document(
            f"{folder}/附件3-语料标注规则-不涉及",
            documents.not_involved_page(b.facts, annotation_reason(b.facts)),
        )
    b.workbook("05-附件4-拦截关键词列表.xlsx", "annex4")
    b.workbook("06-附件5-评估测试题.xlsx", "annex5")
    b.further("07-其他佐证")
    b.todo += [
        "备案表、附件1 的法定代表人签字和单位盖章（门户生成 Word 版和门户签名的 PDF 版；"
        "签字盖章后的扫描件另行提交）。",
        "附件6（如属地网信办要求，例如算力持续性说明）。",
        "测试通道（测试账号及 API 接口）文件：单独提交，不放入本材料包。",
    ]


def _gai_registration(b: _Builder) -> None:
    """filing-practice §9.2: 登记表 (provincial blank), 1 called-model statement and proof,
    2 agreements, 3 content-security management rules, 4 keywords, 5 test questions, 7 other."""
    folder = "01-调用已备案模型情况说明及证明材料"
    b.document(f"{folder}/调用已备案大模型情况说明", documents.called_model_statement(b.facts))
    called = _folder(b.facts, "packages.gai_registration.called_model")
    if not b.copy(folder, b.evidence(*row_codes(called))):
        b.todo.append(f"{folder}：{called['missing']}")
    folder = "02-产品服务协议"
    agreement, privacy = _agreement_codes(b.facts)
    if not _copy_agreements(b, folder):
        missing = f"尚未上传产品服务协议和隐私保护政策（问题 {agreement} / {privacy}）。"
        b.add(f"{folder}/{README_NAME}", _text(missing))
        b.todo.append(f"{folder}：{missing}")
    rules = _folder(b.facts, "packages.gai_registration.content_rules")
    b.folder("03-内容安全管理制度", b.evidence(*row_codes(rules)), rules["missing"])
    b.workbook("04-拦截关键词库.xlsx", "annex4")
    b.workbook("05-评估测试题.xlsx", "annex5")
    b.further("06-其他")
    b.todo += [
        "登记表（调用已备案大模型上线备案表，属地网信办空白模板）。",
        "调用已备案大模型情况说明：法定代表人签字和单位盖章后的扫描件。",
        "测试通道（测试账号及 API 接口）文件：如被要求，单独提交。",
    ]


def _algorithm_filing(b: _Builder) -> None:
    p, s = b.facts.provider, b.facts.service
    profile = b.facts.profile
    b.add(
        "01-主体/主体信息.txt",
        _text(
            "\n".join(
                [
                    f"单位名称：{p.get('name_zh', '')}",
                    f"统一社会信用代码：{p.get('credit_code', '')}",
                    f"法定代表人：{p.get('legal_representative', '')}",
                    f"算法安全责任人（安全负责人）：{p.get('security_lead', '')}",
                    f"联系人：{p.get('contact_name', '')} {p.get('contact_phone', '')}",
                ]
            )
        ),
    )
    b.add(
        "02-算法/算法基本信息.txt",
        _text(
            "\n".join(
                [
                    f"算法类别：{algorithm.algorithm_type(b.facts)}",
                    f"服务名称：{s.get('name', '')}",
                    f"模态：{'、'.join(profile.get('modalities') or [])}",
                    f"基础模型：{s.get('foundation_model_name') or ''}",
                    f"已有算法备案编号：{s.get('algorithm_filing_number') or '无'}",
                ]
            )
        ),
    )
    b.add(
        "03-产品及功能/产品信息.txt",
        _text(
            "\n".join(
                [
                    f"产品名称：{s.get('name', '')}",
                    f"服务形式（渠道）：{'、'.join(profile.get('channels') or [])}",
                    f"产品说明：{s.get('description') or ''}",
                ]
            )
        ),
    )
    for stem, doc in algorithm.documents(b.facts, get_catalogue(b.assessment.questionnaire)):
        b.document(stem, doc)
    b.todo += [
        "营业执照、法定代表人及算法安全责任人身份证明与任职证明。",
        "算法备案承诺书、落实算法安全主体责任基本情况、算法安全自评估报告：签字盖章后的扫描件"
        "（门户生成 Word 版和门户签名的 PDF 版）。",
        "算法详细属性（模态、格式、性能、硬件、方法、日活/月活）与 ICP 信息，在备案系统中填写。",
        "注意：算法备案材料与大模型备案材料分开提交，不得混用。",
    ]


LAYOUTS: dict[str, Callable[[_Builder], None]] = {
    "gai_filing": _gai_filing,
    "gai_registration": _gai_registration,
    "algorithm_filing": _algorithm_filing,
}


def _signed_dossier(assessment) -> tuple[str, bytes] | None:
    from dossiers.models import Dossier
    from dossiers.package import pdf_name

    dossier = (
        Dossier.objects.final_ready()
        .filter(assessment=assessment, assessment_version=assessment.version)
        .exclude(pdf_path="")
        .order_by("-created_at")
        .first()
    )
    if dossier is None:
        return None
    try:
        with default_storage.open(dossier.pdf_path, "rb") as handle:
            return pdf_name(dossier.number), handle.read()
    except OSError:
        return None


def file_list(manifest: dict, manifest_sha256: str) -> Doc:
    """材料清单: what the package holds, with sizes and hashes; signed, it certifies the rest."""
    assessment = manifest["assessment"]
    doc = Doc("备案材料清单")
    doc.heading_title(f"{manifest['route_title']}材料清单")
    doc.table(
        ("项目", "内容"),
        [
            ("服务名称", manifest["service"]),
            (
                "评估问卷及版本",
                f"{assessment.get('questionnaire', '')} 第 {assessment.get('version', '')} 版",
            ),
            ("材料包编号", manifest["number"] or "草稿（未编号）"),
            ("文件数", len(manifest["files"])),
            ("manifest.json 的 SHA-256", manifest_sha256),
        ],
        widths=(4, 12),
    )
    doc.para(
        "本清单列出材料包中的全部文件及其 SHA-256 值。材料包签名后，可在门户的核验页面上传"
        "整个 ZIP 或其中任一签名 PDF，核验其真实性和完整性。"
        if manifest["number"] and not manifest["preview"]
        else "草稿材料包：未签名，不得用于备案。"
    )
    doc.table(
        ("序号", "文件", "大小（字节）", "SHA-256"),
        [(i, f["path"], f["size"], f["sha256"]) for i, f in enumerate(manifest["files"], start=1)],
        widths=(1.2, 6.3, 2.3, 6.2),
    )
    return doc


@dataclass(frozen=True)
class BuiltPackage:
    name: str
    data: bytes
    manifest_sha256: str
    list_name: str
    signed: dict[str, str]  # path -> SHA-256 of every signed PDF in the package


def route_package(
    assessment,
    route_code: str,
    *,
    preview: bool = False,
    facts: FilingFacts | None = None,
    number: str = "",
    sign: Callable[[bytes], bytes] | None = None,
) -> BuiltPackage:
    """The ZIP of one route. `number` is printed into the PDFs' metadata; `sign` signs each PDF
    of a final package (`filing.services` passes the portal's key). Raises PackageError for a
    route that has no package or does not apply, PackageBlocked for a final package while
    checks block."""
    facts = facts or facts_for(assessment)
    if route_code not in LAYOUTS or route_code not in facts.routes:
        raise PackageError(_("The route %(route)s does not apply.") % {"route": route_code})
    if not preview:
        titles = blocking_titles(facts, route_code)
        if titles:
            raise PackageBlocked(titles)
    builder = _Builder(assessment, facts, preview, number=number, sign=None if preview else sign)
    LAYOUTS[route_code](builder)
    builder.finish()
    signed = _signed_dossier(assessment)
    if signed is not None:
        builder.add(*signed)
    if builder.todo:
        builder.add(
            TODO_NAME,
            _text("本材料包尚缺以下材料（门户无法生成）：\n- " + "\n- ".join(builder.todo)),
        )
    list_name = (DRAFT_PREFIX if preview else "") + LIST_NAME
    manifest = {
        "format": MANIFEST_FORMAT,
        "number": number,
        "pdf": list_name,
        "route": route_code,
        "route_title": ROUTE_LABELS[route_code],
        "preview": preview,
        "assessment": dict(facts.assessment),
        "service": facts.service.get("name", ""),
        "files": [
            {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for path, data in builder.files
        ],
    }
    raw_manifest = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
    manifest_sha256 = hashlib.sha256(raw_manifest).hexdigest()
    listing = pdf.render(
        file_list(manifest, manifest_sha256),
        number=number,
        draft=preview,
        manifest_sha256=manifest_sha256,
    )
    builder.add_pdf(LIST_NAME, listing.data)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path, data in builder.files:
            zf.writestr(path, data, compress_type=_compress_type(path))
        zf.writestr(MANIFEST_NAME, raw_manifest)
    stem = f"{facts.service.get('name', '')}-{ROUTE_LABELS[route_code]}-v{assessment.version}"
    name = f"{DRAFT_PREFIX if preview else ''}{_safe(stem)}.zip"
    return BuiltPackage(name, out.getvalue(), manifest_sha256, list_name, dict(builder.signed))
