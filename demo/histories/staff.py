"""Demo staff: the `demo.<agency code>.<slot>` officials the routes need, and who acts."""

from __future__ import annotations

import random
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser

from demo.histories.people import vietnamese_name
from demo.histories.routes import Route
from dossiers.services import Actor
from org.models import Agency, Official, OfficialRole, OrgUnit, Role

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
