"""Whole rendered question cards, kept per process under a key made of everything they show.

A card (templates/assessments/_question.html and the templates it includes) was most of the
assessment page's time, and between two visits nearly every card is the same. The key is not a
list of inputs someone has to keep up to date: it is derived from the values of *every* field
of the `presenters.Card` the card is rendered from (stored rows with all their columns and the
related rows loaded with them: the answer, its files with their analyses, the reviewer's
comment; the computed gaps, warnings, contradictions, previous answer, markers and the
question's static HTML), plus the few context values the card is rendered with (the
assessment's public id, editability, the upload limit, the language) and the revision of the
card's templates (their source, every include followed). A cached card is rendered from
exactly that context and nothing else (no request, no page context), so a card cannot show
something its key does not hold: a new `Card` field enters the key by itself, a value of a type
the key does not know how to compare raises instead of being ignored, and a template reading
anything else renders it empty in both the cached and the compared plain path of
tests/test_page_cache.py, which compares the page with the cache against the page without it
after every kind of change.

Why a bounded dict in the process and not the shared cache: a card is a few kilobytes, the
page needs about 30 of them, and the key already needs the rows the page reads anyway; a Redis
round trip would cost about what rendering the changed cards costs, and a code change (which
restarts the process) can never meet cards rendered by the old code. The entries are least
recently used first out when the byte budget is full.

Per-request parts are never cached: the card has no CSRF token (htmx sends the page's), and a
request that queued work while the worker was down (request.queued_while_down, shown in the
evidence list) renders its cards afresh.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import threading
import uuid
from collections import OrderedDict
from decimal import Decimal
from types import SimpleNamespace

from django.db.models import JSONField, Model
from django.db.models.fields.files import FieldFile
from django.template.loader import get_template
from django.template.loader_tags import IncludeNode
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from assessments.presenters import Card
from library.catalogue import QuestionItem
from library.i18n import text_language

TEMPLATE = "assessments/_question.html"
MAX_BYTES = 24 * 1024 * 1024  # per process; about 8 000 cards of 3 KB
enabled = True  # tests and the profile's --plain switch it off

_cache: OrderedDict[bytes, SafeString] = OrderedDict()
_size = 0
_lock = threading.Lock()
_revision: tuple[object, str] | None = None
stats = {"hits": 0, "misses": 0}


def clear() -> None:
    global _size
    with _lock:
        _cache.clear()
        _size = 0
        stats.update(hits=0, misses=0)


def template_names(name: str = TEMPLATE) -> list[str]:
    """The card template and every template it includes, recursively (constant names only;
    a computed include name would make the revision incomplete, so it is refused)."""
    names, todo = [], [name]
    while todo:
        current = todo.pop()
        if current in names:
            continue
        names.append(current)
        for node in get_template(current).template.nodelist.get_nodes_by_type(IncludeNode):
            included = node.template.var
            if not isinstance(included, str):
                raise ValueError(f"{current}: an include with a computed name cannot be cached")
            todo.append(included)
    return names


def template_revision() -> str:
    """The digest of the sources of the card's templates. Recomputed whenever the loader hands
    out another card template object (an edited template under the development server)."""
    global _revision
    root = get_template(TEMPLATE).template
    if _revision is None or _revision[0] is not root:
        digest = hashlib.sha256()
        for name in template_names():
            digest.update(name.encode() + b"\0" + get_template(name).template.source.encode())
        _revision = (root, digest.hexdigest())
    return _revision[1]


_PLAIN = (bool, int, float, str, Decimal, datetime.date, datetime.time, uuid.UUID)


def _frozen(value, seen: set[int]):
    """A value for the key that equals another's only if the card would show the same."""
    if value is None or isinstance(value, _PLAIN):
        return value  # SafeString is a str: the static HTML enters as its text
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v, seen) for v in value)
    if isinstance(value, dict):
        return tuple((k, _frozen(v, seen)) for k, v in value.items())
    if isinstance(value, QuestionItem):
        # Immutable within a questionnaire version; the version and its content hash are in
        # the key's prefix.
        return ("question", value.code)
    if isinstance(value, FieldFile):
        return ("file", value.name)
    if isinstance(value, Model):
        return _row(value, seen)
    raise TypeError(f"card_cache cannot key a {type(value).__name__}; teach _frozen about it")


def _row(row: Model, seen: set[int]):
    """Every column of a row, and the rows loaded with it that hang below it (an evidence's
    analysis). Parent rows reached by a foreign key (the assessment an answer belongs to, its
    author) enter by their id, which is one of the columns: a card shows none of their
    columns, and the assessment's own large JSON would cost more to key than to render."""
    if id(row) in seen:
        return ("seen", row._meta.label, row.pk)
    seen.add(id(row))
    columns = []
    for field in row._meta.concrete_fields:
        value = getattr(row, field.attname)
        if isinstance(field, JSONField):
            # Decoded JSON holds only plain values, whose repr is faithful and fast.
            columns.append(("json", repr(value)))
        else:
            columns.append(_frozen(value, seen))
    related = []
    for name, other in sorted(row._state.fields_cache.items()):
        field = row._meta.get_field(name)
        if field.many_to_one or (field.one_to_one and field.concrete):
            continue  # a parent: its id is among the columns
        related.append((name, _frozen(other, seen)))
    return (row._meta.label, tuple(columns), tuple(related))


def card_key(card: Card, prefix: tuple) -> bytes:
    parts = [prefix]
    seen: set[int] = set()
    for field in dataclasses.fields(card):
        parts.append((field.name, _frozen(getattr(card, field.name), seen)))
    return hashlib.blake2b(repr(parts).encode(), digest_size=20).digest()


def _context(card: Card, *, assessment, editable: bool, max_mb: int) -> dict:
    # Only what the key holds: the assessment as its public id alone.
    return {
        "card": card,
        "assessment": SimpleNamespace(public_id=assessment.public_id),
        "editable": editable,
        "max_mb": max_mb,
        "LANGUAGE_CODE": get_language(),
    }


def _store(key: bytes, html: SafeString) -> None:
    global _size
    cost = len(html) * 4 + 200  # upper bound of a str's memory
    with _lock:
        if key in _cache:
            return
        _cache[key] = html
        _size += cost
        while _size > MAX_BYTES and _cache:
            _old_key, old = _cache.popitem(last=False)
            _size -= len(old) * 4 + 200


def render_cards(cards, *, catalogue, assessment, editable: bool, max_mb: int, request=None):
    """The HTML of each card, from the cache where the key matches; None when the cards must
    be rendered in the page as before (cache off, or a request with per-request parts)."""
    if not enabled or getattr(request, "queued_while_down", False):
        return None
    template = get_template(TEMPLATE)
    prefix = (
        template_revision(),
        get_language(),
        text_language(),
        catalogue.questionnaire_id,
        catalogue.content_hash,
        str(assessment.public_id),
        editable,
        max_mb,
    )
    out = []
    for card in cards:
        key = card_key(card, prefix)
        html = _cache.get(key)
        if html is None:
            stats["misses"] += 1
            html = SafeString(
                template.render(
                    _context(card, assessment=assessment, editable=editable, max_mb=max_mb)
                )
            )
            _store(key, html)
        else:
            stats["hits"] += 1
            with _lock:
                if key in _cache:
                    _cache.move_to_end(key)
        out.append(html)
    return out
