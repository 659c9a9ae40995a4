"""Demo dossier histories: `manage.py demo --dossiers N` fills the demo province with N dossiers
received over the past twelve months, each with a realistic history that keeps the rules.

Why: dashboards, the service index, queues, deadline warnings and load tests need a year of
dossiers in every state (on time and late, supplements, pauses, apologies, refusals, withdrawals,
stops, transfers, consultations, open and finished), and nobody can type them by hand.

One *story* per dossier decides what happens and when, move by move, from the dossier's current
status and due moment; it drives an *engine* that makes the moves:

- `ServiceEngine` calls the real service functions of `dossiers.services` (the reference path:
  every rule and right is checked by the code the application uses);
- `BulkEngine` makes the same moves in memory and writes the rows with one bulk insert per table
  and chunk. It mirrors the service functions field by field (codes, due moments, step runs,
  pauses, events with their hash chain), so it is fast enough for 100,000 dossiers; the tests
  generate the same histories through both engines and compare every row.

Everything generated is demo data: applicants are invented (common Vietnamese names, personal ID
numbers of valid structure, "Địa chỉ mẫu" addresses, no phone or email, so no notification is
ever queued), and the officials it adds are `demo.<agency code>.<slot>` accounts without a
usable password. The same seed and the same `now` give the same histories.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, models, transaction
from django.db.models.base import ModelState
from django.utils import timezone
from tqdm import tqdm

from catalog.models import Procedure, ProcessStep, ProcessTemplate, RequiredDocument, TimeUnit
from dossiers import services
from dossiers.lifecycle import Move, Status, check_move
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
from dossiers.models.dossier import Channel, Delivery
from dossiers.models.work import Timeliness
from dossiers.services import Actor, ApplicantData, ComponentData
from dossiers.services.core import (
    GENESIS_HASH,
    legal_unit,
    pause_unit,
    paused_amount,
)
from dossiers.services.reception import _process_for, _processing_agency
from org.models import AdministrativeUnit, Agency, Official, OfficialRole, OrgUnit, Role
from workdays import clock

DEFAULT_SEED = 2026
# Dossiers per transaction: the bulk path's writes are cheap, fewer commits save time; the
# services hold SQLite's write lock for a whole chunk, so theirs stay short.
CHUNK = {"bulk": 1000, "services": 50}
WINDOW = dt.timedelta(days=365)
HORIZON = dt.timedelta(days=400)  # how far past `now` a story may look before it stops
DAY_HOURS = Fraction(15, 2)  # a default working day (07:30-11:30, 13:30-17:00)
RECENT_HOURS = 20 * DAY_HOURS  # the last four working weeks: where open dossiers gather
HOURS = clock.Unit.WORKING_HOURS
RUNNING = frozenset({Status.RECEIVED, Status.PROCESSING})
# The shape of a demo internal process (demo.procedures.STEP_PLAN): the stories follow it.
PROCESS_ROLES = (
    Role.COUNTER_OFFICER, Role.SPECIALIST, Role.HEAD, Role.LEADER, Role.COUNTER_OFFICER
)  # fmt: skip


# ---------------------------------------------------------------- demo people

SURNAMES = [
    ("Nguyễn", 30), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Huỳnh", 5),
    ("Phan", 4), ("Vũ", 3), ("Võ", 5), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 2),
    ("Ngô", 2), ("Dương", 1), ("Lý", 1), ("Trương", 2), ("Đoàn", 1), ("Lương", 1),
]  # fmt: skip
MIDDLE = {
    False: ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Công", "Thành", "Xuân", "Ngọc"],
    True: ["Thị", "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Bích", "Mỹ", "Hoài"],
}
GIVEN = {
    False: ["An", "Bình", "Cường", "Dũng", "Đạt", "Hùng", "Hải", "Hiếu", "Khánh", "Long",
            "Nam", "Phúc", "Quang", "Sơn", "Tài", "Thắng", "Tuấn", "Việt", "Vinh", "Trung"],
    True: ["Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai",
           "My", "Nga", "Nhung", "Phương", "Quỳnh", "Thảo", "Trang", "Vy", "Yến"],
}  # fmt: skip
# Province of birth registration (first three digits of the personal ID): mostly Đà Nẵng (048)
# and the former Quảng Nam (049), some from elsewhere.
BIRTH_PROVINCES = [(48, 62), (49, 22), (46, 4), (51, 4), (1, 3), (79, 3), (42, 2)]
ORGANISATION_KINDS = ["Công ty TNHH", "Công ty cổ phần", "Hợp tác xã", "Doanh nghiệp tư nhân"]
TRADES = ["Thương mại", "Xây dựng", "Dịch vụ", "Du lịch", "Nông sản", "Vận tải", "Thủy sản"]


def vietnamese_name(rng: random.Random, female: bool) -> tuple[str, str]:
    """(family and middle name, given name): common names, no real person meant."""
    surname = rng.choices([s for s, _w in SURNAMES], [w for _s, w in SURNAMES])[0]
    return f"{surname} {rng.choice(MIDDLE[female])}", rng.choice(GIVEN[female])


def _serial(seed: int, index: int, modulus: int) -> int:
    """Distinct for distinct indices below `modulus` (7919 is prime to 10^k): no two demo
    people of one run share an ID number."""
    return (index * 7919 + seed * 104_729) % modulus


def demo_person(seed: int, index: int, today: dt.date, places: list[str]) -> ApplicantData:
    """A demo applicant: a person (ID number of valid structure, matching the birth year) or,
    one time in ten, an organisation with a 10-digit tax code."""
    rng = random.Random(f"{seed}:person:{index}")
    address = f"Địa chỉ mẫu số {rng.randint(1, 300)}, {rng.choice(places)}"
    female = rng.random() < 0.5
    family, given = vietnamese_name(rng, female)
    if rng.random() < 0.1:
        kind = rng.choice(ORGANISATION_KINDS)
        return ApplicantData(
            kind=Applicant.Kind.ORGANISATION,
            name=f"{kind} {rng.choice(TRADES)} Mẫu {given} {index % 1000:03d}",
            tax_code=f"99{_serial(seed, index, 10**8):08d}",
            representative=f"{family} {given}",
            address=address,
        )
    born = dt.date(today.year - rng.randint(18, 80), 1, 1) + dt.timedelta(days=rng.randrange(365))
    province = rng.choices([p for p, _w in BIRTH_PROVINCES], [w for _p, w in BIRTH_PROVINCES])[0]
    sex_century = (0 if born.year < 2000 else 2) + int(female)
    return ApplicantData(
        kind=Applicant.Kind.PERSON,
        name=f"{family} {given}",
        personal_id=f"{province:03d}{sex_century}{born.year % 100:02d}"
        f"{_serial(seed, index, 10**6):06d}",
        birth_date=born,
        address=address,
    )


# ---------------------------------------------------------------- routes and staff


@dataclass(frozen=True)
class Route:
    """Where a dossier of a procedure is received and who decides it.

    A procedure linked to a commune service centre is received there and decided by the
    People's Committee of the same commune (the centre has no specialist division); one linked
    to a department is received at the service centre of the department's territory. `auto`:
    the services pick the same processing agency by themselves, which online submission and
    reception guidance need (they take no processing agency)."""

    procedure: Procedure
    receiving: Agency
    processing: Agency
    auto_processing: Agency
    documents: tuple[RequiredDocument, ...]

    @property
    def auto(self) -> bool:
        return self.auto_processing.pk == self.processing.pk

    @property
    def is_commune(self) -> bool:
        return self.processing.kind == Agency.Kind.PEOPLES_COMMITTEE


def _demo_shaped(catalog: Catalog, template: ProcessTemplate | None) -> bool:
    if template is None or not template.is_demo:
        return False
    return tuple(step.role for step in catalog.steps(template)) == PROCESS_ROLES


def _by_territory(kind: str) -> dict[int, Agency]:
    agencies = Agency.objects.filter(kind=kind, is_demo=True).order_by("code")
    found: dict[int, Agency] = {}
    for agency in agencies.select_related("calendar", "territory"):
        found.setdefault(agency.territory_id, agency)
    return found


def load_routes(catalog: Catalog) -> list[Route]:
    """Every (procedure, receiving centre, processing agency) the demo can use: procedures with
    a demo internal process of the demo shape, linked to demo agencies."""
    centres = _by_territory(Agency.Kind.SERVICE_CENTRE)
    committees = _by_territory(Agency.Kind.PEOPLES_COMMITTEE)
    procedures = (
        Procedure.objects.filter(processes__is_demo=True)
        .distinct()
        .select_related("field")
        .prefetch_related("agencies__calendar", "documents")
        .order_by("national_code", "version")
    )
    routes = []
    for procedure in procedures:
        for linked in procedure.agencies.all():
            route = _route(procedure, linked, centres, committees)
            if route and _demo_shaped(catalog, catalog.process_for(procedure, route.processing)):
                routes.append(route)
    return routes


def _route(procedure: Procedure, linked: Agency, centres, committees) -> Route | None:
    if not linked.is_demo:
        return None
    if linked.kind == Agency.Kind.SERVICE_CENTRE:
        receiving, processing = linked, committees.get(linked.territory_id)
    else:
        receiving, processing = centres.get(linked.territory_id), linked
    if receiving is None or processing is None:
        return None
    # What reception._processing_agency answers; a linked centre is its own answer.
    auto = receiving if receiving is linked else _processing_agency(procedure, receiving, None)
    return Route(
        procedure=procedure,
        receiving=receiving,
        processing=processing,
        auto_processing=auto,
        documents=tuple(procedure.documents.all()),
    )


# (unit kind, role, position, username slots) of the officials a demo agency needs.
SLOTS = {
    OrgUnit.Kind.COUNTER: [
        (Role.COUNTER_OFFICER, Official.Position.SPECIALIST, ("tiepnhan1", "tiepnhan2"))
    ],
    OrgUnit.Kind.DIVISION: [
        (Role.SPECIALIST, Official.Position.SPECIALIST, ("chuyenvien1", "chuyenvien2")),
        (Role.HEAD, Official.Position.HEAD, ("truongphong",)),
    ],
    OrgUnit.Kind.LEADERSHIP: [(Role.LEADER, Official.Position.LEADER, ("lanhdao",))],
}
UNIT_KIND_OF_ROLE = {
    Role.COUNTER_OFFICER: OrgUnit.Kind.COUNTER,
    Role.SPECIALIST: OrgUnit.Kind.DIVISION,
    Role.HEAD: OrgUnit.Kind.DIVISION,
    Role.LEADER: OrgUnit.Kind.LEADERSHIP,
}
UNIT_NAMES = {
    OrgUnit.Kind.COUNTER: "Bộ phận tiếp nhận và trả kết quả",
    OrgUnit.Kind.DIVISION: "Phòng chuyên môn",
    OrgUnit.Kind.LEADERSHIP: "Lãnh đạo",
}


def staff_needs(routes: list[Route], targets: list[Agency]) -> dict[Agency, set[str]]:
    """Unit kinds each agency needs: counters where dossiers are received (and at transfer
    targets, which receive the transferred dossier), divisions and leaders where decided."""
    needs: dict[Agency, set[str]] = defaultdict(set)
    for route in routes:
        needs[route.receiving].add(OrgUnit.Kind.COUNTER)
        needs[route.processing] |= {OrgUnit.Kind.DIVISION, OrgUnit.Kind.LEADERSHIP}
    for agency in targets:
        needs[agency] |= {OrgUnit.Kind.COUNTER, OrgUnit.Kind.DIVISION, OrgUnit.Kind.LEADERSHIP}
    return needs


def _units(needs: dict[Agency, set[str]]) -> dict[tuple[int, str], OrgUnit]:
    """The agencies' units of the needed kinds, created when missing (idempotent)."""
    units = {
        (u.agency_id, u.kind): u
        for u in OrgUnit.objects.filter(agency__in=list(needs)).order_by("-pk")
    }
    for agency, kinds in needs.items():
        for kind in sorted(kinds):
            if (agency.pk, kind) not in units:
                units[(agency.pk, kind)], _ = OrgUnit.objects.get_or_create(
                    agency=agency, code=kind, defaults={"name": UNIT_NAMES[kind], "kind": kind}
                )
    return units


def ensure_staff(needs: dict[Agency, set[str]]) -> int:
    """Create the missing `demo.<agency>.<slot>` officials (idempotent); returns how many."""
    units = _units(needs)
    wanted = {}  # username -> (unit, role, position)
    for agency, kinds in needs.items():
        for kind in kinds:
            for role, position, slots in SLOTS[kind]:
                unit = units[(agency.pk, kind)]
                for slot in slots:
                    wanted[f"demo.{agency.code}.{slot}"] = (unit, role, position)
    users = get_user_model()
    existing = set(users.objects.filter(username__in=wanted).values_list("username", flat=True))
    new_users = [_demo_user(name) for name in sorted(wanted) if name not in existing]
    users.objects.bulk_create(new_users)
    by_name = {u.username: u for u in users.objects.filter(username__in=wanted)}
    with_official = set(Official.objects.filter(user__in=by_name.values()).values_list("user_id"))
    officials = [
        Official(user=by_name[name], unit=unit, position=position)
        for name, (unit, _role, position) in sorted(wanted.items())
        if (by_name[name].pk,) not in with_official
    ]
    Official.objects.bulk_create(officials)
    placed = Official.objects.filter(user__in=by_name.values()).select_related("user")
    OfficialRole.objects.bulk_create(
        [OfficialRole(official=o, role=wanted[o.user.username][1]) for o in placed],
        ignore_conflicts=True,
    )
    return len(new_users)


def _demo_user(username: str) -> AbstractBaseUser:
    """An account that cannot log in, named after a demo person (stable per username)."""
    rng = random.Random(username)
    family, given = vietnamese_name(rng, rng.random() < 0.5)
    user = get_user_model()(username=username, first_name=family, last_name=given)
    user.set_unusable_password()
    return user


class Staff:
    """The active officials of each (agency, unit kind, role), and one Actor per official."""

    def __init__(self, agencies: list[Agency]) -> None:
        self.pools: dict[tuple[int, str, str], list[Official]] = defaultdict(list)
        officials = (
            Official.objects.filter(is_active=True, unit__agency__in=agencies)
            .select_related("user", "unit__agency")
            .prefetch_related("roles")
            .order_by("pk")
        )
        for official in officials:
            for role in official.roles.all():
                self.pools[(official.unit.agency_id, official.unit.kind, role.role)].append(
                    official
                )
        self._actors: dict[tuple[int, str], Actor] = {}

    def pick(self, rng: random.Random, agency: Agency, role: str) -> Official:
        pool = self.pools[(agency.pk, UNIT_KIND_OF_ROLE[role], role)]
        if not pool:
            raise LookupError(f"no active {role} at {agency.code}")
        return rng.choice(pool)

    def actor(self, official: Official, role: str) -> Actor:
        key = (official.pk, role)
        if key not in self._actors:
            self._actors[key] = Actor.official_as(official, role)
        return self._actors[key]


# ---------------------------------------------------------------- engines


class ServiceEngine:
    """The reference path: every move is the application's own service function."""

    def begin_chunk(self) -> None:
        """Nothing to prepare: the services allocate ids and codes themselves."""

    def prepare(self, plans: list[Plan]) -> None:
        """Nothing to preload."""

    def flush(self) -> None:
        """Every move is already written."""

    def do(self, move: str, **kwargs):
        return getattr(services, move)(**kwargs)

    def state(self, pk: int) -> tuple[str, dt.datetime | None]:
        return Dossier.objects.filter(pk=pk).values_list("status", "due_at").get()


class _Ids:
    """Primary keys handed out in creation order, as the database would, so that rows can
    reference each other (and events hash their dossier's id) before they are inserted.

    Taken inside the chunk's transaction (SQLite holds its write lock from BEGIN IMMEDIATE);
    on SQLite the AUTOINCREMENT high-water mark counts, so ids equal the service path's."""

    def __init__(self, models_: list[type[models.Model]]) -> None:
        self.models = models_
        self.next: dict[type[models.Model], int] = {}

    def reset(self) -> None:
        for model in self.models:
            self.next[model] = _highest_id(model) + 1

    def take(self, model: type[models.Model]) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return value

    def sync_sequences(self) -> None:
        """PostgreSQL: move the sequences past the ids inserted explicitly."""
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for model in self.models:
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))"
                )


def _highest_id(model: type[models.Model]) -> int:
    table = model._meta.db_table
    highest = model.objects.aggregate(m=models.Max("pk"))["m"] or 0
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
        highest = max(highest, row[0] if row else 0)
    return highest


@dataclass
class _Sim:
    """One dossier in memory with the work rows the services would read back."""

    dossier: Dossier
    cal: clock.WorkCalendar
    steps: list[ProcessStep]
    runs: list[StepRun] = field(default_factory=list)
    pauses: list[Pause] = field(default_factory=list)
    apologies: list[ApologyLetter] = field(default_factory=list)
    supplement: SupplementRequest | None = None


class BulkEngine:
    """The same moves as the service functions, made in memory and written in bulk.

    Each method mirrors the service function of the same name for the cases the stories use:
    the same lifecycle check, the same fields, the same event action, note and data (including
    how each moment is written in the data: values the service reads back from the database
    are in UTC, values it has just computed are in the calendar's zone). It assumes nobody else
    receives dossiers at the demo agencies while it runs (a demo loader): codes come from the
    counters it read, and a clash would fail on the unique code rather than corrupt anything.
    When a service function changes what it writes, this mirror must follow: the row-by-row
    comparison in tests/test_demo_histories.py fails until it does.
    """

    INSERT_ORDER = (
        Applicant, Dossier, StepRun, Document, SupplementRequest, Pause, ApologyLetter,
        Consultation, Result, Event,
    )  # fmt: skip

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.ids = _Ids([Applicant, Dossier, StepRun, Consultation])
        self.sims: dict[int, _Sim] = {}
        self.rows: dict[type[models.Model], list[models.Model]] = defaultdict(list)
        self.counters: dict[tuple[int, dt.date], int] = {}
        self.counters_touched: set[tuple[int, dt.date]] = set()
        self.applicants: dict[tuple[str, str], Applicant] = {}
        self.new_applicants: set[int] = set()
        self.changed_applicants: dict[int, Applicant] = {}
        self.counters_loaded = False
        self.defaults: dict[type[models.Model], dict] = {}
        self.zone = timezone.get_current_timezone()

    # -- chunk life cycle

    def begin_chunk(self) -> None:
        self.ids.reset()
        self.sims.clear()
        self.applicants.clear()
        self.new_applicants.clear()

    def prepare(self, plans: list[Plan]) -> None:
        """Read the counters and applicants the chunk will meet (one query per kind)."""
        ids = {p.applicant.personal_id for p in plans if p.applicant.personal_id}
        taxes = {p.applicant.tax_code for p in plans if p.applicant.tax_code}
        found = Applicant.objects.filter(
            models.Q(personal_id__in=ids) | models.Q(tax_code__in=taxes)
        )
        for applicant in found:
            self.applicants[_applicant_key(applicant)] = applicant
        if not self.counters_loaded:
            self.counters_loaded = True
            first = min(p.entry for p in plans)
            for agency_id, day, last in DossierCounter.objects.filter(
                day__gte=timezone.localdate(first) - dt.timedelta(days=1)
            ).values_list("agency_id", "day", "last"):
                self.counters[(agency_id, day)] = last

    def _add(self, model: type[models.Model], cache: dict | None = None, /, **values):
        """A row to insert, built without Model.__init__ (it dominated the run time); `cache`
        holds related objects the engine reads back (as a fetched instance would)."""
        defaults = self.defaults.get(model)
        if defaults is None:
            defaults = self.defaults[model] = _defaults(model)
        obj = model.__new__(model)
        obj.__dict__.update(defaults)
        obj.__dict__.update(values)
        obj._state = ModelState()
        if cache:
            obj._state.fields_cache.update(cache)
        self.rows[model].append(obj)
        return obj

    def flush(self) -> None:
        for model in self.INSERT_ORDER:
            _insert(model, self.rows.pop(model, []), with_pk=model in self.ids.models)
        if self.changed_applicants:
            fields = [f.name for f in Applicant._meta.concrete_fields if not f.primary_key]
            Applicant.objects.bulk_update(list(self.changed_applicants.values()), fields)
            self.changed_applicants.clear()
        self._flush_counters()
        self.ids.sync_sequences()

    def _flush_counters(self) -> None:
        rows = [
            DossierCounter(agency_id=agency_id, day=day, last=self.counters[(agency_id, day)])
            for agency_id, day in sorted(self.counters_touched, key=lambda k: (k[1], k[0]))
        ]
        DossierCounter.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["agency", "day"], update_fields=["last"]
        )
        self.counters_touched.clear()

    def do(self, move: str, **kwargs):
        return getattr(self, move)(**kwargs)

    def state(self, pk: int) -> tuple[str, dt.datetime | None]:
        dossier = self.sims[pk].dossier
        return dossier.status, dossier.due_at

    # -- shared helpers (mirrors of dossiers.services.core, reception and steps)

    def _next_code(self, agency: Agency, day: dt.date) -> str:
        key = (agency.pk, day)
        number = self.counters.get(key, 0) + 1
        self.counters[key] = number
        self.counters_touched.add(key)
        return f"{agency.exchange_code}-{day:%y%m%d}-{number:04d}"

    def _applicant(self, data: ApplicantData | Applicant) -> Applicant:
        """find_or_create_applicant: by personal ID or tax code; the latest details win."""
        if isinstance(data, Applicant):
            return data
        candidate = Applicant(**data.__dict__)
        key = _applicant_key(candidate)
        existing = self.applicants.get(key)
        if existing is None:
            candidate.full_clean(validate_unique=False, validate_constraints=False)
            candidate.pk = self.ids.take(Applicant)
            self.new_applicants.add(candidate.pk)
            self.rows[Applicant].append(candidate)
            self.applicants[key] = candidate
            return candidate
        if _merge_applicant(existing, candidate) and existing.pk not in self.new_applicants:
            self.changed_applicants[existing.pk] = existing
        return existing

    def _sim(self, pk: int, move: Move) -> tuple[_Sim, str]:
        """Take the dossier and check the move against the lifecycle table."""
        sim = self.sims[pk]
        before = sim.dossier.status
        sim.dossier.status = check_move(before or None, move)
        return sim, before

    def _new_dossier(
        self, *, route_procedure: Procedure, applicant, receiving: Agency, processing: Agency,
        channel: str, delivery: str, delivery_address: str, status: Status, at: dt.datetime,
    ) -> _Sim:  # fmt: skip
        person = self._applicant(applicant)
        template = self.catalog.process_for(route_procedure, processing)
        dossier = self._dossier(
            code=self._next_code(receiving, self._localdate(at)), procedure=route_procedure,
            process=template, receiving_agency=receiving, processing_agency=processing,
            applicant=person, channel=channel, delivery=delivery,
            delivery_address=delivery_address, status=status,
            submitted_at=at if channel == Channel.ONLINE else None,
            fee_amount=route_procedure.fee_amount,
        )  # fmt: skip
        return self._register(dossier, template)

    def _dossier(self, **values) -> Dossier:
        """A new Dossier row: related objects are given as objects, kept for reading back."""
        related = {
            name: values.pop(name)
            for name in ("procedure", "process", "receiving_agency", "processing_agency",
                         "applicant", "transferred_from")
            if name in values
        }  # fmt: skip
        ids = {f"{name}_id": obj.pk if obj else None for name, obj in related.items()}
        return self._add(Dossier, related, id=self.ids.take(Dossier), **ids, **values)

    def _register(self, dossier: Dossier, template: ProcessTemplate | None) -> _Sim:
        sim = _Sim(
            dossier=dossier,
            cal=self.catalog.clock(dossier.processing_agency),
            steps=self.catalog.steps(template),
        )
        self.sims[dossier.pk] = sim
        return sim

    def _documents(
        self, sim: _Sim, components, role: str, by: Official | None, at: dt.datetime
    ) -> None:
        for c in components:
            self._add(
                Document, dossier_id=sim.dossier.pk, role=role,
                required_document_id=c.required_document_id, name=c.name[:500], kind=c.kind,
                count=c.count, reused_from_id=c.reused_from_id,
                digitised=c.file is not None or c.reused_from_id is not None,
                uploaded_by_id=by.pk if by else None, uploaded_at=at,
            )  # fmt: skip

    def _event(
        self, sim: _Sim, move: Move, actor: Actor, at: dt.datetime, before: str,
        on_behalf_of: Official | None = None, note: str = "", data: dict | None = None,
    ) -> None:  # fmt: skip
        """append_event: the next link of the dossier's hash chain."""
        dossier = sim.dossier
        event = self._add(
            Event, dossier_id=dossier.pk, seq=dossier.last_event_seq + 1,
            action=f"dossier.{move.value}", actor_id=actor.official.pk if actor.official else None,
            actor_label=actor.label, on_behalf_of_id=on_behalf_of.pk if on_behalf_of else None,
            role=actor.role, at=at, status_before=before or "", status_after=dossier.status,
            note=note, data=data or {}, prev_hash=dossier.last_event_hash or GENESIS_HASH,
        )  # fmt: skip
        event.hash = event.compute_hash()
        dossier.last_event_seq, dossier.last_event_hash = event.seq, event.hash

    def _compute_due(self, sim: _Sim) -> dt.datetime:
        """core.compute_due: from the clock start (or the last apology), legal time, pauses."""
        dossier, cal = sim.dossier, sim.cal
        unit = legal_unit(dossier)
        if sim.apologies:
            # order_by("-issued_at", "-pk").first(): the latest made wins a tie.
            apology = max(reversed(sim.apologies), key=lambda a: a.issued_at)
            # Read back from the database by the service: in UTC.
            base, since = apology.new_due_at.astimezone(dt.UTC), apology.issued_at
        else:
            amount = dossier.procedure.legal_time_amount or 0
            base, since = clock.add_working(cal, dossier.clock_start, amount, unit), None
        extra = paused_amount(cal, sim.pauses, unit, since)
        if extra == 0:
            return base
        return clock.add_working(cal, base, extra, pause_unit(unit))

    def _start_clock(self, sim: _Sim, officer: Official | None, at: dt.datetime) -> None:
        dossier = sim.dossier
        dossier.received_at = at
        dossier.clock_start = clock.normalise_reception(sim.cal, at)
        dossier.due_at = dossier.original_due_at = self._compute_due(sim)
        self._open_first_step(sim, officer, at)

    def _open_first_step(self, sim: _Sim, officer: Official | None, at: dt.datetime) -> None:
        if not sim.steps:
            sim.dossier.current_step = None
            return
        first = sim.steps[0]
        assignee = officer if officer and first.role == Role.COUNTER_OFFICER else None
        self._open_step(sim, first, at, assignee)

    def _open_step(
        self, sim: _Sim, step: ProcessStep, at: dt.datetime, assignee: Official | None = None
    ) -> StepRun:
        dossier = sim.dossier
        agency = (
            dossier.receiving_agency
            if step.role == Role.COUNTER_OFFICER
            else dossier.processing_agency
        )
        # steps.open_step first snaps `at` to a working moment; that moment has the same
        # position on the working timeline, so adding from `at` gives the same due moment.
        due = self._step_due(sim, step, at)
        org_unit = self.catalog.unit_for(step, agency)
        run = self._add(
            StepRun, {"step": step, "unit": org_unit, "assignee": assignee},
            id=self.ids.take(StepRun), dossier_id=dossier.pk, step_id=step.pk,
            agency_id=agency.pk, unit_id=org_unit.pk, assignee_id=assignee.pk if assignee else None,
            arrived_at=at, assigned_at=at if assignee else None,
            started_at=at if assignee else None, due_at=due,
        )  # fmt: skip
        sim.runs.append(run)
        dossier.current_step = run
        return run

    def _step_due(self, sim: _Sim, step: ProcessStep, at: dt.datetime) -> dt.datetime:
        """add_working(at, allotment); a whole number of working minutes (the demo allots
        quarter hours) goes through the stories' table, which answers as the clock does."""
        allotment, unit = self.catalog.allotment(step)
        minutes = allotment * 60
        if unit is HOURS and minutes.denominator == 1:
            return self.catalog.minutes(sim.dossier.processing_agency).add(at, int(minutes))
        return clock.add_working(sim.cal, at, allotment, unit)

    def _localdate(self, moment: dt.datetime) -> dt.date:
        """timezone.localdate without its per-call look-up of the active zone."""
        return moment.astimezone(self.zone).date()

    def _close_run(self, run: StepRun, at: dt.datetime, outcome: str, note: str = "") -> None:
        """steps.close_run, with core.timeliness: early when finished on an earlier day than
        the due day, late when after the due moment."""
        run.finished_at, run.outcome, run.note = at, outcome, note
        if at > run.due_at:
            run.timeliness = Timeliness.LATE
        elif self._localdate(at) < self._localdate(run.due_at):
            run.timeliness = Timeliness.EARLY
        else:
            run.timeliness = Timeliness.ON_TIME

    @staticmethod
    def _current(sim: _Sim) -> StepRun:
        run = sim.dossier.current_step
        if run is None or run.finished_at is not None:
            raise services.RuleViolation("no open step")
        return run

    def _step_at(self, sim: _Sim, run: StepRun, offset: int) -> ProcessStep | None:
        position = run.step.position + offset
        return next((s for s in sim.steps if s.position == position), None)

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
        payload = _items_payload(items)
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
        payload = _items_payload(items)
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


def _defaults(model: type[models.Model]) -> dict:
    """Every concrete field's default; the engine never relies on a mutable default (it
    passes `data` and `items` itself), so one dict per model is shared safely."""
    return {f.attname: f.get_default() for f in model._meta.concrete_fields}


def _converter(field: models.Field):
    """How a value goes to the database: as is for text, numbers and keys, else through the
    field (dates and times in the database's form, JSON encoded)."""
    if isinstance(field, models.DateTimeField):
        if connection.vendor == "sqlite" and settings.USE_TZ:
            return _sqlite_datetime(connection.timezone)
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    plain = (models.CharField, models.TextField, models.IntegerField, models.BooleanField)
    if isinstance(field, plain) or field.is_relation:
        return None
    return lambda value: field.get_db_prep_save(value, connection)


def _sqlite_datetime(zone: dt.tzinfo):
    """What the SQLite backend stores for an aware datetime (naive, in the connection's zone,
    as str()), without its per-value checks and connection look-ups."""

    def convert(value: dt.datetime) -> str:
        return str(value.astimezone(zone).replace(tzinfo=None))

    return convert


def _insert(model: type[models.Model], objs: list[models.Model], *, with_pk: bool) -> None:
    """One executemany per table: Django's bulk_create compiles every value through the
    field API, which cost more than making the histories."""
    if not objs:
        return
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    now = timezone.now()
    for f in fields:
        if getattr(f, "auto_now_add", False):
            for obj in objs:
                if getattr(obj, f.attname) is None:
                    setattr(obj, f.attname, now)
    names = [f.attname for f in fields]
    converters = [(i, c) for i, c in enumerate(map(_converter, fields)) if c is not None]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
        f" VALUES ({', '.join(['%s'] * len(fields))})"
    )
    rows = []
    for obj in objs:
        values = [obj.__dict__[name] for name in names]
        for i, convert in converters:
            if values[i] is not None:
                values[i] = convert(values[i])
        rows.append(values)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])


def _applicant_key(applicant: Applicant) -> tuple[str, str]:
    if applicant.kind == Applicant.Kind.PERSON:
        return ("personal_id", applicant.personal_id)
    return ("tax_code", applicant.tax_code)


def _merge_applicant(existing: Applicant, candidate: Applicant) -> bool:
    """What find_or_create_applicant does to a known applicant; True when a value changed."""
    changed = False
    for name, value in candidate.__dict__.items():
        if name.startswith("_") or name == "id" or value in ("", None):
            continue
        if getattr(existing, name) != value:
            setattr(existing, name, value)
            changed = True
    return changed


def _items_payload(items: list[dict]) -> list[dict]:
    return [
        {k: item.get(k) for k in ("name", "kind", "count", "required_document_id", "reason")}
        for item in items
    ]


class Catalog:
    """Cached reads of the catalogue and calendars, shared by the stories and the bulk engine."""

    def __init__(self) -> None:
        self._clocks: dict[int, clock.WorkCalendar] = {}
        self._steps: dict[int, list[ProcessStep]] = {}
        self._process: dict[tuple[int, int | None], ProcessTemplate | None] = {}
        self._specific: dict[int, bool] = {}
        self._auto: dict[tuple[int, int], Agency] = {}
        self._units: dict[tuple[int, str], OrgUnit] = {}
        self._documents: dict[int, list[RequiredDocument]] = {}
        self._allotments: dict[int, tuple[Fraction, clock.Unit]] = {}
        self._minutes: dict[int, WorkingMinutes] = {}
        self.window: tuple[dt.date, dt.date] | None = None

    def minutes(self, agency: Agency) -> WorkingMinutes:
        """The stories' fast clock for the agency's calendar over the run's window."""
        if agency.calendar_id not in self._minutes:
            first, last = self.window
            self._minutes[agency.calendar_id] = WorkingMinutes(self.clock(agency), first, last)
        return self._minutes[agency.calendar_id]

    def clock(self, agency: Agency) -> clock.WorkCalendar:
        if agency.calendar_id not in self._clocks:
            self._clocks[agency.calendar_id] = agency.calendar.to_clock()
        return self._clocks[agency.calendar_id]

    def steps(self, template: ProcessTemplate | None) -> list[ProcessStep]:
        if template is None:
            return []
        if template.pk not in self._steps:
            self._steps[template.pk] = list(
                template.steps.select_related("acting_unit__agency").order_by("position")
            )
        return self._steps[template.pk]

    def process_for(self, procedure: Procedure, agency: Agency) -> ProcessTemplate | None:
        """reception._process_for, asked once per procedure unless some of its processes
        are meant for one agency only."""
        if procedure.pk not in self._specific:
            specific = procedure.processes.filter(agency__isnull=False).exists()
            self._specific[procedure.pk] = specific
        key = (procedure.pk, agency.pk if self._specific[procedure.pk] else None)
        if key not in self._process:
            self._process[key] = _process_for(procedure, agency)
        return self._process[key]

    def auto_processing(self, procedure: Procedure, receiving: Agency) -> Agency:
        key = (procedure.pk, receiving.pk)
        if key not in self._auto:
            self._auto[key] = _processing_agency(procedure, receiving, None)
        return self._auto[key]

    def allotment(self, step: ProcessStep) -> tuple[Fraction, clock.Unit]:
        """The step's allotment as an exact Fraction (the clock converts a Decimal to the same
        Fraction on every call otherwise)."""
        if step.pk not in self._allotments:
            self._allotments[step.pk] = (Fraction(step.allotment), clock.Unit(step.allotment_unit))
        return self._allotments[step.pk]

    def unit_for(self, step: ProcessStep, agency: Agency) -> OrgUnit:
        """steps._unit_for: the step's own unit, else the agency's first unit of that kind."""
        if step.acting_unit_id:
            return step.acting_unit
        key = (agency.pk, step.acting_unit_kind)
        if key not in self._units:
            unit = agency.units.filter(kind=step.acting_unit_kind).order_by("pk").first()
            if unit is None:
                raise services.RuleViolation(f"{agency.code} has no {step.acting_unit_kind}")
            unit.agency = agency
            self._units[key] = unit
        return self._units[key]

    def documents(self, procedure: Procedure) -> list[RequiredDocument]:
        if procedure.pk not in self._documents:
            self._documents[procedure.pk] = list(procedure.documents.all())
        return self._documents[procedure.pk]


class WorkingMinutes:
    """Moving a whole number of working minutes on, for the stories: the working intervals of
    the run's window (from WorkCalendar.hours_on) as epoch minutes, so a move is two
    bisections instead of a walk through workdays.clock. Like the clock, it answers the
    earliest moment at a position (17:00 rather than 07:30 the next day). Outside the window,
    or from a moment that is not a whole minute, it asks workdays.clock."""

    def __init__(self, cal: clock.WorkCalendar, first: dt.date, last: dt.date) -> None:
        self.cal = cal
        self.starts: list[int] = []
        self.cum = [0]  # working minutes before each interval
        day = first
        while day <= last:
            for start, end in cal.hours_on(day):
                begin = _epoch_minutes(dt.datetime.combine(day, start, tzinfo=cal.zone))
                length = _epoch_minutes(dt.datetime.combine(day, end, tzinfo=cal.zone)) - begin
                self.starts.append(begin)
                self.cum.append(self.cum[-1] + length)
            day += dt.timedelta(days=1)

    def add(self, moment: dt.datetime, minutes: int) -> dt.datetime:
        whole = moment.second == 0 and moment.microsecond == 0
        t = _epoch_minutes(moment)
        i = bisect.bisect_right(self.starts, t) - 1
        target = self._position(i, t) + minutes if whole and i >= 0 else -1
        j = bisect.bisect_left(self.cum, target) - 1
        if target < 0 or j >= len(self.starts):
            return clock.add_working(self.cal, moment, Fraction(minutes, 60), HOURS)
        stamp = (self.starts[j] + target - self.cum[j]) * 60
        return dt.datetime.fromtimestamp(stamp, tz=self.cal.zone)

    def _position(self, i: int, t: int) -> int:
        length = self.cum[i + 1] - self.cum[i]
        return self.cum[i] + min(t - self.starts[i], length)


def _epoch_minutes(moment: dt.datetime) -> int:
    return int(moment.timestamp()) // 60


# ---------------------------------------------------------------- plans


class Fate:
    """How a dossier's story ends (or where it stands now, for the recent ones)."""

    APPROVED = "approved"
    LATE = "late"  # finished after its first due moment, with an apology before it passed
    REFUSED = "refused"  # a reasoned refusal after processing
    NOT_RECEIVED = "not_received"  # refused at reception
    WITHDRAWN = "withdrawn"
    STOPPED = "stopped"
    TRANSFERRED = "transferred"  # part of the work is transferred to another agency
    GUIDED = "guided"  # incomplete at reception: one written guidance, then received
    WAITING_SUPPLEMENT = "waiting_supplement"  # recent: the applicant has not supplemented yet
    WAITING_PAYMENT = "waiting_payment"  # recent: the financial obligation is not paid yet


# Shares per hundred dossiers (each hundred holds exactly these, in a shuffled order).
FATES = {
    Fate.APPROVED: 58, Fate.LATE: 9, Fate.REFUSED: 6, Fate.NOT_RECEIVED: 6, Fate.WITHDRAWN: 5,
    Fate.STOPPED: 4, Fate.TRANSFERRED: 4, Fate.GUIDED: 8,
}  # fmt: skip
# In the last four working weeks more dossiers wait on their applicants, as in practice.
RECENT_FATES = {
    Fate.APPROVED: 44, Fate.LATE: 8, Fate.WAITING_SUPPLEMENT: 18, Fate.WAITING_PAYMENT: 10,
    Fate.NOT_RECEIVED: 6, Fate.WITHDRAWN: 4, Fate.GUIDED: 6, Fate.REFUSED: 4,
}  # fmt: skip
# Extras along the processing of a dossier that goes through the internal process.
EXTRAS = {"supplement": 0.12, "payment": 0.10, "consult": 0.08, "send_back": 0.07}
PROCESSED = {Fate.APPROVED, Fate.LATE, Fate.REFUSED, Fate.TRANSFERRED, Fate.GUIDED}


class Deck:
    """Fates dealt from shuffled decks of a hundred cards: any hundred consecutive dossiers
    hold the exact mix, so even a small sample has every kind of history."""

    def __init__(self, shares: dict[str, int], rng: random.Random) -> None:
        self.cards = [fate for fate, n in shares.items() for _ in range(n)]
        self.rng = rng
        self.hand: list[str] = []

    def deal(self) -> str:
        if not self.hand:
            self.hand = self.cards[:]
            self.rng.shuffle(self.hand)
        return self.hand.pop()


@dataclass
class Plan:
    """What will happen to one dossier; the story decides the when, move by move."""

    index: int
    route: Route
    fate: str
    channel: str
    delivery: str
    entry: dt.datetime  # online submission, or reception at the counter
    applicant: ApplicantData
    extras: set[str]
    end_stage: str = ""  # where a withdrawal or a stop happens
    rng: random.Random = field(default_factory=random.Random, repr=False)


class Planner:
    """Deals the plans: procedures and agencies, channels, fates, and the entry moments
    (spread evenly over the working time of the past twelve months, each at a working
    moment; online submissions also in the evening and at weekends)."""

    def __init__(self, setup: Setup, seed: int, count: int, now: dt.datetime) -> None:
        self.setup, self.seed, self.count, self.now = setup, seed, count, now
        self.rng = random.Random(seed)
        self.deck = Deck(FATES, self.rng)
        self.recent_deck = Deck(RECENT_FATES, self.rng)
        self.start = (now - WINDOW).replace(second=0, microsecond=0)
        self.cal = setup.catalog.clock(setup.routes[0].receiving)
        self.span = clock.elapsed_working(self.cal, self.start, now, unit=HOURS)
        setup.catalog.window = (self.start.date() - dt.timedelta(days=1), now.date() + HORIZON)
        self.minutes = setup.catalog.minutes(setup.routes[0].receiving)
        self.pool = max(10, count * 85 // 100)
        self.by_procedure = _group_routes(setup.routes)
        # Commune-level procedures (civil status, certification...) are the busiest.
        self.weights = [2 if routes[0].is_commune else 1 for routes in self.by_procedure]

    def plan(self, index: int) -> Plan:
        offset = self.span * Fraction(index + self.rng.random()) / self.count
        entry = self.minutes.add(self.start, math.floor(offset * 60))
        recent = offset >= self.span - RECENT_HOURS
        fate = (self.recent_deck if recent else self.deck).deal()
        rng = random.Random(f"{self.seed}:dossier:{index}")
        route = rng.choice(rng.choices(self.by_procedure, self.weights)[0])
        fate = self._feasible(fate, route)
        channel = _channel(rng, route, fate)
        if channel == Channel.ONLINE and rng.random() < 0.4:
            entry = max(self.start, entry - dt.timedelta(minutes=rng.randint(60, 14 * 60)))
        person = rng.randrange(self.pool)
        places = self.setup.places
        plan = Plan(
            index=index, route=route, fate=fate, channel=channel,
            delivery=_delivery(rng, channel), entry=entry,
            applicant=demo_person(self.seed, person, self.now.date(), places),
            extras=_extras(rng, route, fate), rng=rng,
        )  # fmt: skip
        plan.end_stage = _end_stage(rng, plan)
        return plan

    def _feasible(self, fate: str, route: Route) -> str:
        """Fall back to a plain approval where the route cannot give this history."""
        if fate == Fate.GUIDED and not (route.auto and route.documents):
            return Fate.APPROVED
        if fate == Fate.TRANSFERRED and not self.setup.targets_for(route):
            return Fate.APPROVED
        if fate == Fate.WAITING_SUPPLEMENT and not route.documents:
            return Fate.WAITING_PAYMENT
        return fate


def _group_routes(routes: list[Route]) -> list[list[Route]]:
    grouped: dict[int, list[Route]] = defaultdict(list)
    for route in routes:
        grouped[route.procedure.pk].append(route)
    return list(grouped.values())


def _channel(rng: random.Random, route: Route, fate: str) -> str:
    """Online only where the services choose the processing agency right by themselves; for
    those, most applications come online (demo assumption)."""
    if route.auto and rng.random() < 0.65:
        return Channel.ONLINE
    return Channel.POST if rng.random() < 0.12 else Channel.IN_PERSON


def _delivery(rng: random.Random, channel: str) -> str:
    if channel == Channel.ONLINE and rng.random() < 0.5:
        return Delivery.ONLINE
    return Delivery.POST if rng.random() < 0.25 else Delivery.COUNTER


def _extras(rng: random.Random, route: Route, fate: str) -> set[str]:
    extras = set()
    if fate == Fate.WAITING_SUPPLEMENT:
        extras.add("supplement")
    if fate == Fate.WAITING_PAYMENT:
        extras.add("payment")
    if fate in PROCESSED:
        extras |= {name for name, share in EXTRAS.items() if rng.random() < share}
    if fate == Fate.GUIDED or not route.documents:
        extras.discard("supplement")  # one supplement per dossier; nothing published to ask
    return extras


def _end_stage(rng: random.Random, plan: Plan) -> str:
    """Where a withdrawal or a stop happens; it brings the extras that stage needs."""
    if plan.fate == Fate.WITHDRAWN:
        stages = ["received", "specialist", "payment"]
        stages += ["submitted"] if plan.channel == Channel.ONLINE else []
        stages += ["supplement"] if plan.route.documents else []
    elif plan.fate == Fate.STOPPED:
        stages = ["specialist", "head", "payment"]
        stages += ["supplement", "supplement"] if plan.route.documents else []
    else:
        return ""
    stage = rng.choice(stages)
    if stage in ("supplement", "payment"):
        plan.extras.add(stage)
    return stage


# ---------------------------------------------------------------- stories

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


# ---------------------------------------------------------------- the whole run


@dataclass
class Setup:
    """What every story needs to know about the demo province."""

    routes: list[Route]
    targets: list[Agency]  # agencies that can receive a transfer or answer a consultation
    catalog: Catalog
    staff: Staff
    places: list[str]

    def targets_for(self, route: Route) -> list[Agency]:
        return [a for a in self.targets if a.pk != route.processing.pk]


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


def prepare() -> Setup:
    """Routes, the demo officials they need (created when missing), calendars and places."""
    catalog = Catalog()
    routes = load_routes(catalog)
    if not routes:
        raise LookupError(
            "Chưa có thủ tục nào có quy trình nội bộ mẫu: hãy chạy `manage.py demo` trước. / "
            "No procedure with a demo internal process: run `manage.py demo` first."
        )
    targets = sorted(
        {r.processing for r in routes if r.processing.kind != Agency.Kind.PEOPLES_COMMITTEE},
        key=lambda a: a.code,
    )
    if len(targets) < 2:
        raise LookupError("the demo needs at least two departments with demo processes")
    needs = staff_needs(routes, targets)
    ensure_staff(needs)
    places = list(
        AdministrativeUnit.objects.filter(
            parent__isnull=False, valid_to__isnull=True, agencies__in=list(needs)
        )
        .distinct()
        .order_by("code")
        .values_list("name", flat=True)
    )
    return Setup(
        routes=routes, targets=targets, catalog=catalog, staff=Staff(list(needs)),
        places=[f"{p}, thành phố Đà Nẵng" for p in places] or ["thành phố Đà Nẵng"],
    )  # fmt: skip


@dataclass
class Report:
    via: str
    requested: int
    dossiers: int = 0
    events: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process's CPU time: comparable on a busy machine
    statuses: Counter = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.requested / self.seconds if self.seconds else 0.0


def generate(
    count: int, *, seed: int = DEFAULT_SEED, now: dt.datetime | None = None,
    via: str = "bulk", progress: bool = False, chunk: int | None = None,
) -> Report:  # fmt: skip
    """Add `count` demo dossiers received over the twelve months before `now`.

    `via="bulk"` writes the rows in bulk (fast); `via="services"` makes every move through the
    service functions (the reference path: some 10 dossiers a second against 250 on a small
    machine). One transaction per chunk of dossiers.
    """
    if via not in CHUNK:
        raise ValueError(f"via must be one of {sorted(CHUNK)}, not {via!r}")
    chunk = chunk or CHUNK[via]
    started, cpu = time.monotonic(), time.process_time()
    now = now or timezone.now()
    setup = prepare()
    engine = BulkEngine(setup.catalog) if via == "bulk" else ServiceEngine()
    ctx = Context(setup=setup, engine=engine, now=now)
    planner = Planner(setup, seed, count, now)
    first_dossier, first_event = _highest_id(Dossier), _highest_id(Event)
    bar = tqdm(total=count, unit=" hồ sơ", disable=not progress, file=sys.stderr)
    with bar:
        for begin in range(0, count, chunk):
            plans = _run_chunk(ctx, planner, range(begin, min(count, begin + chunk)))
            bar.update(len(plans))
    report = Report(via=via, requested=count, seconds=time.monotonic() - started)
    report.cpu_seconds = time.process_time() - cpu
    added = Dossier.objects.filter(pk__gt=first_dossier)
    report.dossiers = added.count()
    report.events = Event.objects.filter(pk__gt=first_event).count()
    report.statuses = Counter(dict(added.values_list("status").annotate(n=models.Count("pk"))))
    return report


def _run_chunk(ctx: Context, planner: Planner, indices: range) -> list[Plan]:
    with transaction.atomic():
        ctx.engine.begin_chunk()
        plans = [planner.plan(i) for i in indices]
        ctx.engine.prepare(plans)
        for plan in plans:
            Story(ctx, plan).run()
        ctx.engine.flush()
    return plans


def iter_statuses(report: Report) -> Iterator[tuple[str, int]]:
    """(status label, count), most frequent first, for the command's summary."""
    for status, n in report.statuses.most_common():
        yield str(Status(status).label), n
