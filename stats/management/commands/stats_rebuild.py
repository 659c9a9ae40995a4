"""Recompute the summary tables from the dossiers and their events (stats.rebuild)."""

from django.core.management.base import BaseCommand

from stats.rebuild import rebuild


class Command(BaseCommand):
    help = "Tính lại toàn bộ số liệu thống kê từ hồ sơ / recompute the summary tables."

    def handle(self, *args, **options) -> None:
        report = rebuild()
        self.stdout.write(
            f"Thống kê: {report.dossiers} hồ sơ, {report.dossier_rows} dòng số liệu hồ sơ, "
            f"{report.official_rows} dòng số liệu cán bộ, {report.judged_in_python} hồ sơ tính "
            f"riêng; {report.seconds:.1f} s"
        )
