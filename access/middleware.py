"""django-otp's middleware, taking the TOTP device of a signed-in official from the user's own
read (`access.identity`, decision 0012) or else through a query compiled once per process
(decision 0007).

Why: every back-office and oversight request loads the device that verified the session's
second factor; through the ORM that read cost about 0.6 ms more than the database takes.
Everything else is django-otp's: the persistent id in the session, the checks that the device
belongs to the user and is confirmed (`_finalize_device`), other kinds of device. If a
django-otp release stops calling `_device_from_persistent_id`, its own read is used again.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.db import connection
from django_otp.middleware import OTPMiddleware as LibraryOTPMiddleware
from django_otp.plugins.otp_totp.models import TOTPDevice

from access import identity
from motcua.compiled_sql import Prepared

ID_MARK = -880_088  # no device has this id (motcua.compiled_sql)
_FIELDS = identity.DEVICE_FIELDS
DEVICE_ROW = Prepared(
    "access.totp_device",
    lambda pk: TOTPDevice.objects.filter(pk=pk).values_list(*_FIELDS),
    typed=True,
    pk=ID_MARK,
)


# The devices read with the user being verified (None: not read with it), for the lookup below:
# django-otp does not pass the user to it. A context variable, so threads never share it.
_user_devices: ContextVar[dict | None] = ContextVar("motcua_user_devices", default=None)


class OTPMiddleware(LibraryOTPMiddleware):
    def _verify_user_sync(self, request, user):
        devices = getattr(user, identity.DEVICES_ATTRIBUTE, None)  # loads the lazy user
        token = _user_devices.set(devices)
        try:
            return super()._verify_user_sync(request, user)
        finally:
            _user_devices.reset(token)

    def _device_from_persistent_id(self, persistent_id: str):
        label, _sep, device_id = self._normalize_persistent_id(persistent_id).rpartition("/")
        if label != TOTPDevice.model_label() or not device_id.isdigit():
            return super()._device_from_persistent_id(persistent_id)
        devices = _user_devices.get()
        if devices is not None:
            # The user's own devices; another user's device is not among them, which
            # `_finalize_device` would refuse anyway.
            return devices.get(int(device_id))
        found = DEVICE_ROW.rows(pk=int(device_id))
        return TOTPDevice.from_db(connection.alias, _FIELDS, found[0]) if found else None
