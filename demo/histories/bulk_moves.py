"""The bulk engine's moves, each a mirror of the service function of the same name."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from catalog.models import Procedure
from demo.histories.bulk_rows import _Sim
from dossiers import services
from dossiers.lifecycle import Move, Status, check_move
from dossiers.models import (
    ApologyLetter,
    Consultation,
    Document,
    Dossier,
    Pause,
    Result,
    StepRun,
    SupplementRequest,
)
from dossiers.models.dossier import Channel, Delivery
from dossiers.services import Actor
from dossiers.services.core import items_payload, legal_unit, pause_unit, paused_amount
from org.models import Agency, Official, Role
from workdays import clock


class _BulkMoves:
    """The moves of `BulkEngine`; the engine provides the chunk life cycle and the shared
    helpers they use (`_sim`, `_add`, `_event`, `_open_step`...)."""

    # -- reception moves

    def receive_dossier(
        self, *, actor: Actor, procedure: Procedure, applicant, components, delivery: str,
        delivery_address: str = "", processing_agency: Agency, channel: str, at: dt.datetime,
    ) -> Dossier:  # fmt: skip
        officer = actor.official
        status = check_move(None, Move.RECEIVE)
        sim = self._new_dossier(
            route_procedure=procedure, applicant=applicant, receiving=officer.unit.agency,
            processing=processing_agency, channel=channel, delivery=delivery,
            delivery_address=delivery_address, status=status, at=at,
        )  # fmt: skip
        self._documents(sim, components, Document.Role.COMPONENT, officer, at)
        self._start_clock(sim, officer, at)
        dossier = sim.dossier
        self._event(
            sim, Move.RECEIVE, actor, at, "",
            data={"code": dossier.code, "due_at": dossier.due_at.isoformat(),
                  "components": len(components)},
        )  # fmt: skip
        return dossier

    def submit_online(
        self, *, actor: Actor, procedure: Procedure, applicant, receiving_agency: Agency,
        components, delivery: str, delivery_address: str = "", at: dt.datetime,
    ) -> Dossier:  # fmt: skip
        sim = self._new_dossier(
            route_procedure=procedure, applicant=applicant, receiving=receiving_agency,
            processing=self.catalog.auto_processing(procedure, receiving_agency),
            channel=Channel.ONLINE, delivery=delivery, delivery_address=delivery_address,
            status=check_move(None, Move.SUBMIT), at=at,
        )  # fmt: skip
        self._documents(sim, components, Document.Role.COMPONENT, None, at)
        self._event(sim, Move.SUBMIT, actor, at, "", data={"code": sim.dossier.code})
        return sim.dossier

    def receive_submitted(
        self, *, actor: Actor, dossier: int, components=None, at: dt.datetime
    ) -> Dossier:
        sim, before = self._sim(dossier, Move.RECEIVE)
        if before == Status.AWAITING_SUPPLEMENT:
            sim.supplement.fulfilled_at = at
        if components:
            self._documents(sim, components, Document.Role.COMPONENT, actor.official, at)
        self._start_clock(sim, actor.official, at)
        d = sim.dossier
        self._event(
            sim, Move.RECEIVE, actor, at, before,
            data={"code": d.code, "due_at": d.due_at.isoformat()},
        )  # fmt: skip
        return d

    def _counter_dossier(self, actor: Actor, procedure, applicant, status, at) -> _Sim:
        receiving = actor.official.unit.agency
        return self._new_dossier(
            route_procedure=procedure, applicant=applicant, receiving=receiving,
            processing=self.catalog.auto_processing(procedure, receiving),
            channel=Channel.IN_PERSON, delivery=Delivery.COUNTER, delivery_address="",
            status=status, at=at,
        )  # fmt: skip

    def guide_supplement_at_reception(
        self, *, actor: Actor, items: list[dict], reason: str, dossier: int | None = None,
        procedure: Procedure | None = None, applicant=None, at: dt.datetime,
    ) -> Dossier:  # fmt: skip
        if dossier is not None:
            sim, before = self._sim(dossier, Move.GUIDE_SUPPLEMENT)
        else:
            status = check_move(None, Move.GUIDE_SUPPLEMENT)
            sim, before = self._counter_dossier(actor, procedure, applicant, status, at), ""
        payload = items_payload(items)
        sim.supplement = self._add(
            SupplementRequest, dossier_id=sim.dossier.pk, stage=SupplementRequest.Stage.RECEPTION,
            items=payload, reason=reason, requested_by_id=actor.official.pk, requested_at=at,
        )  # fmt: skip
        self._event(
            sim, Move.GUIDE_SUPPLEMENT, actor, at, before, note=reason, data={"items": payload}
        )
        return sim.dossier

    def refuse_reception(
        self, *, actor: Actor, reason: str, dossier: int | None = None,
        procedure: Procedure | None = None, applicant=None, competent_agency: str = "",
        at: dt.datetime,
    ) -> Dossier:  # fmt: skip
        if dossier is not None:
            sim, before = self._sim(dossier, Move.REFUSE_RECEPTION)
        else:
            status = check_move(None, Move.REFUSE_RECEPTION)
            sim, before = self._counter_dossier(actor, procedure, applicant, status, at), ""
        sim.dossier.finished_at = at
        self._event(
            sim, Move.REFUSE_RECEPTION, actor, at, before, note=reason,
            data={"competent_agency": competent_agency},
        )  # fmt: skip
        return sim.dossier

    # -- processing moves

    def assign_step(
        self, *, actor: Actor, dossier: int, assignee: Official, at: dt.datetime
    ) -> StepRun:
        sim, before = self._sim(dossier, Move.ASSIGN)
        run = self._current(sim)
        previous = run.assignee
        run.assignee, run.assigned_by, run.assigned_at, run.started_at = (
            assignee, actor.official, at, None,
        )  # fmt: skip
        self._event(
            sim, Move.ASSIGN, actor, at, before,
            data={"step": run.step.position, "assignee": assignee.pk,
                  "assignee_name": str(assignee), "previous": previous.pk if previous else None},
        )  # fmt: skip
        return run

    def start_step(self, *, actor: Actor, dossier: int, at: dt.datetime) -> StepRun:
        sim, before = self._sim(dossier, Move.START_STEP)
        run = self._current(sim)
        run.started_at = at
        self._event(sim, Move.START_STEP, actor, at, before, data={"step": run.step.position})
        return run

    def hand_over_step(
        self, *, actor: Actor, dossier: int, to: Official | None = None, note: str = "",
        at: dt.datetime,
    ) -> StepRun:  # fmt: skip
        sim, before = self._sim(dossier, Move.HAND_OVER)
        run = self._current(sim)
        following = self._step_at(sim, run, +1)
        self._close_run(run, at, StepRun.Outcome.HANDED_OVER, note)
        new_run = self._open_step(sim, following, at, to)
        self._event(
            sim, Move.HAND_OVER, actor, at, before, note=note,
            data={"from_step": run.step.position, "to_step": following.position,
                  "giver": str(actor.official), "receiver": str(to) if to else "",
                  "to_unit": str(new_run.unit), "timeliness": run.timeliness},
        )  # fmt: skip
        return new_run

    def send_back_step(
        self, *, actor: Actor, dossier: int, reason: str, at: dt.datetime
    ) -> StepRun:
        sim, before = self._sim(dossier, Move.SEND_BACK)
        run = self._current(sim)
        previous = self._step_at(sim, run, -1)
        self._close_run(run, at, StepRun.Outcome.SENT_BACK, reason)
        handled = [r for r in sim.runs if r.step_id == previous.pk and r.assignee_id]
        # steps.last_assignee: by ("-arrived_at", "-pk"), the latest made wins a tie.
        last = max(reversed(handled), key=lambda r: r.arrived_at).assignee if handled else None
        new_run = self._open_step(sim, previous, at, last)
        self._event(
            sim, Move.SEND_BACK, actor, at, before, note=reason,
            data={"from_step": run.step.position, "to_step": previous.position},
        )  # fmt: skip
        return new_run

    def consult_agency(
        self, *, actor: Actor, dossier: int, agency: Agency, question: str, at: dt.datetime
    ) -> Consultation:
        sim, before = self._sim(dossier, Move.CONSULT)
        days = settings.MOTCUA["CONSULTATION_WORKING_DAYS"]
        due = clock.add_working(self.catalog.clock(agency), at, days)
        consultation = self._add(
            Consultation, id=self.ids.take(Consultation), dossier_id=sim.dossier.pk,
            agency_id=agency.pk, question=question, asked_by_id=actor.official.pk, asked_at=at,
            due_at=due,
        )  # fmt: skip
        self._event(
            sim, Move.CONSULT, actor, at, before, note=question,
            data={"consultation": consultation.pk, "agency": agency.name,
                  "due_at": due.isoformat()},
        )  # fmt: skip
        return consultation

    def answer_consultation(
        self, *, actor: Actor, consultation: Consultation, answer: str, at: dt.datetime
    ) -> Consultation:
        sim, before = self._sim(consultation.dossier_id, Move.ANSWER_CONSULTATION)
        consultation.answer, consultation.answered_by, consultation.answered_at = (
            answer, actor.official, at,
        )  # fmt: skip
        self._event(
            sim, Move.ANSWER_CONSULTATION, actor, at, before, note=answer,
            data={"consultation": consultation.pk, "late": at > consultation.due_at},
        )  # fmt: skip
        return consultation

    def request_supplement(
        self, *, actor: Actor, dossier: int, items: list[dict], reason: str, at: dt.datetime
    ) -> SupplementRequest:
        sim, before = self._sim(dossier, Move.REQUEST_SUPPLEMENT)
        if sim.supplement is not None:
            raise services.RuleViolation("one supplement request per dossier")
        published = {d.pk for d in self.catalog.documents(sim.dossier.procedure)}
        off_list = any(i.get("required_document_id") not in published for i in items)
        payload = items_payload(items)
        sim.supplement = self._add(
            SupplementRequest, dossier_id=sim.dossier.pk,
            stage=SupplementRequest.Stage.PROCESSING, items=payload, reason=reason,
            off_list=off_list, requested_by_id=actor.official.pk, requested_at=at,
        )  # fmt: skip
        self._pause(sim, Pause.Kind.SUPPLEMENT, reason, at)
        self._event(
            sim, Move.REQUEST_SUPPLEMENT, actor, at, before, note=reason,
            data={"items": payload, "off_list": off_list},
        )  # fmt: skip
        return sim.supplement

    def _pause(self, sim: _Sim, kind: str, reason: str, at: dt.datetime) -> Pause:
        pause = self._add(Pause, dossier_id=sim.dossier.pk, kind=kind, reason=reason, started_at=at)
        sim.pauses.append(pause)
        return pause

    def _end_pause(self, sim: _Sim, kind: str, at: dt.datetime) -> None:
        """processing._end_pause: close the pause, recompute the due, shift the open step."""
        open_ = [p for p in sim.pauses if p.kind == kind and p.ended_at is None]
        pause = max(open_, key=lambda p: p.started_at)
        pause.ended_at = at
        unit = legal_unit(sim.dossier)
        sim.dossier.due_at = self._compute_due(sim)
        amount = paused_amount(sim.cal, [pause], unit)
        run = sim.dossier.current_step
        if run is not None and run.finished_at is None and amount != 0:
            run.due_at = clock.add_working(sim.cal, run.due_at, amount, pause_unit(unit))

    def provide_supplement(
        self, *, actor: Actor, dossier: int, components, at: dt.datetime
    ) -> Dossier:
        sim, before = self._sim(dossier, Move.SUPPLEMENT_PROVIDED)
        self._documents(sim, components, Document.Role.SUPPLEMENT, actor.official, at)
        sim.supplement.fulfilled_at = at
        self._end_pause(sim, Pause.Kind.SUPPLEMENT, at)
        self._event(
            sim, Move.SUPPLEMENT_PROVIDED, actor, at, before,
            data={"documents": len(components), "due_at": sim.dossier.due_at.isoformat()},
        )  # fmt: skip
        return sim.dossier

    def pause_for_payment(
        self, *, actor: Actor, dossier: int, amount: int, reason: str, at: dt.datetime
    ) -> Pause:
        sim, before = self._sim(dossier, Move.PAUSE_FOR_PAYMENT)
        pause = self._pause(sim, Pause.Kind.PAYMENT, reason, at)
        self._event(
            sim, Move.PAUSE_FOR_PAYMENT, actor, at, before, note=reason, data={"amount": amount}
        )
        return pause

    def resume_after_payment(
        self, *, actor: Actor, dossier: int, note: str = "", at: dt.datetime
    ) -> Dossier:
        sim, before = self._sim(dossier, Move.RESUME_AFTER_PAYMENT)
        self._end_pause(sim, Pause.Kind.PAYMENT, at)
        self._event(
            sim, Move.RESUME_AFTER_PAYMENT, actor, at, before, note=note,
            data={"due_at": sim.dossier.due_at.isoformat()},
        )  # fmt: skip
        return sim.dossier

    def transfer_dossier(
        self, *, actor: Actor, dossier: int, to_agency: Agency, note: str, at: dt.datetime
    ) -> Dossier:
        sim, before = self._sim(dossier, Move.TRANSFER)
        parent = sim.dossier
        template = self.catalog.process_for(parent.procedure, to_agency)
        child = self._dossier(
            code=self._next_code(to_agency, self._localdate(at)),
            procedure=parent.procedure, process=template, receiving_agency=to_agency,
            processing_agency=to_agency, applicant=parent.applicant, channel=parent.channel,
            delivery=parent.delivery, status=check_move(None, Move.TRANSFER),
            transferred_from=parent, received_at=at,
        )  # fmt: skip
        child_sim = self._register(child, template)
        child.clock_start = clock.normalise_reception(child_sim.cal, at)
        child.due_at = child.original_due_at = self._compute_due(child_sim)
        self._open_first_step(child_sim, None, at)
        self._event(
            sim, Move.TRANSFER, actor, at, before, note=note,
            data={"to_agency": to_agency.name, "child": child.code},
        )  # fmt: skip
        self._event(
            child_sim, Move.TRANSFER, actor, at, "", note=note,
            data={"from": parent.code, "due_at": child.due_at.isoformat()},
        )  # fmt: skip
        return child

    # -- closing moves

    def _finish_processing(self, sim: _Sim, at: dt.datetime) -> None:
        run = sim.dossier.current_step
        if run is not None and run.finished_at is None:
            self._close_run(run, at, StepRun.Outcome.FINISHED)
        sim.dossier.finished_at = at
        final = sim.steps[-1] if sim.steps[-1].role == Role.COUNTER_OFFICER else None
        if final is None:
            sim.dossier.current_step = None
            return
        self._open_step(sim, final, at)

    def _result(self, sim: _Sim, actor: Actor, outcome: str, at, number="", reason="") -> None:
        self._add(
            Result, dossier_id=sim.dossier.pk, outcome=outcome, number=number,
            issued_on=self._localdate(at), signer_id=actor.official.pk, reason=reason,
            recorded_at=at,
        )  # fmt: skip

    def record_result(
        self, *, actor: Actor, dossier: int, number: str = "", note: str = "", at: dt.datetime
    ) -> Dossier:
        sim, before = self._sim(dossier, Move.RECORD_RESULT)
        self._result(sim, actor, Result.Outcome.APPROVED, at, number=number, reason=note)
        self._finish_processing(sim, at)
        self._event(
            sim, Move.RECORD_RESULT, actor, at, before, note=note,
            data={"number": number, "late": at > sim.dossier.due_at, "files": 0},
        )  # fmt: skip
        return sim.dossier

    def refuse_dossier(self, *, actor: Actor, dossier: int, reason: str, at: dt.datetime):
        sim, before = self._sim(dossier, Move.REFUSE)
        self._result(sim, actor, Result.Outcome.REFUSED, at, reason=reason)
        self._finish_processing(sim, at)
        self._event(sim, Move.REFUSE, actor, at, before, note=reason)
        return sim.dossier

    def _end(self, pk: int, move: Move, actor: Actor, reason: str, at: dt.datetime) -> Dossier:
        """stop_processing and withdraw_dossier: close pauses (the due moment follows) and the
        step, end the dossier."""
        sim, before = self._sim(pk, move)
        open_pauses = [p for p in sim.pauses if p.ended_at is None]
        for pause in open_pauses:
            pause.ended_at = at
        if open_pauses and sim.dossier.clock_start is not None:
            sim.dossier.due_at = self._compute_due(sim)
        run = sim.dossier.current_step
        if run is not None and run.finished_at is None:
            self._close_run(run, at, StepRun.Outcome.INTERRUPTED)
        sim.dossier.finished_at, sim.dossier.current_step = at, None
        self._event(sim, move, actor, at, before, note=reason)
        return sim.dossier

    def stop_processing(self, *, actor: Actor, dossier: int, reason: str, at: dt.datetime):
        return self._end(dossier, Move.STOP, actor, reason, at)

    def withdraw_dossier(self, *, actor: Actor, dossier: int, reason: str, at: dt.datetime):
        return self._end(dossier, Move.WITHDRAW, actor, reason, at)

    def issue_apology(
        self, *, actor: Actor, dossier: int, reason: str, new_due_at: dt.datetime,
        at: dt.datetime,
    ) -> ApologyLetter:  # fmt: skip
        sim, before = self._sim(dossier, Move.APOLOGISE)
        d = sim.dossier
        if new_due_at <= max(d.due_at, at):
            raise services.RuleViolation("the new date must come after the current one")
        letter = self._add(
            ApologyLetter, dossier_id=d.pk, reason=reason, old_due_at=d.due_at,
            new_due_at=new_due_at, signed_by_id=actor.official.pk, issued_at=at,
        )  # fmt: skip
        sim.apologies.append(letter)
        old, d.due_at = d.due_at, new_due_at
        self._event(
            sim, Move.APOLOGISE, actor, at, before, note=reason,
            data={"old_due_at": old.astimezone(dt.UTC).isoformat(),
                  "new_due_at": new_due_at.isoformat()},
        )  # fmt: skip
        return letter

    def return_result(
        self, *, actor: Actor, dossier: int, channel: str = Delivery.COUNTER,
        post_tracking: str = "", at: dt.datetime,
    ) -> Dossier:  # fmt: skip
        sim, before = self._sim(dossier, Move.RETURN_RESULT)
        d = sim.dossier
        if d.finished_at and d.finished_at > d.due_at:
            raise services.RuleViolation("late: an apology must come first")
        run = d.current_step
        if run is not None and run.finished_at is None:
            if actor.official is not None and run.assignee_id is None:
                run.assignee, run.assigned_at, run.started_at = actor.official, at, at
            self._close_run(run, at, StepRun.Outcome.FINISHED)
        d.returned_at, d.return_channel = at, channel
        d.post_tracking, d.current_step = post_tracking, None
        self._event(
            sim, Move.RETURN_RESULT, actor, at, before,
            data={"channel": channel, "post_tracking": post_tracking},
        )  # fmt: skip
        return d
