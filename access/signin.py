"""Officials' sign-in in two steps: password (counted by django-axes), then a TOTP code.

The password step does not log the user in: it leaves a short-lived "pending" mark in the
session. Only a correct TOTP code (from an enrolled device, or while enrolling a new one with
the QR code) completes the login, so no back-office page is ever reachable with a password alone.
A wrong code counts as a failed sign-in for django-axes too, so guessing codes locks out.
"""

from __future__ import annotations

import io
import time

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from org.models import Official

PENDING = "access.pending"
PENDING_SECONDS = 300
DEVICE_NAME = "motcua"


def may_use_back_office(user) -> bool:
    """Officials in post and the staff who configure the system (admins)."""
    if not user.is_active:
        return False
    return user.is_staff or Official.objects.filter(user=user, is_active=True).exists()


def remember_password_passed(request: HttpRequest, user) -> None:
    request.session[PENDING] = {"user": user.pk, "backend": user.backend, "at": time.time()}


def pending_user(request: HttpRequest):
    """The user who passed the password step in the last few minutes, or None."""
    mark = request.session.get(PENDING)
    if not mark or time.time() - mark["at"] > PENDING_SECONDS:
        return None
    return get_user_model().objects.filter(pk=mark["user"], is_active=True).first()


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def enrolment_device(user) -> TOTPDevice:
    """The unconfirmed device being enrolled (the same one until confirmed, so the QR holds)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code for authenticator apps."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def check_code(request: HttpRequest, user, device: TOTPDevice, code: str) -> str | None:
    """Verify `code`; on success log the user in with both factors and return None.

    Otherwise return the reason ("throttled" or "wrong"); a wrong code is reported to axes as a
    failed sign-in.
    """
    allowed, _data = device.verify_is_allowed()
    if not allowed:
        return "throttled"
    if not device.verify_token(code.strip().replace(" ", "")):
        user_login_failed.send(
            sender=__name__, credentials={"username": user.get_username()}, request=request
        )
        return "wrong"
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    backend = request.session.pop(PENDING)["backend"]
    auth_login(request, user, backend=backend)
    otp_login(request, device)
    request.session.set_expiry(settings.SESSION_COOKIE_AGE)
    return None
