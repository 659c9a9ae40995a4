"""Seed a working calendar's days off and make-up days from the `holidays` package."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_slug
from django.utils.translation import gettext as _

from workdays.clock import MAX_YEAR, MIN_YEAR
from workdays.models import Calendar
from workdays.seeding import seed_year


class Command(BaseCommand):
    help = "Nạp ngày nghỉ lễ và ngày làm bù cho một lịch / seed holidays into a calendar."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("calendar", help="mã lịch / calendar code (created if missing)")
        parser.add_argument("--years", type=int, nargs="+", required=True)
        parser.add_argument("--name", help="tên lịch nếu tạo mới / name if created")

    def handle(self, *args: object, calendar: str, years: list[int], **options: object) -> None:
        bad = [year for year in years if not MIN_YEAR <= year <= MAX_YEAR]
        if bad:
            raise CommandError(
                _("Năm phải trong khoảng %(low)d-%(high)d: %(bad)s")
                % {"low": MIN_YEAR, "high": MAX_YEAR, "bad": bad}
            )
        target = self._calendar(calendar, options.get("name"))
        for year in sorted(set(years)):
            report = seed_year(target, year)
            self.stdout.write(
                _("%(code)s %(year)d: thêm %(created)d ngày, giữ nguyên %(kept)d ngày đã có")
                % {
                    "code": target.code,
                    "year": year,
                    "created": report.created,
                    "kept": report.kept,
                }
            )

    def _calendar(self, code: str, name: object) -> Calendar:
        try:
            validate_slug(code)
        except ValidationError:
            raise CommandError(_("Mã lịch không hợp lệ: %r") % code) from None
        calendar, created = Calendar.objects.get_or_create(
            code=code, defaults={"name": name or code}
        )
        if created:
            self.stdout.write(_("Đã tạo lịch mới %s với giờ làm việc mặc định") % code)
        return calendar
