"""Print the demo staff accounts and their password (for `make run`)."""

from django.core.management.base import BaseCommand

from demo.province import demo_password, staff_logins


class Command(BaseCommand):
    help = "In danh sách tài khoản mẫu / print the demo logins."

    def handle(self, *args, **options) -> None:
        rows = staff_logins()
        if not rows:
            self.stdout.write("    (no demo accounts: run manage.py demo)")
            return
        self.stdout.write(f"    password for every demo account: {demo_password()}")
        for username, roles, agency in rows:
            self.stdout.write(f"    {username:<22} {roles:<28} {agency}")
