"""Whole rendered question cards (and the page's domain list), kept per process under a key
made of everything they show.

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
anything else renders it empty in the cached path but not in the plain one, which
tests/test_page_cache.py compares with the cached page after every kind of change.

The domain list (beside the cards, twice: phone menu and sidebar) is cached the same way, keyed
by its rows (each domain's progress, score and whether it is optional) and the current domain.

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

from library.catalogue import DomainItem, QuestionItem
from library.i18n import text_language

TEMPLATE = "assessments/_question.html"
DOMAIN_LIST = "assessments/_domain_list.html"
MAX_BYTES = 24 * 1024 * 1024  # per process; about 8 000 cards of 3 KB
enabled = True  # tests and the profile's --plain switch it off

_cache: OrderedDict[bytes, SafeString] = OrderedDict()
_size = 0
_lock = threading.Lock()
_revisions: dict[str, tuple[object, str]] = {}
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


def template_revision(name: str = TEMPLATE) -> str:
    """The digest of the sources of a fragment's templates. Recomputed whenever the loader
    hands out another template object (an edited template under the development server)."""
    root = get_template(name).template
    known = _revisions.get(name)
    if known is None or known[0] is not root:
        digest = hashlib.sha256()
        for included in template_names(name):
            digest.update(
                included.encode() + b"\0" + get_template(included).template.source.encode()
            )
        known = _revisions[name] = (root, digest.hexdigest())
    return known[1]


_PLAIN = (bool, int, float, str, Decimal, datetime.date, datetime.time, uuid.UUID)
# Exact types that enter the key as they are (a set lookup, the fast path of most values).
# SafeString is not among them: marked safe or not renders differently, so it is told apart.
_PLAIN_TYPES = frozenset((*_PLAIN, datetime.datetime))


def _frozen(value, seen: set[int]):
    """A value for the key that equals another's only if the card would show the same."""
    if value is None or type(value) in _PLAIN_TYPES:
        return value
    if isinstance(value, SafeString):
        return ("safe", str(value))
    if isinstance(value, _PLAIN):
        return (type(value).__name__, value)
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, (list, tuple)):
        return tuple(v if type(v) in _PLAIN_TYPES else _frozen(v, seen) for v in value)
    if isinstance(value, dict):
        return tuple(
            (k, v if type(v) in _PLAIN_TYPES else _frozen(v, seen)) for k, v in value.items()
        )
    if isinstance(value, (QuestionItem, DomainItem)):
        # Immutable within a questionnaire version; the version and its content hash are the
        # key's scope.
        return (type(value).__name__, value.code)
    if isinstance(value, FieldFile):
        return ("file", value.name)
    if isinstance(value, Model):
        return _row(value, seen)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # A Card: every field (its form is a property built from them).
        return (
            type(value).__name__,
            tuple(
                (f.name, _frozen(getattr(value, f.name), seen)) for f in dataclasses.fields(value)
            ),
        )
    if isinstance(value, SimpleNamespace):
        return ("ns", _frozen(vars(value), seen))
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
        if value is None or type(value) in _PLAIN_TYPES:
            columns.append(value)
        elif isinstance(field, JSONField):
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


def _prefix(template_name: str, scope: tuple) -> tuple:
    return (template_revision(template_name), get_language(), text_language(), scope)


def _key(template_name: str, context: dict, scope: tuple, prefix: tuple | None = None) -> bytes:
    """Everything the fragment is rendered from: its templates, the language, the context (every
    value of it, walked) and `scope`, within which the context's questions and domains are
    named by their code (the questionnaire version and its content hash). `prefix`: the first
    four, computed once for many fragments of one template."""
    parts = (prefix or _prefix(template_name, scope), _frozen(context, set()))
    return hashlib.blake2b(repr(parts).encode(), digest_size=20).digest()


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


def render(
    template_name: str, context: dict, *, scope: tuple, prefix: tuple | None = None
) -> SafeString:
    """`template_name` rendered from `context` alone (no request, no context processors), from
    the cache when the same templates, language and context were rendered before."""
    key = _key(template_name, context, scope, prefix)
    html = _cache.get(key)
    if html is None:
        stats["misses"] += 1
        html = SafeString(get_template(template_name).render(context))
        _store(key, html)
    else:
        stats["hits"] += 1
        with _lock:
            if key in _cache:
                _cache.move_to_end(key)
    return html


def usable(request) -> bool:
    """False when the page must render its fragments as before: the cache switched off, or a
    request with per-request parts in them."""
    return enabled and not getattr(request, "queued_while_down", False)


def render_cards(cards, *, catalogue, assessment, editable: bool, max_mb: int, request=None):
    """The HTML of each card, from the cache where the key matches; None when the cards must
    be rendered in the page as before (see `usable`)."""
    if not usable(request):
        return None
    scope = (catalogue.questionnaire_id, catalogue.content_hash)
    # Only what the key holds: the assessment as its public id alone.
    ref = SimpleNamespace(public_id=assessment.public_id)
    language = get_language()
    prefix = _prefix(TEMPLATE, scope)
    return [
        render(
            TEMPLATE,
            {
                "card": card,
                "assessment": ref,
                "editable": editable,
                "max_mb": max_mb,
                "LANGUAGE_CODE": language,
            },
            scope=scope,
            prefix=prefix,
        )
        for card in cards
    ]


def render_domain_list(rows, *, domain, catalogue, assessment, request=None):
    """The domain list of the page (views._domain_scores rows, `domain` the current one)."""
    if not usable(request):
        return None
    # Scoped to the assessment although it shows no id of it: no fragment is ever served to
    # another assessment than the one it was rendered for.
    return render(
        DOMAIN_LIST,
        {"domains": rows, "domain": domain},
        scope=(catalogue.questionnaire_id, catalogue.content_hash, str(assessment.public_id)),
    )
