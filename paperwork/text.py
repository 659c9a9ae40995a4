"""How the forms write moments, dates, places and durations: the Vietnamese way of official
documents, whatever the language of the person printing them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from catalog.models import Procedure, TimeUnit
from org.models import Agency

# Prefixes dropped from a territory's name in the place line ("Đà Nẵng, ngày ..."), as
# documents write it; a numbered ward ("Phường 1") keeps its prefix.
_PLACE_PREFIXES = ("Thành phố ", "Tỉnh ", "Phường ", "Xã ", "Thị trấn ", "Đặc khu ", "Quận ")


def moment(value: dt.datetime | None) -> str:
    """'09:00 ngày 02/11/2026' (hh:mm dd/mm/yyyy, local time), or '' when unknown."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


def day(value: dt.date | dt.datetime | None) -> str:
    """'02/11/2026' (a moment is read in local time), or '' when unknown."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value)
    return f"{value:%d/%m/%Y}"


def spelled_date(value: dt.date | dt.datetime) -> str:
    """'ngày 02 tháng 3 năm 2026': the date line of an administrative document, where days
    below 10 and the months 1 and 2 take a leading zero (Decree 30/2020/NĐ-CP, Appendix I)."""
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value)
    month = f"{value.month:02d}" if value.month <= 2 else str(value.month)
    return f"ngày {value.day:02d} tháng {month} năm {value.year}"


def place(agency: Agency) -> str:
    """The place name of the date line: the agency's territory without its kind."""
    name = agency.territory.name if agency.territory_id else ""
    for prefix in _PLACE_PREFIXES:
        rest = name.removeprefix(prefix)
        if rest != name and not rest.isdigit():
            return rest
    return name


def number(value: Decimal | int | None) -> str:
    """10 -> '10', 1.50 -> '1,5' (Vietnamese decimal comma)."""
    if value is None:
        return ""
    text = format(Decimal(value).normalize(), "f")
    return text.replace(".", ",")


def legal_time(procedure: Procedure) -> str:
    """'10 ngày làm việc', 'Trong ngày', or the published wording when it was not parsed."""
    if procedure.legal_time_unit == TimeUnit.SAME_DAY:
        return "Trong ngày"
    if procedure.legal_time_amount is not None and procedure.legal_time_unit:
        unit = TimeUnit(procedure.legal_time_unit).label
        return f"{number(procedure.legal_time_amount)} {unit}"
    return procedure.legal_time_text


def person_term(applicant) -> str:
    """How a letter addresses the applicant: 'ông/bà' or 'quý tổ chức'."""
    return "ông/bà" if applicant.kind == "person" else "quý tổ chức"
