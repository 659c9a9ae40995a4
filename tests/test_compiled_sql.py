"""The helper that compiles a query shape once per process (motcua.compiled_sql, decision 0007):
each run reads the database afresh with its own values, and a shape that cannot be compiled
safely falls back to the ORM instead of answering with the placeholder's rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Case, Value, When

from motcua import compiled_sql
from motcua.compiled_sql import Prepared

pytestmark = pytest.mark.django_db


def _user() -> Prepared:
    return Prepared(
        "test.user",
        lambda name: User.objects.filter(username=name).values_list("username", "is_staff"),
        name="\x00no-name\x00",
    )


def test_the_shape_is_compiled_once_and_each_run_reads_afresh_with_its_value():
    user = _user()
    User.objects.create(username="an")
    User.objects.create(username="binh", is_staff=True)
    assert user.rows(name="an") == [("an", False)]
    compiled = compiled_sql.cached(("prepared", "test.user"), lambda: None)
    assert compiled is not None and compiled.slots  # the value is a parameter
    sent: list[str] = []

    def record(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert user.rows(name="binh") == [("binh", True)]
        assert user.rows(name="chi") == []
        User.objects.create(username="chi")
        assert user.rows(name="chi") == [("chi", False)]
    selects = [sql for sql in sent if sql.startswith("SELECT")]
    assert selects == [compiled.sql] * 3  # the kept SQL is run, not rebuilt


def test_a_value_the_orm_rewrites_is_not_compiled_and_the_orm_answers():
    """A prefix search becomes a LIKE pattern: the placeholder is not among the parameters
    as given, so the shape is not compiled and each run builds its query."""
    names = Prepared(
        "test.prefix",
        lambda start: (
            User.objects.filter(username__startswith=start)
            .order_by("username")
            .values_list("username")
        ),
        start="\x00no-name\x00",
    )
    User.objects.create(username="an")
    User.objects.create(username="anh")
    User.objects.create(username="binh")
    assert names.rows(start="an") == [("an",), ("anh",)]
    assert names.rows(start="b") == [("binh",)]
    assert compiled_sql.cached(("prepared", "test.prefix"), lambda: None) is None


def test_a_value_written_into_the_sql_text_falls_back_to_the_orm():
    """Django writes LIMIT into the SQL text: replacing parameters could not change it, so the
    shape is not compiled and each run builds its query."""
    for n in range(4):
        User.objects.create(username=f"u{n}")
    first = Prepared(
        "test.limit",
        lambda n: User.objects.order_by("username").values_list("username")[:n],
        n=987_654,
    )
    assert first.rows(n=2) == [("u0",), ("u1",)]
    assert first.rows(n=3) == [("u0",), ("u1",), ("u2",)]
    assert compiled_sql.cached(("prepared", "test.limit"), lambda: None) is None


def test_placeholders_are_matched_by_type_not_only_by_value():
    """A flag (True == 1) or a number equal to an id placeholder's text is not a slot."""
    compiled = compiled_sql.compile_sql(
        "SELECT %s, %s, %s", [True, 1, "1"], {"one": 1}, frozenset({"one"})
    )
    assert compiled is not None and compiled.slots == ((1, "one"),)
    moment = dt.datetime(1901, 1, 1, tzinfo=dt.UTC)
    assert compiled_sql.compile_sql("SELECT '1901-01-01'", [], {"now": moment}) is None


def _prepared_runs() -> list[int]:
    """How many times each statement prepared on this connection for `_user()` ran."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            ['%"auth_user"."username" = $1%'],
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.needs_postgres
def test_on_postgresql_a_compiled_query_is_prepared_once_per_connection_and_reads_afresh():
    """The statement is prepared on the server at its first run and reused (its plan is not
    made again at every request); the rows still come from the database at every run."""
    user = _user()
    User.objects.create(username="an")
    before = sum(_prepared_runs())
    assert user.rows(name="an") == [("an", False)]
    User.objects.filter(username="an").update(is_staff=True)
    assert user.rows(name="an") == [("an", True)]
    assert user.rows(name="chi") == []
    runs = _prepared_runs()
    assert len(runs) == 1 and runs[0] - before == 3  # one statement, run three more times


@pytest.mark.needs_postgres
def test_prepared_statements_can_be_turned_off_for_a_pooler(settings):
    settings.MOTCUA = {**settings.MOTCUA, "PREPARED_STATEMENTS": False}
    user = _user()
    User.objects.create(username="an")
    before = _prepared_runs()
    assert user.rows(name="an") == [("an", False)]
    assert _prepared_runs() == before


def _names_page(start: int, stop: int):
    """Usernames from "b" on, from `start` to `stop` in name order, through a subquery holding
    the slice: a parameter before the slice ("b"), and after it one in the outer filter ("y")
    and one in the outer order (the staff first)."""
    page = User.objects.filter(username__gte="b").order_by("username").values("pk")[start:stop]
    staff_first = Case(When(is_staff=True, then=Value(0)), default=Value(1))
    rows = User.objects.filter(pk__in=page, username__lt="y").order_by(staff_first, "username")
    return rows.values_list("username")


def test_a_page_s_bounds_are_bound_values_of_one_statement():
    """`of_page`: the slice Django writes into the text becomes two parameters, so one
    statement serves every page; each run gets the page asked for, with the query's own
    parameters before and after the slice in their places."""
    for name in ("an", "binh", "chi", "dung", "giang", "yen"):
        User.objects.create(username=name, is_staff=name == "dung")
    compiled = compiled_sql.of_page(_names_page, {})
    assert compiled is not None
    assert str(compiled_sql.PAGE_BUILT["limit"]) not in compiled.sql
    pages = [compiled.run({"offset": at, "limit": 2})[1] for at in (0, 2, 4, 6)]
    assert pages == [[("binh",), ("chi",)], [("dung",), ("giang",)], [], []]
    assert compiled.run({"offset": 1, "limit": 3})[1] == [("dung",), ("chi",), ("giang",)]


def test_a_query_without_a_slice_is_not_compiled_as_a_page():
    """Nothing to bind: the caller runs its ORM query instead."""
    assert (
        compiled_sql.of_page(lambda start, stop: User.objects.values_list("username"), {}) is None
    )
