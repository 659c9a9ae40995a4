"""Sign an official in for tests, second factor included, without typing a TOTP code.

Used by HTTP and browser tests of the back office; the sign-in flow itself (password, TOTP
enrolment, lockout) is tested through its pages in tests/test_staff_signin.py.
"""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def sign_in(client: Client, user_or_official) -> Client:
    """Log `client` in as the user (or official's user) with a confirmed TOTP device."""
    user = getattr(user_or_official, "user", user_or_official)
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="test", defaults={"confirmed": True}
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def session_cookie(client: Client) -> dict:
    """The signed-in client's session as a Playwright cookie (for browser tests)."""
    from django.conf import settings

    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "domain": "localhost",
        "path": "/",
    }
