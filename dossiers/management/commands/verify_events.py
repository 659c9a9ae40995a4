"""Check every dossier's event chain; exit non-zero and name the first broken event."""

from django.core.management.base import BaseCommand, CommandError

from dossiers.integrity import verify_all


class Command(BaseCommand):
    help = "Kiểm tra chuỗi sự kiện của mọi hồ sơ / verify every dossier's event chain."

    def handle(self, *args, **options) -> None:
        checked, breaks = verify_all()
        for found in breaks:
            self.stderr.write(f"BROKEN {found}")
        if breaks:
            raise CommandError(
                f"{len(breaks)} of {checked} dossiers have a broken event chain; first: {breaks[0]}"
            )
        self.stdout.write(f"OK: {checked} dossiers, every event chain verifies")
