"""Adding to the counters: one atomic upsert per key, the same SQL on SQLite and PostgreSQL.

`INSERT ... ON CONFLICT (key) DO UPDATE SET n = table.n + excluded.n` adds to a row that
exists or creates it, in one statement: two transactions adding to the same key both count
(PostgreSQL takes the row lock inside the statement; SQLite serialises writers).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import connection, models, transaction

from stats import months
from stats.models import DossierCount, MonthCount, OfficialCount, counter_names


def _key_columns(model: type[models.Model]) -> list[str]:
    if model is MonthCount:
        return list(months.MONTH_KEY)
    names = ["day", "agency_id", "procedure_id", "channel"]
    if model is OfficialCount:
        names += ["unit_id", "official_id"]
    return names


def add(model: type[models.Model], key: tuple, counts: dict[str, int]) -> None:
    """Add `counts` to the row of `key` (its values in `_key_columns` order). Day rows of
    DossierCount go through `add_dossier_rows`, which adds to their month rows too."""
    counts = {name: n for name, n in counts.items() if n}
    if not counts:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    keys = _key_columns(model)
    counters = counter_names(model)
    unknown = set(counts) - set(counters)
    if unknown:
        raise ValueError(f"{model.__name__} has no counter {sorted(unknown)}")
    columns = [*keys, *counters]
    values = [*key, *(counts.get(name, 0) for name in counters)]
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counts)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)


def add_dossier_rows(rows: Mapping[tuple, Mapping[str, int]]) -> None:
    """Add counts to day rows of DossierCount and to their month rows (`stats.months`).

    Every writer locks rows in one global order: day rows by key, then month rows by key (then,
    for a move, official rows by key). So two concurrent writers never wait for each other in
    a cycle (a deadlock), even when two procedures of one field share a month row. In one
    transaction (the caller's, if any): the day rows and their month rows commit together.
    No savepoint: a failure here fails the caller's whole transaction, which is what a move
    wants, and on PostgreSQL a savepoint costs two round trips."""
    if not rows:
        return
    with transaction.atomic(savepoint=False):
        for key in sorted(rows):
            add(DossierCount, key, rows[key])
        folded = months.fold(rows)
        for key in sorted(folded):
            add(MonthCount, key, folded[key])


@dataclass
class Tally:
    """Counts gathered during one move, written with one upsert per key at the end."""

    dossier: dict[tuple, Counter] = field(default_factory=lambda: defaultdict(Counter))
    official: dict[tuple, Counter] = field(default_factory=lambda: defaultdict(Counter))

    def for_dossier(self, day: dt.date, base: tuple) -> Counter:
        return self.dossier[(day, *base)]

    def for_official(self, day: dt.date, base: tuple, unit_id: int, official_id: int) -> Counter:
        return self.official[(day, *base, unit_id or 0, official_id or 0)]

    def write(self) -> None:
        """Keys in sorted order: concurrent moves lock the rows they add to in one global
        order, so two of them never wait for each other in a cycle (a deadlock)."""
        add_dossier_rows(self.dossier)
        for key in sorted(self.official):
            add(OfficialCount, key, self.official[key])
