"""Print the current TOTP code of a demo account (demo data only).

Officials need a second factor (an authenticator app). So that someone trying the demo can sign
in without a phone, this prints the code an app would show for the demo account's device (the
one being enrolled on the first sign-in, or the confirmed one). It refuses any account that is
not a demo official, so it cannot weaken a real deployment.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo.province import STAFF


class Command(BaseCommand):
    help = "In mã TOTP hiện tại của tài khoản mẫu / print a demo account's current TOTP code."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        demo_names = {row[0] for row in STAFF}
        user = get_user_model().objects.filter(username=username).first()
        if user is None or username not in demo_names:
            raise CommandError(f"{username!r} is not a demo account.")
        device = TOTPDevice.objects.filter(user=user).order_by("-confirmed").first()
        if device is None:
            raise CommandError("Open the second-factor page once: that creates the device.")
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        self.stdout.write(f"{code:0{device.digits}d}")
