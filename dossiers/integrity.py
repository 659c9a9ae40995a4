"""Verification of the hash-chained event log (B7)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction

from dossiers.models import Dossier, Event
from dossiers.services.core import GENESIS_HASH


@dataclass(frozen=True)
class Break:
    dossier_code: str
    seq: int
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"#{self.seq}" + (f" (id {self.event_id})" if self.event_id else "")
        return f"{self.dossier_code} event {where}: {self.reason}"


def _check_chain(code: str, events: list[Event], last_seq: int, last_hash: str) -> Break | None:
    previous = GENESIS_HASH
    for expected_seq, event in enumerate(events, 1):
        if event.seq != expected_seq:
            return Break(code, expected_seq, event.pk, f"missing event (found #{event.seq})")
        if event.prev_hash != previous:
            return Break(code, event.seq, event.pk, "previous-hash link broken")
        if event.compute_hash() != event.hash:
            return Break(code, event.seq, event.pk, "content does not match its hash (edited)")
        previous = event.hash
    if len(events) != last_seq or (events and previous != last_hash):
        return Break(code, len(events) + 1, None, "events missing at the end of the chain")
    return None


def _grouped() -> Iterator[tuple[int, list[Event]]]:
    current: int | None = None
    batch: list[Event] = []
    for event in Event.objects.order_by("dossier_id", "seq").iterator(chunk_size=5000):
        if event.dossier_id != current and batch:
            yield current, batch
            batch = []
        current = event.dossier_id
        batch.append(event)
    if batch:
        yield current, batch


def verify_all() -> tuple[int, list[Break]]:
    """(dossiers checked, breaks), at most one break (the first) per dossier."""
    heads = {
        pk: (code, seq, h)
        for pk, code, seq, h in Dossier.objects.values_list(
            "pk", "code", "last_event_seq", "last_event_hash"
        ).iterator(chunk_size=5000)
    }
    breaks, seen = [], set()
    for dossier_id, events in _grouped():
        seen.add(dossier_id)
        code, seq, last_hash = heads.get(dossier_id, (str(dossier_id), 0, ""))
        found = _check_chain(code, events, seq, last_hash)
        if found:
            breaks.append(found)
    for pk, (code, seq, _h) in heads.items():
        if pk not in seen and seq:
            breaks.append(Break(code, 1, None, "all events missing"))
    # The heads and the events were read at different moments: a move committed in between
    # looks like a break. Check each suspect again, reading its head and events together.
    return len(heads), [b for b in breaks if _still_broken(b.dossier_code)]


def _still_broken(code: str) -> bool:
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update().filter(code=code).first()
        if dossier is None:
            return True
        events = list(Event.objects.filter(dossier=dossier).order_by("seq"))
        found = _check_chain(code, events, dossier.last_event_seq, dossier.last_event_hash)
    return found is not None
