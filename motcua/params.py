"""Numbers and days read from a query string or a form value that a view uses.

`str.isdigit()` is true for "²" (which `int()` refuses) and for other scripts' digits (which
`int()` reads), and `int()` refuses more than 4,300 digits: a view that checked `isdigit()`
and called `int()` answered 500 to such values. A number here is ASCII digits of at most
LARGEST, the largest 64-bit id of every database (SQLite refuses larger integers with an
error).

Days chosen by a reader (a custom statistics period, the tracking book's range) must fall in
FIRST_YEAR to LAST_YEAR: a day of year 1 or 9999 has no local midnight in UTC, or no day after
it, and the reads built from it overflowed (a 500).
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

LARGEST = 2**63 - 1
MAX_DIGITS = len(str(LARGEST))
FIRST_YEAR, LAST_YEAR = 2000, 2100


def number(value: str | None) -> int | None:
    """The non-negative number `value` spells in ASCII digits, or None for anything else."""
    text = value or ""
    if 0 < len(text) <= MAX_DIGITS and text.isascii() and text.isdigit():
        value = int(text)
        return value if value <= LARGEST else None
    return None


def day_outside(day: dt.date | None) -> str | None:
    """Why `day` cannot be chosen (outside FIRST_YEAR to LAST_YEAR), or None when it can."""
    if day is None or FIRST_YEAR <= day.year <= LAST_YEAR:
        return None
    return _("Chọn ngày trong các năm từ %(first)d đến %(last)d.") % {
        "first": FIRST_YEAR, "last": LAST_YEAR,
    }  # fmt: skip
