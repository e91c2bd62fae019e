"""The parts of a question card that depend only on the question and the language: badges,
citations with their links, guidance. Rendered once per questionnaire version, language and
template revision, then kept in this process.

Why a process-local dict and not the shared cache: a questionnaire version never changes once
loaded (library.loading), the fragments are small (about 200 questions × 2 languages), and a
dict lookup costs nothing where a Redis round trip per question would cost more than the
rendering it saves. The key names everything the HTML depends on:

    (questionnaire id, content hash, language, template revision, question code)

A reloaded version with other content gets another content hash; an edited template another
revision (the hash of both templates' source), so a stale fragment is never served; `clear()`
empties the dict (tests). The dict is bounded.
tests/test_page_cache.py compares cached and freshly rendered cards for every question kind in
both languages.
"""

from __future__ import annotations

import hashlib
import threading

from django.template.loader import get_template
from django.utils.safestring import SafeString

from library.catalogue import Catalogue, QuestionItem
from library.i18n import text_language

TEMPLATES = {
    "badges": "assessments/_question_badges.html",
    "refs": "assessments/_question_refs.html",
}
MAX_ENTRIES = 4000  # about ten questionnaire versions in two languages

_cache: dict[tuple, dict[str, SafeString]] = {}
_lock = threading.Lock()
enabled = True  # tests switch it off to render every fragment afresh


def clear() -> None:
    with _lock:
        _cache.clear()


def template_revision() -> str:
    """Changes whenever one of the fragment templates changes (templates are cached by
    Django's loader, so this reads no file after the first time)."""
    digest = hashlib.sha256()
    for name in TEMPLATES.values():
        digest.update(get_template(name).template.source.encode())
    return digest.hexdigest()[:16]


def render(question: QuestionItem) -> dict[str, SafeString]:
    return {
        part: SafeString(get_template(name).render({"q": question}))
        for part, name in TEMPLATES.items()
    }


def static_parts(catalogue: Catalogue, questions) -> dict[str, dict[str, SafeString]]:
    """{question code: {"badges": html, "refs": html}} for `questions` of `catalogue`."""
    if not enabled:
        return {q.code: render(q) for q in questions}
    prefix = (
        catalogue.questionnaire_id,
        catalogue.content_hash,
        text_language(),
        template_revision(),
    )
    out = {}
    for q in questions:
        key = (*prefix, q.code)
        parts = _cache.get(key)
        if parts is None:
            parts = render(q)
            with _lock:
                if len(_cache) >= MAX_ENTRIES:
                    _cache.clear()
                _cache[key] = parts
        out[q.code] = parts
    return out
