"""Periods of the index: a month, a quarter, a year or any run of days (local days)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from stats.queries import day_start


@dataclass(frozen=True)
class Period:
    """From `first` to `last`, both included."""

    first: dt.date
    last: dt.date
    kind: str = "custom"

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("a period ends on or after its first day")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        days = calendar.monthrange(year, month)[1]
        return cls(dt.date(year, month, 1), dt.date(year, month, days), "month")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise ValueError("quarters are 1 to 4")
        first_month = 3 * quarter - 2
        last = cls.month(year, first_month + 2).last
        return cls(dt.date(year, first_month, 1), last, "quarter")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), "year")

    @classmethod
    def custom(cls, first: dt.date, last: dt.date) -> Period:
        return cls(first, last, "custom")

    @property
    def start(self) -> dt.datetime:
        return day_start(self.first)

    @property
    def end(self) -> dt.datetime:
        """The moment just after the period (local midnight after its last day)."""
        return day_start(self.last + dt.timedelta(days=1))

    def judged_day(self, today: dt.date) -> dt.date | None:
        """The day whose end open dossiers are judged at: the last day, or today if the period
        is not over; None for a period that has not begun."""
        if self.first > today:
            return None
        return min(self.last, today)

    def judged_moment(self, now: dt.datetime) -> dt.datetime:
        """The moment open dossiers are judged at: the end of the period, or now."""
        return min(self.end, now)

    def label(self) -> str:
        if self.kind == "month":
            return _("Tháng %(month)d/%(year)d") % {"month": self.first.month,
                                                   "year": self.first.year}  # fmt: skip
        if self.kind == "quarter":
            return _("Quý %(quarter)d/%(year)d") % {
                "quarter": (self.first.month + 2) // 3, "year": self.first.year,
            }  # fmt: skip
        if self.kind == "year":
            return _("Năm %(year)d") % {"year": self.first.year}
        return _("Từ %(first)s đến %(last)s") % {
            "first": f"{self.first:%d/%m/%Y}", "last": f"{self.last:%d/%m/%Y}",
        }  # fmt: skip
