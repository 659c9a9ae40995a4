"""The service index (Decision 766) on a small history made through the real services, each
figure compared with the value worked out by hand in the comments.

The month is November 2026; the index is read on 10 December 2026. Calendar: 07:30-11:30,
13:30-17:00 (450 working minutes a day), weekends off, 24 Nov 2026 (Culture Day) off.
Procedure B (online, partial) has 5 working days and no internal process (the leader signs the
result directly); it and the fixture's procedure A (not online) are decided by the department.
Procedure C (not online, 5 working days) is decided by the other agency, a commune-level one.

  D1  B  in person  received Mon 2 Nov 09:00, due Mon 9 Nov 09:00; every paper a file;
          result with an electronic document Wed 4 Nov 10:00: early
  D2  B  online     submitted Mon 2 Nov 08:00, received Tue 3 Nov 09:00, due Tue 10 Nov 09:00;
          result Wed 11 Nov 10:00: late
  D3  B  in person  received Thu 5 Nov 09:00 reusing D1's paper, due Thu 12 Nov 09:00; open:
          overdue at the end of November
  D4  B  online     received Wed 25 Nov 09:00, due Wed 2 Dec 09:00; open at the end of
          November (not overdue then); result Thu 3 Dec 10:00 (late, in December)
  D5  B  in person  received Wed 28 Oct 09:00, due Wed 4 Nov 09:00; withdrawn Tue 3 Nov 10:00
  D6  B  in person  received Tue 20 Oct, result Thu 22 Oct: ended before November, not counted
  D7  B  refused at reception Fri 6 Nov: no clock, not counted
  D8  C  in person  received Mon 9 Nov 09:00 (other agency), due Mon 16 Nov; result Tue 10 Nov
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction as F

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import OnlineLevel, TimeUnit
from dossiers import services as sv
from dossiers.models import Document
from org.models import Agency
from service_index.compute import (
    MEASURED,
    NO_DATA,
    NOT_MEASURABLE,
    REFERENCE,
    Scope,
    by_level,
    index_for,
    rank_agencies,
)
from service_index.drilldown import DENOMINATOR, DOSSIER_FIGURES, NUMERATOR, behind
from service_index.periods import Period
from stats.models import DossierTiming
from stats.overdue import count_overdue
from tests import factories
from tests.personas import actor, applicant, local

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NOW = local(2026, 12, 10, 10, 0)
NOVEMBER = Period.month(2026, 11)


def _paper(name: str = "Đơn đề nghị", file: bool = False, reused_from: int | None = None):
    upload = SimpleUploadedFile("don.pdf", PDF) if file else None
    return sv.ComponentData(name=name, kind="original", file=upload, reused_from_id=reused_from)


def _receive(ns, procedure, at, n, papers=None):
    return sv.receive_dossier(
        actor=actor(ns.officer), procedure=procedure, applicant=applicant(n),
        components=papers or [_paper()], at=at,
    )  # fmt: skip


def _online(ns, procedure, submitted, received, n):
    d = sv.submit_online(
        actor=sv.Actor.applicant("Nguyễn Văn An"), procedure=procedure, applicant=applicant(n),
        receiving_agency=ns.centre, components=[_paper()], at=submitted,
    )  # fmt: skip
    return sv.receive_submitted(actor=actor(ns.officer), dossier=d, at=received)


def _result(leader, d, at, e_result=False):
    files = [_paper("Giấy phép", file=True)] if e_result else []
    return sv.record_result(actor=actor(leader), dossier=d, number="1/GP", files=files, at=at)


@pytest.fixture
def history(province):
    ns = province
    ns.other.level = factories.level("commune", tier=3)
    ns.other.save()
    b = factories.procedure(
        "Thủ tục B",
        online_level=OnlineLevel.PARTIAL,
        legal_time_amount=Decimal(5),
        legal_time_unit=TimeUnit.WORKING_DAYS,
    )
    b.agencies.set([ns.department])
    c = factories.procedure("Thủ tục C", legal_time_amount=Decimal(5))
    c.agencies.set([ns.other])
    ns.b, ns.c = b, c

    d1 = _receive(ns, b, local(2026, 11, 2, 9, 0), 1, [_paper(file=True)])
    _result(ns.leader, d1, local(2026, 11, 4, 10, 0), e_result=True)
    d2 = _online(ns, b, local(2026, 11, 2, 8, 0), local(2026, 11, 3, 9, 0), 2)
    _result(ns.leader, d2, local(2026, 11, 11, 10, 0))
    first_paper = Document.objects.get(dossier=d1, role=Document.Role.COMPONENT)
    d3 = _receive(ns, b, local(2026, 11, 5, 9, 0), 3, [_paper(reused_from=first_paper.pk)])
    d4 = _online(ns, b, local(2026, 11, 25, 8, 0), local(2026, 11, 25, 9, 0), 4)
    _result(ns.leader, d4, local(2026, 12, 3, 10, 0))
    d5 = _receive(ns, b, local(2026, 10, 28, 9, 0), 5)
    sv.withdraw_dossier(actor=actor(ns.officer), dossier=d5, reason="Rút",
                        at=local(2026, 11, 3, 10, 0))  # fmt: skip
    d6 = _receive(ns, b, local(2026, 10, 20, 9, 0), 6)
    _result(ns.leader, d6, local(2026, 10, 22, 9, 0))
    sv.refuse_reception(actor=actor(ns.officer), reason="Không thuộc thẩm quyền", procedure=b,
                        applicant=applicant(7), at=local(2026, 11, 6, 9, 0))  # fmt: skip
    d8 = _receive(ns, c, local(2026, 11, 9, 9, 0), 8)
    _result(ns.other_leader, d8, local(2026, 11, 10, 10, 0))
    count_overdue(NOW)  # the periodic job has run
    ns.d = {1: d1, 2: d2, 3: d3, 4: d4, 5: d5, 8: d8}
    return ns


def test_due_moments_of_the_history(history):
    due = dict(DossierTiming.objects.values_list("dossier_id", "legal_due_at"))
    expected = {1: (11, 9), 2: (11, 10), 3: (11, 12), 4: (12, 2), 5: (11, 4), 8: (11, 16)}
    for n, (month, day) in expected.items():
        assert due[history.d[n].pk] == local(2026, month, day, 9, 0), n


def test_the_department_component_by_component(history):
    index = index_for(Scope.of_agency(history.department), NOVEMBER, NOW)
    on_time = index.figure("progress.on_time")
    # Ended in November: D1 (early), D2 (late), D5 (withdrawn in time); open at the end of
    # November: D3 (overdue since 12 Nov), D4 (due 2 Dec). (2 + 1) / (3 + 2) = 3/5; target
    # 100% (none stated), so 3/5 x 20 = 12 points.
    assert (on_time.numerator, on_time.denominator) == (3, 5)
    assert on_time.points == 12 and on_time.max_points == 20 and on_time.status == MEASURED
    # Average time of D1 and D2. D1: Mon 2 Nov 09:00-17:00 = 360, Tue 450, Wed 07:30-10:00 =
    # 150: 960. D2: Tue 3 Nov 360, Wed 4 to Tue 10 (5 days) 2250, Wed 11 150: 2760.
    # (960 + 2760) / 2 = 1860 minutes = 1860 / 450 = 62/15 working days. No points.
    average = index.figure("progress.average_time")
    assert (average.numerator, average.denominator, average.status) == (3720, 2, REFERENCE)
    assert average.working_days == F(62, 15) and average.points is None
    # Procedures of the department: A (not online) and B (online): 1/2 against 80%:
    # 1/2 x 4 / (4/5) = 5/2 points (12 points split among three components: 4 each).
    procedures = index.figure("online_service.procedures_online")
    assert (procedures.numerator, procedures.denominator, procedures.points) == (1, 2, F(5, 2))
    # B received online dossiers (D2, D4): 1/1, target 100%: 4 points.
    used = index.figure("online_service.services_used")
    assert (used.numerator, used.denominator, used.points) == (1, 1, 4)
    # Received in November under B: D1, D2, D3, D4; online: D2, D4. 2/4 = 50% = the target.
    online = index.figure("online_service.online_dossiers")
    assert (online.numerator, online.denominator, online.points) == (2, 4, 4)
    # Approvals in November: D1, D2; with an electronic result: D1. 1/2, target 100%:
    # 1/2 x 22/3 = 11/3. Digitised (every paper a file and an e-result): D1, 1/2 against 80%:
    # 1/2 x 22/3 / (4/5) = 55/12. Reuse: D3 of the 4 received, 1/4 against 80%: 55/24.
    assert index.figure("digitisation.e_results").points == F(11, 3)
    assert index.figure("digitisation.digitised").points == F(55, 12)
    reuse = index.figure("digitisation.reuse")
    assert (reuse.numerator, reuse.denominator, reuse.points) == (1, 4, F(55, 24))
    # Total 12 + 5/2 + 4 + 4 + 11/3 + 55/12 + 55/24 = 793/24, out of the 20 + 12 + 22 = 54
    # measurable points: 793/24 / 54 x 100 = 61.19..., grade "average" (50 to 70).
    assert index.points == F(793, 24) and index.measurable == 54 and index.maximum == 100
    assert index.score == F(793, 24) * 100 / 54 and index.grade == "average"


def test_what_cannot_be_measured_is_marked_not_invented(history):
    index = index_for(Scope.of_agency(history.department), NOVEMBER, NOW)
    unmeasured = {f.component.code for f in index.figures if f.status == NOT_MEASURABLE}
    assert unmeasured == {
        "transparency.publicity", "online_payment.procedures", "online_payment.dossiers",
        "satisfaction.feedback_refused", "satisfaction.feedback_first_answer",
        "satisfaction.feedback_handled", "satisfaction.feedback_published",
        "satisfaction.handling",
    }  # fmt: skip
    for f in index.figures:
        if f.status == NOT_MEASURABLE:
            assert f.points is None and f.numerator is None and f.explain()
    groups = {g.group.code: (g.points, g.measurable, g.maximum) for g in index.groups}
    assert groups["transparency"] == (0, 0, 18)
    assert groups["progress"] == (12, 20, 20)
    assert groups["online_payment"] == (0, 0, 10)
    assert groups["satisfaction"] == (0, 0, F(18))


def test_the_other_agency_the_levels_and_the_province(history):
    other = index_for(Scope.of_agency(history.other), NOVEMBER, NOW)
    # D8 ended in time: 1/1, 20 points. Procedure C is not online: 0/1 of 4 points; no online
    # procedure and no online-capable dossier: no data. Approvals 1 (D8), no e-result: 0/1
    # twice; received 1, none reused: 0/1. 20 points of 20 + 4 + 22 = 46: 43.47..., weak.
    assert other.figure("online_service.services_used").status == NO_DATA
    assert other.figure("online_service.online_dossiers").status == NO_DATA
    assert (other.points, other.measurable, other.grade) == (20, 46, "weak")
    levels = {r.scope.code: r for r in by_level(NOVEMBER, NOW)}
    assert levels["commune"].points == other.points
    assert levels["province"].points == F(793, 24)
    province = index_for(Scope.province(), NOVEMBER, NOW)
    # On time (3 + 1) / (5 + 1) = 2/3: 40/3. Procedures 1/3 (A, B, C): 1/3 x 4 / (4/5) = 5/3.
    # Services 1/1: 4. Online dossiers 2/4 (C offers none): 4. E-results 1/3: 22/9.
    # Digitised 1/3: 1/3 x 22/3 / (4/5) = 55/18. Reuse 1/5: 1/5 x 22/3 / (4/5) = 11/6.
    # Total 546/18 = 91/3 of 54: 56.17..., average.
    expected = {
        "progress.on_time": F(40, 3), "online_service.procedures_online": F(5, 3),
        "online_service.services_used": 4, "online_service.online_dossiers": 4,
        "digitisation.e_results": F(22, 9), "digitisation.digitised": F(55, 18),
        "digitisation.reuse": F(11, 6),
    }  # fmt: skip
    assert {code: province.figure(code).points for code in expected} == expected
    assert province.points == F(91, 3) and province.grade == "average"


def test_rankings(history):
    ranked = rank_agencies(NOVEMBER, NOW)
    # Department 61.19 first, the other agency 43.48 second; the centre decides nothing and
    # has no dossier of its own: unranked, last.
    assert [(r.rank, r.agency) for r in ranked] == [
        (1, history.department), (2, history.other), (None, history.centre),
    ]  # fmt: skip


def test_each_figure_lists_the_dossiers_behind_it(history):
    scope = Scope.of_agency(history.department)
    index = index_for(scope, NOVEMBER, NOW)
    d = history.d
    for code in DOSSIER_FIGURES:
        f = index.figure(code)
        assert behind(code, scope, NOVEMBER, DENOMINATOR, NOW).count() == f.denominator, code
        if f.component.scored:  # the average's numerator is minutes, of the same dossiers
            assert behind(code, scope, NOVEMBER, NUMERATOR, NOW).count() == f.numerator, code
    on_time = behind("progress.on_time", scope, NOVEMBER, NUMERATOR, NOW)
    assert set(on_time) == {d[1], d[4], d[5]}
    procedures = behind("online_service.procedures_online", scope, NOVEMBER, DENOMINATOR, NOW)
    assert set(procedures) == {history.procedure, history.b}
    with pytest.raises(LookupError):
        behind("satisfaction.handling", scope, NOVEMBER, NUMERATOR, NOW)


def test_formula_text_carries_the_numbers(history):
    index = index_for(Scope.of_agency(history.department), NOVEMBER, NOW)
    on_time = index.figure("progress.on_time")
    assert "quá hạn" in on_time.formula
    assert on_time.explain().startswith("3 / 5 = 60")


def test_a_period_not_over_is_judged_now(history):
    december = Period.month(2026, 12)
    index = index_for(Scope.of_agency(history.department), december, NOW)
    # Ended in December by 10 Dec: D4 (late); open now: D3 (overdue). 0 / 2.
    on_time = index.figure("progress.on_time")
    assert (on_time.numerator, on_time.denominator, on_time.points) == (0, 2, 0)
    assert index.judged_at == NOW
    assert index.begun
    future = index_for(Scope.of_agency(history.department), Period.month(2027, 1), NOW)
    assert future.figure("progress.on_time").status == NO_DATA


def test_a_period_not_begun_has_no_score_and_no_ranking(history):
    """Nothing is measured before the period begins, not even the catalogue's components
    (which a past period measures from the procedures in force): no score, no rank."""
    january = Period.month(2027, 1)
    future = index_for(Scope.of_agency(history.department), january, NOW)
    assert not future.begun
    assert future.figure("online_service.procedures_online").status == NO_DATA
    assert future.score is None and future.grade is None
    assert [r.rank for r in rank_agencies(january, NOW)] == [None] * Agency.objects.count()
    # The same scope in the month under way is scored (the catalogue is measured).
    assert index_for(Scope.of_agency(history.department), NOVEMBER, NOW).score is not None


def test_quarters_and_years_cover_their_months():
    assert Period.quarter(2026, 4) == Period(dt.date(2026, 10, 1), dt.date(2026, 12, 31), "quarter")
    assert Period.year(2026).last == dt.date(2026, 12, 31)
    assert Period.month(2028, 2).last == dt.date(2028, 2, 29)
    with pytest.raises(ValueError):
        Period.custom(dt.date(2026, 2, 2), dt.date(2026, 2, 1))


def test_grade_thresholds_are_a_setting(history, monkeypatch):
    monkeypatch.setenv("MOTCUA_INDEX_GRADES", "60,55,50,40")
    index = index_for(Scope.of_agency(history.department), NOVEMBER, NOW)
    assert index.grade == "excellent"  # 61.19 >= 60
    monkeypatch.setenv("MOTCUA_INDEX_GRADES", "50,60,70,80")
    with pytest.raises(ImproperlyConfigured, match="MOTCUA_INDEX_GRADES"):
        _ = index.grade


def test_points_and_targets_are_settings(history, monkeypatch):
    monkeypatch.setenv("MOTCUA_INDEX_POINTS", "progress.on_time=10")
    monkeypatch.setenv("MOTCUA_INDEX_TARGETS", "progress.on_time=60")
    index = index_for(Scope.of_agency(history.department), NOVEMBER, NOW)
    # 3/5 = 60% reaches the 60% target: the full 10 points.
    assert index.figure("progress.on_time").points == 10
    monkeypatch.setenv("MOTCUA_INDEX_POINTS", "no.such=1")
    with pytest.raises(ImproperlyConfigured, match="MOTCUA_INDEX_POINTS"):
        index_for(Scope.of_agency(history.department), NOVEMBER, NOW)
