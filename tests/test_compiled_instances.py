"""Model instances read through a query compiled once per process (`PreparedInstances`,
decision 0007), and the reads of every move that use it since commit 33b9007.

What a caller relies on: the instances are those the ORM would build (every column with the
ORM's type, the `select_related` rows joined and cached, a NULL join as None), each call reads
the database afresh with the SQL kept at the first call, and a shape the helper cannot build
as the ORM does is answered by the ORM itself."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Count, F, Model, Prefetch, Q, QuerySet, Value
from django.db.models.signals import post_save, pre_save
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from catalog.models import Procedure, ProcessStep
from dossiers.models import Document, Dossier, Event, Pause
from dossiers.services import (
    assign_step,
    hand_over_step,
    provide_supplement,
    receive_dossier,
    request_supplement,
    start_step,
)
from dossiers.services import steps as step_reads
from dossiers.services.core import lock
from motcua import compiled_sql
from motcua.compiled_sql import PreparedInstances
from notifications import services as notifications
from notifications.models import Notification
from org.models import OrgUnit
from stats import recording
from tests.personas import actor, applicant, components, local
from tests.sql_sent import sql_sent, starting

pytestmark = pytest.mark.django_db

NO_ID = -7_000_901  # placeholders of the shapes built here: no row has them
JOINED = ("procedure__field", "processing_agency__calendar", "receiving_agency", "applicant")
DELIVER_TASK = "notifications.tasks.deliver_notification"


def _kept(kind: str, key: str) -> object:
    """What the helper kept for a shape in this process: None for a shape the ORM answers."""
    return compiled_sql._cache[(connection.vendor, connection.settings_dict["NAME"], kind, key)]


def _state(obj: Model | None, seen: frozenset[int] = frozenset()) -> object:
    """Everything an instance holds, comparable: each column's value with its type and, for a
    moment, its offset (0 == False, and a naive moment is merely unequal to an aware one, so a
    missing converter would go unseen by plain equality), its `_state`, and the same for every
    joined row cached on it. A row seen higher up (a reverse one-to-one points back) is named
    by its model and key only."""
    if obj is None:
        return None
    if id(obj) in seen:
        return ("seen", type(obj).__name__, obj.pk)
    seen = seen | {id(obj)}
    deferred = obj.get_deferred_fields()  # before reading any column, which would load it
    columns = {}
    for field in obj._meta.concrete_fields:
        if field.attname in deferred:
            continue
        value = getattr(obj, field.attname)
        offset = value.utcoffset() if isinstance(value, dt.datetime) else None
        columns[field.attname] = (type(value).__name__, value, offset)
    joined = {
        name: _state(related, seen) for name, related in sorted(obj._state.fields_cache.items())
    }
    return {
        "model": type(obj).__name__,
        "db": obj._state.db,
        "adding": obj._state.adding,
        "deferred": sorted(deferred),
        "columns": columns,
        "joined": joined,
    }


def _receive(province, n: int = 1, at: dt.datetime | None = None) -> Dossier:
    return receive_dossier(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(n),
        components=components(province), at=at or local(2026, 11, 2, 9, 0),
    )  # fmt: skip


@pytest.fixture
def received(province) -> Dossier:
    """A dossier received at the counter (Monday 2 Nov 2026, 09:00), at its first step."""
    return _receive(province)


def _dossier_joined(pk: int) -> QuerySet[Dossier]:
    return Dossier.objects.select_related(*JOINED, "current_step__step").filter(pk=pk)


# ---------------------------------------------------------------- the instances


def test_instances_equal_the_orm_s_with_their_joined_rows_cached(received):
    """Every column (moments aware, flags as booleans, on SQLite too) and every joined row,
    two levels deep, as the ORM builds them; reading a joined row makes no query."""
    dossiers = PreparedInstances("test.instances.dossier", _dossier_joined, pk=NO_ID)
    (found,) = dossiers.fetch(pk=received.pk)
    (expected,) = _dossier_joined(received.pk)
    assert _state(found) == _state(expected)
    assert set(found._state.fields_cache) == {
        "procedure", "processing_agency", "receiving_agency", "applicant", "current_step",
    }  # fmt: skip
    assert found.received_at == local(2026, 11, 2, 9, 0)
    assert isinstance(found.fee_paid, bool)
    assert _kept("instances", "test.instances.dossier") is not None  # it was compiled

    with CaptureQueriesContext(connection) as queries:
        names = (
            found.procedure.field.name, found.processing_agency.calendar.code,
            found.receiving_agency.name, found.applicant.personal_id,
            found.current_step.step.position,
        )  # fmt: skip
    assert queries.captured_queries == []
    assert names[4] == 1


def test_rows_come_in_the_queryset_s_order_with_each_joined_row(province):
    """Several rows, ordered, each with its own joined row (the process's steps: the reads of
    every move, `steps.PROCESS_STEPS`); a step given its own unit has that unit joined."""
    unit = OrgUnit.objects.get(agency=province.department, kind=OrgUnit.Kind.DIVISION)
    ProcessStep.objects.filter(template=province.process, position=2).update(acting_unit=unit)
    found = step_reads.PROCESS_STEPS.fetch(template_id=province.process.pk)
    expected = ProcessStep.objects.filter(template_id=province.process.pk).order_by("position")
    expected = list(expected.select_related("acting_unit"))
    assert [s.position for s in found] == [1, 2, 3, 4, 5]
    assert [_state(s) for s in found] == [_state(s) for s in expected]
    with CaptureQueriesContext(connection) as queries:
        units = [s.acting_unit for s in found]
    assert queries.captured_queries == []
    assert units[1] == unit and units[1].name == unit.name
    assert units[0] is None and units[2:] == [None, None, None]


def test_a_null_foreign_key_joined_is_none_without_a_query(received):
    """A NULL among the joined keys (no process, no current step, not transferred): None, and
    no query to find it out, as with the ORM; the rows joined through it are skipped too."""
    Dossier.objects.filter(pk=received.pk).update(process=None, current_step=None)
    dossiers = PreparedInstances(
        "test.instances.null_joins",
        lambda pk: Dossier.objects.select_related(
            "process", "current_step__step", "transferred_from__procedure"
        ).filter(pk=pk),
        pk=NO_ID,
    )
    (found,) = dossiers.fetch(pk=received.pk)
    with CaptureQueriesContext(connection) as queries:
        assert found.process is None
        assert found.current_step is None
        assert found.transferred_from is None
    assert queries.captured_queries == []
    (expected,) = Dossier.objects.select_related(
        "process", "current_step__step", "transferred_from__procedure"
    ).filter(pk=received.pk)
    assert _state(found) == _state(expected)


def test_each_call_reads_afresh_with_the_sql_kept_at_the_first(received, province):
    """Nothing is kept but SQL text: a row changed between two calls is read as it now is, a
    row added is found, and every call sends the kept statement (not a newly built one)."""
    dossiers = PreparedInstances("test.instances.afresh", _dossier_joined, pk=NO_ID)
    assert dossiers.fetch(pk=received.pk)[0].status == received.status
    kept = _kept("instances", "test.instances.afresh")
    assert kept is not None and "%s" in kept.compiled.sql
    other = _receive(province, n=2)
    seen: dict[str, object] = {}

    def calls() -> None:
        Dossier.objects.filter(pk=received.pk).update(delivery_address="Số 1 Lê Lợi")
        Procedure.objects.filter(pk=province.procedure.pk).update(name="Tên mới")
        seen["changed"] = dossiers.fetch(pk=received.pk)[0]
        seen["other"] = dossiers.fetch(pk=other.pk)[0]
        seen["none"] = dossiers.fetch(pk=NO_ID + 1)

    sent = starting(sql_sent(calls), "SELECT")
    assert seen["changed"].delivery_address == "Số 1 Lê Lợi"
    assert seen["changed"].procedure.name == "Tên mới"  # a joined row is read afresh too
    assert seen["other"].pk == other.pk and seen["other"].code == other.code
    assert seen["none"] == []
    assert sent == [kept.compiled.sql] * 3


def test_each_call_builds_new_instances(received):
    """The builders of the joined rows are kept, never the rows: an instance changed by one
    caller is not what the next caller gets."""
    dossiers = PreparedInstances("test.instances.new", _dossier_joined, pk=NO_ID)
    (first,) = dossiers.fetch(pk=received.pk)
    first.delivery_address = "changed in memory"
    first.procedure.name = "changed in memory"
    (second,) = dossiers.fetch(pk=received.pk)
    assert second is not first and second.procedure is not first.procedure
    assert second.delivery_address == "" and second.procedure.name == received.procedure.name


def test_deferred_columns_are_deferred_as_with_the_orm(received):
    """`only()` still gives model instances: the columns left out load on access, as the
    ORM's would."""
    dossiers = PreparedInstances(
        "test.instances.only",
        lambda pk: Dossier.objects.only("code", "status").filter(pk=pk),
        pk=NO_ID,
    )
    (found,) = dossiers.fetch(pk=received.pk)
    (expected,) = Dossier.objects.only("code", "status").filter(pk=received.pk)
    assert _state(found) == _state(expected)
    assert "due_at" in found.get_deferred_fields()
    with CaptureQueriesContext(connection) as queries:
        assert found.due_at == received.due_at
    assert len(queries.captured_queries) == 1  # loaded on access


def test_placeholders_may_be_named_like_the_constructor_s_arguments(received):
    """The key and the builder are positional only, so a value may be called `key` (the
    queued notification's look-up is) or `build`."""
    by_code = PreparedInstances(
        "test.instances.named_key",
        lambda key, build: Dossier.objects.filter(code=key, pk__gt=build),
        key="\x00no-code\x00",
        build=NO_ID,
    )
    assert [d.pk for d in by_code.fetch(key=received.code, build=0)] == [received.pk]
    assert by_code.fetch(key=received.code, build=received.pk) == []
    assert _kept("instances", "test.instances.named_key") is not None


def test_a_none_value_is_answered_by_the_orm_as_is_null(received):
    """The kept SQL compares with a parameter, and `= NULL` matches no row, where the ORM
    writes `IS NULL`: a call with a None value runs the ORM's query instead."""
    by_transfer = PreparedInstances(
        "test.instances.by_transfer",
        lambda origin: Dossier.objects.filter(transferred_from_id=origin),
        origin=NO_ID,
    )
    assert received.transferred_from_id is None
    assert received.pk in [d.pk for d in by_transfer.fetch(origin=None)]
    assert by_transfer.fetch(origin=received.pk) == []
    assert _kept("instances", "test.instances.by_transfer") is not None


def test_an_enum_member_as_a_value_is_bound_as_its_value(province):
    """A value is bound as given, without the field's preparation: a `TextChoices` member (a
    `str`) must select as its text does (`steps.UNIT_OF_KIND`, reached with a step's kind)."""
    expected = OrgUnit.objects.filter(agency=province.department, kind="division")
    expected = list(expected.order_by("pk")[:1])
    assert expected, "the department has a division"
    units = step_reads.UNIT_OF_KIND
    found = units.fetch(agency_id=province.department.pk, kind=OrgUnit.Kind.DIVISION)
    assert [_state(u) for u in found] == [_state(u) for u in expected]
    by_text = units.fetch(agency_id=province.department.pk, kind="division")
    assert [_state(u) for u in by_text] == [_state(u) for u in expected]


# ---------------------------------------------------------------- shapes the ORM answers


def _with_annotation(pk: int) -> QuerySet:
    return Dossier.objects.filter(pk=pk).annotate(n_documents=Count("documents"))


def _with_prefetch(pk: int) -> QuerySet:
    return Dossier.objects.filter(pk=pk).prefetch_related(Prefetch("documents", to_attr="papers"))


def _as_dicts(pk: int) -> QuerySet:
    return Dossier.objects.filter(pk=pk).values("code", "status")


@pytest.mark.parametrize(
    "key, build, check",
    [
        ("annotation", _with_annotation, lambda rows: rows[0].n_documents == 2),
        ("prefetch", _with_prefetch, lambda rows: len(rows[0].papers) == 2),
        ("values", _as_dicts, lambda rows: set(rows[0]) == {"code", "status"}),
    ],
)
def test_a_shape_the_helper_cannot_build_is_answered_by_the_orm(received, key, build, check):
    """Annotations, prefetches and `values()` are not built by the helper: nothing is
    compiled for them, and every call gets the ORM's own answer."""
    shape = PreparedInstances(f"test.instances.orm_{key}", build, pk=NO_ID)
    rows = shape.fetch(pk=received.pk)
    assert _kept("instances", f"test.instances.orm_{key}") is None
    assert check(rows)
    assert rows == list(build(received.pk))
    assert shape.fetch(pk=NO_ID + 1) == []


def test_a_value_the_orm_rewrites_is_not_compiled_and_the_orm_answers(received, province):
    prefix = received.code.rsplit("-", 1)[0]
    other = _receive(province, n=2)
    shape = PreparedInstances(
        "test.instances.orm_prefix",
        lambda start: Dossier.objects.filter(code__startswith=start).order_by("code"),
        start="\x00no-code\x00",
    )
    assert [d.pk for d in shape.fetch(start=prefix)] == [received.pk, other.pk]
    assert shape.fetch(start="none-") == []
    assert _kept("instances", "test.instances.orm_prefix") is None


def test_a_shape_that_selects_nothing_whatever_the_values_gives_no_rows(received):
    """A filter the ORM knows to be empty (`__in` an empty list, `none()`) makes Django raise
    `EmptyResultSet` while it builds the SQL; its own iterable catches it and gives no rows.
    The helper builds the SQL itself, so it must do the same (or let the ORM answer), not
    raise to its caller."""
    shape = PreparedInstances(
        "test.instances.empty",
        lambda pk: Dossier.objects.filter(pk=pk, status__in=[]),
        pk=NO_ID,
    )
    assert list(Dossier.objects.filter(pk=received.pk, status__in=[])) == []
    try:
        rows = shape.fetch(pk=received.pk)
    except EmptyResultSet:
        pytest.fail("PreparedInstances.fetch raised EmptyResultSet where the ORM gives []")
    assert rows == []


# ---------------------------------------------------------------- the lock's read


@pytest.mark.django_db(transaction=True)
def test_the_lock_outside_a_transaction_is_refused():
    """The compiled read does not pass through the ORM's check of `select_for_update`, so
    `lock` makes its own, on every database (before it, SQLite let it pass)."""
    assert not connection.in_atomic_block
    with pytest.raises(TransactionManagementError):
        lock(1)


def test_the_lock_of_an_unknown_dossier_raises_does_not_exist(received):
    with pytest.raises(Dossier.DoesNotExist):
        lock(received.pk + 1000)
    with pytest.raises(Dossier.DoesNotExist):
        lock(Dossier(pk=received.pk + 1000))


def test_the_lock_reads_the_dossier_with_what_moves_read_in_one_query(received):
    """One statement, and the procedure, the processing agency with its calendar, the
    receiving agency and the applicant come with it (on SQLite the current step run with its
    step and the timing row too). The row is the database's, not the caller's instance."""
    Dossier.objects.filter(pk=received.pk).update(delivery_address="Số 2 Hùng Vương")
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        dossier = lock(received)
        read = (
            dossier.procedure.name, dossier.processing_agency.calendar.code,
            dossier.receiving_agency.name, dossier.applicant.personal_id,
        )  # fmt: skip
        if connection.vendor == "sqlite":
            read += (dossier.current_step.step.position, dossier.timing.legal_due_at)
    assert len(queries.captured_queries) == 1, queries.captured_queries
    assert dossier is not received and dossier.delivery_address == "Số 2 Hùng Vương"
    assert read[:4] == (
        received.procedure.name, received.processing_agency.calendar.code,
        received.receiving_agency.name, received.applicant.personal_id,
    )  # fmt: skip
    expected = Dossier.objects.select_related(
        "procedure", "processing_agency__calendar", "receiving_agency", "applicant"
    ).get(pk=received.pk)
    assert {k: v for k, v in _state(dossier).items() if k != "joined"} == {
        k: v for k, v in _state(expected).items() if k != "joined"
    }
    for name in ("procedure", "processing_agency", "receiving_agency", "applicant"):
        assert _state(getattr(dossier, name)) == _state(getattr(expected, name)), name
    with transaction.atomic():
        assert lock(received.pk).pk == received.pk  # by id as by instance


@pytest.mark.needs_postgres
def test_on_postgresql_the_lock_s_read_locks_the_row(received):
    """The statement kept for the lock is a `SELECT ... FOR UPDATE` of the dossier's row only
    (the joined rows are not locked), and it is what every lock sends."""

    def locks() -> None:
        with transaction.atomic():
            lock(received)
            lock(received.pk)

    sent = starting(sql_sent(locks), "SELECT")
    assert len(sent) == 2 and sent[0] == sent[1]
    assert sent[0].rstrip().endswith('FOR UPDATE OF "dossiers_dossier"')
    assert sent[0] == _kept("instances", "dossiers.lock").compiled.sql


# ---------------------------------------------------------------- the queued notification


def _queue(received: Dossier, key: str, **extra: object) -> Notification:
    event = received.events.get()
    values = {
        "key": key, "kind": event.action, "recipient": "dan@example.test",
        "context": {"kind": event.action, "dossier": received, "event": event},
        "event": event, "dossier": received,
    }  # fmt: skip
    return notifications._queue(**{**values, **extra})


def _tasks(pk: int) -> int:
    return DBTaskResult.objects.filter(
        task_path=DELIVER_TASK, args_kwargs={"args": [pk], "kwargs": {}}
    ).count()


def test_a_key_queued_by_a_concurrent_writer_after_the_look_up_is_returned_once(
    received, monkeypatch
):
    """The look-up found nothing, then another transaction queued the key before this one's
    insert: the unique key refuses the insert inside a savepoint, the other writer's row is
    returned, and no second delivery task is queued. Only keys without an event race (an
    officials' warning, which two workers may send at once); an event's key is as new as the
    event. (Twice in a row with one key, without a race, is
    `test_notifications.test_the_same_event_is_queued_once`.)"""
    first = _queue(received, "test:race", event=None)
    assert _tasks(first.pk) == 1

    real = notifications.QUEUED

    class MissedOnce:
        """The look-up made before the other writer's commit: it misses once."""

        missed = False

        def first(self, **values: object) -> Notification | None:
            if not self.missed:
                self.missed = True
                return None
            return real.first(**values)

    monkeypatch.setattr(notifications, "QUEUED", MissedOnce())
    again = _queue(received, "test:race", recipient="other@example.test", event=None)
    assert again.pk == first.pk and again.recipient == "dan@example.test"
    assert Notification.objects.filter(key="test:race").count() == 1
    assert _tasks(first.pk) == 1
    assert Dossier.objects.filter(pk=received.pk).exists()  # the transaction is still usable


def test_an_insert_refused_for_another_reason_raises_its_own_error(received):
    """`get_or_create`, which `_queue` replaced, re-raises the IntegrityError when no row
    holds the key; `_queue` must too, or a broken row (here: no recipient, a NOT NULL column)
    is reported as a missing notification, hiding the cause."""
    with pytest.raises(IntegrityError):
        _queue(received, "test:no-recipient", recipient=None, event=None)


def test_an_event_s_key_is_inserted_without_a_savepoint_and_a_refusal_is_raised(received):
    """An event's key cannot have been written by anyone else (the event is new in this
    transaction), so the insert takes no savepoint (two round trips on PostgreSQL), and a
    refused insert raises its own error instead of looking for another writer's row."""
    sent = sql_sent(lambda: _queue(received, "test:event-key"))
    assert not [sql for sql in sent if "SAVEPOINT" in sql.upper()]
    with pytest.raises(IntegrityError):
        _queue(received, "test:event-broken", recipient=None)


# ---------------------------------------------------------------- Prepared rows of the moves


def test_the_waits_read_through_the_compiled_sql_are_the_orm_s_moments(received):
    """`stats.recording.WAITS` reads moments through a plain cursor: they must be aware, as
    the ORM gives them, on SQLite too (which returns naive text), and an open wait's end None."""
    Pause.objects.create(
        dossier=received, kind=Pause.Kind.SUPPLEMENT, started_at=local(2026, 11, 3, 9, 0),
        ended_at=local(2026, 11, 6, 9, 0),
    )  # fmt: skip
    Pause.objects.create(
        dossier=received, kind=Pause.Kind.PAYMENT, started_at=local(2026, 11, 9, 14, 30)
    )
    found = recording.WAITS.rows(dossier_id=received.pk)
    expected = list(received.pauses.values_list("started_at", "ended_at"))

    def typed(rows: list[tuple]) -> list[tuple]:
        return [
            tuple((v, v.utcoffset() if isinstance(v, dt.datetime) else None) for v in row)
            for row in rows
        ]

    assert typed(found) == typed(expected)
    assert found == [
        (local(2026, 11, 3, 9, 0), local(2026, 11, 6, 9, 0)),
        (local(2026, 11, 9, 14, 30), None),
    ]


def test_the_document_counts_are_those_the_aggregates_they_replaced_gave(received):
    """`stats.recording._documents` (one grouped query, compiled) against the two aggregates
    it replaced: the counts at reception and at the result, and zeros with no document."""
    component, result = Document.Role.COMPONENT, Document.Role.RESULT
    first = received.documents.order_by("pk").first()
    Document.objects.filter(pk=first.pk).update(digitised=True)

    def document(role: str, **extra: object) -> Document:
        return Document.objects.create(
            dossier=received, role=role, name="Giấy tờ", kind=Document.Kind.COPY, **extra
        )

    document(component, digitised=True, reused_from=first)
    document(Document.Role.SUPPLEMENT)
    document(result, digitised=True)
    document(result)
    at_reception = received.documents.filter(role=component).aggregate(
        n=Count("pk"), files=Count("pk", filter=Q(digitised=True)),
        reused=Count("pk", filter=Q(reused_from__isnull=False)),
    )  # fmt: skip
    at_result = received.documents.aggregate(
        e_result=Count("pk", filter=Q(role=result, digitised=True)),
        papers=Count("pk", filter=~Q(role=result)),
        files=Count("pk", filter=~Q(role=result) & Q(digitised=True)),
    )
    counts = recording._documents(received)
    assert (counts["components"], counts["component_files"], counts["reused"]) == (
        at_reception["n"], at_reception["files"], at_reception["reused"],
    ) == (3, 2, 1)  # fmt: skip
    assert (counts["e_results"], counts["papers"], counts["paper_files"]) == (
        at_result["e_result"], at_result["papers"], at_result["files"],
    ) == (1, 4, 2)  # fmt: skip
    no_documents = Dossier(pk=NO_ID)
    assert recording._documents(no_documents) == dict.fromkeys(recording.DOCUMENT_COUNTS, 0)


def test_the_reads_of_the_moves_are_compiled_not_left_to_the_orm(received, province):
    """The point of commit 33b9007 is that these shapes compile: one that silently fell back
    to the ORM would still be right, only slow, and no other test would notice. A dossier
    walked from the counter to a supplement and back reads every one of them."""
    at = local(2026, 11, 2, 10, 0)
    hand_over_step(actor=actor(province.officer), dossier=received, at=at)
    assign_step(actor=actor(province.head), dossier=received, assignee=province.specialist, at=at)
    start_step(actor=actor(province.specialist), dossier=received, at=at)
    request_supplement(
        actor=actor(province.specialist), dossier=received, reason="Thiếu bản vẽ",
        items=[{"name": "Bản vẽ", "required_document_id": province.docs[1].pk, "count": 1}],
        at=local(2026, 11, 3, 9, 0),
    )  # fmt: skip
    provide_supplement(
        actor=actor(province.officer), dossier=received, at=local(2026, 11, 6, 9, 0),
        components=[components(province)[1]],
    )  # fmt: skip
    shapes = [
        ("instances", "dossiers.lock"), ("instances", "steps.of_process"),
        ("instances", "steps.unit_of_kind"), ("instances", "notifications.queued"),
        ("instances", "reception.applicant_by_personal_id"),
        ("instances", "reception.process_for"), ("instances", "reception.best_handler"),
        ("prepared", "stats.waits"), ("prepared", "stats.document_tally"),
        ("prepared", "stats.field_of"), ("prepared", "intake.upstream_of"),
    ]  # fmt: skip
    kept = compiled_sql._cache
    where = (connection.vendor, connection.settings_dict["NAME"])
    assert [s for s in shapes if kept.get((*where, *s)) is None] == []


# ---------------------------------------------------------------- saving chosen fields


def test_save_fields_writes_those_fields_alone_as_the_orm_would(received):
    """The chosen fields are written with the ORM's own preparation (an aware moment, a
    foreign key, a None); an attribute changed but not named stays as stored; the UPDATE's
    text is kept from the first save and sent again as it is."""
    run = received.current_step
    moment = local(2026, 11, 3, 14, 30)
    run.finished_at, run.outcome, run.note = moment, "done", ""
    run.assignee = None
    run.timeliness = "early"  # changed, not named: not written
    fields = ["finished_at", "outcome", "assignee"]
    updates = starting(sql_sent(lambda: compiled_sql.save_fields(run, fields)), "UPDATE")
    stored = type(run).objects.get(pk=run.pk)
    assert stored.finished_at == moment and stored.finished_at.utcoffset() is not None
    assert stored.outcome == "done" and stored.assignee_id is None
    assert stored.timeliness == ""
    run.outcome = "again"
    again = sql_sent(lambda: compiled_sql.save_fields(run, fields))
    assert starting(again, "UPDATE") == updates
    assert type(run).objects.get(pk=run.pk).outcome == "again"


def test_save_fields_of_a_missing_row_fails_as_the_orm_does(received):
    """A row deleted under the caller: the ORM's save(update_fields=...) raises, and so does
    this, rather than silently writing nothing."""
    run = received.current_step
    gone = type(run).objects.get(pk=run.pk)
    gone.pk = NO_ID
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        compiled_sql.save_fields(gone, ["note"])


def test_save_fields_leaves_to_the_orm_a_model_with_save_signals_and_an_expression(received):
    """A receiver of pre_save or post_save must still be called, and an F() expression must
    be computed by the database: both go through the ORM's save."""
    run = received.current_step
    called: list[object] = []

    def receiver(sender, instance, **kwargs):
        called.append(instance.pk)

    post_save.connect(receiver, sender=type(run), dispatch_uid="test-save-fields")
    try:
        run.note = "signalled"
        compiled_sql.save_fields(run, ["note"])
    finally:
        post_save.disconnect(dispatch_uid="test-save-fields", sender=type(run))
    assert called == [run.pk]
    assert type(run).objects.get(pk=run.pk).note == "signalled"
    dossier = Dossier.objects.get(pk=received.pk)
    seq = dossier.last_event_seq
    dossier.last_event_seq = F("last_event_seq") + 5
    compiled_sql.save_fields(dossier, ["last_event_seq"])
    assert Dossier.objects.get(pk=received.pk).last_event_seq == seq + 5


# ---------------------------------------------------------------- inserting new rows


def _notification(received: Dossier, key: str) -> Notification:
    return Notification(
        key=key, dossier=received, kind="dossier.received", recipient="dan@example.test",
        language="vi", subject="Tiêu đề", body="Nội dung",
    )  # fmt: skip


def test_insert_row_stores_what_the_orm_s_save_stores_and_keeps_its_text(received):
    """Two notifications alike but for their key, one saved by the ORM and one inserted here:
    read back, their columns (defaults included, a moment with its offset) are the same, the
    instance has its new key and is no longer `adding`; the INSERT's text is sent again as
    it is for the next row."""
    by_orm = _notification(received, "test:orm")
    by_orm.save()
    mine = _notification(received, "test:mine")
    inserts = starting(sql_sent(lambda: compiled_sql.insert_row(mine)), "INSERT")
    assert mine.pk is not None and mine.pk != by_orm.pk
    assert not mine._state.adding and mine._state.db == connection.alias

    def stored(pk: int) -> dict:
        columns = _state(Notification.objects.get(pk=pk))["columns"]
        kind, moment, offset = columns.pop("created_at")  # auto_now_add: set by pre_save
        assert kind == "datetime" and offset is not None
        assert abs(moment - by_orm.created_at) < dt.timedelta(seconds=5)
        return {name: value for name, value in columns.items() if name not in ("id", "key")}

    assert stored(mine.pk) == stored(by_orm.pk)
    other = _notification(received, "test:mine-2")
    again = sql_sent(lambda: compiled_sql.insert_row(other))
    assert starting(again, "INSERT") == inserts


def test_insert_row_sends_the_save_signals_as_the_orm_does(received):
    """Receivers (the upstream status hook listens to new events) get pre_save, then
    post_save with created=True and the saved instance."""
    seen: list[tuple] = []

    def before(sender, instance, **kwargs):
        seen.append(("pre", instance.pk, kwargs["raw"]))

    def after(sender, instance, created, **kwargs):
        seen.append(("post", instance.pk, created))

    pre_save.connect(before, sender=Notification, dispatch_uid="test-insert-pre")
    post_save.connect(after, sender=Notification, dispatch_uid="test-insert-post")
    try:
        row = _notification(received, "test:signals")
        compiled_sql.insert_row(row)
    finally:
        pre_save.disconnect(sender=Notification, dispatch_uid="test-insert-pre")
        post_save.disconnect(sender=Notification, dispatch_uid="test-insert-post")
    assert seen == [("pre", None, False), ("post", row.pk, True)]


def test_insert_row_leaves_an_expression_to_the_orm(received):
    """A value the database computes (an expression) is compiled by the ORM's own save."""
    row = _notification(received, "test:expression")
    row.attempts = Value(2) + Value(3)
    compiled_sql.insert_row(row)
    assert Notification.objects.get(pk=row.pk).attempts == 5


def test_save_fields_names_each_column_once_and_nothing_for_no_field(received):
    """A field named twice (by name and by column name) is set once: PostgreSQL refuses an
    UPDATE that assigns a column twice. No field: nothing is written, as with the ORM."""
    run = received.current_step
    run.note = "once"
    compiled_sql.save_fields(run, ["note", "note", "step_id", "step"])
    assert type(run).objects.get(pk=run.pk).note == "once"
    assert [sql for sql in sql_sent(lambda: compiled_sql.save_fields(run, [])) if sql] == []


def test_a_failed_write_marks_the_transaction_for_rollback(received):
    """As with the ORM's save: an error caught by the caller still rolls the transaction
    back, so the move's other writes cannot commit without it."""
    run = received.current_step
    gone = type(run).objects.get(pk=run.pk)
    gone.pk = NO_ID
    with transaction.atomic():
        with pytest.raises(DatabaseError):
            compiled_sql.save_fields(gone, ["note"])
        assert connection.needs_rollback
        transaction.set_rollback(False)  # the test's own transaction goes on


def test_a_model_with_its_own_save_is_saved_by_it(received, monkeypatch):
    """A model's save() override holds its rule: the helpers leave such a model to it; the
    event's override, which only refuses to rewrite a row, is declared (`PLAIN_INSERTS`)."""
    calls: list[int | None] = []
    original = Notification.save

    def own_save(self, *args, **kwargs):
        calls.append(self.pk)
        original(self, *args, **kwargs)

    monkeypatch.setattr(compiled_sql, "_inserts", {})
    monkeypatch.setattr(compiled_sql, "_updates", {})
    monkeypatch.setattr(Notification, "save", own_save)
    row = _notification(received, "test:own-save")
    compiled_sql.insert_row(row)
    row.subject = "Tiêu đề khác"
    compiled_sql.save_fields(row, ["subject"])
    assert calls == [None, row.pk]
    assert Notification.objects.get(pk=row.pk).subject == "Tiêu đề khác"
    assert not compiled_sql._own_save(Event)
