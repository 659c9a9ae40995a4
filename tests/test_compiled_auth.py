"""The session and second-factor reads of every signed-in request, compiled once per process
(`access.sessions`, `access.middleware`): they answer exactly what Django's and django-otp's
own reads answer, for valid, expired, unknown and foreign sessions and devices."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.middleware import OTPMiddleware
from access.sessions import SessionStore
from tests.signin import sign_in

QUEUE = "/can-bo/"


def _key(client: Client) -> str:
    from django.conf import settings

    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_the_store_loads_what_djangos_store_loads(province):
    client = sign_in(Client(), province.officer)
    expired = SessionStore()
    expired["x"] = 1
    expired.create()
    Session.objects.filter(pk=expired.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    for key in (_key(client), expired.session_key, "nosuchsessionkeynosuchsessionkey"):
        ours, django = SessionStore(session_key=key), DjangoStore(session_key=key)
        assert ours.load() == django.load()
        assert ours.session_key == django.session_key  # None for the expired and the unknown
    assert SessionStore(session_key=_key(client)).load()[DEVICE_ID_SESSION_KEY]
    assert _compiled("access.session"), "the session read fell back to the ORM"


def _compiled(name: str) -> bool:
    """Whether the named query was compiled (not run through the ORM's fallback)."""
    from motcua import compiled_sql

    return any(key[-1] == name and found for key, found in compiled_sql._cache.items())


def test_a_session_ends_at_sign_out_and_at_expiry(province):
    client = sign_in(Client(), province.officer)
    assert client.get(QUEUE).status_code == 200
    Session.objects.filter(pk=_key(client)).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    assert client.get(QUEUE).status_code == 302  # back to the sign-in page
    client = sign_in(Client(), province.officer)
    assert client.get(QUEUE).status_code == 200
    copied = Client()
    copied.cookies = client.cookies  # the same cookie, as another browser or worker has it
    assert client.post("/can-bo/dang-xuat/").status_code == 302
    assert not Session.objects.filter(pk=_key(copied)).exists()
    assert copied.get(QUEUE).status_code == 302


@pytest.mark.parametrize("exists", [True, False])
def test_the_device_read_matches_django_otps(province, exists):
    device = TOTPDevice.objects.create(user=province.officer.user, name="phone", confirmed=True)
    persistent_id = device.persistent_id
    if not exists:
        device.delete()
    ours = OTPMiddleware(lambda request: None)._device_from_persistent_id(persistent_id)
    theirs = Device.from_persistent_id(persistent_id)
    assert ours == theirs
    assert _compiled("access.totp_device"), "the device read fell back to the ORM"
    if exists:
        fields = [f.attname for f in TOTPDevice._meta.concrete_fields]
        assert [getattr(ours, f) for f in fields] == [getattr(theirs, f) for f in fields]


def test_a_device_that_is_not_the_users_or_not_confirmed_does_not_verify(province):
    """The checks stay django-otp's: another official's device, or an unconfirmed one, in the
    session leaves the user unverified, and the back office asks for the second factor."""
    client = sign_in(Client(), province.officer)
    assert client.get(QUEUE).status_code == 200
    other = TOTPDevice.objects.create(user=province.head.user, name="x", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = other.persistent_id
    session.save()
    assert client.get(QUEUE).status_code == 302
    client = sign_in(Client(), province.officer)
    TOTPDevice.objects.filter(user=province.officer.user).update(confirmed=False)
    assert client.get(QUEUE).status_code == 302
