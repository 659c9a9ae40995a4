"""Working calendars as data: hours per weekday, reception cut-off, days off and make-up days.

The arithmetic lives in `workdays.clock` (pure Python); these models only store what admins edit
and turn it into a `clock.WorkCalendar` with `Calendar.to_clock()`.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from workdays import clock

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
    # Changed on every save of the calendar or of one of its days (see the signals below), so
    # every process can tell that its cached clock is stale; a fresh random value never repeats.
    revision = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("lịch làm việc")
        verbose_name_plural = _("lịch làm việc")

    def __str__(self) -> str:
        return self.name

    def weekdays(self) -> tuple[int, ...]:
        """The working weekdays (0 = Monday); raises ValueError on a malformed field."""
        return parse_weekdays(self.working_weekdays)

    def clean(self) -> None:
        """Refuse hours and weekdays that the clock could not work with."""
        times = (self.morning_start, self.morning_end, self.afternoon_start, self.afternoon_end)
        if None in (*times, self.reception_cutoff):
            return  # the field validation already reports the missing value
        try:
            self._weekly_clock()
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def _weekly_clock(self, **kwargs: object) -> clock.WorkCalendar:
        intervals = (
            (self.morning_start, self.morning_end),
            (self.afternoon_start, self.afternoon_end),
        )
        return clock.WorkCalendar.weekly(
            intervals, self.weekdays(), cutoff=self.reception_cutoff, **kwargs
        )

    def to_clock(self) -> clock.WorkCalendar:
        """This calendar as a `clock.WorkCalendar`: one query, cached until the data changes."""
        cached = _CLOCKS.get(self.pk)
        if cached is not None and cached[0] == self.revision:
            return cached[1]
        days_off, makeup_days = set(), set()
        if self.pk is not None:
            for day, kind in self.days.values_list("date", "kind"):
                (makeup_days if kind == CalendarDay.Kind.WORKDAY else days_off).add(day)
        built = self._weekly_clock(days_off=days_off, makeup_days=makeup_days)
        if self.pk is not None:
            _CLOCKS[self.pk] = (self.revision, built)
        return built

    def touch(self) -> None:
        """Mark the calendar changed; call after bulk writes to its days (they send no signal)."""
        self.revision = uuid.uuid4()
        Calendar.objects.filter(pk=self.pk).update(revision=self.revision)
        _CLOCKS.pop(self.pk, None)


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


# Per-process cache: calendar id -> (revision it was built from, clock).
_CLOCKS: dict[int, tuple[uuid.UUID, clock.WorkCalendar]] = {}


def clock_of_revision(revision: str) -> clock.WorkCalendar | None:
    """The clock built in this process from the calendar at this revision (hex), if any. A
    revision names one state of one calendar and its days (it is new at every change), so the
    clock it names is right for as long as a reader holds that revision."""
    for built_from, built in list(_CLOCKS.values()):
        if built_from.hex == revision:
            return built
    return None


def parse_weekdays(text: str) -> tuple[int, ...]:
    """Read "0,1,2,3,4" (0 = Monday); a typo must not silently drop a working day."""
    try:
        days = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise ValueError(
            f"Ngày làm việc trong tuần không hợp lệ: {text!r} / bad working weekdays {text!r}"
        ) from None
    if not days or not set(days) <= set(range(7)):
        raise ValueError(
            f"Ngày làm việc trong tuần phải là các số 0-6: {text!r} / weekdays must be 0-6"
        )
    return days


def calendar_for(code: str) -> clock.WorkCalendar:
    """The working clock of the calendar with this code (what deadline code needs)."""
    try:
        calendar = Calendar.objects.get(code=code)
    except Calendar.DoesNotExist:
        raise Calendar.DoesNotExist(
            f"Không có lịch làm việc mã {code!r} / no calendar with code {code!r}"
        ) from None
    return calendar.to_clock()


@receiver(pre_save, sender=Calendar)
def _calendar_saving(sender: type[Calendar], instance: Calendar, **kwargs: object) -> None:
    instance.revision = uuid.uuid4()
    _CLOCKS.pop(instance.pk, None)


@receiver(post_save, sender=CalendarDay)
@receiver(post_delete, sender=CalendarDay)
def _calendar_day_changed(
    sender: type[CalendarDay], instance: CalendarDay, **kwargs: object
) -> None:
    Calendar.objects.filter(pk=instance.calendar_id).update(revision=uuid.uuid4())
    _CLOCKS.pop(instance.calendar_id, None)
