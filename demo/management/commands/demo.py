"""Load the demo province (idempotent): territory, agencies, staff, calendar, catalogue; with
`--dossiers N`, also add N demo dossiers with realistic histories (demo.histories)."""

import datetime as dt
import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from catalog.models import Procedure, ProcessTemplate
from demo import histories
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
        parser.add_argument(
            "--dossiers", type=int, default=0, metavar="N",
            help="Also add N demo dossiers with histories over the past 12 months (the province "
            "is loaded first only if it is not there yet).",
        )  # fmt: skip
        parser.add_argument(
            "--seed", type=int, default=histories.DEFAULT_SEED,
            help="Seed of the dossier histories (the same seed gives the same histories).",
        )  # fmt: skip
        parser.add_argument(
            "--via", choices=["bulk", "services"], default="bulk",
            help="bulk: fast bulk inserts (default); services: every move through the service "
            "functions (the reference path, much slower).",
        )  # fmt: skip
        parser.add_argument(
            "--processes", type=int, default=0, metavar="P",
            help="Generator processes (bulk, PostgreSQL only; default: one per CPU). With more "
            "than one, the histories are the same but row ids depend on timing.",
        )  # fmt: skip

    def handle(self, *args, if_empty: bool = False, dossiers: int = 0, **options) -> None:
        if dossiers < 0:
            raise CommandError("--dossiers must be 0 or more")
        if if_empty and Procedure.objects.exists():
            # make run on a database in use: leave it exactly as it is.
            self.stdout.write("motcua: the database already holds data; demo not loaded again")
            return
        if dossiers and ProcessTemplate.objects.filter(is_demo=True).exists():
            self.stdout.write("motcua: demo province already loaded; adding dossiers only")
        else:
            self._load()
        if dossiers:
            self._dossiers(dossiers, options)

    def _load(self) -> None:
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

    def _dossiers(self, count: int, options: dict) -> None:
        if options["processes"] < 0:
            raise CommandError("--processes must be 1 or more (0: one per CPU)")
        try:
            report = histories.generate(
                count, seed=options["seed"], via=options["via"],
                progress=options["verbosity"] >= 1,
                processes=options["processes"] or os.cpu_count() or 1,
            )  # fmt: skip
        except (LookupError, histories.GenerationFailed) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Hồ sơ mẫu: {report.dossiers} hồ sơ ({report.requested} yêu cầu, kể cả hồ sơ liên "
            f"thông), {report.events} sự kiện, {report.seconds:.1f} s, CPU "
            f"{report.cpu_seconds:.1f} s ({report.rate:.0f} hồ sơ/s, {report.via}, "
            f"{report.processes} tiến trình)"
        )
        for label, n in histories.iter_statuses(report):
            self.stdout.write(f"    {label}: {n}")
        # The bulk engine writes rows without the service functions: recount the statistics.
        call_command("stats_rebuild", stdout=self.stdout)

    def _calendar(self) -> Calendar:
        calendar, _ = Calendar.objects.get_or_create(
            code=settings.MOTCUA["DEFAULT_CALENDAR"],
            defaults={"name": "Lịch làm việc chung thành phố Đà Nẵng"},
        )
        this_year = dt.date.today().year
        for year in range(this_year - 1, this_year + 3):
            seed_year(calendar, year)
        return calendar
