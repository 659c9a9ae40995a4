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
import io
import itertools
import re
from collections import Counter
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, models, transaction

from catalog.models import Procedure, RequiredDocument, TimeUnit
from demo import histories
from demo.procedures import build_processes
from dossiers.integrity import verify_all
from dossiers.lifecycle import CLOCK_STOPPED, OPEN, Status
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


def build_small_demo() -> SimpleNamespace:
    """The reduced demo province (see the module docstring)."""
    calendar = factories.calendar()
    for year in sorted({NOW.year - 1, NOW.year, dt.date.today().year - 1, dt.date.today().year}):
        seed_year(calendar, year)
    province = factories.level("province", tier=1)
    commune = factories.level("commune", tier=3)
    city = AdministrativeUnit.objects.create(code="48", name="Thành phố Đà Nẵng", level=province)
    ns = SimpleNamespace(calendar=calendar)
    ns.centre = _agency("ttpvhcc-tp", "Trung tâm Phục vụ hành chính công thành phố",
                        Agency.Kind.SERVICE_CENTRE, province, city, calendar, "X48.00.02")
    ns.land = _agency("vpdkdd", "Văn phòng Đăng ký đất đai", Agency.Kind.LAND_REGISTRATION,
                      province, city, calendar, "X48.00.14")
    ns.building = _agency("so-xay-dung", "Sở Xây dựng", Agency.Kind.DEPARTMENT, province, city,
                          calendar, "X48.00.05")  # fmt: skip
    centres = []
    for n, (code, name) in enumerate([("20242", "Phường Hải Châu"), ("20410", "Phường Hội An")]):
        ward = AdministrativeUnit.objects.create(code=code, name=name, level=commune, parent=city)
        _agency(f"ubnd-{code}", f"Ủy ban nhân dân {name}", Agency.Kind.PEOPLES_COMMITTEE,
                commune, ward, calendar, f"X48.{code}.1")  # fmt: skip
        centres.append(_agency(f"ttpvhcc-{code}", f"Trung tâm Phục vụ hành chính công {name}",
                               Agency.Kind.SERVICE_CENTRE, commune, ward, calendar,
                               f"X48.{code}.{n + 2}"))  # fmt: skip
    _procedure("Đăng ký biến động quyền sử dụng đất", "Đất đai", province, 10,
               TimeUnit.WORKING_DAYS, fee=50_000).agencies.set([ns.land])  # fmt: skip
    _procedure("Cấp giấy phép xây dựng", "Hoạt động xây dựng", province, 15,
               TimeUnit.CALENDAR_DAYS).agencies.set([ns.building])  # fmt: skip
    _procedure("Đăng ký khai sinh", "Hộ tịch", commune, 3, TimeUnit.WORKING_DAYS).agencies.set(
        centres
    )
    _procedure("Đăng ký kết hôn", "Hộ tịch", commune, 5, TimeUnit.WORKING_DAYS).agencies.set(
        centres
    )
    _procedure("Chứng thực hợp đồng", "Chứng thực", commune, 2, TimeUnit.WORKING_DAYS,
               fee=50_000).agencies.set(centres)  # fmt: skip
    assert build_processes() == 5
    return ns


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
    late = returned.filter(finished_at__gt=models.F("original_due_at"))
    statuses = Counter(dossiers.values_list("status", flat=True))
    kinds = {
        "returned on time": returned.filter(
            apologies__isnull=True, finished_at__lte=models.F("original_due_at")
        ).count(),
        "returned late with an apology": late.filter(apologies__isnull=False).distinct().count(),
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
    assert not late.filter(apologies__isnull=True).exists()  # late needs Form 04 first
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
    """due_at == compute_due for every dossier with a clock, except one stopped or withdrawn
    while its clock was stopped: closing that pause ends the dossier, and the services do not
    move a finished dossier's due moment (closing.stop_processing and withdraw_dossier)."""
    ended_in_pause = Event.objects.filter(
        action__in=["dossier.stopped", "dossier.withdrawn"], status_before__in=CLOCK_STOPPED
    ).values("dossier")
    dossiers = Dossier.objects.filter(clock_start__isnull=False).exclude(pk__in=ended_in_pause)
    dossiers = dossiers.select_related("procedure", "processing_agency__calendar")
    checked = 0
    for dossier in dossiers:
        assert dossier.due_at == compute_due(dossier), dossier.code
        checked += 1
    assert checked > 150
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
    histories.prepare()  # the demo officials exist before either run
    by_services = _run("services", 60)
    by_bulk = _run("bulk", 60)
    assert len(by_services["Event"]) > 300
    status = [f.attname for f in Dossier._meta.concrete_fields].index("status")
    assert len({row[status] for row in by_services["Dossier"]}) >= 5
    for table, rows in by_services.items():
        assert len(by_bulk[table]) == len(rows), table
        for expected, found in zip(rows, by_bulk[table], strict=True):
            assert found == expected, table


def test_demo_command_adds_dossiers(small_demo):
    out = io.StringIO()
    call_command("demo", dossiers=25, seed=3, verbosity=0, stdout=out)
    assert "Hồ sơ mẫu: " in out.getvalue()
    assert _applications().count() == 25
    assert Procedure.objects.count() == 5  # the province was there: not loaded again
    assert verify_all()[1] == []
    assert Document.objects.filter(role=Document.Role.COMPONENT).exists()
