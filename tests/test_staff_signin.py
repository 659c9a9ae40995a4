"""Officials sign in with a password and a TOTP code, enrol on first sign-in, and are locked
out after repeated failures (X4, issue 4 section 1)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

SIGN_IN = "/can-bo/dang-nhap/"
SECOND = "/can-bo/xac-thuc/"
ADMIN = "/quan-tri/"


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user(
        "quantri", "qt@example.test", "x-Pass-123", is_staff=True, is_superuser=True
    )


def _password(client, username="quantri", password="x-Pass-123", next_url=ADMIN):
    return client.post(f"{SIGN_IN}?next={next_url}", {"username": username, "password": password})


def _code(device: TOTPDevice, drift: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, drift=drift):06d}"


def _signed_in_with_both_factors(client) -> bool:
    return "_auth_user_id" in client.session and DEVICE_ID_SESSION_KEY in client.session


def test_first_sign_in_enrols_a_device_with_a_qr_code_then_lets_in(client, staff):
    assert client.get(ADMIN).status_code == 302  # nothing without signing in
    response = _password(client)
    assert response.status_code == 302 and response["Location"] == SECOND
    page = client.get(SECOND).content.decode()
    assert "<svg" in page and "otpauth" not in page  # the QR, not the raw URL
    device = TOTPDevice.objects.get(user=staff)
    assert not device.confirmed
    secret = re.search(r"<code>([A-Z2-7 ]+)</code>", page).group(1).replace(" ", "")
    assert len(secret) == 32  # the manual-entry key of the same device
    response = client.post(SECOND, {"code": _code(device)})
    assert response.status_code == 302 and response["Location"] == ADMIN
    device.refresh_from_db()
    assert device.confirmed and _signed_in_with_both_factors(client)
    assert client.get(ADMIN).status_code == 200


def test_a_password_alone_opens_nothing(client, staff):
    TOTPDevice.objects.create(user=staff, name="motcua", confirmed=True)
    _password(client)
    assert "_auth_user_id" not in client.session
    assert client.get(ADMIN).status_code == 302
    page = client.get(SECOND).content.decode()
    assert "<svg" not in page  # an enrolled device is not shown again


def test_a_wrong_code_is_refused_and_the_right_one_accepted(client, staff):
    device = TOTPDevice.objects.create(user=staff, name="motcua", confirmed=True)
    _password(client)
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(SECOND, {"code": wrong})
    assert response.status_code == 200
    assert "Mã không đúng" in response.content.decode()
    assert not _signed_in_with_both_factors(client)
    device.throttle_reset()
    assert client.post(SECOND, {"code": _code(device)}).status_code == 302
    assert _signed_in_with_both_factors(client)


def test_the_same_message_for_a_wrong_password_and_an_unknown_user(client, staff):
    unknown = _password(client, username="khongco").content.decode()
    wrong = _password(client, password="sai-mat-khau").content.decode()
    message = "Tên đăng nhập hoặc mật khẩu không đúng."
    assert message in unknown and message in wrong


def test_an_account_that_is_neither_official_nor_staff_cannot_use_the_back_office(client, db):
    get_user_model().objects.create_user("nguoidan", "d@example.test", "x-Pass-123")
    response = _password(client, username="nguoidan")
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.content.decode()


def test_repeated_wrong_passwords_lock_out_even_the_right_password(client, staff):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _password(client, password="sai-mat-khau").status_code == 200
    assert _password(client, password="sai-mat-khau").status_code == 429  # the limit-th failure
    response = _password(client)
    assert response.status_code == 429
    assert "Tạm khóa đăng nhập" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_guessing_codes_counts_towards_the_lockout(client, staff):
    TOTPDevice.objects.create(user=staff, name="motcua", confirmed=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _password(client)
        TOTPDevice.objects.filter(user=staff).update(throttling_failure_count=0)
        client.post(SECOND, {"code": "000000"})
    assert _password(client).status_code == 429


def test_an_outside_next_address_is_ignored(client, staff):
    device = TOTPDevice.objects.create(user=staff, name="motcua", confirmed=True)
    _password(client, next_url="https://evil.example/")
    response = client.post(SECOND, {"code": _code(device)})
    assert response["Location"] == "/can-bo/"


def test_sessions_expire(client, staff):
    device = TOTPDevice.objects.create(user=staff, name="motcua", confirmed=True)
    _password(client)
    client.post(SECOND, {"code": _code(device)})
    assert 0 < client.session.get_expiry_age() <= 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    client.post("/can-bo/dang-xuat/")
    assert client.get(ADMIN).status_code == 302


def test_demo_code_prints_what_an_app_would_show_and_only_for_demo_accounts(client, db):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from demo.province import STAFF

    username = STAFF[0][0]
    get_user_model().objects.create_user(username, "d@example.test", "x-Pass-123", is_staff=True)
    _password(client, username=username)
    client.get(SECOND)  # the enrolment page creates the device
    out = StringIO()
    call_command("demo_code", username, stdout=out)
    response = client.post(SECOND, {"code": out.getvalue().strip()})
    assert response.status_code == 302 and _signed_in_with_both_factors(client)
    with pytest.raises(CommandError):
        call_command("demo_code", "quantri-that")
