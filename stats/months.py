"""Writing the month rows (`stats.models.MonthCount`): the sums of the day rows per month,
processing agency, field and channel.

Three writers, each in the transaction of what it counts:

- `stats.counting.add_dossier_rows`: the day rows of a move (or of the overdue job), then
  their month rows, folded here (`fold`) after the procedures' fields are read;
- `fill()`: the rebuild, and the migration that created the table, sum the day rows at once;
- `move_procedure()`: a procedure saved with another field; its counts leave the old field's
  rows for the new field's.

Why they cannot disagree on PostgreSQL (READ COMMITTED): a field change locks the month table
in SHARE ROW EXCLUSIVE mode, before it reads the old field, until it commits. `fold` first
takes ROW EXCLUSIVE on the same table (what its upserts take anyway), which waits for such a
change to commit, and only then reads the fields, so it reads the new one. A move that had
folded before commits before the change is granted its lock, and its counts are moved with
the rest. SQLite serialises writers by itself.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping

from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.transaction import TransactionManagementError

from motcua.compiled_sql import Prepared
from stats.models import DossierCount, MonthCount, counter_names

MONTH_KEY = ("month", "agency_id", "field_id", "channel")


def month_start_sql(column: str) -> str:
    """The first day of the month of a date column, in the connected database's SQL."""
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _lock(mode: str) -> None:
    """PostgreSQL: lock the month table until the transaction ends (see the module's text):
    ROW EXCLUSIVE for the writers of counts, SHARE ROW EXCLUSIVE for a field change."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {_table(MonthCount)} IN {mode} MODE")


def _fields_of(procedures) -> QuerySet:
    """(procedure id, field id) of these procedures."""
    from catalog.models import Procedure  # catalog's signals write month rows (move_procedure)

    return Procedure.objects.filter(pk__in=procedures).order_by().values_list("pk", "field_id")


# One procedure's, compiled once per process (motcua.compiled_sql): a move's counts are of one
# procedure, so one read per move.
FIELD_OF = Prepared("stats.field_of", lambda pk: _fields_of([pk]), pk=-7_000_042)


def fold(day_rows: Mapping[tuple, Mapping[str, int]]) -> dict[tuple, Counter]:
    """The month rows' counts of some day rows' counts, keyed (month, agency id, field id,
    channel); the day rows keyed (day, agency id, procedure id, channel)."""
    _lock("ROW EXCLUSIVE")
    procedures = {key[2] for key in day_rows}
    if len(procedures) == 1:  # a move: one procedure, one compiled read
        field_of = dict(FIELD_OF.rows(pk=next(iter(procedures))))
    else:  # the overdue job: many procedures, one read
        field_of = dict(_fields_of(procedures))
    months: dict[tuple, Counter] = defaultdict(Counter)
    for (day, agency_id, procedure_id, channel), counts in day_rows.items():
        month = months[(day.replace(day=1), agency_id, field_of[procedure_id], channel)]
        month.update({name: n for name, n in counts.items() if n})
    return months


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
        _lock("SHARE ROW EXCLUSIVE")
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


def _remember_field(sender, instance, raw: bool = False, update_fields=None, **kwargs) -> None:
    """Before a procedure is saved with another field: lock the month rows against writers
    (until the save's transaction commits), then read the field it had, its row locked so two
    saves of the same procedure move its counts one after the other."""
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"field", "field_id"} & set(update_fields):
        return  # the field is not written by this save
    rows = sender.objects.filter(pk=instance.pk).values_list("field_id", flat=True)
    before = rows.first()
    if before is None or before == instance.field_id:
        return
    if not connection.in_atomic_block:
        raise TransactionManagementError(
            "Đổi lĩnh vực của thủ tục phải nằm trong một giao dịch (transaction.atomic). / "
            "A procedure's field changes inside a transaction (transaction.atomic): its "
            "monthly statistics move with it."
        )
    _lock("SHARE ROW EXCLUSIVE")
    setattr(instance, _OLD_FIELD, rows.select_for_update().first())


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
