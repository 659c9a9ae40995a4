"""The officials' back office in a real Chromium: the counter officer's, the specialist's and the
head's pages (queues, reception, the check of an online submission, the dossier page with its
action forms, the tracking book), at a 1280 px desktop and a 360 px
phone, in Vietnamese and in English. On every page: no serious or critical axe finding, a label
on every form control, no two columns of a table headed alike, nothing wider than the phone,
and the language asked for. Screenshots go to test-artifacts/a11y/backoffice-*.png.

Why the phone: the counter and the heads use tablets and phones at the desk and on the move; a
page that needs sideways scrolling hides the due date or the action buttons."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import applying
from tests.browser import ARTIFACTS, WIDTHS, page_problems, plain_static_files, visit_at_each_width
from tests.signin import session_cookie, sign_in

pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]
SHOTS = ARTIFACTS / "a11y"


@pytest.fixture
def desks(province):
    """(session cookie, [(name, path)]) of each official, with a dossier at each stage."""
    applying.online(province.procedure)
    client = applying.signed_in(Client(), applying.citizen())
    submitted = applying.apply_online(client, province)
    at_specialist = applying.to_specialist(province, applying.apply_online(client, province))
    with_result = applying.to_result(province, applying.apply_online(client, province))
    officer = [
        ("queue", "/can-bo/"),
        ("queue-online", "/can-bo/?tab=nop-truc-tuyen&per=50"),
        ("reception", "/can-bo/tiep-nhan/"),
        ("reception-procedure", f"/can-bo/tiep-nhan/?thu_tuc={province.procedure.pk}"),
        ("check-online", f"/can-bo/tiep-nhan/{submitted.code}/"),
        ("dossier-to-return", f"/can-bo/ho-so/{with_result.code}/"),
        ("book", "/can-bo/so-theo-doi/"),
    ]
    specialist = [
        ("queue-specialist", "/can-bo/"),
        ("dossier-in-work", f"/can-bo/ho-so/{at_specialist.code}/"),
    ]
    head = [("queue-head", "/can-bo/"), ("dossier-head", f"/can-bo/ho-so/{at_specialist.code}/")]
    return [
        ([session_cookie(sign_in(Client(), person))], pages)
        for person, pages in (
            (province.officer, officer), (province.specialist, specialist), (province.head, head)
        )
    ]  # fmt: skip


@pytest.mark.parametrize("language", ["vi", "en"])
def test_back_office_pages_are_accessible_at_phone_and_desktop_width(
    live_server, settings, desks, language
):
    plain_static_files(settings)
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = {}

    def visit(page, item, width_name: str, width: int) -> None:
        name, path = item
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, (name, response.status)
        assert page.locator("html").get_attribute("lang") == language, name
        label = f"{name}-{width_name}-{language}"
        page.screenshot(path=str(SHOTS / f"backoffice-{label}.png"), full_page=True)
        if found := page_problems(page, width):
            problems[label] = found

    seen = visit_at_each_width(live_server.url, desks, language, visit)
    assert seen == len(WIDTHS) * sum(len(pages) for _cookies, pages in desks)
    assert problems == {}
