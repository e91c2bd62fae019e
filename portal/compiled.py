"""Querysets compiled to SQL once per process, then run again with other values.

The autosave runs the same few SELECTs on every keystroke pause with only an id changing, and
building and compiling them cost more Python than sending them and reading the rows
(docs/benchmarks.md, "Autosave"). A `Compiled` statement has the ORM build and compile its
queryset once per database, with marker values standing in for its parameters; each call puts
the real values where the markers were, sends that SQL through the connection's own cursor
(so query counting, logging and execute wrappers see it) and turns the rows into objects or
tuples with the ORM's own converters and populators.

The key is the database alias: the SQL depends on nothing else of a running process. Only what
can be checked is accepted: the values are ints, strings or UUIDs, each marker must come out as a
parameter (never inlined into the SQL), and tests/test_compiled.py compares the SQL, parameters
and results of every statement with the ORM's for random values.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import (
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.db.transaction import TransactionManagementError

# Every Compiled statement of the process, for the test that compares each with the ORM.
REGISTRY: list[Compiled] = []


@dataclass(frozen=True)
class _Prepared:
    query: Any  # the Query compiled with the markers; its compiler state is reused
    sql: str
    params: tuple
    slots: tuple[tuple[int, str, Callable[[Any], Any]], ...]  # position, name, marker form
    select: list
    klass_info: dict | None
    annotation_col_map: dict | None
    col_count: int
    locks: bool
    instances: bool  # model instances, else values_list tuples


def _markers(kinds: dict[str, type]) -> dict[str, Any]:
    made = {}
    for name, kind in kinds.items():
        if kind is int:
            made[name] = secrets.randbits(52) + (1 << 52)  # far above any real id
        elif kind is uuid.UUID:
            made[name] = uuid.uuid4()
        elif kind is str:
            made[name] = f"compiled-marker-{secrets.token_hex(16)}"
        else:
            raise TypeError(f"{name}: only int, str and UUID parameters can be compiled")
    return made


def _forms(marker: Any) -> list[tuple[Any, Callable[[Any], Any]]]:
    """How a marker may come out among the parameters, and how to give a value that form:
    a native UUID (PostgreSQL) or its hex (SQLite)."""
    if isinstance(marker, uuid.UUID):
        return [(marker, _same), (marker.hex, _hex)]
    return [(marker, _same)]


def _same(value):
    return value


def _hex(value):
    return value.hex


class Compiled:
    """`build(**values)` returns the queryset (model instances or `values_list` tuples);
    `kinds` names each value's type (int, str or uuid.UUID). Calling gives the queryset's results
    as a list, as `list(build(**values))` would."""

    def __init__(self, build: Callable[..., QuerySet], **kinds: type):
        self.build = build
        self.kinds = kinds
        self._prepared: dict[str, _Prepared] = {}
        REGISTRY.append(self)

    def __call__(self, *, using: str = DEFAULT_DB_ALIAS, **values) -> list:
        prepared = self._prepared.get(using)
        if prepared is None:
            prepared = self._prepared[using] = self._prepare(using)
        connection = connections[using]
        if prepared.locks and connection.get_autocommit():
            # As the ORM does: a row lock outside a transaction would be released at once.
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = self._params(prepared, values)
        with connection.cursor() as cursor:
            cursor.execute(prepared.sql, params)
            rows = cursor.fetchall()
        return self._results(prepared, using, rows)

    def sql_with_params(self, *, using: str = DEFAULT_DB_ALIAS, **values) -> tuple[str, tuple]:
        """What a call sends (for the test that compares it with the ORM's)."""
        prepared = self._prepared.get(using) or self._prepare(using)
        return prepared.sql, tuple(self._params(prepared, values))

    def _params(self, prepared: _Prepared, values: dict) -> list:
        params = list(prepared.params)
        for position, name, form in prepared.slots:
            value, kind = values[name], self.kinds[name]
            # As the ORM would take them: a UUID as text, an id as text.
            params[position] = form(value if isinstance(value, kind) else kind(str(value)))
        return params

    def _prepare(self, using: str) -> _Prepared:
        markers = _markers(self.kinds)
        queryset = self.build(**markers)
        if queryset._iterable_class not in (ModelIterable, ValuesListIterable):
            raise TypeError("only model instances and values_list tuples can be compiled")
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise TypeError("prefetches and known related objects are not compiled")
        compiler = queryset.query.get_compiler(using=using)
        connection = connections[using]
        # The ORM refuses a row lock outside a transaction here, and __call__ on every call.
        sql, params = compiler.as_sql()
        slots = []
        for name, marker in markers.items():
            found = False
            for shown, form in _forms(marker):
                if str(shown) in sql:
                    raise TypeError(f"{name}: the value was written into the SQL")
                for position, param in enumerate(params):
                    if type(param) is type(shown) and param == shown:
                        slots.append((position, name, form))
                        found = True
            if not found:
                raise TypeError(f"{name}: not among the statement's parameters")
        return _Prepared(
            query=queryset.query,
            sql=sql,
            params=tuple(params),
            slots=tuple(slots),
            select=compiler.select,
            klass_info=compiler.klass_info,
            annotation_col_map=compiler.annotation_col_map,
            col_count=compiler.col_count,
            locks=bool(queryset.query.select_for_update)
            and connection.features.has_select_for_update,
            instances=queryset._iterable_class is ModelIterable,
        )

    def _results(self, prepared: _Prepared, using: str, rows: list) -> list:
        # A compiler of this thread's connection, given the compiled state instead of
        # compiling again: the converters come from it.
        compiler = prepared.query.get_compiler(using=using)
        compiler.select = prepared.select
        compiler.klass_info = prepared.klass_info
        compiler.annotation_col_map = prepared.annotation_col_map
        compiler.col_count = prepared.col_count
        converted = compiler.results_iter(results=[rows], tuple_expected=True)
        if not prepared.instances:
            return list(converted)
        # As ModelIterable builds them (without prefetches and known objects, refused above).
        klass_info, select = prepared.klass_info, prepared.select
        model = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        init_list = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, using)
        annotations = tuple((prepared.annotation_col_map or {}).items())
        out = []
        for row in converted:
            obj = model.from_db(using, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in annotations:
                setattr(obj, name, row[position])
            out.append(obj)
        return out
