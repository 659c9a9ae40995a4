"""Every public page passes axe (no serious or critical finding), fits a 360 px phone, and is
shown in both languages. Screenshots at both widths go to test-artifacts/a11y/."""

from __future__ import annotations

import pytest

from ratings.services import rating_link_token
from tests import factories
from tests.browser import ARTIFACTS, chromium, plain_static_files, serious_violations
from tests.test_ratings import _with_result

pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]
WIDTHS = {"phone": 360, "desktop": 1280}


@pytest.fixture
def public_pages(settings, province):
    """(name, path) of each public page, with the data it needs."""
    plain_static_files(settings)
    procedure = factories.procedure("Đăng ký đất đai lần đầu", field=factories.field("Đất đai"))
    finished = _with_result(province)
    return [
        ("home", "/"),
        ("catalogue", "/thu-tuc/?q=dat+dai"),
        ("catalogue-empty", "/thu-tuc/?q=khong+co+gi"),
        ("procedure", f"/thu-tuc/{procedure.national_code}/"),
        ("rating", f"/danh-gia/{rating_link_token(finished)}/"),
        ("official-sign-in", "/can-bo/dang-nhap/"),
        ("statistics", "/thong-ke/"),
        ("statistics-by-field", "/thong-ke/?kind=year&year=2026&by=field"),
        ("index-formulas", "/thong-ke/cong-thuc/"),
    ]


def _switch_to_english(page, base: str) -> None:
    page.goto(f"{base}/")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("language", ["vi", "en"])
def test_public_pages_are_accessible_at_phone_and_desktop_width(
    live_server, public_pages, language
):
    out = ARTIFACTS / "a11y"
    out.mkdir(parents=True, exist_ok=True)
    problems = {}
    for width_name, width in WIDTHS.items():
        with chromium(viewport={"width": width, "height": 900}) as context:
            page = context.new_page()
            if language == "en":
                _switch_to_english(page, live_server.url)
            for name, path in public_pages:
                page.goto(f"{live_server.url}{path}")
                assert page.locator("html").get_attribute("lang") == language, name
                found = serious_violations(page)
                if found:
                    problems[f"{name} {width_name} {language}"] = found
                if width == 360:
                    overflow = page.evaluate("document.documentElement.scrollWidth")
                    assert overflow <= 360, f"{name} is wider than a phone ({overflow}px)"
                shot = out / f"{name}-{width_name}-{language}.png"
                page.screenshot(path=str(shot), full_page=True)
    assert problems == {}
