"""Look-ups through unique partial indexes read those indexes (`motcua.indexed`): applicants
by personal ID or tax code, citizen accounts by email address or identity-provider subject.

Why: the indexes leave blank values out, and a database reads a partial index only when the
query implies the index's condition. The submission's look-up binds the number as a parameter,
and the demo loader's and the citizen pages' look-ups list many numbers: neither database could
tell the number was not blank, so each read the whole applicant table (10 ms of every SQLite
submission at 200,000 dossiers); the citizens' sign-in compared UPPER(email), which no index
serves. These tests read the plans the databases choose: on SQLite as it plans any statement;
on PostgreSQL the generic plan of a prepared statement (what a kept statement settles on),
with sequential scans priced out so that the tiny test tables cannot make a scan the cheaper
choice: the index is then used if it can be.
"""

from __future__ import annotations

import itertools
import re

import pytest
from django.db import connection, transaction

from citizens.models import CitizenAccount, with_email, with_oidc_subject
from dossiers.deadlines import warn_due_soon
from dossiers.models import Applicant
from dossiers.models.applicants import identified_by
from dossiers.services import ApplicantData
from dossiers.services.reception import APPLICANT_BY, find_or_create_applicant
from motcua import compiled_sql
from motcua.indexed import one_of
from notifications import services as notifications
from notifications.models import Notification
from stats.overdue import count_overdue
from tests.test_citizen_accounts import citizen

pytestmark = pytest.mark.django_db

INDEX = {
    "personal_id": "applicant_personal_id_unique",
    "tax_code": "applicant_tax_code_unique",
    "email": "citizen_email_unique",
    "oidc_subject": "citizen_oidc_subject_unique",
    "unsent": "notification_unsent",
    "to_count": "stats_timing_to_count",
    "open_due": "dossier_open_",  # by due moment, or by agency and due moment
}


def _plan(sql: str, params: list, *, generic: bool) -> str:
    """The plan's text; `generic`: PostgreSQL's plan for any value of the parameters."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = off")
        if not generic:
            cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())
        count = itertools.count(1)
        numbered = re.sub("%s", lambda _m: f"${next(count)}", sql)
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE applicant_probe AS {numbered}")
        try:
            marks = ", ".join(["%s"] * len(params))
            cursor.execute(f"EXPLAIN EXECUTE applicant_probe({marks})", params)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE applicant_probe")


def _reads_index(plan: str, field: str) -> bool:
    # A scan of the table itself ("SCAN t" on SQLite); reading a whole index in its order
    # ("SCAN t USING INDEX i", the sweep's plan) is what a partial index is for.
    return INDEX[field] in plan and not re.search(r"Seq Scan|^SCAN \w+$", plan, re.M)


def _person(n: int, **more) -> Applicant:
    return Applicant.objects.create(
        kind=Applicant.Kind.PERSON, name=f"Người thử {n}", personal_id=f"0011900{n:05d}", **more
    )


def _organisation(n: int) -> Applicant:
    return Applicant.objects.create(
        kind=Applicant.Kind.ORGANISATION, name=f"Công ty thử {n}", tax_code=f"01000{n:05d}"
    )


def _many_applicants(n: int = 3000) -> None:
    """A table the size of a small district's, with its statistics: on the few rows of a test
    PostgreSQL may rather walk the primary key for `ORDER BY id LIMIT 1` than read a
    one-row index and sort, whatever the conditions allow."""
    Applicant.objects.bulk_create(
        Applicant(kind=Applicant.Kind.PERSON, name="Người thử", personal_id=f"0021900{i:05d}")
        if i % 2 else
        Applicant(kind=Applicant.Kind.ORGANISATION, name="Công ty thử", tax_code=f"02000{i:05d}")
        for i in range(n)
    )  # fmt: skip
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE dossiers_applicant")


@pytest.mark.parametrize("field", ["personal_id", "tax_code"])
def test_the_submission_s_kept_look_up_reads_the_unique_index(field):
    _many_applicants()
    value = _person(1).personal_id if field == "personal_id" else _organisation(1).tax_code
    found = APPLICANT_BY[field].first(value=value)
    assert getattr(found, field) == value
    key = ("instances", f"reception.applicant_by_{field}")
    shape = compiled_sql.cached(key, lambda: None)
    assert shape is not None, "the look-up was not compiled"
    compiled = shape.compiled
    plan = _plan(compiled.sql, compiled.bind({"value": value}), generic=True)
    assert _reads_index(plan, field), plan


@pytest.mark.parametrize("field", ["personal_id", "tax_code"])
def test_a_long_list_of_numbers_reads_the_unique_index(field):
    """PostgreSQL proves a partial index's condition from an IN list of at most 100 values:
    the demo loader asks for about a thousand per chunk."""
    values = [f"{n:012d}" if field == "personal_id" else f"{n:010d}" for n in range(150)]
    query = Applicant.objects.filter(identified_by(field, *values)).values("pk").query
    sql, params = query.sql_with_params()
    assert _reads_index(_plan(sql, list(params), generic=False), field)


def test_the_look_ups_find_the_numbered_applicants_and_never_the_blank_ones():
    person, other = _person(2), _person(3)
    company = _organisation(2)
    people = Applicant.objects.filter(identified_by("personal_id", person.personal_id))
    assert list(people) == [person]
    both = Applicant.objects.filter(
        identified_by("personal_id", person.personal_id, other.personal_id)
        | identified_by("tax_code", company.tax_code)
    )
    assert set(both) == {person, other, company}
    # Blank numbers are many applicants' (organisations have no personal ID): never a match.
    assert not Applicant.objects.filter(identified_by("personal_id", "")).exists()
    assert not Applicant.objects.filter(identified_by("tax_code", "", "")).exists()


def test_submitting_again_finds_the_same_applicant():
    data = ApplicantData(kind="person", name="Lê Văn Thử", personal_id="001190012345")
    first = find_or_create_applicant(data)
    again = find_or_create_applicant(data)
    assert again.pk == first.pk
    assert Applicant.objects.filter(personal_id="001190012345").count() == 1


@pytest.mark.parametrize(
    ("field", "condition"),
    [
        ("email", lambda: with_email(" Binh.Tran@Example.VN ")),
        ("oidc_subject", lambda: with_oidc_subject("https://id.example.vn", "sub-0001")),
    ],
)
def test_the_citizen_account_look_ups_read_the_unique_index(field, condition):
    query = CitizenAccount.objects.filter(condition()).values("pk").query
    sql, params = query.sql_with_params()
    assert _reads_index(_plan(sql, list(params), generic=True), field)


def test_an_address_is_found_whatever_its_case_and_a_blank_one_never():
    account = citizen("binh.tran@example.vn")
    assert list(CitizenAccount.objects.filter(with_email(" Binh.Tran@EXAMPLE.vn"))) == [account]
    CitizenAccount.objects.filter(pk=account.pk).update(email="")
    assert not CitizenAccount.objects.filter(with_email("")).exists()


def test_the_outbox_sweep_reads_the_index_of_the_unsent_rows():
    """Every minute the sweep looks for unsent notifications among all those ever sent."""
    sql, params = compiled_sql.captured(lambda: notifications.unsent_ids())
    assert _reads_index(_plan(sql, params, generic=True), "unsent")


def test_the_states_written_as_literals_are_plain_words_only():
    assert not Notification.objects.filter(one_of("status", ["pending", "sending"])).exists()
    with pytest.raises(ValueError):
        one_of("status", ["pending", "x') OR ('1'='1"])


@pytest.mark.parametrize(
    ("job", "verb", "table", "index"),
    [
        (count_overdue, "UPDATE", "stats_dossiertiming", "to_count"),
        (warn_due_soon, "SELECT", "dossiers_dossier", "open_due"),
    ],
)
def test_the_periodic_jobs_read_the_index_of_their_rows(job, verb, table, index):
    """Every five minutes: the overdue moments to count (an UPDATE, which on SQLite holds the
    write lock while it reads) and the open dossiers due soon, among every dossier filed."""
    if index == "open_due" and connection.vendor == "postgresql":
        # Django writes the states into the SQL it sends PostgreSQL, which proves the index's
        # condition from them; a generic plan of the few test dossiers says nothing more.
        pytest.skip("PostgreSQL reads the open dossiers' index from the literal states")
    reads = [
        (sql, params)
        for sql, params in compiled_sql.statements_sent(job)
        if sql.startswith(f"{verb} {table}") or f'FROM "{table}"' in sql
    ]
    sql, params = reads[0]
    assert _reads_index(_plan(sql, params, generic=True), index)
