"""Stories: one per dossier, deciding what happens and when, move by move."""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from fractions import Fraction

from catalog.models import ProcessStep, RequiredDocument, TimeUnit
from demo.histories.bulk_engine import BulkEngine
from demo.histories.caches import Catalog
from demo.histories.constants import DAY_HOURS, HOURS, RUNNING
from demo.histories.plans import Fate, Plan, Setup
from demo.histories.routes import Route
from demo.histories.service_engine import ServiceEngine
from demo.histories.staff import Staff
from dossiers.models import Document
from dossiers.models.dossier import Channel, Delivery
from dossiers.services import Actor, ComponentData
from org.models import Agency, Official, Role
from workdays import clock

REFUSE_RECEPTION = [
    ("Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan; đã hướng dẫn người nộp đến cơ quan "
     "có thẩm quyền.", True),
    ("Người nộp không thuộc đối tượng thực hiện thủ tục hành chính này.", False),
    ("Giấy tờ trong hồ sơ đã hết hiệu lực, hồ sơ không đủ điều kiện tiếp nhận.", False),
    ("Thông tin kê khai trong tờ khai không khớp với giấy tờ tùy thân của người nộp.", False),
]  # fmt: skip
GUIDANCE = [
    "Hồ sơ chưa đủ thành phần theo quy định; hướng dẫn bổ sung một lần đầy đủ.",
    "Bản sao chưa được chứng thực; đề nghị nộp bản sao có chứng thực hoặc xuất trình bản chính.",
]
SUPPLEMENT = [
    "Qua thẩm định, thông tin trên giấy tờ chưa thống nhất; đề nghị bổ sung giấy tờ chứng minh.",
    "Giấy tờ đã nộp bị mờ, không đọc được; đề nghị nộp lại bản rõ nét.",
    "Thành phần hồ sơ chưa đầy đủ theo quy định của thủ tục.",
]
APOLOGY = [
    "Hồ sơ phức tạp, cần thêm thời gian xác minh thực tế.",
    "Chờ ý kiến phối hợp của cơ quan liên quan.",
    "Số lượng hồ sơ tăng đột biến trong kỳ, chưa kịp giải quyết đúng hẹn.",
    "Cán bộ thụ lý nghỉ ốm đột xuất, đã phân công người khác tiếp tục giải quyết.",
]
REFUSAL = [
    "Hồ sơ không đủ điều kiện giải quyết theo quy định của pháp luật về thủ tục này.",
    "Kết quả xác minh cho thấy thông tin kê khai không đúng với thực tế.",
    "Đối tượng của hồ sơ đang có tranh chấp, chưa đủ điều kiện giải quyết.",
]
STOP = {
    "supplement": "Quá thời hạn bổ sung hồ sơ nhưng người nộp không bổ sung theo hướng dẫn.",
    "payment": "Người nộp không thực hiện nghĩa vụ tài chính trong thời hạn thông báo.",
    "specialist": "Phát hiện giấy tờ có dấu hiệu giả mạo; chuyển cơ quan chức năng xem xét.",
    "head": "Đối tượng của hồ sơ đang có tranh chấp, khiếu nại; dừng giải quyết theo quy định.",
}
WITHDRAW = [
    "Người nộp đề nghị rút hồ sơ để hoàn thiện lại nội dung.",
    "Người nộp không còn nhu cầu giải quyết.",
    "Người nộp đề nghị rút hồ sơ do thay đổi thông tin đăng ký.",
]
SEND_BACK = [
    "Dự thảo kết quả còn sai sót thông tin; đề nghị chỉnh sửa.",
    "Đề nghị bổ sung ý kiến thẩm định về điều kiện giải quyết.",
]
QUESTION = "Đề nghị Quý cơ quan cho ý kiến về nội dung thuộc lĩnh vực quản lý để giải quyết hồ sơ."
ANSWERS = [
    "Thống nhất với nội dung đề nghị.",
    "Cơ bản thống nhất; đề nghị bổ sung căn cứ pháp lý khi ban hành kết quả.",
    "Đã cung cấp thông tin theo đề nghị.",
]
PAYMENT = "Thông báo nộp phí, lệ phí và nghĩa vụ tài chính theo quy định."
TRANSFER_NOTE = "Chuyển liên thông phần việc thuộc thẩm quyền của cơ quan tiếp nhận."
FEES = [50_000, 100_000, 200_000, 500_000, 1_500_000, 12_000_000]


class _Halt(Exception):
    """The next move would come after `now`: the dossier stays where it is (open)."""


class _Closed(Exception):
    """The dossier's history has ended."""


@dataclass
class Context:
    setup: Setup
    engine: ServiceEngine | BulkEngine
    now: dt.datetime

    @property
    def catalog(self) -> Catalog:
        return self.setup.catalog

    @property
    def staff(self) -> Staff:
        return self.setup.staff

    def other_agency(self, rng: random.Random, route: Route) -> Agency:
        return rng.choice(self.setup.targets_for(route))


class Story:
    """Drives one dossier through the engine, from its entry to its end or to `now`.

    Every move comes at a later working moment than the one before. Before a move that would
    come after the due moment while the clock runs, the head of the processing agency issues
    an apology with a new date (Form 04) before the due moment passes, as the law asks."""

    def __init__(self, ctx: Context, plan: Plan, *, route: Route | None = None) -> None:
        self.ctx, self.plan, self.rng = ctx, plan, plan.rng
        self.engine, self.now = ctx.engine, ctx.now
        self.route = route or plan.route
        self.cal = ctx.catalog.clock(self.route.processing)
        self.minutes = ctx.catalog.minutes(self.route.processing)
        self.ref: int | None = None
        self.last = plan.entry
        self.apologies = 0
        self.hours: list[float] = []
        self.overrun_days = 0  # how late a dossier meant to be late will be
        staff, rng = ctx.staff, self.rng
        self.counter = staff.pick(rng, self.route.receiving, Role.COUNTER_OFFICER)
        self.specialist = staff.pick(rng, self.route.processing, Role.SPECIALIST)
        self.head = staff.pick(rng, self.route.processing, Role.HEAD)
        self.leader = staff.pick(rng, self.route.processing, Role.LEADER)

    # -- time

    def later(self, low: float, high: float) -> dt.datetime:
        """A working moment `low`..`high` working hours after the last move."""
        minutes = max(1, round(self.rng.uniform(low, high) * 60))
        moment = self.minutes.add(self.last, minutes)
        self.keep_promise(min(moment, self.now))
        if moment > self.now:
            raise _Halt
        self.last = moment
        return moment

    def days(self, low: float, high: float) -> dt.datetime:
        return self.later(low * float(DAY_HOURS), high * float(DAY_HOURS))

    def keep_promise(self, until: dt.datetime) -> None:
        """Apologise (Form 04) before the due moment passes, if it passes before `until`."""
        while self.ref is not None:
            status, due = self.engine.state(self.ref)
            if status not in RUNNING or due is None or due >= until:
                return
            self.apologise(due)

    def apologise(self, due: dt.datetime) -> None:
        gap = clock.elapsed_working(self.cal, self.last, due, unit=HOURS)
        minutes = math.floor(gap * 60 * Fraction(self.rng.randint(40, 90), 100))
        moment = clock.add_working(self.cal, self.last, Fraction(max(minutes, 0), 60), HOURS)
        if minutes < 1:
            moment = max(due, self.last)
        if moment > self.now:
            raise _Halt
        days = self.rng.randint(2, 5)
        if self.apologies == 0 and self.overrun_days:
            days = self.overrun_days + self.rng.randint(1, 3)
        new_due = clock.add_working(self.cal, max(due, moment), days)
        self.engine.do(
            "issue_apology", actor=self.actor(self.leader, Role.LEADER), dossier=self.ref,
            reason=self.rng.choice(APOLOGY), new_due_at=new_due, at=moment,
        )  # fmt: skip
        self.last = moment
        self.apologies += 1

    def actor(self, official: Official, role: str) -> Actor:
        return self.ctx.staff.actor(official, role)

    @property
    def applicant_actor(self) -> Actor:
        return Actor.applicant(self.plan.applicant.name)

    def run(self) -> None:
        try:
            if self.reception():
                self.process()
        except (_Halt, _Closed):
            pass

    # -- reception

    def components(self, documents=None) -> list[ComponentData]:
        chosen = documents if documents is not None else self.mandatory()
        return [
            ComponentData(name=d.name, kind=_kind(d.kind), count=d.count or 1,
                          required_document_id=d.pk)
            for d in chosen
        ]  # fmt: skip

    def mandatory(self) -> list[RequiredDocument]:
        return [d for d in self.route.documents if d.mandatory and not d.condition]

    def items(self) -> tuple[list[dict], list[RequiredDocument]]:
        """One or two published components to ask for (never anything off the list)."""
        documents = self.rng.sample(self.route.documents, min(len(self.route.documents), 2))
        documents = documents[: self.rng.randint(1, len(documents))]
        items = [
            {"name": d.name[:300], "kind": _kind(d.kind), "count": d.count or 1,
             "required_document_id": d.pk}
            for d in documents
        ]  # fmt: skip
        return items, documents

    def reception(self) -> bool:
        """Submission, check and reception; False when the dossier ends at reception."""
        plan = self.plan
        if plan.channel == Channel.ONLINE:
            self.submit()
            if plan.end_stage == "submitted":
                self.withdraw(self.later(1, 12))
        if plan.fate == Fate.NOT_RECEIVED:
            self.refuse_at_reception()
            return False
        if plan.fate == Fate.GUIDED:
            self.guide()
        self.receive()
        return True

    def submit(self) -> None:
        plan = self.plan
        guided = plan.fate == Fate.GUIDED
        dossier = self.engine.do(
            "submit_online", actor=self.applicant_actor, procedure=self.route.procedure,
            applicant=plan.applicant, receiving_agency=self.route.receiving,
            components=[] if guided else self.components(), delivery=plan.delivery,
            delivery_address=self.delivery_address(), at=plan.entry,
        )  # fmt: skip
        self.ref = dossier.pk

    def delivery_address(self) -> str:
        return self.plan.applicant.address if self.plan.delivery == Delivery.POST else ""

    def entry_or_later(self, low: float, high: float) -> dt.datetime:
        """The counter acts at entry on a new dossier, later on one submitted online."""
        return self.plan.entry if self.ref is None else self.later(low, high)

    def refuse_at_reception(self) -> None:
        reason, elsewhere = self.rng.choice(REFUSE_RECEPTION)
        competent = self.ctx.other_agency(self.rng, self.route).name if elsewhere else ""
        self.engine.do(
            "refuse_reception", actor=self.actor(self.counter, Role.COUNTER_OFFICER),
            reason=reason, dossier=self.ref, procedure=self.route.procedure,
            applicant=self.plan.applicant, competent_agency=competent,
            at=self.entry_or_later(0.5, 8),
        )  # fmt: skip

    def guide(self) -> None:
        items, _documents = self.items()
        dossier = self.engine.do(
            "guide_supplement_at_reception", actor=self.actor(self.counter, Role.COUNTER_OFFICER),
            items=items, reason=self.rng.choice(GUIDANCE), dossier=self.ref,
            procedure=self.route.procedure, applicant=self.plan.applicant,
            at=self.entry_or_later(0.5, 8),
        )  # fmt: skip
        self.ref = dossier.pk

    def receive(self) -> None:
        officer = self.actor(self.counter, Role.COUNTER_OFFICER)
        if self.ref is None:
            dossier = self.engine.do(
                "receive_dossier", actor=officer, procedure=self.route.procedure,
                applicant=self.plan.applicant, components=self.components(),
                delivery=self.plan.delivery, delivery_address=self.delivery_address(),
                processing_agency=self.route.processing, channel=self.plan.channel,
                at=self.plan.entry,
            )  # fmt: skip
            self.ref = dossier.pk
        else:
            guided = self.plan.fate == Fate.GUIDED
            at = self.days(1, 8) if guided else self.later(0.5, 8)
            components = self.components() if guided else None
            self.engine.do("receive_submitted", actor=officer, dossier=self.ref,
                           components=components, at=at)  # fmt: skip
        self.plan_hours(late=self.plan.fate == Fate.LATE)

    # -- processing

    def plan_hours(self, *, late: bool) -> None:
        """Working hours for steps 1-4: shares of the time to the due moment, more than all
        of it for a dossier meant to be late; a step may overrun its own allotment."""
        due = self.engine.state(self.ref)[1]
        budget = float(clock.elapsed_working(self.cal, self.last, due, unit=HOURS))
        catalog = self.ctx.catalog
        template = catalog.process_for(self.route.procedure, self.route.processing)
        allotments = [_hours(step) for step in catalog.steps(template)[:4]]
        base = sum(allotments)
        if late:
            total = budget * self.rng.uniform(1.1, 1.5)
            self.overrun_days = math.ceil((total - budget) / float(DAY_HOURS))
        else:
            total = min(base * self.rng.uniform(0.3, 1.0), budget * 0.8)
        self.hours = [max(0.1, total * a / base * self.rng.uniform(0.7, 1.3)) for a in allotments]

    def work(self, step: int, share: float = 1.0) -> dt.datetime:
        hours = self.hours[step - 1] * share
        return self.later(hours * 0.8, hours * 1.2)

    def process(self) -> None:
        self.end_if("received")
        self.counter_hand_over()
        self.specialist_work()
        self.head_review()
        self.leader_decision()
        self.hand_back()

    def end_if(self, stage: str) -> None:
        """Withdraw or stop here, if that is this dossier's fate."""
        if self.plan.end_stage != stage:
            return
        if self.plan.fate == Fate.WITHDRAWN:
            self.withdraw(self.days(0.2, 6))
        elif stage in ("supplement", "payment"):
            self.stop(self.days(15, 30))  # the applicant let the time given pass
        else:
            self.stop(self.days(0.3, 3))

    def withdraw(self, at: dt.datetime) -> None:
        online = self.plan.channel == Channel.ONLINE
        actor = self.applicant_actor if online else self.actor(self.counter, Role.COUNTER_OFFICER)
        self.engine.do(
            "withdraw_dossier", actor=actor, dossier=self.ref, reason=self.rng.choice(WITHDRAW),
            at=at,
        )  # fmt: skip
        raise _Closed

    def stop(self, at: dt.datetime) -> None:
        self.engine.do(
            "stop_processing", actor=self.actor(self.leader, Role.LEADER), dossier=self.ref,
            reason=STOP[self.plan.end_stage], at=at,
        )  # fmt: skip
        raise _Closed

    def counter_hand_over(self) -> None:
        direct = self.rng.random() < 0.6
        self.engine.do(
            "hand_over_step", actor=self.actor(self.counter, Role.COUNTER_OFFICER),
            dossier=self.ref, to=self.specialist if direct else None, at=self.work(1),
        )  # fmt: skip
        if direct:
            return
        self.engine.do(
            "assign_step", actor=self.actor(self.head, Role.HEAD), dossier=self.ref,
            assignee=self.specialist, at=self.later(0.1, 3),
        )  # fmt: skip
        self.engine.do(
            "start_step", actor=self.actor(self.specialist, Role.SPECIALIST), dossier=self.ref,
            at=self.later(0.1, 3),
        )  # fmt: skip

    def specialist_work(self) -> None:
        extras = self.plan.extras
        self.work(2, 0.2)
        if "consult" in extras:
            self.consult()
        if self.plan.fate == Fate.TRANSFERRED:
            self.transfer()
        if "supplement" in extras:
            self.supplement()
        if "payment" in extras:
            self.payment()
        self.end_if("specialist")
        self.engine.do(
            "hand_over_step", actor=self.actor(self.specialist, Role.SPECIALIST),
            dossier=self.ref, to=self.head, at=self.work(2, 0.6),
        )  # fmt: skip

    def consult(self) -> None:
        target = self.ctx.other_agency(self.rng, self.route)
        consultation = self.engine.do(
            "consult_agency", actor=self.actor(self.specialist, Role.SPECIALIST),
            dossier=self.ref, agency=target, question=QUESTION, at=self.work(2, 0.1),
        )  # fmt: skip
        answerer = self.ctx.staff.pick(self.rng, target, Role.SPECIALIST)
        self.engine.do(
            "answer_consultation", actor=self.actor(answerer, Role.SPECIALIST),
            consultation=consultation, answer=self.rng.choice(ANSWERS), at=self.days(0.5, 6),
        )  # fmt: skip

    def supplement(self) -> None:
        items, documents = self.items()
        self.engine.do(
            "request_supplement", actor=self.actor(self.specialist, Role.SPECIALIST),
            dossier=self.ref, items=items, reason=self.rng.choice(SUPPLEMENT),
            at=self.work(2, 0.1),
        )  # fmt: skip
        self.end_if("supplement")
        waiting = self.plan.fate == Fate.WAITING_SUPPLEMENT
        at = self.days(25, 45) if waiting else self.days(1, 10)
        online = self.plan.channel == Channel.ONLINE
        actor = self.applicant_actor if online else self.actor(self.counter, Role.COUNTER_OFFICER)
        self.engine.do(
            "provide_supplement", actor=actor, dossier=self.ref,
            components=self.components(documents), at=at,
        )  # fmt: skip

    def payment(self) -> None:
        amount = self.route.procedure.fee_amount or self.rng.choice(FEES)
        self.engine.do(
            "pause_for_payment", actor=self.actor(self.specialist, Role.SPECIALIST),
            dossier=self.ref, amount=amount, reason=PAYMENT, at=self.work(2, 0.1),
        )  # fmt: skip
        self.end_if("payment")
        waiting = self.plan.fate == Fate.WAITING_PAYMENT
        at = self.days(25, 45) if waiting else self.days(0.3, 5)
        by_counter = self.rng.random() < 0.6
        actor = (
            self.actor(self.counter, Role.COUNTER_OFFICER)
            if by_counter
            else self.actor(self.specialist, Role.SPECIALIST)
        )
        self.engine.do("resume_after_payment", actor=actor, dossier=self.ref,
                       note="Đã nộp đủ theo thông báo.", at=at)  # fmt: skip

    def transfer(self) -> None:
        target = self.rng.choice(self.ctx.setup.targets_for(self.route))
        child = self.engine.do(
            "transfer_dossier", actor=self.actor(self.head, Role.HEAD), dossier=self.ref,
            to_agency=target, note=TRANSFER_NOTE, at=self.work(2, 0.1),
        )  # fmt: skip
        story = ChildStory(self, child.pk, target)
        story.run()
        self.last = max(self.last, story.last)
        if story.halted:
            raise _Halt

    def head_review(self) -> None:
        self.end_if("head")
        if "send_back" in self.plan.extras:
            self.engine.do(
                "send_back_step", actor=self.actor(self.head, Role.HEAD), dossier=self.ref,
                reason=self.rng.choice(SEND_BACK), at=self.work(3, 0.5),
            )  # fmt: skip
            self.engine.do(
                "hand_over_step", actor=self.actor(self.specialist, Role.SPECIALIST),
                dossier=self.ref, to=self.head, at=self.work(2, 0.3),
            )  # fmt: skip
        self.engine.do(
            "hand_over_step", actor=self.actor(self.head, Role.HEAD), dossier=self.ref,
            to=self.leader, at=self.work(3),
        )  # fmt: skip

    def leader_decision(self) -> None:
        leader = self.actor(self.leader, Role.LEADER)
        at = self.work(4)
        if self.plan.fate == Fate.REFUSED:
            self.engine.do("refuse_dossier", actor=leader, dossier=self.ref,
                           reason=self.rng.choice(REFUSAL), at=at)  # fmt: skip
            return
        number = f"{self.rng.randint(1, 9999)}/{at.year}/KQ"
        self.engine.do("record_result", actor=leader, dossier=self.ref, number=number, at=at)

    def hand_back(self) -> None:
        """The result goes back at the counter, by post or online (Form 06 book)."""
        at = self.days(0.1, 4)
        delivery = self.plan.delivery
        if delivery == Delivery.ONLINE:
            self.engine.do("return_result", actor=Actor.system(), dossier=self.ref,
                           channel=Delivery.ONLINE, at=at)  # fmt: skip
            return
        officer = self.ctx.staff.pick(self.rng, self.route.receiving, Role.COUNTER_OFFICER)
        tracking = f"DEMO{self.plan.index:07d}VN" if delivery == Delivery.POST else ""
        self.engine.do(
            "return_result", actor=self.actor(officer, Role.COUNTER_OFFICER), dossier=self.ref,
            channel=delivery, post_tracking=tracking, at=at,
        )  # fmt: skip


class ChildStory(Story):
    """The part transferred to another agency (liên thông): received there with its own code
    and clock, processed on time, and its result sent back electronically; the parent waits."""

    def __init__(self, parent: Story, pk: int, target: Agency) -> None:
        route = Route(
            procedure=parent.route.procedure, receiving=target, processing=target,
            auto_processing=target, documents=parent.route.documents,
        )  # fmt: skip
        super().__init__(parent.ctx, parent.plan, route=route)
        self.parent = parent
        self.ref, self.last, self.halted = pk, parent.last, False
        self.plan_hours(late=False)

    def run(self) -> None:
        try:
            self.engine.do(
                "assign_step", actor=self.actor(self.leader, Role.LEADER), dossier=self.ref,
                assignee=self.counter, at=self.later(0.1, 2),
            )  # fmt: skip
            self.counter_hand_over()
            self.engine.do(
                "hand_over_step", actor=self.actor(self.specialist, Role.SPECIALIST),
                dossier=self.ref, to=self.head, at=self.work(2),
            )  # fmt: skip
            self.engine.do(
                "hand_over_step", actor=self.actor(self.head, Role.HEAD), dossier=self.ref,
                to=self.leader, at=self.work(3),
            )  # fmt: skip
            self.leader_decision()
            self.engine.do(
                "return_result", actor=self.actor(self.counter, Role.COUNTER_OFFICER),
                dossier=self.ref, channel=Delivery.ONLINE, at=self.later(0.1, 4),
            )  # fmt: skip
        except _Halt:
            self.halted = True

    def keep_promise(self, until: dt.datetime) -> None:
        """The parent waits meanwhile, its clock running: it keeps its promise too."""
        self.parent.keep_promise(until)
        super().keep_promise(until)

    def leader_decision(self) -> None:
        at = self.work(4)
        self.engine.do(
            "record_result", actor=self.actor(self.leader, Role.LEADER), dossier=self.ref,
            number=f"{self.rng.randint(1, 9999)}/{at.year}/LT", at=at,
        )  # fmt: skip


def _kind(kind: str) -> str:
    return kind if kind in Document.Kind.values else Document.Kind.COPY


def _hours(step: ProcessStep) -> float:
    if step.allotment_unit == TimeUnit.WORKING_DAYS:
        return float(step.allotment * DAY_HOURS)
    return float(step.allotment)
