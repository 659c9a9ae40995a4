"""Demo dossier histories (`manage.py demo --dossiers N`): a realistic, rule-abiding mix, every
due moment from the clock formula, chains that verify, and a bulk path that writes exactly what
the service functions write.

The province is a reduced copy of the demo one (the full demo takes about a minute to load): the
city's service centre, two departments, two communes with their centre and People's Committee,
and five procedures whose demo internal processes come from demo.procedures.build_processes.
The whole module runs in about half a minute; the service-path comparison is most of it.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import itertools
import random
import re
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, models, transaction

from catalog.models import Procedure, RequiredDocument, TimeUnit
from demo import histories
from demo.procedures import build_processes
from dossiers.integrity import verify_all
from dossiers.lifecycle import CLOCK_STOPPED, OPEN, Move, Status
from dossiers.models import (
    ApologyLetter,
    Applicant,
    Consultation,
    Document,
    Dossier,
    DossierCounter,
    Event,
    Pause,
    Result,
    StepRun,
    SupplementRequest,
)
from dossiers.models.dossier import Channel
from dossiers.services.core import compute_due
from notifications.models import Notification
from org.models import AdministrativeUnit, Agency, OrgUnit
from tests import factories
from tests.personas import TZ
from workdays import clock
from workdays.seeding import seed_year

NOW = dt.datetime(2026, 11, 20, 16, 30, tzinfo=TZ)
TABLES = [
    Applicant, Dossier, StepRun, Document, SupplementRequest, Pause, ApologyLetter,
    Consultation, Result, Event,
]  # fmt: skip


def _agency(code: str, name: str, kind: str, level, territory, calendar, exchange: str) -> Agency:
    agency = Agency.objects.create(
        code=code, name=name, kind=kind, level=level, territory=territory, calendar=calendar,
        exchange_code=exchange, is_demo=True,
    )  # fmt: skip
    kinds = [OrgUnit.Kind.DIVISION, OrgUnit.Kind.LEADERSHIP]
    if kind == Agency.Kind.SERVICE_CENTRE:
        kinds = [OrgUnit.Kind.COUNTER, OrgUnit.Kind.LEADERSHIP]
    for unit_kind in kinds:
        OrgUnit.objects.create(
            agency=agency, code=unit_kind, name=str(unit_kind.label), kind=unit_kind
        )
    return agency


def _procedure(name: str, field: str, level, amount: int, unit: str, fee=None) -> Procedure:
    procedure = factories.procedure(
        name, field=factories.field(field), levels=[level], legal_time_amount=Decimal(amount),
        legal_time_unit=unit, fee_amount=fee,
    )  # fmt: skip
    for position, (doc, mandatory, condition) in enumerate(
        [("Đơn đề nghị (theo mẫu)", True, ""), ("Giấy tờ chứng minh", True, ""),
         ("Văn bản ủy quyền", True, "Trường hợp nộp thay")], 1,
    ):  # fmt: skip
        RequiredDocument.objects.create(
            procedure=procedure, position=position, name=doc, kind="original", count=1,
            mandatory=mandatory, condition=condition,
        )  # fmt: skip
    return procedure


CITY_AGENCIES = [  # code, name, kind, exchange code
    ("ttpvhcc-tp", "Trung tâm Phục vụ hành chính công thành phố", Agency.Kind.SERVICE_CENTRE,
     "X48.00.02"),
    ("vpdkdd", "Văn phòng Đăng ký đất đai", Agency.Kind.LAND_REGISTRATION, "X48.00.14"),
    ("so-xay-dung", "Sở Xây dựng", Agency.Kind.DEPARTMENT, "X48.00.05"),
]  # fmt: skip
WARDS = [("20242", "Phường Hải Châu"), ("20410", "Phường Hội An")]
PROCEDURES = [  # name, field, level, legal time, unit, fee, linked to
    ("Đăng ký biến động quyền sử dụng đất", "Đất đai", "province", 10, TimeUnit.WORKING_DAYS,
     50_000, "vpdkdd"),
    ("Cấp giấy phép xây dựng", "Hoạt động xây dựng", "province", 15, TimeUnit.CALENDAR_DAYS,
     None, "so-xay-dung"),
    ("Đăng ký khai sinh", "Hộ tịch", "commune", 3, TimeUnit.WORKING_DAYS, None, "wards"),
    ("Đăng ký kết hôn", "Hộ tịch", "commune", 5, TimeUnit.WORKING_DAYS, None, "wards"),
    ("Chứng thực hợp đồng", "Chứng thực", "commune", 2, TimeUnit.WORKING_DAYS, 50_000, "wards"),
]  # fmt: skip


def build_small_demo() -> SimpleNamespace:
    """The reduced demo province (see the module docstring)."""
    calendar = factories.calendar()
    for year in sorted({NOW.year - 1, NOW.year, dt.date.today().year - 1, dt.date.today().year}):
        seed_year(calendar, year)
    levels = {"province": factories.level("province", tier=1),
              "commune": factories.level("commune", tier=3)}  # fmt: skip
    city = AdministrativeUnit.objects.create(
        code="48", name="Thành phố Đà Nẵng", level=levels["province"]
    )
    agencies = {
        code: _agency(code, name, kind, levels["province"], city, calendar, exchange)
        for code, name, kind, exchange in CITY_AGENCIES
    }
    wards = []
    for code, name in WARDS:
        ward = AdministrativeUnit.objects.create(
            code=code, name=name, level=levels["commune"], parent=city
        )
        _agency(f"ubnd-{code}", f"Ủy ban nhân dân {name}", Agency.Kind.PEOPLES_COMMITTEE,
                levels["commune"], ward, calendar, f"X48.{code}.1")  # fmt: skip
        wards.append(_agency(f"ttpvhcc-{code}", f"Trung tâm Phục vụ hành chính công {name}",
                             Agency.Kind.SERVICE_CENTRE, levels["commune"], ward, calendar,
                             f"X48.{code}.2"))  # fmt: skip
    for name, field, level, amount, unit, fee, linked in PROCEDURES:
        procedure = _procedure(name, field, levels[level], amount, unit, fee)
        procedure.agencies.set(wards if linked == "wards" else [agencies[linked]])
    assert build_processes() == len(PROCEDURES)
    return SimpleNamespace(calendar=calendar, agencies=agencies, wards=wards)


@pytest.fixture
def small_demo(db) -> SimpleNamespace:
    return build_small_demo()


@pytest.fixture
def generated(small_demo) -> histories.Report:
    report = histories.generate(200, seed=7, now=NOW)
    assert report.requested == 200 and report.dossiers >= 200
    return report


def _applications():
    """The dossiers applied for (not the parts transferred to another agency)."""
    return Dossier.objects.filter(transferred_from__isnull=True)


# ---------------------------------------------------------------- the mix


def test_the_histories_hold_every_kind_of_dossier(generated):
    dossiers = _applications()
    returned = dossiers.filter(status=Status.RETURNED)
    statuses = Counter(dossiers.values_list("status", flat=True))
    kinds = {
        # Pauses move the due moment; an apology (Form 04) is what marks a dossier late.
        "returned on time": returned.filter(apologies__isnull=True).count(),
        "returned late with an apology": returned.filter(apologies__isnull=False)
        .distinct()
        .count(),
        "open": dossiers.filter(status__in=OPEN).count(),
        "awaiting supplement": statuses[Status.AWAITING_SUPPLEMENT],
        "refused at reception": statuses[Status.NOT_RECEIVED],
        "refused after processing": Result.objects.filter(outcome=Result.Outcome.REFUSED).count(),
        "withdrawn": statuses[Status.WITHDRAWN],
        "stopped": statuses[Status.STOPPED],
        "transferred": Dossier.objects.filter(transferred_from__isnull=False).count(),
        "payment pause": Pause.objects.filter(kind=Pause.Kind.PAYMENT).count(),
        "supplement during processing": SupplementRequest.objects.filter(
            stage=SupplementRequest.Stage.PROCESSING
        ).count(),
        "guidance at reception": SupplementRequest.objects.filter(
            stage=SupplementRequest.Stage.RECEPTION
        ).count(),
        "consultation": Consultation.objects.count(),
        "sent back": StepRun.objects.filter(outcome=StepRun.Outcome.SENT_BACK).count(),
    }
    assert all(kinds.values()), kinds
    assert kinds["returned on time"] > dossiers.count() / 2
    assert set(dossiers.values_list("channel", flat=True)) == set(Channel.values)
    assert dossiers.values("procedure").distinct().count() == 5
    assert dossiers.values("receiving_agency").distinct().count() == 3
    assert not Notification.objects.exists()  # demo people have no address to write to


def test_moments_follow_the_rules(generated):
    """Received over the past twelve months; each dossier's events in order, none after `now`;
    every apology issued before the due moment it replaces, with a later date."""
    first = NOW - dt.timedelta(days=365)
    assert not Dossier.objects.filter(received_at__lt=first).exists()
    assert not Dossier.objects.filter(submitted_at__lt=first).exists()
    assert not Event.objects.filter(at__gt=NOW).exists()
    moments = Event.objects.order_by("dossier", "seq").values_list("dossier", "at")
    for _dossier, events in itertools.groupby(moments, key=lambda row: row[0]):
        ats = [at for _d, at in events]
        assert ats == sorted(ats)
    for letter in ApologyLetter.objects.all():
        assert letter.issued_at <= letter.old_due_at < letter.new_due_at
    assert not Dossier.objects.filter(
        status=Status.RETURNED, finished_at__gt=models.F("due_at")
    ).exists()


def test_every_due_moment_is_the_clock_formula(generated):
    """due_at == compute_due for every dossier with a clock (open, finished, ended while
    paused, transferred), and a dossier without a clock has no due moment."""
    dossiers = Dossier.objects.select_related("procedure", "processing_agency__calendar")
    checked = 0
    for dossier in dossiers:
        if dossier.clock_start is None:
            assert dossier.due_at is None, dossier.code
            continue
        assert dossier.due_at == compute_due(dossier), dossier.code
        checked += 1
    assert checked > 150
    ended_in_pause = Event.objects.filter(
        action__in=["dossier.stopped", "dossier.withdrawn"], status_before__in=CLOCK_STOPPED
    )
    assert ended_in_pause.exists()
    for run in StepRun.objects.filter(finished_at__isnull=False).select_related("dossier")[:500]:
        assert run.arrived_at <= run.finished_at


def test_chains_verify_and_a_raw_edit_is_named(generated):
    checked, breaks = verify_all()
    assert checked == Dossier.objects.count() and breaks == []
    event = Event.objects.filter(action="dossier.hand_over_step").first() or Event.objects.get(
        pk=Event.objects.order_by("pk").values_list("pk", flat=True)[100]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE dossiers_event SET note = %s WHERE id = %s", ["sửa trái phép", event.pk]
        )
    _checked, breaks = verify_all()
    assert len(breaks) == 1
    assert breaks[0].dossier_code == event.dossier.code and breaks[0].seq == event.seq
    assert f"{event.dossier.code} event #{event.seq} (id {event.pk})" in str(breaks[0])


def test_codes_are_consecutive_per_agency_and_day(generated):
    assert_codes_consecutive()


def assert_codes_consecutive() -> None:
    """Each agency's codes of a day are numbered 1, 2, 3... and its counter holds the last."""
    numbers: dict[tuple[int, str], list[int]] = {}
    for agency_id, code in Dossier.objects.values_list("receiving_agency", "code"):
        match = re.fullmatch(r".+-(\d{6})-(\d{4})", code)
        numbers.setdefault((agency_id, match[1]), []).append(int(match[2]))
    counters = {
        (c.agency_id, c.day.strftime("%y%m%d")): c.last for c in DossierCounter.objects.all()
    }
    assert counters.keys() == numbers.keys()
    for key, found in numbers.items():
        assert sorted(found) == list(range(1, len(found) + 1)) == list(range(1, counters[key] + 1))


def test_people_are_invented_and_officials_are_demo_accounts(generated, small_demo):
    applicants = list(Applicant.objects.all())
    assert len(applicants) > 100
    for applicant in applicants:
        applicant.full_clean(validate_unique=False, validate_constraints=False)
        assert "Địa chỉ mẫu" in applicant.address
        assert applicant.phone == "" and applicant.email == ""
    kinds = Counter(a.kind for a in applicants)
    assert kinds[Applicant.Kind.PERSON] > kinds[Applicant.Kind.ORGANISATION] > 0
    actors = get_user_model().objects.filter(official__pk__in=Event.objects.values("actor"))
    assert actors.exists()
    assert not actors.exclude(username__startswith="demo.").exists()
    assert not any(user.has_usable_password() for user in actors)
    setup = histories.prepare()  # idempotent: nothing new the second time
    assert histories.ensure_staff(histories.staff_needs(setup.routes, setup.targets)) == 0


# ---------------------------------------------------------------- bulk == services


class _Rollback(Exception):
    pass


def _align_sequences() -> None:
    """PostgreSQL keeps sequences through a rollback; start both runs from the same ids."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in [*TABLES, DossierCounter]:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )


def _rows() -> dict[str, list[tuple]]:
    """Every column of every row the histories write (the upload stamp is the wall clock)."""
    rows = {}
    for model in TABLES:
        names = [f.attname for f in model._meta.concrete_fields if f.attname != "uploaded_at"]
        rows[model.__name__] = list(model.objects.order_by("pk").values_list(*names))
    rows["DossierCounter"] = sorted(DossierCounter.objects.values_list("agency", "day", "last"))
    rows["Notification"] = list(Notification.objects.values_list("pk"))
    return rows


def _run(via: str, count: int) -> dict[str, list[tuple]]:
    try:
        with transaction.atomic():
            _align_sequences()
            histories.generate(count, seed=11, now=NOW, via=via, chunk=25)
            rows = _rows()
            raise _Rollback
    except _Rollback:
        return rows


def test_bulk_path_writes_exactly_what_the_services_write(small_demo):
    """Same seed, same `now`: every row of every table is equal, ids and hashes included.
    A hundred dossiers make every move of the stories at least once."""
    histories.prepare()  # the demo officials exist before either run
    by_services = _run("services", 100)
    by_bulk = _run("bulk", 100)
    action = [f.attname for f in Event._meta.concrete_fields].index("action")
    actions = {row[action] for row in by_services["Event"]}
    assert actions == {f"dossier.{move.value}" for move in Move}
    for table, rows in by_services.items():
        assert len(by_bulk[table]) == len(rows), table
        for expected, found in zip(rows, by_bulk[table], strict=True):
            assert found == expected, table


@pytest.mark.parametrize("via", ["services", "bulk"])
def test_each_dossier_copies_its_open_steps_unit_and_assignee(small_demo, via):
    """After every move of the stories (assignments, hand-overs, send-backs, pauses, results,
    returns, transfers, stops), each dossier's copy of its open step (what the queues count
    by) is that step run's unit and assignee, and empty once no step is open. The current step
    is never a closed run, which is what lets the copy stand for it."""
    histories.prepare()
    histories.generate(100, seed=11, now=NOW, via=via, chunk=25)
    rows = Dossier.objects.values_list(
        "code", "step_unit_id", "step_assignee_id", "current_step__unit_id",
        "current_step__assignee_id", "current_step__finished_at",
    )  # fmt: skip
    held = Counter()
    for code, unit, assignee, run_unit, run_assignee, run_finished in rows:
        assert run_finished is None, code
        assert (unit, assignee) == (run_unit, run_assignee), code
        held["assigned" if assignee else "unassigned" if unit else "no open step"] += 1
    assert all(held[kind] for kind in ("assigned", "unassigned", "no open step")), held


def test_the_migration_fills_the_copy_as_the_moves_keep_it(small_demo):
    """Migration dossiers 0010 fills the copy of a database that had none with one UPDATE; on
    the demo stories' dossiers it gives what the moves themselves write."""
    migration = importlib.import_module("dossiers.migrations.0010_dossier_open_step_copy_filled")
    histories.prepare()
    histories.generate(100, seed=5, now=NOW, via="services", chunk=25)
    columns = ("pk", "step_unit_id", "step_assignee_id")
    # A current step closed by hand: the copy keeps nothing of a closed step.
    closed = Dossier.objects.filter(step_assignee__isnull=False).order_by("pk").first()
    StepRun.objects.filter(pk=closed.current_step_id).update(finished_at=NOW)
    Dossier.objects.filter(pk=closed.pk).update(step_unit=None, step_assignee=None)
    kept = list(Dossier.objects.order_by("pk").values_list(*columns))
    assert any(unit for _pk, unit, _assignee in kept)
    Dossier.objects.update(step_unit=None, step_assignee=None)
    with connection.cursor() as cursor:
        cursor.execute(migration.COPY)
    assert list(Dossier.objects.order_by("pk").values_list(*columns)) == kept


def test_demo_command_adds_dossiers(small_demo):
    out = io.StringIO()
    call_command("demo", dossiers=25, seed=3, verbosity=0, stdout=out)
    assert "Hồ sơ mẫu: " in out.getvalue()
    assert _applications().count() == 25
    assert Procedure.objects.count() == 5  # the province was there: not loaded again
    assert verify_all()[1] == []
    assert Document.objects.filter(role=Document.Role.COMPONENT).exists()


def test_the_stories_fast_clock_answers_as_workdays_clock():
    """WorkingMinutes (used for the stories' moments and the steps' due moments) against
    workdays.clock on random whole-minute moments, across days off and lunch breaks."""
    days_off = {dt.date(2026, 1, 1), dt.date(2026, 2, 16), dt.date(2026, 2, 17)}
    cal = clock.WorkCalendar(days_off=days_off, makeup_days={dt.date(2026, 2, 7)})
    fast = histories.WorkingMinutes(cal, dt.date(2025, 12, 1), dt.date(2026, 6, 30))
    rng = random.Random(5)
    start = dt.datetime(2025, 12, 1, tzinfo=cal.zone)
    for _ in range(3000):
        moment = start + dt.timedelta(minutes=rng.randrange(60 * 24 * 200))
        minutes = rng.choice([1, 15, 239, 240, 241, 450, rng.randrange(1, 20_000)])
        expected = clock.add_working(cal, moment, Fraction(minutes, 60), clock.Unit.WORKING_HOURS)
        found = fast.add(moment, minutes)
        assert found == expected and found.isoformat() == expected.isoformat(), (moment, minutes)
