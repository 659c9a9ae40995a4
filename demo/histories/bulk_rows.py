"""The bulk engine's rows: ids handed out ahead, dossiers in memory, and the row writer."""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, models
from django.utils import timezone

from catalog.models import ProcessStep
from dossiers.models import ApologyLetter, Applicant, Dossier, Pause, StepRun, SupplementRequest
from dossiers.models.applicants import identified_by
from dossiers.services.reception import NOT_UPDATED
from workdays import clock


class _Ids:
    """Primary keys handed out in creation order, as the database would, so that rows can
    reference each other (and events hash their dossier's id) before they are inserted.

    Taken inside the chunk's transaction (SQLite holds its write lock from BEGIN IMMEDIATE);
    on SQLite the AUTOINCREMENT high-water mark counts, so ids equal the service path's."""

    def __init__(self, models_: list[type[models.Model]]) -> None:
        self.models = models_
        self.next: dict[type[models.Model], int] = {}

    def reset(self) -> None:
        for model in self.models:
            self.next[model] = _highest_id(model) + 1

    def take(self, model: type[models.Model]) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return value

    def sync_sequences(self) -> None:
        """PostgreSQL: move the sequences past the ids inserted explicitly."""
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for model in self.models:
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))"
                )


class _SequenceIds:
    """PostgreSQL, several generator processes at once: primary keys drawn from the tables'
    own sequences in batches, as concurrent inserts would draw them. Each process's ids are
    distinct; they are not consecutive across processes (and a batch's unused ids are gaps)."""

    BATCH = 1000

    def __init__(self, models_: list[type[models.Model]]) -> None:
        self.models = models_
        self.pools: dict[type[models.Model], deque[int]] = {m: deque() for m in models_}

    def reset(self) -> None:
        """Nothing to read again: the sequences are shared."""

    def take(self, model: type[models.Model]) -> int:
        pool = self.pools[model]
        if not pool:
            table = model._meta.db_table
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                    "FROM generate_series(1, %s)",
                    [self.BATCH],
                )
                pool.extend(row[0] for row in cursor.fetchall())
        return pool.popleft()

    def sync_sequences(self) -> None:
        """The ids came from the sequences: they are already past them."""


def _highest_id(model: type[models.Model]) -> int:
    table = model._meta.db_table
    highest = model.objects.aggregate(m=models.Max("pk"))["m"] or 0
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
        highest = max(highest, row[0] if row else 0)
    return highest


@dataclass
class _Sim:
    """One dossier in memory with the work rows the services would read back."""

    dossier: Dossier
    cal: clock.WorkCalendar
    steps: list[ProcessStep]
    runs: list[StepRun] = field(default_factory=list)
    pauses: list[Pause] = field(default_factory=list)
    apologies: list[ApologyLetter] = field(default_factory=list)
    supplement: SupplementRequest | None = None


def _defaults(model: type[models.Model]) -> dict:
    """Every concrete field's default; the engine never relies on a mutable default (it
    passes `data` and `items` itself), so one dict per model is shared safely."""
    return {f.attname: f.get_default() for f in model._meta.concrete_fields}


def _converter(field: models.Field):
    """How a value goes to the database: as is for text, numbers and keys, else through the
    field (dates and times in the database's form, JSON encoded)."""
    if isinstance(field, models.DateTimeField):
        if connection.vendor == "sqlite" and settings.USE_TZ:
            return _sqlite_datetime(connection.timezone)
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    plain = (models.CharField, models.TextField, models.IntegerField, models.BooleanField)
    if isinstance(field, plain) or field.is_relation:
        return None
    return lambda value: field.get_db_prep_save(value, connection)


def _sqlite_datetime(zone: dt.tzinfo):
    """What the SQLite backend stores for an aware datetime (naive, in the connection's zone,
    as str()), without its per-value checks and connection look-ups."""

    def convert(value: dt.datetime) -> str:
        return str(value.astimezone(zone).replace(tzinfo=None))

    return convert


def _insert(
    model: type[models.Model], objs: list[models.Model], *, with_pk: bool, table: str = ""
) -> None:
    """One statement stream per table: Django's bulk_create compiles every value through the
    field API, which cost more than making the histories. COPY on PostgreSQL, executemany on
    SQLite. `table`: another table of the same columns (a staging table)."""
    if not objs:
        return
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    _stamp_auto_now_add(fields, objs)
    names = [f.attname for f in fields]
    converters = [(i, c) for i, c in enumerate(map(_converter, fields)) if c is not None]
    rows = []
    for obj in objs:
        values = [obj.__dict__[name] for name in names]
        for i, convert in converters:
            if values[i] is not None:
                values[i] = convert(values[i])
        rows.append(values)
    quote = connection.ops.quote_name
    table = quote(table or model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    if connection.vendor == "postgresql":
        _copy(table, columns, rows)
        return
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])


def _stamp_auto_now_add(fields: list[models.Field], objs: list[models.Model]) -> None:
    now = timezone.now()
    for f in fields:
        if getattr(f, "auto_now_add", False):
            for obj in objs:
                if getattr(obj, f.attname) is None:
                    setattr(obj, f.attname, now)


def _copy(table: str, columns: str, rows: list[list]) -> None:
    """PostgreSQL: COPY ... FROM STDIN, a stream of rows without a statement per row
    (executemany's pipeline cost more than making the histories there)."""
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _applicant_key(applicant: Applicant) -> tuple[str, str]:
    if applicant.kind == Applicant.Kind.PERSON:
        return ("personal_id", applicant.personal_id)
    return ("tax_code", applicant.tax_code)


def _merge_applicant(existing: Applicant, candidate: Applicant) -> bool:
    """What find_or_create_applicant does to a known applicant; True when a value changed."""
    changed = False
    for name, value in candidate.__dict__.items():
        if name.startswith("_") or name in NOT_UPDATED or value in ("", None):
            continue
        if getattr(existing, name) != value:
            setattr(existing, name, value)
            changed = True
    return changed


STAGED_APPLICANTS = "demo_new_applicant"


def _insert_applicants_shared(rows: list[Applicant]) -> dict[int, int]:
    """PostgreSQL, several generator processes: insert the chunk's new applicants, keeping the
    ones another process inserted first (the same personal ID or tax code); returns
    {id given here: id of the row kept} for those, so that their dossiers point at it.

    The rows go through a staging table and one INSERT ... ON CONFLICT DO NOTHING in key
    order: a process that meets a key another has just inserted waits for its commit, and one
    order for every process means no two wait for each other."""
    if not rows:
        return {}
    table = Applicant._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {STAGED_APPLICANTS} (LIKE {table}) "
            "ON COMMIT DELETE ROWS"
        )
        _insert(Applicant, rows, with_pk=True, table=STAGED_APPLICANTS)
        cursor.execute(
            f"INSERT INTO {table} SELECT * FROM {STAGED_APPLICANTS} "
            "ORDER BY personal_id, tax_code ON CONFLICT DO NOTHING RETURNING id"
        )
        inserted = {row[0] for row in cursor.fetchall()}
    lost = [a for a in rows if a.pk not in inserted]
    if not lost:
        return {}
    kept = _known_applicants(lost)
    by_key = {_applicant_key(a): a.pk for a in kept}
    return {a.pk: by_key[_applicant_key(a)] for a in lost}


def _known_applicants(people) -> models.QuerySet[Applicant]:
    """The stored applicants with the personal ID or tax code of one of `people` (applicants
    or their data), in one query through the numbers' unique indexes."""
    ids = {p.personal_id for p in people if p.personal_id}
    taxes = {p.tax_code for p in people if p.tax_code}
    return Applicant.objects.filter(
        identified_by("personal_id", *ids) | identified_by("tax_code", *taxes)
    )
