"""The queue's SQL, compiled once per query shape and run with each viewer's values.

Why: building and compiling the ORM queries of the queue page (nine tab filters, each an OR of
lookups through the current step, counted in one aggregate, and a page of rows through five
joins) cost about 15 ms of Python per request, the database work itself well under 2 ms. The
shape of these queries depends only on the viewer's roles and the tab, never on the data; the
values in them (the official, unit and agency ids, the clock and the warning horizon) are all
query parameters. So the ORM builds each shape once per process with placeholder values that no
real id or moment can take (negative ids, moments in 1901), Django executes it and
`connection.execute_wrapper` shows the exact SQL and parameters it sent; the positions holding a
placeholder are remembered, and every later request runs the same SQL with its own values.

Why this is right: only SQL text is kept, never a result, so every count and row is read from
the database on every request and is correct the instant the data changes. If a shape cannot
be compiled this way (an empty filter, or a placeholder not found where the viewer's value
must go), the caller gets None and runs the ORM query as before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

# Values no viewer can have: ids are positive, and no dossier is due in 1901.
PLACEHOLDER_IDS = {"official_id": -7_000_001, "unit_id": -7_000_002, "agency_id": -7_000_003}
PLACEHOLDER_MOMENTS = {
    "now": dt.datetime(1901, 1, 1, 1, 1, 1, 1, tzinfo=dt.UTC),
    "horizon": dt.datetime(1901, 2, 2, 2, 2, 2, 2, tzinfo=dt.UTC),
}


@dataclass(frozen=True)
class CompiledSQL:
    """SQL with the positions of its parameters that take the viewer's values."""

    sql: str
    params: tuple
    slots: tuple[tuple[int, str], ...]

    def bind(self, values: dict[str, object]) -> list:
        params = list(self.params)
        for position, name in self.slots:
            value = values[name]
            if isinstance(value, dt.datetime):
                value = connection.ops.adapt_datetimefield_value(value)
            params[position] = value
        return params

    def run(self, values: dict[str, object], suffix: str = "", extra: tuple = ()) -> tuple:
        """(column names, rows) of the SQL run with `values` (and `suffix` with `extra`)."""
        with connection.cursor() as cursor:
            cursor.execute(self.sql + suffix, [*self.bind(values), *extra])
            names = [column[0] for column in cursor.description]
            return names, cursor.fetchall()


def _placeholder_of(param: object) -> str | None:
    for name, value in PLACEHOLDER_IDS.items():
        if isinstance(param, int) and param == value:
            return name
    for name, moment in PLACEHOLDER_MOMENTS.items():
        if param == moment or param == connection.ops.adapt_datetimefield_value(moment):
            return name
    return None


def compile_sql(
    sql: str, params: tuple | list, needed: frozenset[str] = frozenset()
) -> CompiledSQL | None:
    """Find the placeholders in `params`; None unless every one in `needed` was found, or if
    one was written into the SQL text itself (then it could not be replaced)."""
    written = [str(value) for value in PLACEHOLDER_IDS.values()] + ["1901-"]
    if any(text in sql for text in written):
        return None
    slots = tuple(
        (i, name) for i, p in enumerate(params) if (name := _placeholder_of(p)) is not None
    )
    if not needed <= {name for _i, name in slots}:
        return None
    return CompiledSQL(sql, tuple(params), slots)


def captured(run: Callable[[], object]) -> tuple[str, list] | None:
    """The last SQL statement and parameters Django sent while `run` ran (None if none)."""
    seen: list[tuple[str, list]] = []

    def wrapper(execute, sql, params, many, context):
        seen.append((sql, list(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        run()
    return seen[-1] if seen else None


_cache: dict[tuple, CompiledSQL | None] = {}


def cached(key: tuple, build: Callable[[], CompiledSQL | None]) -> CompiledSQL | None:
    """The compiled SQL of a shape, built on first use in this process (per database vendor)."""
    key = (connection.vendor, connection.settings_dict["NAME"], *key)
    if key not in _cache:
        _cache[key] = build()
    return _cache[key]


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
