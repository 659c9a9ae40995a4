"""What every dossier move shares: the actor, the errors, the row lock, the event, the clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from django.db import connection
from django.db.models import QuerySet
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import TimeUnit
from dossiers.lifecycle import Move, MoveNotAllowed, Status, check_move
from dossiers.models import Dossier, Event
from motcua.compiled_sql import PreparedInstances, insert_row, save_fields
from org.models import Agency, Delegation, Official, Role
from workdays import clock

GENESIS_HASH = "0" * 64


class DossierError(Exception):
    """A move refused by a rule; the message is translated and meant for the user."""


class PermissionDenied(DossierError):
    """The actor may not make this move on this dossier."""


class RuleViolation(DossierError):
    """The move is allowed in principle but a legal rule forbids it now."""


@dataclass(frozen=True)
class Actor:
    """Who makes a move: an official in a role, an applicant on the portal, or the system."""

    official: Official | None
    role: str
    label: str

    @classmethod
    def official_as(cls, official: Official, role: str) -> Actor:
        name = official.user.get_full_name() or official.user.get_username()
        return cls(official=official, role=role, label=name)

    @classmethod
    def applicant(cls, name: str) -> Actor:
        return cls(official=None, role="applicant", label=name)

    @classmethod
    def system(cls) -> Actor:
        return cls(official=None, role="system", label="motcua")


def now_or(at: dt.datetime | None) -> dt.datetime:
    """The moment of a move; a naive one is refused (it would be hashed in the server's zone
    and read back in another, breaking the event chain)."""
    if at is None:
        return timezone.now()
    if timezone.is_naive(at):
        raise ValueError("dossier moves need an aware datetime (with a time zone)")
    return at


def lock(dossier: Dossier | int) -> Dossier:
    """Re-read the dossier under a row lock (PostgreSQL); on SQLite the IMMEDIATE transaction
    already holds the write lock. Callers are inside transaction.atomic().

    Joined everywhere: rows that moves never write (the procedure, both agencies, the
    calendar) and the applicant (whose details no move changes). On PostgreSQL a row that
    moves write (the current step run, the stats timing row) is read after the lock, so it is
    the version the move that held the lock before us committed (a row joined to a
    `FOR UPDATE` read is not re-read when the lock is granted). On SQLite the transaction
    holds the database's write lock from its first statement, so nothing can change between
    reads: those rows are joined too, saving a query each."""
    pk = dossier.pk if isinstance(dossier, Dossier) else dossier
    if not connection.in_atomic_block:  # the compiled read skips the ORM's own check
        raise TransactionManagementError("lock() needs a transaction")
    found = LOCKED_READ.first(pk=pk)
    if found is None:
        raise Dossier.DoesNotExist(f"no dossier {pk}")
    return found


def _locked_read(pk: int) -> QuerySet[Dossier]:
    related = ["procedure", "processing_agency__calendar", "receiving_agency", "applicant"]
    if connection.vendor == "sqlite":
        related += ["current_step__step", "timing"]
    qs = Dossier.objects.select_related(*related)
    return qs.select_for_update(of=("self",)).filter(pk=pk)


# Compiled once per process (motcua.compiled_sql): every move starts with this read.
LOCKED_READ = PreparedInstances("dossiers.lock", _locked_read, pk=-7_000_021)


def next_status(dossier: Dossier | None, move: Move) -> Status:
    try:
        return check_move(dossier.status if dossier else None, move)
    except MoveNotAllowed as exc:
        raise RuleViolation(str(exc)) from None


def append_event(
    dossier: Dossier,
    *,
    move: Move,
    actor: Actor,
    at: dt.datetime,
    before: str,
    on_behalf_of: Official | None = None,
    note: str = "",
    data: dict | None = None,
) -> Event:
    """Append the next event of the dossier's chain; the caller saves the dossier's
    last_event_* fields with its other changes (they are in `CHAIN_FIELDS`)."""
    event = Event(
        dossier=dossier,
        seq=dossier.last_event_seq + 1,
        action=f"dossier.{move.value}",
        actor=actor.official,
        actor_label=actor.label,
        actor_unit_id=actor.official.unit_id if actor.official else None,
        on_behalf_of=on_behalf_of,
        role=actor.role,
        at=at,
        status_before=before or "",
        status_after=dossier.status,
        note=note,
        data=data or {},
        prev_hash=dossier.last_event_hash or GENESIS_HASH,
    )
    event.hash = event.compute_hash()
    insert_row(event)  # Event.save's rule holds: a new row only
    dossier.last_event_seq = event.seq
    dossier.last_event_hash = event.hash
    from stats.recording import on_event  # summary counts move in the same transaction

    on_event(dossier, event)
    return event


CHAIN_FIELDS = ["last_event_seq", "last_event_hash"]


def save_changed(dossier: Dossier, *fields: str) -> None:
    """Write only the fields a move changed, plus the event-chain head; with the current step,
    also its copied unit and assignee (`Dossier.copy_current_step`), so no move can save one
    without the other."""
    if "current_step" in fields:
        fields = (*fields, *dossier.copy_current_step())
    save_fields(dossier, [*fields, *CHAIN_FIELDS])


def items_payload(items: list[dict]) -> list[dict]:
    """The items of a supplement request as stored and shown on Form 02."""
    keys = ("name", "kind", "count", "required_document_id", "reason")
    return [{k: item.get(k) for k in keys} for item in items]


# ---------------------------------------------------------------- rights


def require_official(actor: Actor) -> Official:
    if actor.official is None or not actor.official.is_active:
        raise PermissionDenied(_("Chỉ cán bộ đang công tác mới thực hiện được thao tác này."))
    return actor.official


def require_role(actor: Actor, role: str, agency: Agency) -> Official:
    """The actor must hold `role` and work in `agency`."""
    official = require_official(actor)
    if role not in official.role_codes() or official.unit.agency_id != agency.pk:
        raise PermissionDenied(
            _("Bạn không có quyền “%(role)s” tại %(agency)s.")
            % {"role": Role(role).label, "agency": agency.name}
        )
    return official


def leader_or_delegate(
    actor: Actor, agency: Agency, procedure_id: int, on: dt.date
) -> tuple[Official, Official | None]:
    """(signer, on whose behalf): a leader of the agency, or a delegate of one (B8)."""
    official = require_official(actor)
    if Role.LEADER in official.role_codes() and official.unit.agency_id == agency.pk:
        return official, None
    delegations = Delegation.objects.filter(
        delegate=official,
        delegator__unit__agency=agency,
        delegator__roles__role=Role.LEADER,
        starts_on__lte=on,
        ends_on__gte=on,
    ).select_related("delegator__user")
    for delegation in delegations:
        if delegation.covers(procedure_id=procedure_id, on=on):
            return official, delegation.delegator
    raise PermissionDenied(
        _("Chỉ lãnh đạo %(agency)s hoặc người được ủy quyền mới ký được.") % {"agency": agency.name}
    )


# ---------------------------------------------------------------- clock


def work_calendar(agency: Agency) -> clock.WorkCalendar:
    return agency.calendar.to_clock()


def legal_unit(dossier: Dossier) -> clock.Unit:
    return clock.Unit(dossier.procedure.legal_time_unit or TimeUnit.WORKING_DAYS)


def pause_unit(unit: clock.Unit) -> clock.Unit:
    """Pauses shift a due moment in working hours for hour-based times, else working days."""
    return clock.Unit.WORKING_HOURS if unit is clock.Unit.WORKING_HOURS else clock.Unit.WORKING_DAYS


def paused_amount(
    cal: clock.WorkCalendar, pauses, unit: clock.Unit, since: dt.datetime | None = None
) -> Fraction:
    """Working time spent in the given closed pauses (after `since`, if given)."""
    total = Fraction(0)
    for pause in pauses:
        if pause.ended_at is None:
            continue
        start = max(pause.started_at, since) if since else pause.started_at
        if start < pause.ended_at:
            total += clock.elapsed_working(cal, start, pause.ended_at, unit=pause_unit(unit))
    return total


def compute_due(dossier: Dossier, *, fresh: bool = False) -> dt.datetime:
    """The dossier's due moment from its clock start (or last apology), legal time and pauses.

    The single formula every move uses, so the stored due_at always agrees with the clock.
    `fresh`: the clock starts in this move (reception), so there is no apology (issued only
    when late) nor pause (only while processing) to read yet.
    """
    cal = work_calendar(dossier.processing_agency)
    unit = legal_unit(dossier)
    apology = None if fresh else dossier.apologies.order_by("-issued_at", "-pk").first()
    pauses = [] if fresh else list(dossier.pauses.all())
    if apology is not None:
        base, since = apology.new_due_at, apology.issued_at
    else:
        amount = dossier.procedure.legal_time_amount or 0
        base, since = clock.add_working(cal, dossier.clock_start, amount, unit), None
    extra = paused_amount(cal, pauses, unit, since)
    if extra == 0:
        return base
    return clock.add_working(cal, base, extra, pause_unit(unit))


def is_working_moment(cal: clock.WorkCalendar, moment: dt.datetime) -> bool:
    """Inside working hours of a working day (the end of an interval counts as inside)."""
    return clock.add_working(cal, moment, 0, clock.Unit.WORKING_HOURS) == moment


def timeliness(finished: dt.datetime, due: dt.datetime) -> str:
    """Early when finished on an earlier day than the due day, late when after the due moment."""
    from dossiers.models.work import Timeliness

    if finished > due:
        return Timeliness.LATE
    if timezone.localdate(finished) < timezone.localdate(due):
        return Timeliness.EARLY
    return Timeliness.ON_TIME


def is_postgres() -> bool:
    return connection.vendor == "postgresql"
