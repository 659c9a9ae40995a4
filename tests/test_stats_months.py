"""The month rows (stats.MonthCount) hold the sums of the day rows, and a sum over any span
read through them (stats.periods) equals the sum of the day rows of that span: random counts
on random days, random spans (hypothesis). A procedure that changes field takes its counts
along, inside its transaction. (The rebuild's month rows equal the moves' in
tests/test_stats_rebuild.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import TruncMonth
from django.db.transaction import TransactionManagementError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.models import Procedure
from stats.counting import add_dossier_rows
from stats.models import DossierCount, MonthCount
from stats.periods import as_date, parts, summed
from tests import factories
from tests.stats_helpers import month_rows_from_days

FIRST = dt.date(2026, 1, 1)
DAYS = 150  # five months and a bit: spans cover whole and partial months

BACKLOG = {
    "open": Sum(F("received") - F("ended_on_time") - F("ended_late")),
    "late": Sum("ended_late"),
    "online": Sum("received", filter=Q(channel="online")),
}


@pytest.fixture
def places(db):
    """Two agencies, three procedures in two fields."""
    land, labour = factories.field("Đất đai"), factories.field("Lao động")
    return {
        "agencies": [factories.agency().pk, factories.agency().pk],
        "procedures": [
            factories.procedure(field=land).pk,
            factories.procedure(field=land).pk,
            factories.procedure(field=labour).pk,
        ],
        "fields": (land, labour),
    }


# (day offset, agency, procedure, channel, received, ended late)
count = st.tuples(
    st.integers(0, DAYS - 1), st.integers(0, 1), st.integers(0, 2),
    st.sampled_from(["online", "direct"]), st.integers(1, 5), st.integers(0, 3),
)  # fmt: skip
counts = st.lists(count, min_size=1, max_size=40)
GROUPINGS = [
    (), ("agency",), ("procedure__field",), ("agency", "channel"),
    ("agency__level__process_group",),
]  # fmt: skip


def _add_all(places, rows) -> None:
    """Each count as its own write (a move's), through the one function that writes day rows."""
    for offset, agency, procedure, channel, received, late in rows:
        key = (FIRST + dt.timedelta(days=offset), places["agencies"][agency],
               places["procedures"][procedure], channel)  # fmt: skip
        add_dossier_rows({key: {"received": received, "ended_late": late}})


def _from_days(first, last, by=(), where=None, monthly=False) -> dict:
    """The same sums straight from the day rows."""
    rows = DossierCount.objects.filter(day__lte=last, **(where or {}))
    if first is not None:
        rows = rows.filter(day__gte=first)
    if monthly:
        rows, by = rows.annotate(month=TruncMonth("day")), ("month", *by)
    if not by:
        return _keyed([rows.aggregate(**BACKLOG)], by)
    found = [
        {**r, "month": as_date(r["month"])} if monthly else r
        for r in rows.values(*by).annotate(**BACKLOG).order_by()
    ]
    return _keyed(found, by)


def _through_months(first, last, by=(), where=None, monthly=False) -> dict:
    found = summed(first, last, sums=BACKLOG, by=by, where=where, monthly=monthly)
    return _keyed(found, ("month", *by) if monthly else by)


def _keyed(rows, by) -> dict:
    """Group -> sums, the groups whose sums are all zero or empty left out."""
    return {
        tuple(r[b] for b in by): {n: r[n] for n in BACKLOG}
        for r in rows
        if any(r[n] for n in BACKLOG)
    }


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=counts,
    a=st.integers(-1, DAYS + 10),
    b=st.integers(0, DAYS + 10),
    by=st.sampled_from(GROUPINGS),
    where=st.sampled_from(["", "agency", "field", "procedure"]),
    monthly=st.booleans(),
)
def test_a_span_read_through_the_month_rows_equals_its_day_rows(
    places, rows, a, b, by, where, monthly
):
    DossierCount.objects.all().delete()
    MonthCount.objects.all().delete()
    _add_all(places, rows)
    assert sorted(MonthCount.objects.values_list(*month_columns())) == month_rows_from_days()
    first = None if a < 0 else FIRST + dt.timedelta(days=a)
    last = FIRST + dt.timedelta(days=b)
    lookups = {
        "": {},
        "agency": {"agency__in": places["agencies"][:1]},
        "field": {"procedure__field": places["fields"][0].pk},
        "procedure": {"procedure_id": places["procedures"][2]},  # day rows only
    }[where]
    expected = _from_days(first, last, by, lookups, monthly)
    assert _through_months(first, last, by, lookups, monthly) == expected


def month_columns() -> list[str]:
    return [f.attname for f in MonthCount._meta.concrete_fields if f.attname != "id"]


@pytest.mark.django_db
def test_whole_months_are_read_from_month_rows_and_the_rest_from_day_rows(places):
    _add_all(places, [(0, 0, 0, "online", 1, 0), (40, 0, 0, "online", 1, 0)])  # 1 Jan, 10 Feb
    # 15 Jan to 20 Mar: the days of January from 15, February whole, March to the 20th (no
    # later day of March is counted, so its month row holds exactly those days).
    split = parts(dt.date(2026, 1, 15), dt.date(2026, 3, 20))
    assert split.days == [(dt.date(2026, 1, 15), dt.date(2026, 1, 31))]
    assert split.months == (dt.date(2026, 2, 1), dt.date(2026, 3, 1))
    # Up to 5 February while 10 February is counted: February's days from the day rows.
    split = parts(None, dt.date(2026, 2, 5))
    assert split.days == [(dt.date(2026, 2, 1), dt.date(2026, 2, 5))]
    assert split.months == (None, dt.date(2026, 1, 1))


@pytest.mark.django_db
def test_a_lookup_through_the_procedure_is_answered_from_the_day_rows(places):
    _add_all(
        places, [(0, 0, 0, "online", 2, 0), (0, 0, 2, "online", 3, 0), (60, 1, 2, "direct", 4, 0)]
    )
    by_procedure = summed(None, dt.date(2026, 6, 30), sums={"n": Sum("received")}, by=["procedure"])
    assert {r["procedure"]: r["n"] for r in by_procedure} == {
        places["procedures"][0]: 2, places["procedures"][2]: 7,
    }  # fmt: skip


@pytest.mark.django_db
def test_a_procedure_that_changes_field_takes_its_counts_along(places):
    land, labour = places["fields"]
    _add_all(
        places, [(0, 0, 0, "online", 2, 1), (3, 0, 1, "online", 5, 0), (35, 1, 0, "direct", 4, 0)]
    )
    procedure = Procedure.objects.get(pk=places["procedures"][0])
    procedure.field = labour
    procedure.save()
    by_field = {r["procedure__field"]: r["open"] for r in summed(
        None, dt.date(2026, 6, 30), sums=BACKLOG, by=["procedure__field"])}  # fmt: skip
    assert by_field == {land.pk: 5, labour.pk: 5}
    assert sorted(MonthCount.objects.values_list(*month_columns())) == month_rows_from_days()
    # February had only that procedure: no row of zeros is left under its old field.
    assert not MonthCount.objects.filter(field=land, month=dt.date(2026, 2, 1)).exists()


@pytest.mark.django_db
def test_a_save_that_does_not_write_the_field_moves_nothing(places):
    land, labour = places["fields"]
    _add_all(places, [(0, 0, 0, "online", 2, 0)])
    procedure = Procedure.objects.get(pk=places["procedures"][0])
    procedure.field = labour  # set on the instance, not saved: only the name is written
    procedure.name = "Tên mới"
    procedure.save(update_fields=["name"])
    assert Procedure.objects.get(pk=procedure.pk).field_id == land.pk
    assert sorted(MonthCount.objects.values_list(*month_columns())) == month_rows_from_days()


@pytest.mark.django_db(transaction=True)
def test_a_field_change_outside_a_transaction_is_refused_and_changes_nothing(places):
    land, labour = places["fields"]
    _add_all(places, [(0, 0, 0, "online", 2, 0)])
    procedure = Procedure.objects.get(pk=places["procedures"][0])
    procedure.field = labour
    with pytest.raises(TransactionManagementError, match="transaction"):
        procedure.save()
    assert Procedure.objects.get(pk=procedure.pk).field_id == land.pk
    with transaction.atomic():
        procedure.save()
    assert sorted(MonthCount.objects.values_list(*month_columns())) == month_rows_from_days()
