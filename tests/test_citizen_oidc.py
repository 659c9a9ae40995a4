"""Citizens' sign-in through an OpenID Connect provider, end to end: a real provider process
(oidc-provider-mock) on loopback, the portal on Django's live server, and an HTTP client that
goes through the authorization code flow as a browser would (provider's form included)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from urllib.parse import quote

import pytest
import requests
from django.test import RequestFactory

from citizens import services
from citizens.models import CitizenAccount
from citizens.oidc import CitizenOIDCBackend
from tests.smtp_server import free_port
from tests.test_settings_env import manage_check

pytestmark = pytest.mark.django_db(transaction=True)
START = "/tai-khoan/dinh-danh/dang-nhap/"
CALLBACK = "/tai-khoan/dinh-danh/xong/"
CUONG = {
    "personal_id": "048200000001",
    "personal_id_verified": True,
    "name": "Phạm Văn Cường",
    "email": "cuong@example.test",
    "email_verified": True,
}


@pytest.fixture(scope="module")
def provider(tmp_path_factory) -> Iterator[str]:
    """oidc-provider-mock in its own process on a free loopback port; yields its issuer URL."""
    port = free_port()
    log = (tmp_path_factory.mktemp("oidc") / "provider.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(issuer, process)
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def _wait_until_up(issuer: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "the OIDC provider exited"
        try:
            if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1).ok:
                return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise TimeoutError("the OIDC provider did not start")


@pytest.fixture
def oidc(settings, provider) -> str:
    """The portal configured for the provider from its discovery document, as an admin would."""
    found = requests.get(f"{provider}/.well-known/openid-configuration", timeout=5).json()
    settings.OIDC_RP_CLIENT_ID = "motcua-portal"
    settings.OIDC_RP_CLIENT_SECRET = "client-secret"
    settings.OIDC_OP_ISSUER = found["issuer"]
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = found["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = found["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = found["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = found["jwks_uri"]
    return provider


def person(provider: str, subject: str, **claims) -> str:
    """Register a person's claims at the provider (its test API)."""
    response = requests.put(f"{provider}/users/{quote(subject)}", json=claims, timeout=5)
    assert response.status_code == 204
    return subject


def sign_in_at_provider(portal: str, provider: str, subject: str, *, deny: bool = False):
    """Click "sign in with the identity provider", choose the person at the provider's form,
    come back. Returns the HTTP session and the page the portal ends on."""
    browser = requests.Session()
    start = browser.get(portal + START, allow_redirects=False, timeout=10)
    assert start.status_code == 302 and start.headers["Location"].startswith(provider)
    authorize = start.headers["Location"]
    assert browser.get(authorize, timeout=10).status_code == 200  # the provider's form
    answer = {"action": "deny"} if deny else {"sub": subject}
    back = browser.post(authorize, data=answer, allow_redirects=False, timeout=10)
    assert back.status_code == 302 and back.headers["Location"].startswith(portal + CALLBACK)
    return browser, browser.get(back.headers["Location"], timeout=20)


def test_first_sign_in_creates_a_verified_account_and_later_ones_find_it(live_server, oidc):
    subject = person(oidc, "sub-cuong", **CUONG)
    browser, page = sign_in_at_provider(live_server.url, oidc, subject)
    assert page.url == live_server.url + "/tai-khoan/"
    assert "Phạm Văn Cường" in page.text and "đã xác thực qua định danh điện tử" in page.text
    account = CitizenAccount.objects.get()
    assert (account.personal_id, account.id_verified) == ("048200000001", True)
    assert (account.email, account.email_verified) == ("cuong@example.test", True)
    assert account.oidc_issuer == oidc and account.oidc_subject == "sub-cuong"
    assert not account.user.has_usable_password()

    browser.post(
        live_server.url + "/tai-khoan/dang-xuat/",
        data={"csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        headers={"Referer": live_server.url + "/tai-khoan/"},
        timeout=10,
    )
    assert browser.get(live_server.url + "/tai-khoan/", timeout=10).url.startswith(
        live_server.url + "/tai-khoan/dang-nhap/"
    )
    _again, page = sign_in_at_provider(live_server.url, oidc, subject)
    assert "Phạm Văn Cường" in page.text
    assert CitizenAccount.objects.count() == 1


def test_an_account_that_declared_the_number_and_proved_the_same_address_is_linked(
    live_server, oidc
):
    declared = _local_account("cuong@example.test", "048200000001")
    subject = person(oidc, "sub-cuong-2", **CUONG)
    _browser, page = sign_in_at_provider(live_server.url, oidc, subject)
    assert "đã xác thực qua định danh điện tử" in page.text
    declared.refresh_from_db()
    assert declared.id_verified and declared.oidc_subject == "sub-cuong-2"
    assert CitizenAccount.objects.count() == 1


def test_a_number_declared_by_someone_else_is_not_taken_over(live_server, oidc):
    squatter = _local_account("kegian@example.test", "048200000001")
    subject = person(oidc, "sub-cuong-3", **CUONG)
    _browser, page = sign_in_at_provider(live_server.url, oidc, subject)
    assert "Phạm Văn Cường" in page.text
    squatter.refresh_from_db()
    assert not squatter.id_verified and not squatter.oidc_subject
    owner = CitizenAccount.objects.get(id_verified=True)
    assert owner.personal_id == "048200000001" and owner.email == "cuong@example.test"


@pytest.mark.parametrize(
    "claims",
    [
        {**CUONG, "personal_id_verified": False},
        {k: v for k, v in CUONG.items() if k != "personal_id"},
        {**CUONG, "personal_id": "999200000001"},
    ],
    ids=["not-verified", "missing", "malformed"],
)
def test_without_a_verified_number_nobody_is_signed_in(live_server, oidc, claims):
    subject = person(oidc, f"sub-{len(claims)}-{claims.get('personal_id')}", **claims)
    browser, page = sign_in_at_provider(live_server.url, oidc, subject)
    assert page.url == live_server.url + "/tai-khoan/dang-nhap/"
    assert "không gửi số định danh cá nhân đã được xác thực" in page.text
    assert not CitizenAccount.objects.exists()
    account_page = browser.get(live_server.url + "/tai-khoan/", timeout=10)
    assert account_page.url.startswith(live_server.url + "/tai-khoan/dang-nhap/")


def test_refusing_at_the_provider_returns_to_the_sign_in_page(live_server, oidc):
    _browser, page = sign_in_at_provider(live_server.url, oidc, "", deny=True)
    assert page.url == live_server.url + "/tai-khoan/dang-nhap/"
    assert "chưa đồng ý đăng nhập" in page.text
    assert not CitizenAccount.objects.exists()


def test_a_token_from_another_issuer_is_refused(live_server, oidc, settings):
    settings.OIDC_OP_ISSUER = "https://id.example.gov.vn"
    subject = person(oidc, "sub-cuong-4", **CUONG)
    _browser, page = sign_in_at_provider(live_server.url, oidc, subject)
    assert page.url == live_server.url + "/tai-khoan/dang-nhap/"
    assert not CitizenAccount.objects.exists()


def test_off_when_no_client_is_configured(client, settings):
    settings.OIDC_RP_CLIENT_ID = ""
    assert "định danh điện tử" not in client.get("/tai-khoan/dang-nhap/").content.decode()
    assert client.get(START).status_code == 404
    assert client.get(CALLBACK + "?code=a&state=b").status_code == 404


def test_a_code_in_the_address_of_another_page_is_not_a_sign_in(settings):
    settings.OIDC_RP_CLIENT_ID = "motcua-portal"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"http://127.0.0.1:{free_port()}/token"  # nobody there
    request = RequestFactory().get("/tai-khoan/dang-nhap/?code=abc&state=xyz")
    assert CitizenOIDCBackend().authenticate(request, nonce="n", code_verifier=None) is None


def _local_account(email: str, personal_id: str) -> CitizenAccount:
    data = services.SignUp(
        full_name="Phạm Cường", personal_id=personal_id, email=email, phone="", password="pw-2026!x"
    )
    services.sign_up(data, site="http://testserver/")
    account = CitizenAccount.objects.get(email=email)
    return services.confirm_sign_up(account.user)


def test_a_client_id_without_endpoints_stops_start_up_naming_what_is_missing(tmp_path):
    result = manage_check(tmp_path, MOTCUA_OIDC_CLIENT_ID="motcua-portal")
    assert result.returncode != 0
    assert "MOTCUA_OIDC_ISSUER is required when MOTCUA_OIDC_CLIENT_ID is set" in result.stderr


def test_a_session_opened_through_the_provider_survives_switching_it_off(client, settings):
    settings.OIDC_RP_CLIENT_ID = ""
    account = _local_account("cuong@example.test", "048200000001")
    client.force_login(account.user, backend="citizens.oidc.CitizenOIDCBackend")
    assert "Phạm Cường" in client.get("/tai-khoan/").content.decode()
