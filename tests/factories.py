"""Small factories for tests: build the rows a test needs without repeating literals."""

from __future__ import annotations

import itertools
from decimal import Decimal

from catalog.models import Field, Procedure, ProcessStep, ProcessTemplate, TimeUnit
from org.models import AdministrativeLevel, AdministrativeUnit, Agency
from workdays.models import Calendar

_seq = itertools.count(1)


def level(code: str = "province", tier: int = 1, group: str | None = None) -> AdministrativeLevel:
    obj, _ = AdministrativeLevel.objects.get_or_create(
        code=code, defaults={"name": code.title(), "tier": tier, "process_group": group or code}
    )
    return obj


def calendar(code: str = "tinh") -> Calendar:
    obj, _ = Calendar.objects.get_or_create(code=code, defaults={"name": f"Lịch {code}"})
    return obj


def agency(name: str | None = None, **extra) -> Agency:
    n = next(_seq)
    territory = AdministrativeUnit.objects.create(
        code=f"T{n}", name=f"Địa bàn {n}", level=level("province")
    )
    values = {
        "code": f"agency-{n}",
        "name": name or f"Cơ quan {n}",
        "kind": Agency.Kind.DEPARTMENT,
        "exchange_code": f"TEST.{n:04d}",
        "level": level("province"),
        "territory": territory,
        "calendar": calendar(),
    }
    values.update(extra)
    return Agency.objects.create(**values)


def field(name: str = "Đất đai") -> Field:
    obj, _ = Field.objects.get_or_create(name=name, defaults={"code": f"field-{next(_seq)}"})
    return obj


def procedure(name: str = "Thủ tục thử", **extra) -> Procedure:
    levels = extra.pop("levels", None) or [level("province")]
    values = {
        "national_code": f"9.{next(_seq):06d}",
        "name": name,
        "field": extra.pop("field", None) or field(),
        "legal_time_amount": Decimal(10),
        "legal_time_unit": TimeUnit.WORKING_DAYS,
    }
    values.update(extra)
    obj = Procedure.objects.create(**values)
    obj.levels.set(levels)
    return obj


def process(proc: Procedure, steps: list[tuple[str, str, str]], **extra) -> ProcessTemplate:
    """steps: (amount, unit, level code) per step, in order."""
    template = ProcessTemplate.objects.create(procedure=proc, name="Quy trình thử", **extra)
    for n, (amount, unit, level_code) in enumerate(steps, 1):
        ProcessStep.objects.create(
            template=template,
            position=n,
            name=f"Bước {n}",
            acting_level=level(level_code, group=_group(level_code)),
            acting_unit_kind="division",
            role="specialist",
            allotment=Decimal(amount),
            allotment_unit=unit,
        )
    return template


def _group(code: str) -> str:
    return "commune" if code in {"commune", "ward", "special_zone"} else code


def exchange_record(code: str = "1.000001", **extra) -> dict:
    """A valid catalogue exchange record (catalog.exchange format)."""
    record = {
        "national_code": code,
        "name": "Đăng ký khai sinh",
        "field": "Hộ tịch",
        "levels": ["commune"],
        "channels": [
            {"channel": "in_person", "time_amount": "3", "time_unit": "working_days",
             "time_text": "3 Ngày làm việc", "fee_amount": None, "fee_text": "", "description": ""}
        ],
        "legal_time": {"amount": "3", "unit": "working_days", "text": "3 Ngày làm việc"},
        "fee": {"amount": None, "text": "Miễn lệ phí"},
        "documents": [
            {"name": "Tờ khai đăng ký khai sinh", "kind": "original", "count": 1,
             "mandatory": True, "condition": "", "form_template": ""}
        ],
        "legal_basis": [{"title": "Luật Hộ tịch", "number": "60/2014/QH13"}],
        "online_level": "partial",
        "parse_warnings": [],
    }  # fmt: skip
    record.update(extra)
    return record
