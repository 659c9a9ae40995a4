"""Print when a dossier received at a given moment is due, on a given calendar.

Output is two fixed lines, easy to read and to parse:

    Bắt đầu tính / Counted from: 2027-02-03 09:00
    Hạn trả kết quả / Due: 2027-02-15 09:00

Seconds are added (HH:MM:SS) only when the moment is not on a whole minute (a fraction of a
second is shown as the next second: a due time is never shown earlier than it is).
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from workdays import clock
from workdays.models import Calendar

# Fixed labels (not translated) so that scripts can rely on them.
COUNTED_FROM = "Bắt đầu tính / Counted from"
DUE = "Hạn trả kết quả / Due"
START_FORMAT = "%Y-%m-%d %H:%M"


class Command(BaseCommand):
    help = "Tính hạn trả kết quả / compute a due date on a working calendar."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--calendar", required=True, help="mã lịch / calendar code")
        parser.add_argument("--start", required=True, help='"YYYY-MM-DD HH:MM", giờ địa phương')
        amount = parser.add_mutually_exclusive_group(required=True)
        amount.add_argument("--days", help="ngày làm việc / working days (e.g. 3, 0.5, 1/2)")
        amount.add_argument("--hours", help="giờ làm việc / working hours")
        amount.add_argument("--calendar-days", help="ngày theo lịch / calendar days (whole)")
        amount.add_argument("--same-day", action="store_true", help="trong ngày / same day")

    def handle(self, *args: object, **options: object) -> None:
        calendar = _calendar(str(options["calendar"]))
        received = _parse_start(str(options["start"]), calendar)
        amount, unit = _amount(options)
        try:
            counted_from = clock.normalise_reception(calendar, received)
            due = clock.add_working(calendar, counted_from, amount, unit)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{COUNTED_FROM}: {_show(counted_from)}")
        self.stdout.write(f"{DUE}: {_show(due)}")


def _calendar(code: str) -> clock.WorkCalendar:
    try:
        return Calendar.objects.get(code=code).to_clock()
    except Calendar.DoesNotExist:
        raise CommandError(_("Không có lịch làm việc mã %r") % code) from None


def _parse_start(text: str, calendar: clock.WorkCalendar) -> dt.datetime:
    """A local wall-clock time in the calendar's zone."""
    try:
        naive = dt.datetime.strptime(text.strip(), START_FORMAT)
    except ValueError:
        raise CommandError(
            _("Thời điểm bắt đầu không hợp lệ %r (cần dạng YYYY-MM-DD HH:MM)") % text
        ) from None
    return naive.replace(tzinfo=calendar.zone)


def _amount(options: dict[str, object]) -> tuple[Fraction, clock.Unit]:
    if options["same_day"]:
        return Fraction(0), clock.Unit.SAME_DAY
    for option, unit in (
        ("days", clock.Unit.WORKING_DAYS),
        ("hours", clock.Unit.WORKING_HOURS),
        ("calendar_days", clock.Unit.CALENDAR_DAYS),
    ):
        text = options[option]
        if text is not None:
            try:
                return Fraction(str(text).strip()), unit
            except (ValueError, ZeroDivisionError):
                raise CommandError(_("Thời hạn không hợp lệ: %r") % text) from None
    raise CommandError(_("Cần một trong --days, --hours, --calendar-days, --same-day"))


def _show(moment: dt.datetime) -> str:
    """Minutes normally; seconds when needed, a part of a second shown as the next second."""
    if moment.microsecond:
        moment += dt.timedelta(microseconds=1_000_000 - moment.microsecond)
    if moment.second:
        return f"{moment:%Y-%m-%d %H:%M:%S}"
    return f"{moment:%Y-%m-%d %H:%M}"
