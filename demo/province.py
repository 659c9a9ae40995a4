"""The demo province: Đà Nẵng city on the real 2025 two-tier map, with demo agencies and staff.

Territory comes from real public data (demo/data, see PROVENANCE-units.md). Agencies are the
kinds of body the law sets up (departments, the public administration service centres of
Decree 118/2025, the land registration office), but their electronic codes, units and staff are
demo data: codes start with "X48", so nobody mistakes them for the real ones.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from org.models import (
    AdministrativeLevel,
    AdministrativeUnit,
    Agency,
    Official,
    OfficialRole,
    OrgUnit,
    Role,
    UnitSuccession,
)
from workdays.models import Calendar

DATA = Path(__file__).resolve().parent / "data"
TWO_TIER_START = dt.date(2025, 7, 1)
CITY_CODE = "48"

LEVELS = [
    # code, name, tier, process group (communes, wards and special zones count as one level)
    ("ministry", "Cấp bộ, ngành trung ương", 0, "central"),
    ("province", "Cấp tỉnh", 1, "province"),
    ("district", "Cấp huyện (đến 30/6/2025)", 2, "district"),
    ("commune", "Cấp xã", 3, "commune"),
    ("ward", "Phường", 3, "commune"),
    ("special_zone", "Đặc khu", 3, "commune"),
]
PREFIX_LEVEL = {"Xã": "commune", "Phường": "ward", "Đặc": "special_zone"}

# code, name, kind, short name
PROVINCE_AGENCIES = [
    ("ubnd-tp", "Ủy ban nhân dân thành phố Đà Nẵng", Agency.Kind.PEOPLES_COMMITTEE, "UBND TP"),
    ("ttpvhcc-tp", "Trung tâm Phục vụ hành chính công thành phố Đà Nẵng",
     Agency.Kind.SERVICE_CENTRE, "TTPVHCC TP"),
    ("so-tu-phap", "Sở Tư pháp thành phố Đà Nẵng", Agency.Kind.DEPARTMENT, "Sở Tư pháp"),
    ("so-tai-chinh", "Sở Tài chính thành phố Đà Nẵng", Agency.Kind.DEPARTMENT, "Sở Tài chính"),
    ("so-xay-dung", "Sở Xây dựng thành phố Đà Nẵng", Agency.Kind.DEPARTMENT, "Sở Xây dựng"),
    ("so-nong-nghiep-moi-truong", "Sở Nông nghiệp và Môi trường thành phố Đà Nẵng",
     Agency.Kind.DEPARTMENT, "Sở NN&MT"),
    ("so-noi-vu", "Sở Nội vụ thành phố Đà Nẵng", Agency.Kind.HOME_AFFAIRS, "Sở Nội vụ"),
    ("so-y-te", "Sở Y tế thành phố Đà Nẵng", Agency.Kind.DEPARTMENT, "Sở Y tế"),
    ("so-giao-duc", "Sở Giáo dục và Đào tạo thành phố Đà Nẵng", Agency.Kind.DEPARTMENT,
     "Sở GD&ĐT"),
    ("so-cong-thuong", "Sở Công Thương thành phố Đà Nẵng", Agency.Kind.DEPARTMENT,
     "Sở Công Thương"),
    ("so-van-hoa", "Sở Văn hóa, Thể thao và Du lịch thành phố Đà Nẵng", Agency.Kind.DEPARTMENT,
     "Sở VHTT&DL"),
    ("so-khcn", "Sở Khoa học và Công nghệ thành phố Đà Nẵng", Agency.Kind.DEPARTMENT,
     "Sở KH&CN"),
    ("cong-an-tp", "Công an thành phố Đà Nẵng", Agency.Kind.OTHER, "Công an TP"),
    ("vpdkdd", "Văn phòng Đăng ký đất đai thành phố Đà Nẵng", Agency.Kind.LAND_REGISTRATION,
     "VPĐKĐĐ"),
]  # fmt: skip
LAND_BRANCHES = 4

# Demo staff: username, agency code, unit kind, position, roles.
STAFF = [
    ("quantri", "so-noi-vu", OrgUnit.Kind.DIVISION, Official.Position.SPECIALIST, [Role.ADMIN]),
    ("giamsat", "so-noi-vu", OrgUnit.Kind.DIVISION, Official.Position.SPECIALIST,
     [Role.OVERSEER]),
    ("tiepnhan.tp", "ttpvhcc-tp", OrgUnit.Kind.COUNTER, Official.Position.SPECIALIST,
     [Role.COUNTER_OFFICER]),
    ("tuphap.chuyenvien", "so-tu-phap", OrgUnit.Kind.DIVISION, Official.Position.SPECIALIST,
     [Role.SPECIALIST]),
    ("tuphap.truongphong", "so-tu-phap", OrgUnit.Kind.DIVISION, Official.Position.HEAD,
     [Role.HEAD]),
    ("tuphap.lanhdao", "so-tu-phap", OrgUnit.Kind.LEADERSHIP, Official.Position.LEADER,
     [Role.LEADER]),
    ("xaydung.chuyenvien", "so-xay-dung", OrgUnit.Kind.DIVISION, Official.Position.SPECIALIST,
     [Role.SPECIALIST]),
    ("xaydung.truongphong", "so-xay-dung", OrgUnit.Kind.DIVISION, Official.Position.HEAD,
     [Role.HEAD]),
    ("xaydung.lanhdao", "so-xay-dung", OrgUnit.Kind.LEADERSHIP, Official.Position.LEADER,
     [Role.LEADER]),
    ("datdai.chuyenvien", "vpdkdd", OrgUnit.Kind.DIVISION, Official.Position.SPECIALIST,
     [Role.SPECIALIST]),
    ("datdai.truongphong", "vpdkdd", OrgUnit.Kind.DIVISION, Official.Position.HEAD, [Role.HEAD]),
    ("datdai.lanhdao", "vpdkdd", OrgUnit.Kind.LEADERSHIP, Official.Position.LEADER,
     [Role.LEADER]),
    ("haichau.tiepnhan", "ttpvhcc-20242", OrgUnit.Kind.COUNTER, Official.Position.SPECIALIST,
     [Role.COUNTER_OFFICER]),
    ("haichau.chuyenvien", "ubnd-20242", OrgUnit.Kind.DIVISION, Official.Position.SPECIALIST,
     [Role.SPECIALIST]),
    ("haichau.lanhdao", "ubnd-20242", OrgUnit.Kind.LEADERSHIP, Official.Position.LEADER,
     [Role.LEADER, Role.HEAD]),
    ("hoian.tiepnhan", "ttpvhcc-20410", OrgUnit.Kind.COUNTER, Official.Position.SPECIALIST,
     [Role.COUNTER_OFFICER]),
]  # fmt: skip
UNIT_NAMES = {
    OrgUnit.Kind.COUNTER: "Bộ phận tiếp nhận và trả kết quả",
    OrgUnit.Kind.DIVISION: "Phòng chuyên môn",
    OrgUnit.Kind.LEADERSHIP: "Lãnh đạo",
}


@dataclass
class ProvinceReport:
    communes: int = 0
    predecessors: int = 0
    agencies: int = 0
    officials: int = 0


def demo_password() -> str:
    return settings.MOTCUA["DEMO_PASSWORD"]


def load_levels() -> dict[str, AdministrativeLevel]:
    levels = {}
    for code, name, tier, group in LEVELS:
        levels[code], _ = AdministrativeLevel.objects.update_or_create(
            code=code, defaults={"name": name, "tier": tier, "process_group": group}
        )
    return levels


def _unit(code: str, name: str, level, *, parent=None, start=None, end=None) -> AdministrativeUnit:
    unit, _ = AdministrativeUnit.objects.update_or_create(
        code=code,
        valid_from=start,
        defaults={"name": name, "level": level, "parent": parent, "valid_to": end},
    )
    return unit


def _link(old: AdministrativeUnit, new: AdministrativeUnit, kind: str) -> None:
    UnitSuccession.objects.update_or_create(
        predecessor=old, successor=new, defaults={"kind": kind, "effective": TWO_TIER_START}
    )


def load_territory(levels: dict[str, AdministrativeLevel], report: ProvinceReport):
    """The city, its 94 communes, wards and special zone, and the units they were formed from."""
    data = json.loads((DATA / "danang-units-2025.json").read_text(encoding="utf-8"))
    city = _unit(CITY_CODE, data["name"], levels["province"], start=TWO_TIER_START)
    for old in data["merges"]:
        old_unit = _unit(old["old_id"], old["name"], levels["province"], end=TWO_TIER_START)
        _link(old_unit, city, old["type"])
    communes = []
    for item in data["level2s"]:
        level = levels[PREFIX_LEVEL[item["name"].split()[0]]]
        unit = _unit(item["level2_id"], item["name"], level, parent=city, start=TWO_TIER_START)
        for old in item["merges"]:
            old_level = levels[PREFIX_LEVEL.get(old["name"].split()[0], "commune")]
            old_unit = _unit(old["old_id"], old["name"], old_level, end=TWO_TIER_START)
            _link(old_unit, unit, old["type"])
            report.predecessors += 1
        communes.append(unit)
    report.communes = len(communes)
    return city, communes


def _agency(code: str, name: str, kind: str, level, territory, calendar, exchange: str, **extra):
    agency, _ = Agency.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "kind": kind,
            "level": level,
            "territory": territory,
            "calendar": calendar,
            "exchange_code": exchange,
            "valid_from": TWO_TIER_START,
            "is_demo": True,
            **extra,
        },
    )
    for kind_value, unit_name in _units_for(agency):
        OrgUnit.objects.get_or_create(
            agency=agency, code=kind_value, defaults={"name": unit_name, "kind": kind_value}
        )
    return agency


def _units_for(agency: Agency) -> list[tuple[str, str]]:
    kinds = [OrgUnit.Kind.DIVISION, OrgUnit.Kind.LEADERSHIP]
    if agency.kind == Agency.Kind.SERVICE_CENTRE:
        kinds = [OrgUnit.Kind.COUNTER, OrgUnit.Kind.LEADERSHIP]
    return [(k.value, str(UNIT_NAMES[k])) for k in kinds]


def load_agencies(levels, city, communes, calendar: Calendar) -> dict[str, Agency]:
    agencies = {}
    province = levels["province"]
    for n, (code, name, kind, short) in enumerate(PROVINCE_AGENCIES, 1):
        agencies[code] = _agency(
            code, name, kind, province, city, calendar, f"X48.00.{n:02d}", short_name=short
        )
    for n in range(1, LAND_BRANCHES + 1):
        code = f"vpdkdd-cn{n}"
        agencies[code] = _agency(
            code, f"Chi nhánh Văn phòng Đăng ký đất đai số {n} (dữ liệu mẫu)",
            Agency.Kind.LAND_REGISTRATION_BRANCH, province, city, calendar, f"X48.00.{60 + n}",
            parent=agencies["vpdkdd"], short_name=f"CN VPĐKĐĐ {n}",
        )  # fmt: skip
    for unit in communes:
        for prefix, kind, label in (
            ("ubnd", Agency.Kind.PEOPLES_COMMITTEE, "Ủy ban nhân dân"),
            ("ttpvhcc", Agency.Kind.SERVICE_CENTRE, "Trung tâm Phục vụ hành chính công"),
        ):
            code = f"{prefix}-{unit.code}"
            suffix = "1" if prefix == "ubnd" else "2"
            agencies[code] = _agency(
                code, f"{label} {unit.name}", kind, unit.level, unit, calendar,
                f"X48.{unit.code}.{suffix}",
            )  # fmt: skip
    return agencies


def load_staff(agencies: dict[str, Agency], report: ProvinceReport) -> None:
    users = get_user_model()
    for username, agency_code, unit_kind, position, roles in STAFF:
        user, created = users.objects.get_or_create(username=username)
        if created:
            user.set_password(demo_password())
        user.is_staff = Role.ADMIN in roles
        user.is_superuser = Role.ADMIN in roles
        user.first_name = "Demo"
        user.last_name = username
        user.save()
        unit = OrgUnit.objects.get(agency=agencies[agency_code], code=unit_kind)
        official, _ = Official.objects.update_or_create(
            user=user, defaults={"unit": unit, "position": position}
        )
        for role in roles:
            OfficialRole.objects.get_or_create(official=official, role=role)
        report.officials += 1


@transaction.atomic
def load_province(calendar: Calendar) -> tuple[ProvinceReport, dict[str, Agency]]:
    """Idempotent: running it again updates the same rows and creates nothing twice."""
    report = ProvinceReport()
    levels = load_levels()
    city, communes = load_territory(levels, report)
    agencies = load_agencies(levels, city, communes, calendar)
    report.agencies = len(agencies)
    load_staff(agencies, report)
    return report, agencies


def staff_logins() -> list[tuple[str, str, str]]:
    """(username, role labels, agency) of the demo staff, for `make run` to print."""
    rows = []
    officials = Official.objects.select_related("user", "unit__agency").prefetch_related("roles")
    by_name = {
        o.user.username: o for o in officials.filter(user__username__in=[s[0] for s in STAFF])
    }
    for username, *_rest in STAFF:
        official = by_name.get(username)
        if official:
            roles = ", ".join(str(r.get_role_display()) for r in official.roles.all())
            rows.append((username, roles, official.unit.agency.name))
    return rows
