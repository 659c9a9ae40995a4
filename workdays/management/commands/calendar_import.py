"""Import days off and make-up days into a calendar from a CSV file (date,kind,name).

All rows are checked before anything is written: a file with one bad row changes nothing and
every bad row is reported with its line number, so the admin can fix the file in one pass.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_slug
from django.db import transaction
from django.utils.translation import gettext as _

from workdays.clock import MAX_YEAR, MIN_YEAR
from workdays.models import Calendar, CalendarDay

HEADER = ["date", "kind", "name"]
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NAME_LENGTH = CalendarDay._meta.get_field("name").max_length


@dataclass(frozen=True)
class Row:
    line: int
    date: dt.date
    kind: str
    name: str


class Command(BaseCommand):
    help = "Nhập ngày nghỉ / ngày làm bù từ tệp CSV / import calendar days from CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("calendar", help="mã lịch / calendar code (created if missing)")
        parser.add_argument("file", help="CSV: date,kind,name (kind: day_off | workday)")
        parser.add_argument("--name", help="tên lịch nếu tạo mới / name if created")

    def handle(self, *args: object, calendar: str, file: str, **options: object) -> None:
        try:
            validate_slug(calendar)
        except ValidationError:
            raise CommandError(_("Mã lịch không hợp lệ: %r") % calendar) from None
        rows, errors = read_rows(Path(file))
        if errors:
            for error in errors:
                self.stderr.write(error)
            raise CommandError(
                _("Tệp có %(count)d lỗi, không thay đổi gì") % {"count": len(errors)}
            )
        created, updated = save_rows(calendar, options.get("name"), rows)
        self.stdout.write(
            _("Lịch %(code)s: thêm %(created)d ngày, cập nhật %(updated)d ngày, %(rows)d dòng")
            % {"code": calendar, "created": created, "updated": updated, "rows": len(rows)}
        )


def read_rows(path: Path) -> tuple[list[Row], list[str]]:
    """Parse and check every row; return the good rows and one message per problem."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return _check_rows(csv.reader(handle))
    except OSError as exc:
        raise CommandError(
            _("Không đọc được tệp %(path)s: %(error)s")
            % {
                "path": path,
                "error": exc.strerror,
            }
        ) from None
    except UnicodeDecodeError:
        raise CommandError(_("Tệp %s không phải UTF-8") % path) from None


def _check_rows(reader: csv.reader) -> tuple[list[Row], list[str]]:
    header = next(reader, None)
    if header is None or [cell.strip().lower() for cell in header] != HEADER:
        return [], [_("Dòng 1: cần dòng tiêu đề đúng là date,kind,name")]
    rows: list[Row] = []
    errors: list[str] = []
    seen: dict[dt.date, int] = {}
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        row, problem = _parse_row(reader.line_num, cells)
        if row is not None and row.date in seen:
            problem = _("ngày %(date)s đã có ở dòng %(other)d") % {
                "date": row.date,
                "other": seen[row.date],
            }
        if problem:
            errors.append(
                _("Dòng %(line)d: %(problem)s") % {"line": reader.line_num, "problem": problem}
            )
            continue
        seen[row.date] = row.line
        rows.append(row)
    return rows, errors


def _parse_row(line: int, cells: list[str]) -> tuple[Row | None, str | None]:
    """One row, or the reason it is wrong (in Vietnamese, for the admin)."""
    if len(cells) != len(HEADER):
        return None, _("cần đúng 3 cột date,kind,name, có %d cột") % len(cells)
    raw_date, kind, name = (cell.strip() for cell in cells)
    day = _parse_date(raw_date)
    if day is None:
        return None, _("ngày không hợp lệ %r (cần dạng YYYY-MM-DD)") % raw_date
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        return None, _("năm %(year)d ngoài khoảng %(low)d-%(high)d") % {
            "year": day.year,
            "low": MIN_YEAR,
            "high": MAX_YEAR,
        }
    if kind not in CalendarDay.Kind.values:
        return None, _("loại %r không hợp lệ (cần day_off hoặc workday)") % kind
    if len(name) > _NAME_LENGTH:
        return None, _("tên dài quá %d ký tự") % _NAME_LENGTH
    return Row(line=line, date=day, kind=kind, name=name), None


def _parse_date(text: str) -> dt.date | None:
    if not _DATE.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


@transaction.atomic
def save_rows(code: str, name: object, rows: list[Row]) -> tuple[int, int]:
    """Create the calendar if new and upsert the rows; return (created, updated) counts."""
    calendar, _created = Calendar.objects.get_or_create(code=code, defaults={"name": name or code})
    existing = {day.date: day for day in calendar.days.filter(date__in=[row.date for row in rows])}
    new_days, changed_days = [], []
    for row in rows:
        day = existing.get(row.date)
        if day is None:
            new_days.append(
                CalendarDay(calendar=calendar, date=row.date, kind=row.kind, name=row.name)
            )
        elif (day.kind, day.name) != (row.kind, row.name):
            day.kind, day.name = row.kind, row.name
            changed_days.append(day)
    CalendarDay.objects.bulk_create(new_days)
    CalendarDay.objects.bulk_update(changed_days, ["kind", "name"])
    if new_days or changed_days:
        calendar.touch()  # bulk writes send no signal
    return len(new_days), len(changed_days)
