"""Load the demo province (idempotent): territory, agencies, staff, calendar, catalogue."""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand

from catalog.models import Procedure
from demo.procedures import build_processes, import_catalog, link_agencies
from demo.province import load_province
from workdays.models import Calendar
from workdays.seeding import seed_year


class Command(BaseCommand):
    help = "Nạp tỉnh mẫu Đà Nẵng (dữ liệu mẫu) / load the Đà Nẵng demo province."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when procedures already exist."
        )

    def handle(self, *args, if_empty: bool = False, **options) -> None:
        if if_empty and Procedure.objects.exists():
            self.stdout.write("motcua: the database already holds data; demo not loaded again")
            return
        calendar = self._calendar()
        province, agencies = load_province(calendar)
        self.stdout.write(
            f"Tỉnh mẫu: {province.communes} xã/phường/đặc khu, {province.predecessors} liên kết "
            f"đơn vị cũ, {province.agencies} cơ quan, {province.officials} cán bộ mẫu"
        )
        report = import_catalog()
        links = link_agencies(agencies)
        processes = build_processes()
        self.stdout.write(
            f"Thủ tục: {report.created} mới, {report.updated} cập nhật, {report.flagged} cần rà "
            f"soát; {links} liên kết cơ quan; {processes} quy trình nội bộ mẫu"
        )

    def _calendar(self) -> Calendar:
        calendar, _ = Calendar.objects.get_or_create(
            code=settings.MOTCUA["DEFAULT_CALENDAR"],
            defaults={"name": "Lịch làm việc chung thành phố Đà Nẵng"},
        )
        this_year = dt.date.today().year
        for year in range(this_year - 1, this_year + 3):
            seed_year(calendar, year)
        return calendar
