"""A random walk through the dossier lifecycle (hypothesis stateful testing).

Random moves on a few dossiers of the `province` personas, each attempted by a random persona
(or, half of the time, by the one who holds the right, so that walks get deep) at a moment
that only moves forward, by working hours or by calendar time across nights and days off.
A "proceed" rule makes the natural next move (or a detour: supplement, payment, consultation,
send-back, transfer, apology), so walks reach results and returns. A move either succeeds or
is refused with a DossierError / ValidationError that changes nothing; whoever succeeds must
hold the right, and the invariants (`invariants_hold`) are checked after every change.

A longer search: STATEFUL_EXAMPLES=500 pytest tests/test_dossier_stateful.py
"""

from __future__ import annotations

import datetime as dt
import os
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from dossiers import services as sv
from dossiers.integrity import verify_all
from dossiers.lifecycle import FINAL, Status
from dossiers.models import (
    ApologyLetter,
    Consultation,
    Dossier,
    Event,
    Pause,
    Result,
    StepRun,
    SupplementRequest,
)
from dossiers.models.dossier import Delivery
from dossiers.services import steps
from dossiers.services.core import compute_due
from org.models import Delegation, OrgUnit, Role
from tests.personas import actor, applicant, build_province, components, local, official
from workdays import clock

RIGHTFUL = "rightful"  # stands for "whoever holds the right for this move now"
PERSONAS = ("officer", "officer2", "specialist", "specialist2", "head", "leader", "deputy",
            "overseer", "outsider", "other_leader", "other_officer",
            "applicant", "system")  # fmt: skip
OFFICIALS = PERSONAS[:-2]
# Whom steps are assigned or handed to (only holders of the step's unit and role may be).
TARGETS = ("officer", "specialist", "specialist2", "head", "leader", "deputy", "overseer",
           "outsider", "other_officer")  # fmt: skip
AGENCIES = ("department", "other", "centre")
DETOURS = ("supplement", "payment", "consult", "answer", "send_back", "transfer", "apology")
STARTS = (
    local(2026, 11, 2, 8, 0),  # an ordinary month
    local(2026, 11, 20, 14, 50),  # just before the cut-off, Culture Day (24 Nov) ahead
    local(2026, 12, 30, 16, 0),  # New Year's Day ahead
    local(2027, 2, 3, 10, 0),  # Tết 2027 ahead
)
MAX_DOSSIERS = 5
TABLES = (Dossier, Event, StepRun, Pause, SupplementRequest, Consultation, Result, ApologyLetter)
COUNTS = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {m._meta.db_table})" for m in TABLES)
ROW = ("status", "due_at", "last_event_seq", "last_event_hash", "current_step_id", "finished_at",
       "returned_at")  # fmt: skip
SUPPLEMENT_ACTIONS = ("dossier.reception_supplement_guided", "dossier.supplement_requested")
WHO = st.one_of(st.just(RIGHTFUL), st.sampled_from(PERSONAS))
# Moves that end a dossier go to the rightful persona less often, so that walks live longer.
WHO_ENDING = st.sampled_from((RIGHTFUL, *PERSONAS))
PICK = st.integers(0, MAX_DOSSIERS - 1)


def has_dossiers(machine: DossierMachine) -> bool:
    return bool(machine.dossiers)


class DossierMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # Each example starts from a clean province and leaves nothing behind (see teardown).
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        ns = build_province()
        counter = OrgUnit.objects.create(
            agency=ns.other, code="mot-cua", name="Một cửa", kind=OrgUnit.Kind.COUNTER
        )
        ns.other_officer = official("otherofficer", counter, Role.COUNTER_OFFICER)
        self.ns = ns
        self.people = {name: getattr(ns, name) for name in OFFICIALS}
        self.roles = {n: {r.role for r in o.roles.all()} for n, o in self.people.items()}
        self.place = {n: (o.unit_id, o.unit.agency_id) for n, o in self.people.items()}
        self.names = {o.pk: n for n, o in self.people.items()}
        self.cal = ns.calendar.to_clock()
        self.dossiers: list[int] = []
        self.now = STARTS[0]
        self.window = (STARTS[0].date(), STARTS[0].date())
        self.checked: dict | None = None

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @initialize(start=st.sampled_from(STARTS), offset=st.integers(0, 6), days=st.integers(0, 6))
    def begin(self, start: dt.datetime, offset: int, days: int) -> None:
        """The leader delegates signing to the deputy for a window of dates near the start."""
        self.now = start
        first = start.date() + dt.timedelta(days=offset)
        self.window = (first, first + dt.timedelta(days=days))
        delegation = Delegation.objects.create(
            delegator=self.ns.leader, delegate=self.ns.deputy, starts_on=first,
            ends_on=self.window[1],
        )  # fmt: skip
        delegation.procedures.set([self.ns.procedure])
        first_dossier = sv.receive_dossier(
            actor=actor(self.ns.officer), procedure=self.ns.procedure, applicant=applicant(1),
            components=components(self.ns), at=start,
        )  # fmt: skip
        self.dossiers.append(first_dossier.pk)

    # ------------------------------------------------------------ who holds which right

    def holders(self, roles: set[str], *, agency=None, unit=None) -> set[str]:
        return {
            name
            for name, (unit_id, agency_id) in self.place.items()
            if self.roles[name] & roles
            and (agency is None or agency_id == agency)
            and (unit is None or unit_id == unit)
        }

    def counter(self, d: Dossier) -> set[str]:
        return self.holders({Role.COUNTER_OFFICER}, agency=d.receiving_agency_id)

    @staticmethod
    def open_run(d: Dossier) -> StepRun | None:
        run = d.current_step
        return run if run is not None and run.finished_at is None else None

    def assignee(self, d: Dossier) -> set[str]:
        run = self.open_run(d)
        return {self.names[run.assignee_id]} if run and run.assignee_id else set()

    def assigners(self, d: Dossier) -> set[str]:
        run = self.open_run(d)
        if run is None:
            return set()
        heads = self.holders({Role.HEAD}, unit=run.unit_id)
        return heads | self.holders({Role.LEADER}, agency=run.agency_id)

    def signers(self, d: Dossier) -> set[str]:
        names = self.holders({Role.LEADER}, agency=d.processing_agency_id)
        day = timezone.localdate(self.now)
        delegated = self.window[0] <= day <= self.window[1]
        if delegated and d.processing_agency_id == self.ns.department.pk:
            names.add("deputy")
        return names

    # ------------------------------------------------------------ attempting a move

    def actor_of(self, name: str) -> sv.Actor:
        if name == "applicant":
            return sv.Actor.applicant("Nguyễn Văn An")
        if name == "system":
            return sv.Actor.system()
        return actor(self.people[name])

    def snapshot(self, pk: int | None) -> tuple:
        """Row counts of every table a move writes, and the dossier's own row."""
        with connection.cursor() as cursor:
            cursor.execute(COUNTS)
            totals = tuple(cursor.fetchone())
        if pk is None:
            return totals
        row = Dossier.objects.filter(pk=pk).values_list(*ROW).get()
        return totals + row + (Event.objects.filter(dossier_id=pk).count(),)

    def attempt(self, pk: int | None, who: str, allowed: set[str], call) -> object | None:
        """Make the move as `who`; a refusal must change nothing, a success needs the right."""
        if who == RIGHTFUL:
            who = min(allowed) if allowed else "overseer"
        before = self.snapshot(pk)
        try:
            result = call(self.actor_of(who))
        except (sv.DossierError, ValidationError) as refusal:
            assert str(refusal), "a refusal explains itself"
            assert self.snapshot(pk) == before, f"{who}: refused, yet something changed"
            return None
        assert who in allowed, f"{who} succeeded without the right (allowed: {allowed})"
        if pk is not None:
            self.check_recorded(pk, before, self.actor_of(who))
        return result

    def check_recorded(self, pk: int, before: tuple, by: sv.Actor) -> None:
        """A successful move on a dossier appends exactly one event, by that actor, ending in
        the dossier's new status."""
        d = Dossier.objects.get(pk=pk)
        assert d.last_event_seq == before[len(TABLES) + ROW.index("last_event_seq")] + 1
        event = d.events.get(seq=d.last_event_seq)
        assert (event.actor_id, event.actor_label) == (getattr(by.official, "pk", None), by.label)
        assert event.status_after == d.status

    def dossier(self, idx: int, among: list[int] | None = None) -> Dossier:
        among = among or self.dossiers
        pk = among[idx % len(among)]
        return Dossier.objects.select_related("current_step").get(pk=pk)

    def agency(self, name: str):
        return getattr(self.ns, name)

    # ------------------------------------------------------------ time

    @rule(half_hours=st.integers(0, 16))
    def work(self, half_hours: int) -> None:
        amount = Fraction(half_hours, 2)
        self.now = clock.add_working(self.cal, self.now, amount, clock.Unit.WORKING_HOURS)

    @rule(minutes=st.integers(1, 4 * 24 * 60))
    def wait(self, minutes: int) -> None:
        self.now += dt.timedelta(minutes=minutes)

    # ------------------------------------------------------------ reception

    @precondition(lambda self: len(self.dossiers) < MAX_DOSSIERS)
    @rule(kind=st.sampled_from(["receive", "receive", "submit", "guide", "refuse"]), who=WHO,
          n=st.integers(1, 3), complete=st.booleans())  # fmt: skip
    def new_dossier(self, kind: str, who: str, n: int, complete: bool) -> None:
        ns, at = self.ns, self.now
        docs = components(ns) if complete else components(ns)[:1]
        common = {"procedure": ns.procedure, "applicant": applicant(n), "at": at}
        calls = {
            "receive": lambda by: sv.receive_dossier(actor=by, components=docs, **common),
            "submit": lambda by: sv.submit_online(
                actor=by, receiving_agency=ns.centre, components=docs, **common),
            "guide": lambda by: sv.guide_supplement_at_reception(
                actor=by, items=[{"name": "Bản vẽ"}], reason="Thiếu bản vẽ", **common),
            "refuse": lambda by: sv.refuse_reception(
                actor=by, reason="Không thuộc thẩm quyền", competent_agency="UBND xã", **common),
        }  # fmt: skip
        citizen = {"applicant", "system"}
        allowed = citizen if kind == "submit" else self.holders({Role.COUNTER_OFFICER})
        created = self.attempt(None, who, allowed, calls[kind])
        if created is not None:
            self.dossiers.append(created.pk)

    @precondition(has_dossiers)
    @rule(idx=PICK, who=WHO, outcome=st.sampled_from(["receive", "receive", "guide", "refuse"]))
    def check_submission(self, idx: int, who: str, outcome: str) -> None:
        d, at = self.dossier(idx), self.now
        calls = {
            "receive": lambda by: sv.receive_submitted(
                actor=by, dossier=d, components=components(self.ns)[1:], at=at),
            "guide": lambda by: sv.guide_supplement_at_reception(
                actor=by, dossier=d, items=[{"name": "Bản vẽ"}], reason="Thiếu", at=at),
            "refuse": lambda by: sv.refuse_reception(
                actor=by, dossier=d, reason="Không đủ điều kiện", at=at),
        }  # fmt: skip
        self.attempt(d.pk, who, self.counter(d), calls[outcome])

    # ------------------------------------------------------------ steps

    @precondition(has_dossiers)
    @rule(idx=PICK, who=WHO, to=st.one_of(st.none(), st.sampled_from(TARGETS)))
    def hand_over(self, idx: int, who: str, to: str | None) -> None:
        d, receiver = self.dossier(idx), self.people.get(to) if to else None
        self.attempt(d.pk, who, self.assignee(d), lambda by: sv.hand_over_step(
            actor=by, dossier=d, to=receiver, note="Chuyển", at=self.now))  # fmt: skip

    @precondition(has_dossiers)
    @rule(idx=PICK, who=WHO, to=st.sampled_from(TARGETS))
    def assign(self, idx: int, who: str, to: str) -> None:
        d = self.dossier(idx)
        self.attempt(d.pk, who, self.assigners(d), lambda by: sv.assign_step(
            actor=by, dossier=d, assignee=self.people[to], at=self.now))  # fmt: skip

    @precondition(has_dossiers)
    @rule(idx=PICK, who=WHO)
    def start(self, idx: int, who: str) -> None:
        d = self.dossier(idx)
        self.attempt(d.pk, who, self.assignee(d),
                     lambda by: sv.start_step(actor=by, dossier=d, at=self.now))  # fmt: skip

    @precondition(has_dossiers)
    @rule(idx=PICK, who=WHO, reason=st.sampled_from(["Thiếu thẩm định", " "]))
    def send_back(self, idx: int, who: str, reason: str) -> None:
        d = self.dossier(idx)
        self.attempt(d.pk, who, self.assignee(d), lambda by: sv.send_back_step(
            actor=by, dossier=d, reason=reason, at=self.now))  # fmt: skip

    @precondition(has_dossiers)
    @rule(idx=PICK, who=WHO, agency=st.sampled_from(AGENCIES))
    def consult(self, idx: int, who: str, agency: str) -> None:
        d, asked = self.dossier(idx), self.agency(agency)
        self.attempt(d.pk, who, self.assignee(d), lambda by: sv.consult_agency(
            actor=by, dossier=d, agency=asked, question="Xin ý kiến", at=self.now))  # fmt: skip

    @precondition(has_dossiers)
    @rule(idx=PICK, who=WHO)
    def answer(self, idx: int, who: str) -> None:
        d = self.dossier(idx)
        consultation = d.consultations.order_by("answered_at", "pk").first()
        if consultation is None:
            return
        allowed = self.holders(
            {Role.SPECIALIST, Role.HEAD, Role.LEADER}, agency=consultation.agency_id
        )
        self.attempt(d.pk, who, allowed, lambda by: sv.answer_consultation(
            actor=by, consultation=consultation, answer="Đồng ý", at=self.now))  # fmt: skip

    # ------------------------------------------------------------ pauses

    @precondition(has_dossiers)
    @rule(idx=PICK, who=WHO, off_list=st.booleans(), reason=st.sampled_from(["", "Luật yêu cầu"]))
    def request_supplement(self, idx: int, who: str, off_list: bool, reason: str) -> None:
        d, doc = self.dossier(idx), self.ns.docs[1]
        item = {"name": "Giấy xác nhận", "reason": reason} if off_list else {
            "name": doc.name, "required_document_id": doc.pk}  # fmt: skip
        self.attempt(d.pk, who, self.assignee(d), lambda by: sv.request_supplement(
            actor=by, dossier=d, items=[item], reason="Bổ sung", at=self.now))  # fmt: skip

    @precondition(has_dossiers)
    @rule(idx=PICK, who=WHO)
    def provide_supplement(self, idx: int, who: str) -> None:
        d = self.dossier(idx)
        allowed = self.counter(d) | {"applicant", "system"}
        self.attempt(d.pk, who, allowed, lambda by: sv.provide_supplement(
            actor=by, dossier=d, components=components(self.ns)[1:], at=self.now))  # fmt: skip

    @precondition(has_dossiers)
    @rule(idx=PICK, who=WHO, amount=st.sampled_from([0, 150_000, 2_000_000]))
    def pause_payment(self, idx: int, who: str, amount: int) -> None:
        d = self.dossier(idx)
        self.attempt(d.pk, who, self.assignee(d), lambda by: sv.pause_for_payment(
            actor=by, dossier=d, amount=amount, reason="Lệ phí", at=self.now))  # fmt: skip

    @precondition(has_dossiers)
    @rule(idx=PICK, who=WHO)
    def resume_payment(self, idx: int, who: str) -> None:
        d = self.dossier(idx)
        allowed = self.counter(d) | self.assignee(d)
        self.attempt(d.pk, who, allowed, lambda by: sv.resume_after_payment(
            actor=by, dossier=d, at=self.now))  # fmt: skip

    # ------------------------------------------------------------ closing

    @precondition(has_dossiers)
    @rule(idx=PICK, who=WHO, days=st.integers(0, 3), reason=st.sampled_from(["Quá tải", ""]))
    def apology(self, idx: int, who: str, days: int, reason: str) -> None:
        """The new date is a working moment `days` working days after max(due, now)."""
        d = self.dossier(idx)
        base = max(d.due_at, self.now) if d.due_at else self.now
        new_due = clock.add_working(self.cal, base, days)
        self.attempt(d.pk, who, self.signers(d), lambda by: sv.issue_apology(
            actor=by, dossier=d, reason=reason, new_due_at=new_due, at=self.now))  # fmt: skip

    @precondition(has_dossiers)
    @rule(idx=PICK, who=WHO_ENDING, outcome=st.sampled_from(["result", "refuse", "stop"]))
    def decide(self, idx: int, who: str, outcome: str) -> None:
        d, at = self.dossier(idx), self.now
        calls = {
            "result": lambda by: sv.record_result(actor=by, dossier=d, number="1/GP", at=at),
            "refuse": lambda by: sv.refuse_dossier(actor=by, dossier=d, reason="Sai", at=at),
            "stop": lambda by: sv.stop_processing(actor=by, dossier=d, reason="Dừng", at=at),
        }
        self.attempt(d.pk, who, self.signers(d), calls[outcome])

    @precondition(has_dossiers)
    @rule(idx=PICK, who=WHO_ENDING)
    def withdraw(self, idx: int, who: str) -> None:
        d = self.dossier(idx)
        self.attempt(d.pk, who, self.counter(d) | {"applicant"}, lambda by: sv.withdraw_dossier(
            actor=by, dossier=d, reason="Không còn nhu cầu", at=self.now))  # fmt: skip

    @precondition(has_dossiers)
    @rule(idx=PICK, who=WHO, channel=st.sampled_from(Delivery.values), tracked=st.booleans())
    def return_result(self, idx: int, who: str, channel: str, tracked: bool) -> None:
        d = self.dossier(idx)
        allowed = self.counter(d) | ({"system"} if channel == Delivery.ONLINE else set())
        tracking = "EB123456789VN" if tracked else ""
        self.attempt(d.pk, who, allowed, lambda by: sv.return_result(
            actor=by, dossier=d, channel=channel, post_tracking=tracking, at=self.now))  # fmt: skip

    @precondition(lambda self: has_dossiers(self) and len(self.dossiers) < MAX_DOSSIERS)
    @rule(idx=PICK, who=WHO, agency=st.sampled_from(AGENCIES))
    def transfer(self, idx: int, who: str, agency: str) -> None:
        d, to = self.dossier(idx), self.agency(agency)
        allowed = self.holders({Role.HEAD, Role.LEADER}, agency=d.processing_agency_id)
        child = self.attempt(d.pk, who, allowed, lambda by: sv.transfer_dossier(
            actor=by, dossier=d, to_agency=to, note="Liên thông", at=self.now))  # fmt: skip
        if child is not None:
            assert child.transferred_from_id == d.pk
            assert child.code.startswith(to.exchange_code + "-")
            self.dossiers.append(child.pk)

    # ------------------------------------------------------------ the natural next move

    @precondition(has_dossiers)
    @rule(idx=PICK, detour=st.sampled_from((None, None, *DETOURS)))
    def proceed(self, idx: int, detour: str | None) -> None:
        """The move that naturally comes next (or a detour once the step is started), by
        whoever holds its right: without it, random walks seldom get past the first steps."""
        live = Dossier.objects.exclude(status__in=FINAL).values_list("pk", flat=True)
        if not live:
            return
        d = self.dossier(idx, among=sorted(live))
        planned = self.plan(d, detour)
        if planned is not None:
            allowed, call = planned
            self.attempt(d.pk, RIGHTFUL, allowed, call)

    # Registered three times more, so the natural next move is drawn as often as four random
    # ones.
    proceed_2 = proceed
    proceed_3 = proceed
    proceed_4 = proceed

    def plan(self, d: Dossier, detour: str | None = None):
        at, supplied = self.now, components(self.ns)[1:]
        stage = SupplementRequest.objects.filter(dossier=d).values_list("stage", flat=True)
        guided = d.status == Status.AWAITING_SUPPLEMENT and list(stage) == ["reception"]
        if d.status == Status.SUBMITTED or guided:
            return self.counter(d), lambda by: sv.receive_submitted(
                actor=by, dossier=d, components=supplied, at=at)  # fmt: skip
        if d.status == Status.AWAITING_SUPPLEMENT:
            return {"applicant"}, lambda by: sv.provide_supplement(
                actor=by, dossier=d, components=supplied, at=at)  # fmt: skip
        if d.status == Status.AWAITING_PAYMENT:
            return self.counter(d) | self.assignee(d), lambda by: sv.resume_after_payment(
                actor=by, dossier=d, at=at)  # fmt: skip
        if d.status == Status.RESULT_READY:
            return self.plan_return(d)
        if d.status in (Status.RECEIVED, Status.PROCESSING):
            return self.plan_step(d, detour)
        return None

    def plan_step(self, d: Dossier, detour: str | None):
        at, run = self.now, self.open_run(d)
        result = self.signers(d), lambda by: sv.record_result(actor=by, dossier=d, at=at)
        if run is None:
            return result
        if run.assignee_id is None:
            staff = self.holders({run.step.role}, unit=run.unit_id)
            if not staff:
                return None
            return self.assigners(d), lambda by: sv.assign_step(
                actor=by, dossier=d, assignee=self.people[min(staff)], at=at)  # fmt: skip
        if run.started_at is None:
            return self.assignee(d), lambda by: sv.start_step(actor=by, dossier=d, at=at)
        if detour is not None:
            return self.plan_detour(d, detour)
        following = steps.step_after(d, run, +1)
        if following is None or following == steps.return_step(d):
            return result
        return self.assignee(d), lambda by: sv.hand_over_step(actor=by, dossier=d, at=at)

    def plan_detour(self, d: Dossier, detour: str):
        at, ns, doc = self.now, self.ns, self.ns.docs[1]
        item = {"name": doc.name, "required_document_id": doc.pk}
        new_due = clock.add_working(self.cal, max(d.due_at, at), 2)
        moves = {
            "supplement": lambda by: sv.request_supplement(
                actor=by, dossier=d, items=[item], reason="Bổ sung", at=at),
            "payment": lambda by: sv.pause_for_payment(
                actor=by, dossier=d, amount=300_000, reason="Lệ phí", at=at),
            "consult": lambda by: sv.consult_agency(
                actor=by, dossier=d, agency=ns.other, question="Ý kiến?", at=at),
            "send_back": lambda by: sv.send_back_step(
                actor=by, dossier=d, reason="Bổ sung thẩm định", at=at),
            "transfer": lambda by: sv.transfer_dossier(
                actor=by, dossier=d, to_agency=ns.other, note="Liên thông", at=at),
            "apology": lambda by: sv.issue_apology(
                actor=by, dossier=d, reason="Chờ ý kiến", new_due_at=new_due, at=at),
        }  # fmt: skip
        rights = {
            "transfer": self.holders({Role.HEAD, Role.LEADER}, agency=d.processing_agency_id),
            "apology": self.signers(d),
        }
        if detour == "answer":
            return self.plan_answer(d)
        return rights.get(detour, self.assignee(d)), moves[detour]

    def plan_answer(self, d: Dossier):
        waiting = d.consultations.filter(answered_at=None).order_by("pk").first()
        if waiting is None:
            return None
        allowed = self.holders({Role.SPECIALIST, Role.HEAD, Role.LEADER}, agency=waiting.agency_id)
        return allowed, lambda by: sv.answer_consultation(
            actor=by, consultation=waiting, answer="Đồng ý", at=self.now)  # fmt: skip

    def plan_return(self, d: Dossier):
        at = self.now
        if d.finished_at > d.due_at:
            new_due = clock.add_working(self.cal, max(d.due_at, at), 1)
            return self.signers(d), lambda by: sv.issue_apology(
                actor=by, dossier=d, reason="Quá hạn", new_due_at=new_due, at=at)  # fmt: skip
        return self.counter(d), lambda by: sv.return_result(actor=by, dossier=d, at=at)

    # ------------------------------------------------------------ invariants

    @invariant()
    def invariants_hold(self) -> None:
        """Checked whenever the data changed (every change appends an event); time passing
        and refused moves leave the data as it was."""
        fingerprint = Event.objects.aggregate(n=Count("pk"), last=Max("pk"))
        if fingerprint == self.checked:
            return
        self.due_follows_the_clock()
        self.one_supplement_and_pauses_match_the_status()
        self.steps_follow_the_dossier()
        self.closed_dossiers_are_complete()
        self.event_chain_is_whole()
        self.no_actor_without_the_right()
        self.checked = fingerprint

    def due_follows_the_clock(self) -> None:
        dossiers = Dossier.objects.select_related("procedure", "processing_agency__calendar")
        for d in dossiers.exclude(clock_start=None):
            assert d.due_at == compute_due(d), d.code
            cal = d.processing_agency.calendar.to_clock()
            assert clock.add_working(cal, d.due_at, 0, clock.Unit.WORKING_HOURS) == d.due_at
            assert cal.is_working_day(timezone.localdate(d.due_at)), d.due_at
        assert not Dossier.objects.filter(clock_start=None).exclude(due_at=None).exists()

    def one_supplement_and_pauses_match_the_status(self) -> None:
        asked = _per_dossier(Event.objects.filter(action__in=SUPPLEMENT_ACTIONS))
        assert all(n <= 1 for n in asked.values()), asked
        stages = dict(SupplementRequest.objects.values_list("dossier_id", "stage"))
        paused = _per_dossier(Pause.objects.filter(ended_at=None))
        for pk, status in Dossier.objects.values_list("pk", "status"):
            assert status in Status.values
            waiting = status == Status.AWAITING_SUPPLEMENT and stages.get(pk) == "processing"
            expected = 1 if waiting or status == Status.AWAITING_PAYMENT else 0
            assert paused.get(pk, 0) == expected, (pk, status)

    def steps_follow_the_dossier(self) -> None:
        running = StepRun.objects.filter(finished_at=None).values_list("dossier_id", "pk")
        open_runs: dict[int, list[int]] = {}
        for dossier_id, run_id in running:
            open_runs.setdefault(dossier_id, []).append(run_id)
        for pk, status, current in Dossier.objects.values_list("pk", "status", "current_step"):
            runs = open_runs.get(pk, [])
            assert len(runs) <= 1, pk
            if status in FINAL:
                assert runs == [] and current is None, (pk, status)
            if runs:
                assert current == runs[0], pk
        # Whoever held a step belongs to its unit and holds its role.
        held = StepRun.objects.exclude(assignee=None).values_list("unit", "assignee", "step__role")
        for unit, assignee, role in held:
            name = self.names[assignee]
            assert self.place[name][0] == unit and role in self.roles[name], (name, role)

    def closed_dossiers_are_complete(self) -> None:
        results = set(Result.objects.values_list("dossier_id", flat=True))
        rows = Dossier.objects.values_list(
            "pk", "status", "clock_start", "due_at", "finished_at", "returned_at"
        )
        for pk, status, start, due, finished, returned in rows:
            if status in FINAL or status == Status.RESULT_READY:
                assert finished is not None, (pk, status)
            if status in (Status.RESULT_READY, Status.RETURNED):
                assert pk in results, pk
            if status == Status.RETURNED:
                # Never returned late without an apology that moved the due moment.
                assert returned >= finished and finished <= due, pk
            if status == Status.NOT_RECEIVED:
                assert start is None, pk

    def event_chain_is_whole(self) -> None:
        counts = _per_dossier(Event.objects.all())
        for pk, seq in Dossier.objects.values_list("pk", "last_event_seq"):
            assert counts.get(pk, 0) == seq, pk
        assert verify_all()[1] == []

    def no_actor_without_the_right(self) -> None:
        assert not Event.objects.filter(actor=self.ns.overseer).exists()
        # The outsider works at the other agency: he answers its consultations, processes
        # dossiers transferred to it, and may transfer those on (the first event of the new one).
        other = self.ns.other
        strays = (
            Event.objects.filter(actor=self.ns.outsider)
            .exclude(action="dossier.consultation_answered")
            .exclude(dossier__processing_agency=other)
            .exclude(
                action="dossier.transferred", dossier__transferred_from__processing_agency=other
            )
        )
        assert not strays.exists(), list(strays)


def _per_dossier(queryset) -> dict[int, int]:
    grouped = queryset.order_by().values("dossier_id").annotate(n=Count("pk"))
    return {row["dossier_id"]: row["n"] for row in grouped}


@pytest.mark.django_db
def test_random_walks_keep_the_dossier_invariants():
    run_state_machine_as_test(
        DossierMachine,
        settings=settings(
            max_examples=int(os.environ.get("STATEFUL_EXAMPLES", "40")),
            stateful_step_count=50,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
