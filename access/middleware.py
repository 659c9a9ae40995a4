"""django-otp's middleware, reading the TOTP device of a signed-in official through a query
compiled once per process (decision 0007).

Why: every back-office and oversight request loads the device that verified the session's
second factor; through the ORM that read cost about 0.6 ms more than the database takes.
Everything else is django-otp's: the persistent id in the session, the checks that the device
belongs to the user and is confirmed (`_finalize_device`), other kinds of device. If a
django-otp release stops calling `_device_from_persistent_id`, its own read is used again.
"""

from __future__ import annotations

from django.db import connection
from django_otp.middleware import OTPMiddleware as LibraryOTPMiddleware
from django_otp.plugins.otp_totp.models import TOTPDevice

from motcua.compiled_sql import Prepared

ID_MARK = -880_088  # no device has this id (motcua.compiled_sql)
_FIELDS = [f.attname for f in TOTPDevice._meta.concrete_fields]
DEVICE_ROW = Prepared(
    "access.totp_device",
    lambda pk: TOTPDevice.objects.filter(pk=pk).values_list(*_FIELDS),
    typed=True,
    pk=ID_MARK,
)


class OTPMiddleware(LibraryOTPMiddleware):
    def _device_from_persistent_id(self, persistent_id: str):
        label, _sep, device_id = self._normalize_persistent_id(persistent_id).rpartition("/")
        if label != TOTPDevice.model_label() or not device_id.isdigit():
            return super()._device_from_persistent_id(persistent_id)
        found = DEVICE_ROW.rows(pk=int(device_id))
        return TOTPDevice.from_db(connection.alias, _FIELDS, found[0]) if found else None
