"""Every public page passes axe (no serious or critical finding), fits a 360 px phone, and is
shown in both languages. Screenshots at both widths go to test-artifacts/a11y/."""

from __future__ import annotations

import pytest

from dossiers.services import return_result
from ratings.services import rating_link_token
from tests import factories
from tests.browser import (
    ARTIFACTS,
    WIDTHS,
    page_problems,
    plain_static_files,
    shrunk_charts,
    visit_at_each_width,
)
from tests.test_ratings import _with_result

pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]


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
        ("tracking-form", "/tra-cuu/"),
        ("tracking", f"/tra-cuu/?ma={finished.code}"),
        ("citizen-sign-up", "/tai-khoan/dang-ky/"),
        ("citizen-sign-in", "/tai-khoan/dang-nhap/"),
        ("statistics", "/thong-ke/"),
        ("statistics-by-field", "/thong-ke/?kind=year&year=2026&by=field"),
        ("index-formulas", "/thong-ke/cong-thuc/"),
    ]


@pytest.fixture
def citizen_pages(settings, province):
    """(name, path) of each page of a signed-in citizen (the online application and their
    dossiers), and the session cookie that signs the browser in."""
    from django.test import Client

    from access.models import AccessLog
    from tests import applying
    from tests.personas import actor
    from tests.signin import session_cookie

    applying.online(province.procedure)
    client = applying.signed_in(Client(), applying.citizen())
    waiting = applying.apply_online(client, province)
    applying.ask_supplement(province, applying.to_specialist(province, waiting), province.docs[1])
    done = applying.to_result(province, applying.apply_online(client, province))
    return_result(actor=actor(province.officer), dossier=done, channel="online")
    AccessLog.objects.create(
        user=province.officer.user, official=province.officer, agency_name=province.centre.name,
        dossier=done, applicant=done.applicant, what=AccessLog.What.DOSSIER,
    )  # fmt: skip
    pk = applying.start(client, province.procedure)
    applying.choose_applicant(client, pk, province.centre)
    applying.attach(client, pk, province.docs, [applying.pdf(), applying.png()])
    applying.choose_delivery(client, pk, "post", "9 Hùng Vương, Hải Châu")
    plain_static_files(settings)  # after the test client's requests (to "testserver")
    base = applying.BASE
    pages = [
        ("apply-start", f"{base}/thu-tuc/{province.procedure.national_code}/"),
        ("apply-applicant", applying.draft_url(pk, "nguoi-nop")),
        ("apply-components", applying.draft_url(pk, "thanh-phan")),
        ("apply-delivery", applying.draft_url(pk, "nhan-ket-qua")),
        ("apply-review", applying.draft_url(pk, "xac-nhan")),
        ("drafts", f"{base}/ho-so-nhap/"),
        ("submitted", f"{base}/ho-so-cua-toi/{waiting.code}/da-nop/"),
        ("my-dossiers", f"{base}/ho-so-cua-toi/"),
        ("dossier-supplement", f"{base}/ho-so-cua-toi/{waiting.code}/"),
        ("dossier-result", f"{base}/ho-so-cua-toi/{done.code}/"),
        ("dossier-rate", f"{base}/ho-so-cua-toi/{done.code}/danh-gia/"),
        ("document-store", f"{base}/kho-giay-to/"),
        ("access-log", f"{base}/nhat-ky-truy-cap/"),
    ]
    return pages, [session_cookie(client)]


def _check_pages(base: str, pages, language: str, cookies=()) -> dict:
    """Problems by page, width and language; asserts the language of every page."""
    out = ARTIFACTS / "a11y"
    out.mkdir(parents=True, exist_ok=True)
    problems = {}

    def visit(page, item, width_name: str, width: int) -> None:
        name, path = item
        page.goto(f"{base}{path}")
        assert page.locator("html").get_attribute("lang") == language, name
        found = page_problems(page, width)
        if width == WIDTHS["phone"]:
            found += [f"chart too small to read: {chart}" for chart in shrunk_charts(page)]
        if found:
            problems[f"{name} {width_name} {language}"] = found
        page.screenshot(path=str(out / f"{name}-{width_name}-{language}.png"), full_page=True)

    session = [{**c, "domain": "localhost"} for c in cookies]
    seen = visit_at_each_width(base, [(session, pages)], language, visit)
    assert seen == len(WIDTHS) * len(pages)
    return problems


@pytest.mark.parametrize("language", ["vi", "en"])
def test_public_pages_are_accessible_at_phone_and_desktop_width(
    live_server, public_pages, language
):
    assert _check_pages(live_server.url, public_pages, language) == {}


@pytest.mark.parametrize("language", ["vi", "en"])
def test_citizen_pages_are_accessible_at_phone_and_desktop_width(
    live_server, citizen_pages, language
):
    pages, cookies = citizen_pages
    assert _check_pages(live_server.url, pages, language, cookies) == {}
