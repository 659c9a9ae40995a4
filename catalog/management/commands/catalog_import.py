"""Import the procedure catalogue from JSON, JSON lines (.jsonl, .jsonl.gz) or Excel (.xlsx)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.exchange import ImportRejected, import_records, read_json_lines
from catalog.spreadsheet import read_workbook


class Command(BaseCommand):
    help = "Nhập danh mục thủ tục (JSON, JSONL hoặc Excel); có lỗi thì không thay đổi gì."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        if not file.exists():
            raise CommandError(f"Không tìm thấy tệp / file not found: {file}")
        rows = read_workbook(file) if file.suffix == ".xlsx" else read_json_lines(file)
        try:
            report = import_records(rows)
        except ImportRejected as rejected:
            for error in rejected.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{len(rejected.errors)} lỗi; không có thay đổi nào / "
                f"{len(rejected.errors)} errors; nothing was changed"
            ) from None
        self.stdout.write(
            f"Thêm mới {report.created}, cập nhật {report.updated}, "
            f"cần rà soát {report.flagged} / created {report.created}, "
            f"updated {report.updated}, flagged for review {report.flagged}"
        )
