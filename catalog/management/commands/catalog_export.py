"""Export the procedure catalogue to JSON lines (.jsonl) or Excel (.xlsx)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.exchange import export_records
from catalog.spreadsheet import write_workbook


class Command(BaseCommand):
    help = "Xuất danh mục thủ tục ra JSONL hoặc Excel."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        if file.suffix == ".xlsx":
            count = write_workbook(export_records(), file)
        elif file.suffix in {".jsonl", ".json"}:
            count = 0
            with file.open("w", encoding="utf-8") as handle:
                for record in export_records():
                    handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                    count += 1
        else:
            raise CommandError("Chỉ hỗ trợ .jsonl hoặc .xlsx / only .jsonl or .xlsx are supported")
        self.stdout.write(f"{count} thủ tục → {file}")
