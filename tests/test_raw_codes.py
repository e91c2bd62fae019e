"""No internal code on a screen: every page a person reaches by following links, as every kind
of person, in both languages, is scanned for the raw value of any enumerated field (a model
field's choices, a question's choices, route and questionnaire codes), for Python values
(True, None), for the source notes of the reference files (filing-practice §8, UNCONFIRMED)
and for English plurals of one ("1 numbers").

The world is the demo data set (fixtures/demo/demo.yaml: realistic answers in every domain,
scope answers such as provider_both, gaps with remediation plans) taken through a review
round: comments, changes requested, answers changed, resubmitted, in review again."""

from __future__ import annotations

import os
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import translation

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
LANGUAGES = ("zh-hans", "en")
LATIN = re.compile(r"[A-Za-z]")

# --- what counts as a raw code ---------------------------------------------------------------


def _labels(label) -> set[str]:
    out = set()
    for language in LANGUAGES:
        with translation.override(language):
            out.add(str(label))
    return out


def _add(codes: dict[str, dict[str, str]], value, labels: dict[str, str], where: str) -> None:
    """`codes[language][value] = where`, unless the value is its own label in that language
    (English labels such as API may equal a value), holds no letter (numbers) or is a single
    letter."""
    if not isinstance(value, str) or not LATIN.search(value) or len(value) < 2:
        return  # one letter (a confidence tag) is also the T of T/CSAC, the A of annex A
    for language in LANGUAGES:
        if labels.get(language) != value:
            codes[language].setdefault(value, where)


def _enumerations() -> list[type]:
    from django.db.models import Choices

    found, todo = [], list(Choices.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in PROJECT_APPS and hasattr(cls, "choices"):
            found.append(cls)
    return found


def raw_codes() -> dict[str, dict[str, str]]:
    """Per page language: raw value -> where it is defined."""
    from library.models import Question, Questionnaire

    codes: dict[str, dict[str, str]] = {language: {} for language in LANGUAGES}
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.get_fields():
            inner = getattr(field, "base_field", None)  # ArrayField(CharField(choices=...))
            for holder in (field, inner):
                for value, label in getattr(holder, "flatchoices", None) or ():
                    labels = {}
                    for language in LANGUAGES:
                        with translation.override(language):
                            labels[language] = str(label)
                    _add(codes, value, labels, f"{model._meta.label}.{field.name}")
    for choices in _enumerations():  # also those held in JSON lists (channels, modalities)
        for value, label in choices.choices:
            labels = {}
            for language in LANGUAGES:
                with translation.override(language):
                    labels[language] = str(label)
            _add(codes, value, labels, choices.__qualname__)
    questions = Question.objects.exclude(choices=[]).values_list("code", "choices")
    for code, choices in questions:
        for choice in choices or ():
            labels = {"zh-hans": choice.get("label_zh"), "en": choice.get("label_en")}
            _add(codes, choice.get("value"), labels, f"question {code}")
    for questionnaire in Questionnaire.objects.all():
        _add(codes, questionnaire.code, {}, "questionnaire code")
        for route in questionnaire.filing_routes or ():
            labels = {"zh-hans": route.get("title_zh"), "en": route.get("title_en")}
            _add(codes, route["code"], labels, f"route of {questionnaire.code}")
    return codes


# Notes of the reference files, never for a reader of the portal.
SOURCE_NOTE = re.compile(
    r"filing-practice|regulation\.md|UNCONFIRMED|\[[USOPM]\]|§\s?\d+(?:\.\d+)? items?\b|§5 R\d+"
)
PYTHON_VALUE = {
    "zh-hans": re.compile(r"\b(True|False|None)\b"),
    "en": re.compile(r"\b(True|False)\b"),
}
ONE_PLURAL = re.compile(r"(?<![\d.,])\b1 ([a-z]+s)\b")
# Words that end in s but are not plurals, after "1".
NOT_PLURAL = {"is", "was", "has", "does", "minus", "plus", "status", "analysis", "basis"}
# Separators of labels, values and changes: "服务方式：web、app、api", "a → b", "名称 · 值". On
# Chinese pages also brackets, commas and quotes; English prose uses those around plain words.
SEGMENT_SPLIT = {
    "zh-hans": re.compile(r"\s*(?:[/、,，:：;；→·|()（）\[\]「」“”\"']|\s-\s|\n)\s*"),
    "en": re.compile(r"\s*(?:[/、:：;；→·|]|\s-\s|\n)\s*"),
}
NOT_READ = re.compile(
    r"\S+@\S+|https?://\S+|/[\w\-./?=&%#]+"  # e-mail and web addresses
    r"|\S+\.(?:pdf|csv|xlsx?|docx?|zip|png|jpe?g|txt|jsonl?|mp3|wav|mp4)\b",  # file names
    re.IGNORECASE,
)
CODE_LIKE = re.compile(r"[a-z][a-z0-9]*(?:[_.][a-z0-9]+)+")  # provider_both, in_review
LATIN_WORD = re.compile(r"(?<![\w\-.])[A-Za-z][\w\-]*(?![\w\-]|\.\w)")


class _Text(HTMLParser):
    """The text a person reads: runs of text inside one block (a diff's <del>both</del> stays
    within its sentence), not scripts or styles, and the attributes shown on hover or read
    aloud."""

    SHOWN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
    INLINE = frozenset(
        "a abbr b bdi bdo cite code del dfn em i ins kbd mark q s samp small span strong sub sup "
        "time u var wbr".split()
    )
    HIDDEN = frozenset({"script", "style", "template"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.links: list[str] = []
        self._run: list[str] = []
        self._skip = 0

    def _flush(self):
        text = "".join(self._run).strip()
        if text:
            self.chunks.append(text)
        self._run = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.INLINE:
            self._flush()
        if tag in self.HIDDEN:
            self._skip += 1
        attrs = dict(attrs)
        for name in self.SHOWN_ATTRIBUTES:
            if attrs.get(name):
                self.chunks.append(attrs[name])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag not in self.INLINE:
            self._flush()
        if tag in self.HIDDEN and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self._run.append(data)

    def close(self):
        super().close()
        self._flush()


def read_page(html: str) -> tuple[list[str], list[str]]:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser.chunks, parser.links


def problems_in(chunks: list[str], language: str, codes: dict[str, str]) -> list[str]:
    found = []
    for chunk in chunks:
        text = NOT_READ.sub(" ", chunk)
        for match in SOURCE_NOTE.finditer(text):
            found.append(f"source note {match[0]!r} in {chunk.strip()[:120]!r}")
        for match in PYTHON_VALUE[language].finditer(text):
            found.append(f"Python value {match[0]!r} in {chunk.strip()[:120]!r}")
        if language == "en":
            for match in ONE_PLURAL.finditer(text):
                if match[1] not in NOT_PLURAL:
                    found.append(f"plural after one: {match[0]!r} in {chunk.strip()[:120]!r}")
        tokens = set(CODE_LIKE.findall(text))  # provider_both anywhere
        for segment in SEGMENT_SPLIT[language].split(text.strip()):
            items = [i.strip() for i in segment.split(",")]
            if all(i in codes for i in items):  # "remediation", "web, app, api"
                tokens.update(items)
            tokens.add(segment)
        if language == "zh-hans":  # no English word on a Chinese page is a code
            tokens.update(LATIN_WORD.findall(text))
        for token in tokens:
            if token in codes:
                found.append(f"raw {token!r} ({codes[token]}) in {chunk.strip()[:120]!r}")
    return found


# --- the world --------------------------------------------------------------------------------


@pytest.fixture
def world(db, settings):
    """The demo data set, with the submitted assessment taken through a review round."""
    from assessments.models import Assessment, Status
    from assessments.services import assessment_revise, assessment_submit, get_catalogue
    from providers.demo import load_demo
    from reviews import services as reviews
    from tests import factories

    load_demo()
    users = {u.email: u for u in apps.get_model("accounts", "User").objects.all()}
    reviewer = users["reviewer@demo.cn"]
    editor = users["editor@xingchen.demo.cn"]
    submitted = Assessment.objects.get(status=Status.SUBMITTED)
    submitted = reviews.assessment_claim(assessment=submitted, reviewer=reviewer)
    catalogue = get_catalogue(submitted.questionnaire)
    gap = submitted.answers.filter(nonconformity="remediation").select_related("question").first()
    reviews.verdict_set(
        assessment=submitted,
        question=catalogue.by_code[gap.question.code],
        verdict="needs_revision",
        comment="整改计划缺少完成时间的依据。",
        reviewer=reviewer,
    )
    reviews.verdict_set(
        assessment=submitted,
        question=catalogue.by_code["SCOPE-13"],
        verdict="accepted",
        comment="",
        reviewer=reviewer,
    )
    reviews.request_changes(
        assessment=submitted, reviewer=reviewer, summary="请补充整改计划的时间依据。"
    )
    returned = Assessment.objects.get(pk=submitted.pk)
    revised = assessment_revise(assessment=returned, user=editor)
    factories.answer(revised, "SCOPE-13", editor, value="over_10m")
    factories.answer(revised, "SCOPE-02", editor, value="provider_interface")
    factories.fill_required(revised, editor)  # SCOPE-13 opens the audit-interval question
    assessment_submit(assessment=revised, user=editor)
    draft = Assessment.objects.get(status=Status.DRAFT, service__name="星辰语音播报")
    factories.answer(draft, "SCOPE-02", editor, value="provider_both")
    factories.answer(draft, "SCOPE-04", editor, value="yes")
    return users


# --- walking the pages ------------------------------------------------------------------------

SKIP_PATH = re.compile(
    r"^/(admin|api|static|media)/|/(download|export|thumbnail|pdf|package|document)/"
    r"|\.(pdf|zip|xlsx|docx|csv|jsonl)$|^/accounts/(logout|oidc)/"
)
# How many distinct addresses of one view to read (the questionnaire has hundreds of
# questions and library pages; a few of each kind show the templates).
PER_VIEW = {
    "assessments:detail": 20,
    "reviews:detail": 12,
    # every assessment's history (answer changes), submit page, results and checks
    "assessments:history": 4,
    "assessments:submit": 4,
    "assessments:results": 4,
    "filing:checks": 4,
}
PER_VIEW_DEFAULT = 2


def walk(client: Client, start: list[str]) -> dict[str, str]:
    """Pages reachable by links from `start`: address -> HTML."""
    pages: dict[str, str] = {}
    seen_views: Counter = Counter()
    queue = list(start)
    while queue:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc or parts.scheme or not parts.path.startswith("/"):
            continue
        address = parts.path + (f"?{parts.query}" if parts.query else "")
        if address in pages or SKIP_PATH.search(parts.path):
            continue
        try:
            view = resolve(parts.path).view_name
        except Resolver404:
            continue
        if seen_views[view] >= PER_VIEW.get(view, PER_VIEW_DEFAULT):
            continue
        response = client.get(address, follow=True)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        seen_views[view] += 1
        html = response.content.decode()
        pages[address] = html
        _chunks, links = read_page(html)
        queue.extend(link.split("#")[0] for link in links if link.split("#")[0])
    return pages


PERSONAS = {
    "anonymous": None,
    "owner": "owner@xingchen.demo.cn",
    "viewer": "viewer@xingchen.demo.cn",
    "reviewer": "reviewer@demo.cn",
}


def _choice_label(code: str, value: str, language: str) -> str:
    from library.models import Question

    question = Question.objects.filter(code=code).order_by("-questionnaire__version").first()
    choice = next(c for c in question.choices if c["value"] == value)
    return choice["label_en" if language == "en" else "label_zh"]


def test_no_raw_code_on_any_page(world):
    """Both languages in one test: the world takes longer to build than a language to walk."""
    report = []
    for language in LANGUAGES:
        codes = raw_codes()[language]
        assert {"provider_both", "call_filed_only", "remediation", "in_review"} <= set(codes)
        failures: dict[str, list[str]] = {}
        read = 0
        for persona, email in PERSONAS.items():
            client = Client()
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            if email:
                client.force_login(world[email])
            start = ["/", "/reviews/"] if persona == "reviewer" else ["/", "/dossiers/verify/"]
            pages = walk(client, start)
            read += len(pages)
            if persona == "owner":  # the history with the changed scope answers was read
                label = _choice_label("SCOPE-02", "provider_both", language)
                assert any("/history/" in a and label in h for a, h in pages.items()), label
            for address, html in pages.items():
                chunks, _links = read_page(html)
                found = problems_in(chunks, language, codes)
                for problem in found:
                    failures.setdefault(problem, []).append(f"{persona} {address}")
                if found and os.environ.get("RAW_CODES_DUMP"):  # to look at the page itself
                    name = re.sub(r"\W+", "_", f"{language}_{persona}_{address}")[:150]
                    Path(os.environ["RAW_CODES_DUMP"], f"{name}.html").write_text(html)
        assert read > 60, f"only {read} {language} pages reached"
        if failures:
            report.append(f"{len(failures)} raw codes on {language} pages:")
            report += [f"{p}\n    on {', '.join(w[:3])}" for p, w in sorted(failures.items())]
    assert not report, "\n".join(report)


def test_check_sources_read_as_citations(db):
    """Every pre-filing check cites its sources as people do, in both languages: provisions as
    the library cites them, no note of the reference files."""
    from filing.checks import CHECKS
    from filing.checks.citations import citation, library_names, provision_keys

    names = library_names(spec.source for spec in CHECKS)
    assert len(names.provisions) > 10
    for spec in CHECKS:
        for en in (False, True):
            text = citation(spec.source, names, en=en)
            assert text, spec.code
            assert not SOURCE_NOTE.search(text), (spec.code, text)
            assert not re.search(r"\b[A-Z]+-\d", text), (spec.code, text)  # no library key
            if not en:
                latin = re.sub(
                    r"TC260-003(?: [\d.]+(?: [a-z]\))?(?: \d\))?)?|GB(?:/T)? \d{5}(?:-\d{4})?",
                    "",
                    text,
                )
                assert not LATIN.search(latin), (spec.code, text)
        for key in provision_keys(spec.source):
            if key in names.provisions:
                assert names.provisions[key][0] in citation(spec.source, names, en=False)
    form_04 = next(s for s in CHECKS if s.code == "FORM-04")
    assert "30 %" in citation(form_04.source, names, en=False)
    assert "未经官方确认" in citation(form_04.source, names, en=False)


def test_the_scanner_finds_what_it_looks_for():
    codes = {"provider_both": "q", "call_filed_only": "q", "web": "c", "remediation": "n"}
    html = (
        "<p>SCOPE-02：provider_both → call_filed_only</p><td>web/app/api</td>"
        "<span title='filing-practice §8 item 27'>暂行办法</span><p>True</p><p>remediation</p>"
        "<p>邮箱 web@example.cn</p>"
    )
    chunks, _ = read_page(html)
    found = problems_in(chunks, "zh-hans", codes)
    assert len([f for f in found if "raw" in f]) == 4
    assert any("source note" in f for f in found) and any("True" in f for f in found)
    english = problems_in(read_page("<p>1 numbers are well-formed; 1 is</p>")[0], "en", {})
    assert len(english) == 1
    # Prose is not a code: "Ready after remediation" on an English page, nor a word marked in a
    # diff; the same word alone in a cell is.
    assert not problems_in(["Ready after remediation"], "en", codes)
    diff = read_page("<p>Provider through <del>both</del> interface</p><td>both</td>")[0]
    assert len(problems_in(diff, "en", {"both": "q"})) == 1


def test_no_raw_code_in_any_mail(world, django_capture_on_commit_callbacks):
    """Every notification of the review round, the weekly digest and an invitation: each
    language half of their HTML reads like a page in that language (they speak both)."""
    from django.core import mail

    from notifications.digest import make_weekly_digests
    from notifications.emails import build_digest_message, build_message
    from notifications.models import Notification
    from providers.models import Provider

    owner = Client()
    owner.force_login(world["owner@xingchen.demo.cn"])
    provider = Provider.objects.get(memberships__user=world["owner@xingchen.demo.cn"])
    with django_capture_on_commit_callbacks(execute=True):
        owner.post(
            f"/providers/{provider.public_id}/members/",
            {"email": "new-colleague@xingchen.demo.cn", "role": "viewer"},
        )
    mails = list(mail.outbox)
    assert any("/providers/invitations/" in m.body for m in mails), "no invitation was sent"
    notifications = Notification.objects.all()
    assert {n.kind for n in notifications} >= {"submitted", "changes_requested"}
    mails += [build_message(n) for n in notifications]
    mails += [build_digest_message(d) for d in make_weekly_digests()]
    found = []
    for message in mails:
        html = next(body for body, kind in message.alternatives if kind == "text/html")
        zh, separator, en = html.partition('<div lang="en">')
        assert separator, f"{message.subject}: no English half"
        for language, half in (("zh-hans", zh), ("en", en)):
            chunks, _links = read_page(half)
            for problem in problems_in(chunks, language, raw_codes()[language]):
                found.append(f"{message.subject}: {problem}")
    assert not found, "\n".join(dict.fromkeys(found))
