"""The pages a request ends on when it fails (400, 403, 404, the CSRF check, 500): the portal's
own pages in the reader's language, saying what happened and the ways on, never Django's bare
English "Not Found" or "Server Error (500)"."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.utils import translation
from django.views.defaults import server_error

from tests.test_oversight_pages import english  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def _page(response, status: int) -> str:
    assert response.status_code == status, response.content[:300]
    return response.content.decode()


def test_an_unknown_address_says_so_and_shows_the_ways_on(client):
    page = _page(client.get("/khong-co-trang-nay/"), 404)
    assert '<html lang="vi">' in page
    assert "<h1>Không tìm thấy trang</h1>" in page
    assert "kiểm tra lại mã hồ sơ" in page
    for way in ('href="/"', 'href="/thu-tuc/"', 'href="/tra-cuu/"'):
        assert way in page
    assert "Not Found" not in page


def test_an_unknown_address_in_english(english):  # noqa: F811
    page = _page(english.get("/khong-co-trang-nay/"), 404)
    assert '<html lang="en">' in page
    assert "<h1>Page not found</h1>" in page
    assert "Track a dossier by its code" in page


def test_a_dossier_code_nobody_issued_gets_the_same_page(client):
    """A 404 raised by a view (an unknown procedure code) is the portal's page too."""
    page = _page(client.get("/thu-tuc/KHONG-CO-MA-NAY/"), 404)
    assert "<h1>Không tìm thấy trang</h1>" in page


def test_a_form_sent_without_its_token_says_nothing_was_recorded():
    """The CSRF check (a form left open past the session, cookies blocked) in plain words."""
    client = Client(enforce_csrf_checks=True)
    page = _page(client.post("/i18n/setlang/", {"language": "en"}), 403)
    assert "<h1>Trang đã cũ, chưa gửi được</h1>" in page
    assert "chưa được ghi nhận" in page
    assert "CSRF verification failed" not in page


def test_a_request_for_another_host_is_a_bad_request_page(client):
    page = _page(client.get("/", HTTP_HOST="khong-phai-cong.example"), 400)
    assert "<h1>Yêu cầu không hợp lệ</h1>" in page


@pytest.mark.parametrize(
    ("language", "heading"), [("vi", "Hệ thống gặp lỗi"), ("en", "System error")]
)
def test_a_server_error_page_stands_alone_in_the_reader_language(language, heading):
    """Django renders it with no request context: it must not need one."""
    request = RequestFactory().get("/")
    with translation.override(language):
        page = _page(server_error(request), 500)
    assert f'<html lang="{language}">' in page
    assert f"<h1>{heading}</h1>" in page
    assert settings.STATIC_URL in page  # the site's style sheet, from our own static files
