"""The public catalogue in a real browser (Debian Chromium): keyboard only, phone width, both
languages. Screenshots go to test-artifacts/ for review."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests import factories

pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]  # fmt: skip


@pytest.fixture
def page():
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
        yield context.new_page()
        browser.close()


@pytest.fixture
def catalogue(settings):
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    # The live test server serves static files from the apps (not the hashed, collected
    # copies that whitenoise serves under gunicorn), so use the plain names here.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    land = factories.field("Đất đai")
    return [
        factories.procedure("Đăng ký đất đai lần đầu", field=land),
        factories.procedure("Cấp giấy phép xây dựng", field=factories.field("Xây dựng")),
    ]


def test_search_with_the_keyboard_on_a_phone(page, live_server, catalogue):
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{live_server.url}/thu-tuc/")
    assert page.locator("html").get_attribute("lang") == "vi"
    # Keyboard only: the skip link first, then into the search box by its label.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.get_by_label("Từ khóa (có dấu hoặc không dấu)").focus()
    page.keyboard.type("dat dai")
    page.keyboard.press("Enter")
    page.wait_for_url("**/thu-tuc/?q=dat+dai*")
    results = page.locator("ol.results li a")
    assert results.count() == 1
    assert results.first.inner_text() == "Đăng ký đất đai lần đầu"
    page.screenshot(path=str(ARTIFACTS / "catalogue-search-360.png"), full_page=True)
    # The page fits the phone: nothing wider than the viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    results.first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/thu-tuc/{catalogue[0].national_code}/")
    assert "Nếu nộp hồ sơ ngay bây giờ" in page.inner_text("main")
    page.screenshot(path=str(ARTIFACTS / "procedure-360.png"), full_page=True)


def test_language_switch_without_javascript(live_server, catalogue):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_context(java_script_enabled=False).new_page()
        page.goto(f"{live_server.url}/thu-tuc/?q=xay+dung")
        with page.expect_navigation():
            page.get_by_role("button", name="English").click()
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("h1").inner_text() == "Administrative procedures"
        assert page.locator("ol.results li a").first.inner_text() == "Cấp giấy phép xây dựng"
        browser.close()
