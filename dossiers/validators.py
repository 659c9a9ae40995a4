"""Checks of Vietnamese identification numbers, with messages in Vietnamese (and English).

Personal ID (căn cước, 12 digits, Circular 07/2016/TT-BCA and its successors): 3 digits of the
province where the birth was registered (001-096), 1 digit for sex and century of birth, 2 digits
of the year of birth, 6 serial digits. Tax codes of organisations: 10 digits, or 13 for a
dependent unit (10 + 3, often written with a hyphen).
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from motcua.text import ascii_digits

# [0-9], not \d: \d also matches other scripts' digits ("０７９…"), which would pass the check and
# be stored as typed, so that nobody could find the applicant by the number on the card. The
# normalise_* functions turn such digits into ASCII before the checks.
_ID = re.compile(r"[0-9]{12}")
_TAX = re.compile(r"[0-9]{10}([0-9]{3})?")


def normalise_tax_code(value: str) -> str:
    return re.sub(r"[\s\-.]", "", ascii_digits(value or ""))


def normalise_personal_id(value: str) -> str:
    return "".join(ascii_digits(value or "").split())


def normalise_phone(value: str) -> str:
    return ascii_digits(value or "").strip()


def clean_phone_input(value: str) -> str:
    """A phone number as typed in a form: normalised, and checked unless left empty."""
    value = normalise_phone(value)
    if value:
        validate_phone(value)
    return value


def validate_personal_id(value: str) -> None:
    if not _ID.fullmatch(value or ""):
        raise ValidationError(
            _("Số định danh cá nhân phải gồm đúng 12 chữ số."), code="personal_id_format"
        )
    if not 1 <= int(value[:3]) <= 96:
        raise ValidationError(
            _("Ba chữ số đầu của số định danh (mã tỉnh) phải từ 001 đến 096."),
            code="personal_id_province",
        )


def birth_year_from_id(value: str) -> int:
    """Year of birth encoded in a personal ID: century from the 4th digit, year from 5-6."""
    century = 1900 + 100 * (int(value[3]) // 2)
    return century + int(value[4:6])


def check_id_matches_birth(value: str, born: dt.date | None) -> None:
    if born and _ID.fullmatch(value or "") and birth_year_from_id(value) != born.year:
        raise ValidationError(
            _("Số định danh không khớp năm sinh %(year)s (chữ số thứ 4-6 mã hóa năm sinh).")
            % {"year": born.year},
            code="personal_id_birth_year",
        )


def validate_tax_code(value: str) -> None:
    if not _TAX.fullmatch(normalise_tax_code(value)):
        raise ValidationError(
            _("Mã số thuế phải gồm 10 chữ số, hoặc 13 chữ số với đơn vị phụ thuộc."),
            code="tax_code_format",
        )


def validate_phone(value: str) -> None:
    digits = re.sub(r"[\s.\-()]", "", value or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    # Mobiles have 10 digits; landlines 11 (area code 02x and an 8-digit number).
    if not re.fullmatch(r"0[0-9]{9}|02[0-9]{9}", digits):
        raise ValidationError(
            _("Số điện thoại phải gồm 10 hoặc 11 chữ số, bắt đầu bằng 0 (hoặc +84)."),
            code="phone",
        )
