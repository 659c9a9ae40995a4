"""Writing the month rows (`stats.models.MonthCount`): the sums of the day rows per month,
processing agency, field and channel.

Three writers, each in the transaction of what it counts:

- `add_month()`: every upsert of a day row (`stats.counting.add`) adds the same counts to its
  month row, the procedure's field read in the same statement (no cache to go stale);
- `fill()`: the rebuild, and the migration that created the table, sum the day rows at once;
- `move_procedure()`: a procedure changes field; its counts leave the old field's rows for
  the new field's. On PostgreSQL it first locks the month table against other writers until
  it commits: a move that already added under the old field commits before the lock is
  granted (and is moved with the rest), and one that comes after reads the new field.
  SQLite serialises writers by itself.
"""

from __future__ import annotations

from django.db import connection, transaction

from stats.models import DossierCount, MonthCount, counter_names

DAY_KEY = ("agency_id", "procedure_id", "channel")
MONTH_KEY = ("month", "agency_id", "field_id", "channel")


def month_start_sql(column: str) -> str:
    """The first day of the month of a date column, in the connected database's SQL."""
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def add_month(day_key: tuple, counts: dict[str, int]) -> None:
    """Add `counts` (non-zero, DossierCount counters) to the month row of a day row's key
    (day, agency id, procedure id, channel)."""
    day, agency_id, procedure_id, channel = day_key
    table = _table(MonthCount)
    names = counter_names(MonthCount)  # every column: the defaults are Django's, not the table's
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counts)
    placeholders = ", ".join(["%s"] * len(names))
    # The WHERE makes the SELECT unambiguous for SQLite before ON CONFLICT (its documented rule).
    sql = (
        f"INSERT INTO {table} ({', '.join(MONTH_KEY)}, {', '.join(names)}) "
        f"SELECT %s, %s, p.field_id, %s, {placeholders} FROM catalog_procedure p "
        f"WHERE p.id = %s ON CONFLICT ({', '.join(MONTH_KEY)}) DO UPDATE SET {updates}"
    )
    month = day.replace(day=1)
    with connection.cursor() as cursor:
        values = [counts.get(name, 0) for name in names]
        cursor.execute(sql, [month, agency_id, channel, *values, procedure_id])


def _sums_select(where: str = "", field: str = "p.field_id") -> str:
    """Month rows summed from the day rows, columns named as the month table's."""
    counters = counter_names(DossierCount)
    sums = ", ".join(f"SUM(d.{c}) AS {c}" for c in counters)
    month = month_start_sql("d.day")
    # A constant field (one procedure's rows) is not grouped by: a number there would be read
    # as a column position.
    by_field = ", p.field_id" if field == "p.field_id" else ""
    return (
        f"SELECT {month} AS month, d.agency_id AS agency_id, {field} AS field_id, "
        f"d.channel AS channel, {sums} "
        f"FROM {_table(DossierCount)} d JOIN catalog_procedure p ON p.id = d.procedure_id "
        f"{where} GROUP BY {month}, d.agency_id, d.channel{by_field}"
    )


def fill() -> None:
    """Insert the month rows of every day row (the month table is empty)."""
    columns = ", ".join([*MONTH_KEY, *counter_names(DossierCount)])
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {_table(MonthCount)} ({columns}) {_sums_select()}")


def move_procedure(procedure_id: int, old_field_id: int, new_field_id: int) -> None:
    """Move a procedure's counts from its old field's month rows to its new field's (call it
    in the transaction that saves the procedure with its new field). It reads the procedure's
    day rows, which have no index by procedure: a scan of the day table, for an edit that
    happens a few times a year."""
    if old_field_id == new_field_id:
        return
    table, counters = _table(MonthCount), counter_names(MonthCount)
    match = " AND ".join(f"{table}.{c} = s.{c}" for c in MONTH_KEY)
    mine = "WHERE d.procedure_id = %s"
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        minus = ", ".join(f"{c} = {table}.{c} - s.{c}" for c in counters)
        old = _sums_select(mine, field=str(int(old_field_id)))
        cursor.execute(f"UPDATE {table} SET {minus} FROM ({old}) s WHERE {match}", [procedure_id])
        zero = " AND ".join(f"{c} = 0" for c in counters)
        cursor.execute(f"DELETE FROM {table} WHERE field_id = %s AND {zero}", [old_field_id])
        new = _sums_select(mine, field=str(int(new_field_id)))
        plus = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counters)
        cursor.execute(
            f"INSERT INTO {table} ({', '.join([*MONTH_KEY, *counters])}) "
            f"SELECT * FROM ({new}) s WHERE TRUE "
            f"ON CONFLICT ({', '.join(MONTH_KEY)}) DO UPDATE SET {plus}",
            [procedure_id],
        )


# ---------------------------------------------------------------- a procedure changes field

_OLD_FIELD = "_stats_field_before_save"


def _remember_field(sender, instance, raw: bool = False, **kwargs) -> None:
    if raw or instance.pk is None:
        return
    before = sender.objects.filter(pk=instance.pk).values_list("field_id", flat=True).first()
    setattr(instance, _OLD_FIELD, before)


def _move_counts(sender, instance, raw: bool = False, created: bool = False, **kwargs) -> None:
    before = instance.__dict__.pop(_OLD_FIELD, None)
    if raw or created or before is None:
        return
    move_procedure(instance.pk, before, instance.field_id)


def connect() -> None:
    """Keep the month rows right when a procedure is saved with another field."""
    from django.db.models.signals import post_save, pre_save

    from catalog.models import Procedure

    pre_save.connect(_remember_field, sender=Procedure, dispatch_uid="stats-months-before")
    post_save.connect(_move_counts, sender=Procedure, dispatch_uid="stats-months-after")
