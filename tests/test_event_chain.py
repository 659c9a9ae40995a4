"""The dossier event log is append-only and hash-chained; `manage.py verify_events` finds any
edit or deletion made behind the application's back (raw SQL) and names the dossier and event."""

from __future__ import annotations

import io
import itertools
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import ProtectedError

from dossiers.integrity import verify_all
from dossiers.models import Dossier, Event
from dossiers.services import (
    assign_step,
    hand_over_step,
    receive_dossier,
    request_supplement,
    start_step,
    withdraw_dossier,
)
from dossiers.services.core import GENESIS_HASH
from tests.personas import actor, applicant, components, local

AT = local(2026, 11, 2, 9, 0)


def _receive(province, n: int):
    return receive_dossier(
        actor=actor(province.officer), procedure=province.procedure,
        applicant=applicant(n, email=""), components=components(province), at=AT,
    )  # fmt: skip


@pytest.fixture
def walked(province) -> list[Dossier]:
    """Three dossiers with 1, 4 and 6 events."""
    first, second, third = (_receive(province, n) for n in (1, 2, 3))
    for dossier in (second, third):
        hand_over_step(actor=actor(province.officer), dossier=dossier, at=local(2026, 11, 2, 10))
        assign_step(
            actor=actor(province.head), dossier=dossier, assignee=province.specialist,
            at=local(2026, 11, 2, 11),
        )  # fmt: skip
        start_step(actor=actor(province.specialist), dossier=dossier, at=local(2026, 11, 2, 14))
    request_supplement(
        actor=actor(province.specialist), dossier=third, reason="Thiếu bản vẽ",
        items=[{"name": "Bản vẽ", "required_document_id": province.docs[1].pk}],
        at=local(2026, 11, 3, 9),
    )  # fmt: skip
    withdraw_dossier(
        actor=actor(province.officer), dossier=third, reason="Người nộp xin rút",
        at=local(2026, 11, 4, 9),
    )  # fmt: skip
    dossiers = [Dossier.objects.get(pk=d.pk) for d in (first, second, third)]
    assert [d.last_event_seq for d in dossiers] == [1, 4, 6]
    return dossiers


def _verify() -> str:
    out = io.StringIO()
    call_command("verify_events", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _broken() -> str:
    with pytest.raises(CommandError) as failed:
        call_command("verify_events", stdout=io.StringIO(), stderr=io.StringIO())
    return str(failed.value)


def _event(dossier: Dossier, seq: int) -> Event:
    return Event.objects.get(dossier=dossier, seq=seq)


def _sql(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


# ---------------------------------------------------------------- append-only in the ORM


def test_saving_an_existing_event_is_refused(walked):
    event = _event(walked[1], 2)
    event.note = "sửa lại"
    with pytest.raises(TypeError, match="append-only"):
        event.save()
    assert _event(walked[1], 2).note == ""


def test_deleting_an_event_is_refused(walked):
    with pytest.raises(TypeError, match="append-only"):
        _event(walked[1], 4).delete()
    assert walked[1].events.count() == 4


@pytest.mark.parametrize(
    "change",
    [
        lambda qs: qs.update(note="x"),
        lambda qs: qs.delete(),
        lambda qs: Event.objects.bulk_update(list(qs), ["note"]),
    ],
    ids=["update", "delete", "bulk_update"],
)
def test_bulk_changes_are_refused(walked, change):
    for queryset in (Event.objects.all(), walked[1].events.filter(seq=1)):
        # bulk_update works in an atomic block without savepoint: keep its failure in ours.
        with pytest.raises(TypeError, match="append-only"), transaction.atomic():
            change(queryset)
    assert Event.objects.count() == 11
    assert verify_all()[1] == []


def test_a_dossier_with_events_cannot_be_deleted(walked):
    with pytest.raises(ProtectedError):
        walked[0].delete()
    assert walked[0].events.count() == 1


def test_events_form_a_chain_from_the_genesis_hash(walked):
    for dossier in walked:
        events = list(dossier.events.order_by("seq"))
        assert [e.seq for e in events] == list(range(1, dossier.last_event_seq + 1))
        assert events[0].prev_hash == GENESIS_HASH
        for earlier, later in itertools.pairwise(events):
            assert later.prev_hash == earlier.hash
        assert all(e.hash == e.compute_hash() for e in events)
        assert dossier.last_event_hash == events[-1].hash


# ---------------------------------------------------------------- verify_events


def test_verify_events_passes_on_walked_dossiers(walked):
    assert _verify().strip() == "OK: 3 dossiers, every event chain verifies"
    assert verify_all() == (3, [])


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("note", "Đã sửa ghi chú"),
        ("action", "dossier.result_recorded"),
        ("actor_label", "Người khác"),
        ("actor_unit_id", None),  # the unit the actor acted in, hidden
        ("status_after", "returned"),
        ("data", json.dumps({"due_at": "2030-01-01T00:00:00+07:00"})),
    ],
)
def test_an_event_edited_with_raw_sql_is_named(walked, column, value):
    target = _event(walked[1], 3)
    _sql(f"UPDATE dossiers_event SET {column} = %s WHERE id = %s", [value, target.pk])
    message = _broken()
    assert walked[1].code in message
    assert "#3" in message and "edited" in message
    assert walked[0].code not in message and walked[2].code not in message
    assert message.startswith("1 of 3 dossiers")


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(walked):
    target = _event(walked[2], 2)
    target.note = "giả mạo"
    forged = target.compute_hash()
    _sql(
        "UPDATE dossiers_event SET note = %s, hash = %s WHERE id = %s",
        [target.note, forged, target.pk],
    )
    message = _broken()
    assert walked[2].code in message and "#3" in message and "previous-hash" in message


def test_rewriting_the_last_event_and_its_hash_is_caught_by_the_dossier_head(walked):
    target = _event(walked[1], 4)
    target.note = "giả mạo"
    _sql(
        "UPDATE dossiers_event SET note = %s, hash = %s WHERE id = %s",
        [target.note, target.compute_hash(), target.pk],
    )
    message = _broken()
    assert walked[1].code in message and "missing at the end" in message


def test_deleting_the_last_event_is_caught(walked):
    _sql("DELETE FROM dossiers_event WHERE id = %s", [_event(walked[2], 6).pk])
    message = _broken()
    assert walked[2].code in message
    assert "#6" in message and "missing at the end" in message


def test_deleting_an_event_in_the_middle_is_caught(walked):
    _sql("DELETE FROM dossiers_event WHERE id = %s", [_event(walked[2], 3).pk])
    message = _broken()
    assert walked[2].code in message and "#3" in message and "missing event" in message


def test_deleting_every_event_of_a_dossier_is_caught(walked):
    _sql("DELETE FROM dossiers_event WHERE dossier_id = %s", [walked[0].pk])
    message = _broken()
    assert walked[0].code in message and "all events missing" in message


def test_each_broken_dossier_is_reported(walked):
    _sql("UPDATE dossiers_event SET note = %s WHERE id = %s", ["x", _event(walked[0], 1).pk])
    _sql("DELETE FROM dossiers_event WHERE id = %s", [_event(walked[1], 4).pk])
    checked, breaks = verify_all()
    assert checked == 3
    assert sorted(b.dossier_code for b in breaks) == sorted([walked[0].code, walked[1].code])
    assert _broken().startswith("2 of 3 dossiers")
