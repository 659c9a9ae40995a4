"""Queries compiled once per process and run with each request's values (decision 0007).

Why: on the hottest pages (public tracking, an official's queue) building and compiling the ORM
query cost several times what the database takes to answer it. The SQL of a queryset depends on
its shape and the database, never on the values, which are query parameters. So a shape is
built once with placeholder values that no real value can take (a negative id, a moment in
1901, a code with NUL characters); the positions of the parameters holding a placeholder are
remembered, and every later request runs the same SQL with its own values in those positions.

Why this stays right: only SQL text is kept, never a result, so every row is read from the
database on every request and is correct the instant the data changes. If a shape cannot be
compiled this way (a placeholder written into the SQL text, or not found among the
parameters), the compilation gives None and the caller runs its ORM query as before.

The dossier moves use the same idea for model instances (`PreparedInstances`) and for their
UPDATEs and INSERTs (`save_fields`, `insert_row`): decision 0015.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, connection, transaction
from django.db.models import Model, QuerySet
from django.db.models.fields import NOT_PROVIDED, AutoFieldMixin
from django.db.models.query import ModelIterable, get_related_populators
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from django.utils.dateparse import parse_datetime

Placeholders = dict[str, object]


@dataclasses.dataclass(frozen=True)
class CompiledSQL:
    """SQL, its parameters, and the positions of those that take a request's values."""

    sql: str
    params: tuple
    slots: tuple[tuple[int, str], ...]
    # Per column position, the converters the ORM would apply (`of_queryset(typed=True)`).
    converters: tuple[tuple[int, tuple, object], ...] = ()

    def bind(self, values: dict[str, object]) -> list:
        params = list(self.params)
        for position, name in self.slots:
            value = values[name]
            if isinstance(value, dt.datetime):
                value = connection.ops.adapt_datetimefield_value(value)
            params[position] = value
        return params

    def run(self, values: dict[str, object]) -> tuple:
        """(column names, rows) of the SQL run with `values`."""
        with kept_cursor() as cursor:
            cursor.execute(self.sql, self.bind(values))
            names = [column[0] for column in cursor.description]
            return names, self._converted(cursor.fetchall())

    def rows(self, values: dict[str, object]) -> list:
        """The rows alone: psycopg builds the description's column objects only when asked,
        and the dossier's locked read has about 150 columns."""
        with kept_cursor() as cursor:
            cursor.execute(self.sql, self.bind(values))
            return self._converted(cursor.fetchall())

    def _converted(self, rows: list) -> list:
        """The rows as the ORM gives them (the same converters, as its compiler applies them)."""
        if not self.converters:
            return rows
        converted = []
        for row in map(list, rows):
            for position, functions, expression in self.converters:
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            converted.append(tuple(row))
        return converted


def kept_cursor():
    """A cursor for SQL that runs again and again with new values. On PostgreSQL it binds the
    values on the server and prepares the statement once per connection (psycopg keeps it):
    planning the joins of the tracking query took 3.4 ms against 0.45 ms to run it, and the
    ORM's usual cursor writes the values into the text, so nothing could be reused. It is
    wrapped like Django's own cursors: logged in tests, seen by execute wrappers."""
    if connection.vendor != "postgresql" or not settings.MOTCUA["PREPARED_STATEMENTS"]:
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        return connection._prepare_cursor(_preparing_cursor_class()(connection.connection))


@functools.cache
def _preparing_cursor_class() -> type:
    """Django's server-binding cursor, asking psycopg to prepare every statement it runs
    (imported late: the PostgreSQL backend needs psycopg, which a SQLite install may lack)."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    class Preparing(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return Preparing


def _same(param: object, placeholder: object) -> bool:
    if type(param) is bool or type(placeholder) is bool:
        return False  # True == 1: a flag is never a placeholder
    if isinstance(placeholder, dt.datetime):
        return param == placeholder or param == connection.ops.adapt_datetimefield_value(
            placeholder
        )
    return type(param) is type(placeholder) and param == placeholder


def _written(placeholder: object) -> str:
    """How the placeholder would look if the ORM had written it into the SQL text."""
    if isinstance(placeholder, dt.datetime):
        return f"{placeholder:%Y-%m-%d}"
    return str(placeholder)


def compile_sql(
    sql: str, params: tuple | list, placeholders: Placeholders, needed: frozenset[str] = frozenset()
) -> CompiledSQL | None:
    """Find the placeholders among `params`; None unless every one in `needed` was found, or if
    one was written into the SQL text itself (then it could not be replaced)."""
    if any(_written(value) in sql for value in placeholders.values()):
        return None
    slots = tuple(
        (i, name)
        for i, param in enumerate(params)
        for name, placeholder in placeholders.items()
        if _same(param, placeholder)
    )
    if not needed <= {name for _i, name in slots}:
        return None
    return CompiledSQL(sql, tuple(params), slots)


def of_queryset(
    queryset: QuerySet, placeholders: Placeholders, needed: frozenset[str] = frozenset(),
    typed: bool = False,
) -> CompiledSQL | None:  # fmt: skip
    """The compiled SQL of a queryset built with the placeholders as its values; `typed`: its
    rows are converted as the ORM would (booleans and moments on SQLite, for instance)."""
    return _compiled(queryset, placeholders, needed, typed)[0]


def _compiled(
    queryset: QuerySet, placeholders: Placeholders, needed: frozenset[str], typed: bool
) -> tuple[CompiledSQL | None, object]:
    """`of_queryset`'s result, and the compiler that made it (its select, its klass_info)."""
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # a shape that selects nothing whatever the values: the ORM says so
        return None, compiler
    compiled = compile_sql(sql, params, placeholders, needed)
    if compiled is None or not typed:
        return compiled, compiler
    found = compiler.get_converters([expression for expression, _sql, _alias in compiler.select])
    converters = tuple((i, tuple(fs), expression) for i, (fs, expression) in found.items())
    return dataclasses.replace(compiled, converters=converters), compiler


# A page's bounds: Django writes a slice into the SQL text (LIMIT 50 OFFSET 100), so a query
# holding one is built with these bounds and its statement gets them back as parameters, the
# values "offset" and "limit" (`of_page`).
PAGE_BUILT = {"offset": 7_000_006, "limit": 7_000_007}
PAGE_PLACEHOLDERS = {"offset": -7_000_006, "limit": -7_000_007}


def of_page(
    queryset_at: Callable[[int, int], QuerySet], placeholders: Placeholders,
    needed: frozenset[str] = frozenset(),
) -> CompiledSQL | None:  # fmt: skip
    """The compiled SQL of a queryset that holds one slice (a subquery's page, say), with the
    slice's bounds bound as the values "offset" and "limit"; `queryset_at(start, stop)` builds
    it. None where the slice cannot be found once in the text, or the text escapes a percent
    sign (the parameters' positions are counted by their markers)."""
    offset, limit = PAGE_BUILT["offset"], PAGE_BUILT["limit"]
    queryset = queryset_at(offset, offset + limit)
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    written = connection.ops.limit_offset_sql(offset, offset + limit)
    if "%%" in sql or sql.count(written) != 1:
        return None
    before = sql[: sql.index(written)].count("%s")
    bounds = [PAGE_PLACEHOLDERS["limit"], PAGE_PLACEHOLDERS["offset"]]
    sql = sql.replace(written, "LIMIT %s OFFSET %s")
    params = [*params[:before], *bounds, *params[before:]]
    return compile_sql(
        sql, params, {**placeholders, **PAGE_PLACEHOLDERS}, needed | set(PAGE_PLACEHOLDERS)
    )


def captured(run: Callable[[], object]) -> tuple[str, list] | None:
    """The last SQL statement and parameters Django sent while `run` ran (None if none): for
    queries the ORM runs at once, like `aggregate()`, whose SQL cannot be asked for first."""
    seen = statements_sent(run)
    return seen[-1] if seen else None


def statements_sent(run: Callable[[], object]) -> list[tuple[str, list]]:
    """Each SQL statement Django's cursors sent while `run` ran, with its parameters, as sent
    (the values not written in), the compiled ones' included."""
    seen: list[tuple[str, list]] = []

    def wrapper(execute, sql, params, many, context):
        seen.append((sql, list(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        run()
    return seen


_cache: dict[tuple, CompiledSQL | None] = {}


def cached(key: tuple, build: Callable[[], CompiledSQL | None]) -> CompiledSQL | None:
    """The compiled SQL of a shape, built on first use in this process (per database)."""
    key = (connection.vendor, connection.settings_dict["NAME"], *key)
    if key not in _cache:
        _cache[key] = build()
    return _cache[key]


class Prepared:
    """One queryset shape with named values, compiled on first use and then run with new ones.

    `build(**values)` makes the queryset (a `values_list`); `placeholders` gives, for each name,
    the value it is compiled with. `rows(**values)` runs the compiled SQL, or the queryset
    itself when the shape could not be compiled.
    """

    def __init__(
        self, key: str, build: Callable[..., QuerySet], /, *, typed: bool = False,
        **placeholders: object,
    ) -> None:  # fmt: skip
        """`typed`: rows converted as the ORM converts them (for model instances)."""
        self._key, self._build, self._placeholders = key, build, placeholders
        self._typed = typed

    def rows(self, **values: object) -> list[tuple]:
        compiled = cached(("prepared", self._key), self._compile)
        if compiled is None or None in values.values():  # the ORM writes IS NULL, not = NULL
            return list(self._build(**values))
        return compiled.rows(values)

    def _compile(self) -> CompiledSQL | None:
        queryset = self._build(**self._placeholders)
        needed = frozenset(self._placeholders)
        return of_queryset(queryset, self._placeholders, needed, typed=self._typed)


@dataclasses.dataclass(frozen=True)
class _InstanceShape:
    """What the ORM's `ModelIterable` works out per query, worked out once: the compiled SQL
    (with its converters), the model's columns and the builders of the joined instances."""

    compiled: CompiledSQL
    model: type[Model]
    init_list: tuple[str, ...]
    start: int
    end: int
    populators: tuple

    def instance(self, row: tuple) -> Model:
        obj = self.model.from_db(connection.alias, self.init_list, row[self.start : self.end])
        for populator in self.populators:
            populator.populate(row, obj)
        return obj


class PreparedInstances:
    """Like `Prepared`, for a queryset of model instances with their `select_related` rows:
    compiled once per process, the instances built as the ORM builds them.

    Why: the moves re-read the dossier under its lock with seven joined tables, and the ORM
    spent several milliseconds compiling that query each time, several times its running
    time. Only plain model querysets qualify; one with annotations, prefetches or another
    iterable runs through the ORM, as does a shape that cannot be compiled."""

    def __init__(self, key: str, build: Callable[..., QuerySet], /, **placeholders: object) -> None:
        self._key, self._build, self._placeholders = key, build, placeholders

    def fetch(self, **values: object) -> list[Model]:
        shape = cached(("instances", self._key), self._compile)
        if shape is None or None in values.values():  # the ORM writes IS NULL, not = NULL
            return list(self._build(**values))
        return [shape.instance(row) for row in shape.compiled.rows(values)]

    def first(self, **values: object) -> Model | None:
        """The first instance, or None (for the one-row shapes: a key, a LIMIT 1)."""
        found = self.fetch(**values)
        return found[0] if found else None

    def _compile(self) -> _InstanceShape | None:
        queryset = self._build(**self._placeholders)
        query = queryset.query
        if (
            queryset._iterable_class is not ModelIterable
            or queryset._prefetch_related_lookups
            or queryset._known_related_objects
            or query.annotation_select
            or query.extra_select
        ):
            return None
        needed = frozenset(self._placeholders)
        compiled, compiler = _compiled(queryset, self._placeholders, needed, typed=True)
        if compiled is None:
            return None
        info = compiler.klass_info
        start, end = info["select_fields"][0], info["select_fields"][-1] + 1
        return _InstanceShape(
            compiled=compiled,
            model=info["model"],
            init_list=tuple(column[0].target.attname for column in compiler.select[start:end]),
            start=start,
            end=end,
            populators=tuple(get_related_populators(info, compiler.select, queryset.db)),
        )


_updates: dict[tuple, tuple[str, tuple] | None] = {}


def save_fields(obj: Model, fields: Iterable[str]) -> None:
    """`obj.save(update_fields=fields)`, with the UPDATE's text kept per model and field list.

    Why: every move saves the dossier, its step run and its timing row this way, and the ORM
    built each UPDATE afresh (about a millisecond of Python per save, against a tenth for the
    database on SQLite). The values are prepared by the fields themselves, as the ORM
    prepares them (`pre_save`, then `get_db_prep_save`), a failed write marks the
    transaction for rollback as the ORM's does, and on PostgreSQL the UPDATE is a prepared
    statement, like the kept reads (`kept_cursor`). A model with its own `save()`, save signals
    or a parent model, a field that writes its own placeholder, or a value that is an
    expression or a model instance is saved by the ORM instead."""
    names = tuple(fields)
    model = type(obj)
    key = (connection.vendor, connection.settings_dict["NAME"], model, names)
    if key not in _updates:
        _updates[key] = _update_text(model, names)
    kept = _updates[key]
    signalled = pre_save.has_listeners(model) or post_save.has_listeners(model)
    if kept is None or signalled or obj.pk is None or _unplain(obj, kept[1]):
        obj.save(update_fields=names)
        return
    sql, concrete = kept
    obj._prepare_related_fields_for_save(operation_name="save")
    params = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in concrete]
    params.append(model._meta.pk.get_db_prep_value(obj.pk, connection))
    with transaction.mark_for_rollback_on_error(connection.alias), kept_cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount != 1:
            raise DatabaseError("Save with update_fields did not affect any rows.")
    obj._state.adding, obj._state.db = False, connection.alias


def _own_save(model: type[Model]) -> bool:
    """The model overrides `save()` (its rule would be skipped), unless it declares that its
    override only refuses what these helpers never do (`PLAIN_INSERTS`: a new row only)."""
    return model.save is not Model.save and not getattr(model, "PLAIN_INSERTS", False)


def _update_text(model: type[Model], names: tuple[str, ...]) -> tuple[str, tuple] | None:
    meta = model._meta
    if meta.parents or meta.proxy or model.save is not Model.save or not names:
        return None
    concrete = tuple(dict.fromkeys(meta.get_field(name) for name in names))  # once each
    if any(not f.concrete or f.primary_key or hasattr(f, "get_placeholder") for f in concrete):
        return None
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(f.column)} = %s" for f in concrete)
    sql = f"UPDATE {quote(meta.db_table)} SET {columns} WHERE {quote(meta.pk.column)} = %s"
    return sql, concrete


_inserts: dict[tuple, tuple[str, tuple] | None] = {}


def insert_row(obj: Model) -> None:
    """Save a new instance (`obj.save()` of a row never saved), with the INSERT's text kept
    per model: the moves write an event, a step run and notifications each time, and the
    ORM built each INSERT afresh. Values are prepared by the fields, as the ORM prepares
    them (`pre_save` with add, then `get_db_prep_save`), post_save is sent as the ORM sends
    it, a failed write marks the transaction for rollback, the new key is read back with
    RETURNING, and on PostgreSQL the INSERT is a prepared statement (`kept_cursor`).

    A model with its own `save()`, a pre_save receiver (it could set an expression), a parent
    model, an order with respect to another, a field with a database default, its own
    placeholder or a value read back, a key not generated by the database, or a value that
    is an expression is saved by the ORM instead."""
    model = type(obj)
    key = (connection.vendor, connection.settings_dict["NAME"], model)
    if key not in _inserts:
        _inserts[key] = _insert_text(model)
    kept = _inserts[key]
    plain = kept is not None and obj.pk is None and not pre_save.has_listeners(model)
    if not plain or _unplain(obj, kept[1]):
        obj.save(force_insert=True)
        return
    sql, concrete = kept
    using = connection.alias
    obj._prepare_related_fields_for_save(operation_name="save")
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in concrete]
    with transaction.mark_for_rollback_on_error(using), kept_cursor() as cursor:
        cursor.execute(sql, params)
        obj.pk = cursor.fetchone()[0]
    obj._state.adding, obj._state.db = False, using
    post_save.send(
        sender=model, instance=obj, created=True, update_fields=None, raw=False, using=using
    )


def _insert_text(model: type[Model]) -> tuple[str, tuple] | None:
    meta = model._meta
    pk = meta.pk
    plain_key = isinstance(pk, AutoFieldMixin) and not pk.generated
    if meta.parents or meta.proxy or not plain_key or _own_save(model):
        return None
    if meta.order_with_respect_to or meta.db_returning_fields != [pk]:
        return None
    if not connection.features.can_return_columns_from_insert:
        return None
    concrete = tuple(f for f in meta.local_concrete_fields if not f.primary_key)
    for f in concrete:
        if f.generated or f.db_default is not NOT_PROVIDED or hasattr(f, "get_placeholder"):
            return None
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in concrete)
    marks = ", ".join(["%s"] * len(concrete))
    returning, _params = connection.ops.return_insert_columns([pk])
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks}) {returning}"
    return sql, concrete


def _unplain(obj: Model, concrete: tuple) -> bool:
    """A value the ORM would compile into the SQL (an F() expression) or read through a model
    instance: left to the ORM."""
    for f in concrete:
        value = getattr(obj, f.attname)
        if hasattr(value, "resolve_expression") or hasattr(value, "prepare_database_save"):
            return True
    return False


def moment(value: object) -> dt.datetime | None:
    """A datetime column read through a plain cursor, as the ORM would give it (aware).

    SQLite returns naive UTC datetimes for declared columns and text for computed ones.
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=dt.UTC)
    return value
