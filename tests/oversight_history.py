"""A small history for the statistics, oversight and report tests, made through the real
services with explicit moments. The month read is July 2026; June carries dossiers over.

Calendar (tests/personas.py): 07:30-11:30 and 13:30-17:00 (450 working minutes a day), weekends
off; no public holiday in June or July 2026. 1 June and 6 July 2026 are Mondays.

Procedures, all decided by the department unless said:
  A  the persona procedure: 10 working days, five steps (counter, specialist, head, leader,
     counter), field "Đất đai" (code dat-dai, a priority field)
  B  5 working days, partial online service, no internal process (the leader signs), field
     "Hộ tịch"
  C  5 working days, decided by the other agency (commune level), field "Chính sách"

  J1  A  in person  received Mon 1 Jun 09:00, due Mon 15 Jun 09:00; handed to the specialist
          on 1 Jun; never finished: carried into July, overdue
  J2  B  in person  received Wed 10 Jun 09:00, result Fri 12 Jun 10:00 (June only)
  J3  B  online     received Mon 22 Jun 09:00, due Mon 29 Jun 09:00; result Thu 2 Jul 10:00:
          carried into July, resolved late in July; 360 + 7 x 450 + 150 = 3660 minutes
  K1  B  in person  received Mon 6 Jul 09:00, due Mon 13 Jul; result Tue 7 Jul 10:00: early;
          360 + 150 = 510 minutes; rated 5 (very satisfied) on Wed 8 Jul
  K2  B  online     received Tue 7 Jul 09:00, due Tue 14 Jul 09:00; result Tue 14 Jul 08:00:
          on time (the due day itself); 360 + 4 x 450 + 30 = 2190 minutes
  K3  B  in person  received Wed 8 Jul 09:00, due Wed 15 Jul 09:00; apology on Tue 14 Jul
          (new date Tue 21 Jul); result Mon 20 Jul 10:00: late all the same;
          360 + 7 x 450 + 150 = 3660 minutes; rated 2 (dissatisfied) on Tue 21 Jul
  K4  B  in person  received Thu 9 Jul 09:00, withdrawn Fri 10 Jul 10:00
  K5  A  in person  received Mon 13 Jul 09:00, due Mon 27 Jul 09:00; the counter hands it on
          late (step due Mon 13 Jul 15:00, handed on Tue 14 Jul 08:00); the specialist asks
          for a supplement Tue 14 Jul 09:00, provided Thu 16 Jul 09:00 (two working days):
          legal due Wed 29 Jul 09:00; open and overdue at the end of July
  K6  A  in person  received Mon 27 Jul 09:00, due Mon 10 Aug 09:00; handed on in time;
          paused for a payment Tue 28 Jul 10:00 to Wed 29 Jul 10:00; open in time at the end of
          July
  K7  C  in person  received Mon 6 Jul 09:00 (other agency), result Tue 7 Jul 10:00: early,
          510 minutes
  R1  B  refused at reception Fri 10 Jul: no clock, in no figure

July, department: received K1-K6 = 6 (online: K2); resolved J3, K1, K2, K3 = 4 (early 1, on
time 1, late 2); withdrawn K4; carried over J1, J3 = 2; open at the end J1, K5 (overdue), K6
(in time). Processing minutes 3660 + 510 + 2190 + 3660 = 10020, 2505 per dossier, 5.57 days.
"""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from catalog.models import Field, OnlineLevel, TimeUnit
from dossiers import services as sv
from ratings.services import rate_dossier
from stats.overdue import count_overdue
from tests import factories
from tests.personas import actor, applicant, components, local


def _paper(name: str = "Đơn đề nghị") -> sv.ComponentData:
    return sv.ComponentData(name=name, kind="original")


def receive(ns, procedure, at, n: int, papers=None):
    return sv.receive_dossier(
        actor=actor(ns.officer), procedure=procedure, applicant=applicant(n),
        components=papers or [_paper()], at=at,
    )  # fmt: skip


def receive_online(ns, procedure, at, n: int):
    d = sv.submit_online(
        actor=sv.Actor.applicant("Nguyễn Văn An"), procedure=procedure, applicant=applicant(n),
        receiving_agency=ns.centre, components=[_paper()], at=at,
    )  # fmt: skip
    return sv.receive_submitted(actor=actor(ns.officer), dossier=d, at=at)


def result(leader, d, at):
    return sv.record_result(actor=actor(leader), dossier=d, number="1/GP", at=at)


def to_specialist(ns, d, handed, started=None):
    """The counter hands the dossier on; the head assigns the specialist, who starts."""
    sv.hand_over_step(actor=actor(ns.officer), dossier=d, at=handed)
    sv.assign_step(actor=actor(ns.head), dossier=d, assignee=ns.specialist, at=started or handed)
    sv.start_step(actor=actor(ns.specialist), dossier=d, at=started or handed)


def procedures(ns) -> None:
    Field.objects.filter(pk=ns.procedure.field_id).update(code="dat-dai")
    ns.a = ns.procedure
    ns.other.level = factories.level("commune", tier=3)
    ns.other.save()
    ns.b = factories.procedure(
        "Thủ tục B", online_level=OnlineLevel.PARTIAL, legal_time_amount=Decimal(5),
        legal_time_unit=TimeUnit.WORKING_DAYS, field=factories.field("Hộ tịch"),
    )  # fmt: skip
    ns.b.agencies.set([ns.department])
    ns.c = factories.procedure(
        "Thủ tục C", legal_time_amount=Decimal(5), field=factories.field("Chính sách")
    )
    Field.objects.filter(name="Chính sách").update(code="chinh-sach")
    ns.c.agencies.set([ns.other])


def june(ns) -> None:
    ns.j1 = receive(ns, ns.a, local(2026, 6, 1, 9, 0), 1, components(ns))
    to_specialist(ns, ns.j1, local(2026, 6, 1, 10, 0))
    ns.j2 = receive(ns, ns.b, local(2026, 6, 10, 9, 0), 2)
    result(ns.leader, ns.j2, local(2026, 6, 12, 10, 0))
    ns.j3 = receive_online(ns, ns.b, local(2026, 6, 22, 9, 0), 3)


def july(ns) -> None:
    result(ns.leader, ns.j3, local(2026, 7, 2, 10, 0))
    ns.k1 = receive(ns, ns.b, local(2026, 7, 6, 9, 0), 11)
    result(ns.leader, ns.k1, local(2026, 7, 7, 10, 0))
    ns.k2 = receive_online(ns, ns.b, local(2026, 7, 7, 9, 0), 12)
    result(ns.leader, ns.k2, local(2026, 7, 14, 8, 0))
    ns.k3 = receive(ns, ns.b, local(2026, 7, 8, 9, 0), 13)
    sv.issue_apology(
        actor=actor(ns.leader), dossier=ns.k3, reason="Chờ xác minh",
        new_due_at=local(2026, 7, 21, 17, 0), at=local(2026, 7, 14, 10, 0),
    )  # fmt: skip
    result(ns.leader, ns.k3, local(2026, 7, 20, 10, 0))
    ns.k4 = receive(ns, ns.b, local(2026, 7, 9, 9, 0), 14)
    sv.withdraw_dossier(actor=actor(ns.officer), dossier=ns.k4, reason="Người nộp rút",
                        at=local(2026, 7, 10, 10, 0))  # fmt: skip
    ns.k7 = receive(ns, ns.c, local(2026, 7, 6, 9, 0), 17)
    result(ns.other_leader, ns.k7, local(2026, 7, 7, 10, 0))
    sv.refuse_reception(actor=actor(ns.officer), reason="Không thuộc thẩm quyền", procedure=ns.b,
                        applicant=applicant(18), at=local(2026, 7, 10, 9, 0))  # fmt: skip
    _july_steps(ns)
    rate_dossier(dossier=ns.k1, overall=5, channel="kiosk", at=local(2026, 7, 8, 9, 0))
    rate_dossier(dossier=ns.k3, overall=2, channel="kiosk", at=local(2026, 7, 21, 9, 0))


def _july_steps(ns) -> None:
    ns.k5 = receive(ns, ns.a, local(2026, 7, 13, 9, 0), 15, components(ns))
    to_specialist(ns, ns.k5, local(2026, 7, 14, 8, 0))
    sv.request_supplement(
        actor=actor(ns.specialist), dossier=ns.k5, reason="Thiếu bản vẽ có dấu",
        items=[{"name": "Bản vẽ", "required_document_id": ns.docs[1].pk, "count": 1}],
        at=local(2026, 7, 14, 9, 0),
    )  # fmt: skip
    sv.provide_supplement(actor=actor(ns.officer), dossier=ns.k5, components=[components(ns)[1]],
                          at=local(2026, 7, 16, 9, 0))  # fmt: skip
    ns.k6 = receive(ns, ns.a, local(2026, 7, 27, 9, 0), 16, components(ns))
    to_specialist(ns, ns.k6, local(2026, 7, 27, 10, 0))
    sv.pause_for_payment(actor=actor(ns.specialist), dossier=ns.k6, amount=100000,
                         reason="Lệ phí trước bạ", at=local(2026, 7, 28, 10, 0))  # fmt: skip
    sv.resume_after_payment(actor=actor(ns.specialist), dossier=ns.k6,
                            at=local(2026, 7, 29, 10, 0))  # fmt: skip


def build(ns: SimpleNamespace) -> SimpleNamespace:
    procedures(ns)
    june(ns)
    july(ns)
    count_overdue()  # the periodic job has run since
    return ns
