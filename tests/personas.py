"""The personas of dossier tests (style.md point 9): officer, specialist, head, leader,
overseer, outsider, and a second department to consult or transfer to."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model

from catalog.models import ProcessStep, ProcessTemplate, RequiredDocument, TimeUnit
from dossiers.services import Actor, ApplicantData, ComponentData
from org.models import Agency, Official, OfficialRole, OrgUnit, Role
from tests import factories
from workdays.seeding import seed_year

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
STEP_PLAN = [  # name, unit kind, role, hours
    ("Tiếp nhận", OrgUnit.Kind.COUNTER, Role.COUNTER_OFFICER, "4"),
    ("Thẩm định", OrgUnit.Kind.DIVISION, Role.SPECIALIST, "30"),
    ("Xem xét", OrgUnit.Kind.DIVISION, Role.HEAD, "15"),
    ("Phê duyệt", OrgUnit.Kind.LEADERSHIP, Role.LEADER, "15"),
    ("Trả kết quả", OrgUnit.Kind.COUNTER, Role.COUNTER_OFFICER, "4"),
]


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def _units(agency: Agency, kinds) -> dict[str, OrgUnit]:
    return {
        k: OrgUnit.objects.create(agency=agency, code=k, name=str(k.label), kind=k) for k in kinds
    }


def official(name: str, unit: OrgUnit, *roles: str, email: str = "") -> Official:
    user = get_user_model().objects.create_user(
        username=name, password="x-" + name, email=email or f"{name}@example.test",
        first_name=name.title(),
    )  # fmt: skip
    person = Official.objects.create(user=user, unit=unit, position=Official.Position.SPECIALIST)
    for role in roles:
        OfficialRole.objects.create(official=person, role=role)
    return person


def build_province() -> SimpleNamespace:
    calendar = factories.calendar()
    for year in (2026, 2027):
        seed_year(calendar, year)
    centre = factories.agency("Trung tâm phục vụ", kind=Agency.Kind.SERVICE_CENTRE)
    department = factories.agency("Sở thử nghiệm")
    other = factories.agency("Sở khác")
    cu = _units(centre, [OrgUnit.Kind.COUNTER])
    du = _units(department, [OrgUnit.Kind.DIVISION, OrgUnit.Kind.LEADERSHIP])
    ou = _units(other, [OrgUnit.Kind.DIVISION, OrgUnit.Kind.LEADERSHIP])
    ns = SimpleNamespace(calendar=calendar, centre=centre, department=department, other=other)
    ns.officer = official("officer", cu[OrgUnit.Kind.COUNTER], Role.COUNTER_OFFICER)
    ns.officer2 = official("officer2", cu[OrgUnit.Kind.COUNTER], Role.COUNTER_OFFICER)
    ns.specialist = official("specialist", du[OrgUnit.Kind.DIVISION], Role.SPECIALIST)
    ns.specialist2 = official("specialist2", du[OrgUnit.Kind.DIVISION], Role.SPECIALIST)
    ns.head = official("head", du[OrgUnit.Kind.DIVISION], Role.HEAD)
    ns.leader = official("leader", du[OrgUnit.Kind.LEADERSHIP], Role.LEADER)
    ns.deputy = official("deputy", du[OrgUnit.Kind.LEADERSHIP], Role.SPECIALIST)
    ns.overseer = official("overseer", du[OrgUnit.Kind.DIVISION], Role.OVERSEER)
    ns.outsider = official("outsider", ou[OrgUnit.Kind.DIVISION], Role.SPECIALIST, Role.HEAD)
    ns.other_leader = official("otherleader", ou[OrgUnit.Kind.LEADERSHIP], Role.LEADER)
    ns.procedure = factories.procedure("Cấp giấy phép thử nghiệm", legal_time_amount=Decimal(10))
    ns.procedure.agencies.set([department])
    ns.docs = [
        RequiredDocument.objects.create(
            procedure=ns.procedure, position=i, name=name, kind="original", count=1
        )
        for i, name in enumerate(["Đơn đề nghị", "Bản vẽ"], 1)
    ]
    ns.process = ProcessTemplate.objects.create(procedure=ns.procedure, name="Quy trình thử")
    for n, (name, kind, role, hours) in enumerate(STEP_PLAN, 1):
        ProcessStep.objects.create(
            template=ns.process, position=n, name=name, acting_level=factories.level(),
            acting_unit_kind=kind, role=role, allotment=Decimal(hours),
            allotment_unit=TimeUnit.WORKING_HOURS,
        )  # fmt: skip
    return ns


def actor(person: Official, role: str | None = None) -> Actor:
    roles = [r.role for r in person.roles.all()]
    return Actor.official_as(person, role or (roles[0] if roles else ""))


def applicant(n: int = 1, email: str = "dan@example.test") -> ApplicantData:
    return ApplicantData(
        kind="person", name="Nguyễn Văn An", personal_id=f"0482000{n:05d}",
        birth_date=dt.date(2000, 5, 1), address="Hải Châu", phone="0905123456", email=email,
    )  # fmt: skip


def components(ns: SimpleNamespace) -> list[ComponentData]:
    return [ComponentData(name=d.name, kind="original", required_document_id=d.pk) for d in ns.docs]
