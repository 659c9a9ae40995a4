"""The demo catalogue: the real province- and commune-level procedures of the national portal,
linked to the demo agencies, and demo internal processes for a set of common procedures.

Procedures are real (parsed by demo.portal_records and imported through catalog.exchange, the
same path an admin's import takes). Which demo agency handles which procedure, and every
internal process, is demo data and marked so.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from django.db import transaction
from django.db.models import Q

from catalog.exchange import ImportReport, import_records
from catalog.models import Procedure, ProcessStep, ProcessTemplate, TimeUnit
from catalog.processes import hours_per_working_day, validate_process
from demo.portal_records import parse_record
from org.models import AdministrativeLevel, Agency, OrgUnit, Role

PROCEDURES_FILE = Path(__file__).resolve().parent / "data" / "procedures-province-commune.jsonl.gz"

# Keywords of the implementing agency's text → demo department (checked in this order).
DEPARTMENT_KEYWORDS = [
    ("Đăng ký đất đai", "vpdkdd"),
    ("Tư pháp", "so-tu-phap"),
    ("Kế hoạch và Đầu tư", "so-tai-chinh"),
    ("Tài chính", "so-tai-chinh"),
    ("Xây dựng", "so-xay-dung"),
    ("Giao thông", "so-xay-dung"),
    ("Tài nguyên", "so-nong-nghiep-moi-truong"),
    ("Nông nghiệp", "so-nong-nghiep-moi-truong"),
    ("Lao động", "so-noi-vu"),
    ("Nội vụ", "so-noi-vu"),
    ("Y tế", "so-y-te"),
    ("Giáo dục", "so-giao-duc"),
    ("Công Thương", "so-cong-thuong"),
    ("Văn hóa", "so-van-hoa"),
    ("Khoa học", "so-khcn"),
    ("Công an", "cong-an-tp"),
]
# Fields whose procedures get demo internal processes (land, civil status, residence, housing,
# enterprises, construction, social), and how many at most from each.
PROCESS_FIELDS = {
    # land
    "Đất đai": 30, "Tài chính đất đai": 5,
    # civil status
    "Hộ tịch": 30, "Chứng thực": 10, "Nuôi con nuôi": 5, "Quốc tịch": 5,
    # residence and identity
    "Đăng ký, quản lý cư trú": 15, "Cấp, quản lý căn cước": 10,
    # housing
    "Nhà ở và công sở": 20, "Kinh doanh bất động sản": 5,
    # enterprises
    "Thành lập và hoạt động của doanh nghiệp": 20,
    "Thành lập và hoạt động doanh nghiệp (hộ kinh doanh)": 7,
    "Thành lập và hoạt động của tổ hợp tác, hợp tác xã, liên hiệp hợp tác xã": 10,
    "Đầu tư tại Việt nam": 5,
    # construction
    "Hoạt động xây dựng": 20, "Quy hoạch đô thị và nông thôn": 5, "Kiến trúc": 5,
    "Hạ tầng kỹ thuật": 5,
    # social
    "Chính sách": 10, "Người có công": 7, "Giảm nghèo": 5, "Thực hiện chính sách BHXH": 10,
    "Bảo trợ xã hội": 10, "Trẻ em": 5, "Việc làm": 5, "Lao động": 5,
}  # fmt: skip
# Share of the legal time given to each step of a demo process.
STEP_PLAN = [
    ("Tiếp nhận, kiểm tra, chuyển hồ sơ", OrgUnit.Kind.COUNTER, Role.COUNTER_OFFICER, "0.05"),
    ("Thẩm định hồ sơ, dự thảo kết quả", OrgUnit.Kind.DIVISION, Role.SPECIALIST, "0.55"),
    ("Xem xét, trình ký", OrgUnit.Kind.DIVISION, Role.HEAD, "0.15"),
    ("Phê duyệt, ký kết quả", OrgUnit.Kind.LEADERSHIP, Role.LEADER, "0.15"),
    ("Vào sổ, trả kết quả", OrgUnit.Kind.COUNTER, Role.COUNTER_OFFICER, "0.05"),
]
QUARTER_HOUR = Decimal("0.25")
# Legal times long enough to share among five steps.
HAS_USABLE_TIME = (
    Q(legal_time_unit=TimeUnit.SAME_DAY)
    | Q(legal_time_unit=TimeUnit.WORKING_DAYS, legal_time_amount__gte=1)
    | Q(legal_time_unit=TimeUnit.WORKING_HOURS, legal_time_amount__gte=4)
    | Q(legal_time_unit=TimeUnit.CALENDAR_DAYS, legal_time_amount__gte=3)
)


def read_portal_records(path: Path = PROCEDURES_FILE) -> Iterator[tuple[str, dict]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for n, line in enumerate(handle, 1):
            if line.strip():
                yield f"{path.name}:{n}", parse_record(json.loads(line))


def import_catalog() -> ImportReport:
    """Parse the committed portal records and import them (all or nothing)."""
    return import_records(read_portal_records())


def _departments_for(procedure: Procedure, agencies: dict[str, Agency]) -> list[Agency]:
    text = f"{procedure.implementing_agency} {procedure.competent_authority}"
    for keyword, code in DEPARTMENT_KEYWORDS:
        if keyword.lower() in text.lower():
            return [agencies[code]]
    return []


@transaction.atomic
def link_agencies(agencies: dict[str, Agency]) -> int:
    """Province-level procedures to the matching department; commune-level ones to every
    commune People's Committee, which decides them (any public administration service centre
    may receive them: reception regardless of administrative boundaries, Decree 118/2025)."""
    committees = [
        a for a in agencies.values() if a.code.startswith("ubnd-") and a.code[5:].isdigit()
    ]
    through = Procedure.agencies.through
    rows = []
    procedures = Procedure.objects.prefetch_related("levels")
    for procedure in procedures:
        codes = {level.code for level in procedure.levels.all()}
        linked = _departments_for(procedure, agencies) if "province" in codes else []
        if "commune" in codes:
            linked += committees
        rows += [through(procedure_id=procedure.pk, agency_id=a.pk) for a in linked]
    through.objects.filter(agency__in=agencies.values()).delete()
    through.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _allotments(procedure: Procedure) -> list[Decimal]:
    """Working hours per step: shares of the legal time, rounded down to a quarter hour."""
    legal = procedure.legal_time_amount
    hours = (
        legal * hours_per_working_day()
        if procedure.legal_time_unit == TimeUnit.WORKING_DAYS
        else legal
    )
    return [
        max(
            QUARTER_HOUR,
            (hours * Decimal(share) / QUARTER_HOUR).to_integral_value(ROUND_DOWN) * QUARTER_HOUR,
        )
        for *_ignored, share in STEP_PLAN
    ]


def _candidates() -> list[Procedure]:
    chosen: list[Procedure] = []
    for field_name, limit in PROCESS_FIELDS.items():
        qs = (
            Procedure.objects.filter(HAS_USABLE_TIME, field__name=field_name)
            .prefetch_related("levels")
            .order_by("national_code")
        )
        chosen += list(qs[:limit])
    return chosen


def _acting_level(procedure: Procedure, levels: dict[str, AdministrativeLevel]):
    codes = {level.code for level in procedure.levels.all()}
    return levels["province"] if "province" in codes else levels["commune"]


@transaction.atomic
def build_processes() -> int:
    """Demo internal processes for common procedures; each must pass catalog validation."""
    levels = {lvl.code: lvl for lvl in AdministrativeLevel.objects.all()}
    count = 0
    for procedure in _candidates():
        if procedure.processes.filter(is_demo=True).exists():
            count += 1
            continue
        template = ProcessTemplate.objects.create(
            procedure=procedure, name=f"Quy trình mẫu – {procedure.name[:200]}", is_demo=True
        )
        level = _acting_level(procedure, levels)
        steps = [
            ProcessStep(
                template=template,
                position=n,
                name=name,
                acting_level=level,
                acting_unit_kind=unit_kind,
                role=role,
                allotment=hours,
                allotment_unit=TimeUnit.WORKING_HOURS,
            )
            for n, ((name, unit_kind, role, _share), hours) in enumerate(
                zip(STEP_PLAN, _allotments(procedure), strict=True), 1
            )
        ]
        validate_process(template, steps)
        ProcessStep.objects.bulk_create(steps)
        count += 1
    return count
