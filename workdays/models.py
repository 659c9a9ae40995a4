"""Working calendars as data: hours per weekday, reception cut-off, days off and make-up days.

The arithmetic lives in `workdays.clock` (pure Python); these models only store what admins edit
and turn it into a `clock.WorkCalendar` with `Calendar.to_clock()`.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_MORNING = (dt.time(7, 30), dt.time(11, 30))
DEFAULT_AFTERNOON = (dt.time(13, 30), dt.time(17, 0))
DEFAULT_CUTOFF = dt.time(15, 0)


class Calendar(models.Model):
    """One working calendar (shared by the province, or one agency's own)."""

    code = models.SlugField(_("mã lịch"), max_length=50, unique=True)
    name = models.CharField(_("tên lịch"), max_length=200)
    morning_start = models.TimeField(_("sáng bắt đầu"), default=DEFAULT_MORNING[0])
    morning_end = models.TimeField(_("sáng kết thúc"), default=DEFAULT_MORNING[1])
    afternoon_start = models.TimeField(_("chiều bắt đầu"), default=DEFAULT_AFTERNOON[0])
    afternoon_end = models.TimeField(_("chiều kết thúc"), default=DEFAULT_AFTERNOON[1])
    reception_cutoff = models.TimeField(
        _("giờ tiếp nhận cuối ngày"),
        default=DEFAULT_CUTOFF,
        help_text=_("Hồ sơ nhận sau giờ này được tính từ đầu ngày làm việc tiếp theo."),
    )
    working_weekdays = models.CharField(
        _("ngày làm việc trong tuần"),
        max_length=13,
        default="0,1,2,3,4",
        help_text=_("Thứ trong tuần, 0 = Thứ Hai … 6 = Chủ Nhật, cách nhau bằng dấu phẩy."),
    )

    class Meta:
        verbose_name = _("lịch làm việc")
        verbose_name_plural = _("lịch làm việc")

    def __str__(self) -> str:
        return self.name


class CalendarDay(models.Model):
    """An exception to the weekly pattern: a day off, or a make-up working day."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("ngày nghỉ")
        WORKDAY = "workday", _("ngày làm việc bù")

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("ngày"))
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("tên"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("ngày đặc biệt")
        verbose_name_plural = _("ngày đặc biệt")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="calendar_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.get_kind_display()}"
