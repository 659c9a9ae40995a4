"""The back-office oversight pages (issue 6: dashboards, service index, accountability,
reports) in a real Chromium, signed in as the officials who read them, at a 360 px phone and a
1280 px desktop, in Vietnamese and in English. On every page: no serious or critical axe
finding; nothing wider than the phone, nor a row header or a chart squeezed on it; a label on
every form control; no two columns of a table headed alike; and the page's filter form
submitted from the keyboard alone (Tab to its button, Enter). Drill-down pages are reached by
clicking a real link of the page above them. Screenshots go to test-artifacts/a11y/oversight-*.png.
The figures are the hand-built history of tests/oversight_history.py (July 2026)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import oversight_history
from tests.browser import (
    ARTIFACTS,
    WIDTHS,
    page_problems,
    plain_static_files,
    shrunk_charts,
    visit_at_each_width,
)
from tests.signin import session_cookie, sign_in
from tests.test_oversight_pages import JULY

pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]
SHOTS = ARTIFACTS / "a11y"
MAX_TABS = 80  # more than any page has before its filter form's button
FORM = "main form.period-form"

# (name, page to open, link on it to click or None, whether the page has a filter form)
OVERSEER_PAGES = [
    ("dashboard", f"/giam-sat/?{JULY}", None, True),
    ("dashboard-dossiers", f"/giam-sat/?{JULY}", "#table-agencies td a", False),
    ("index", f"/giam-sat/chi-so/?{JULY}", None, True),
    ("index-dossiers", f"/giam-sat/chi-so/?{JULY}", "#table-index td a", False),
    ("rankings", f"/giam-sat/chi-so/xep-hang/?{JULY}", None, True),
    ("accountability", f"/giam-sat/trach-nhiem/?{JULY}", None, True),
    ("late-steps", f"/giam-sat/trach-nhiem/?{JULY}", "#table-officials td a", False),
    ("reports", f"/giam-sat/bao-cao/?{JULY}", None, True),
]
# The head of a division sees the live dashboard of the agency: holders and due soon.
HEAD_PAGES = [
    ("dashboard-now", "/giam-sat/", None, True),
    ("holder-dossiers", "/giam-sat/", "#table-holders td a", False),
]

# On a phone every row header keeps at least 6rem (narrower, a long one reads a word a line).
SQUEEZED = """() => [...document.querySelectorAll('main tbody th[scope=row]')]
  .filter(th => th.getBoundingClientRect().width < 96)
  .map(th => th.textContent.trim().slice(0, 40))"""
ON_SUBMIT = f"""() => !!document.activeElement
  && document.activeElement.matches('{FORM} [type=submit]')"""


@pytest.fixture
def history(province):
    return oversight_history.build(province)


def _open(page, base: str, path: str, link: str | None) -> None:
    """Open `path`, then (for a drill-down) click the first `link` on it, as a reader would."""
    page.goto(f"{base}{path}")
    if link:
        with page.expect_navigation():
            page.locator(link).first.click()


def _submit_with_keyboard(page) -> str | None:
    """Tab from the top of the page to the filter form's button and press Enter: None when
    the form was submitted (a GET of the same page with the period), else what went wrong."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    if page.locator(FORM).count() != 1:
        return "no filter form"
    before = page.url.split("?")[0]
    for _n in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate(ON_SUBMIT):
            break
    else:
        return f"Tab never reaches the form's button ({MAX_TABS} presses)"
    try:
        with page.expect_navigation(timeout=10_000):
            page.keyboard.press("Enter")
    except PlaywrightTimeout:
        return "Enter on the form's button submits nothing"
    if page.url.split("?")[0] != before or "kind=" not in page.url:
        return f"the form went to {page.url}"
    return None


def _check(page, name: str, width: int, has_form: bool) -> list[str]:
    """The problems of the page open in `page` (its screenshot taken on the way)."""
    found = page_problems(page, width)
    if width == WIDTHS["phone"]:
        found += [f"row header squeezed: {text}" for text in page.evaluate(SQUEEZED)]
        found += [f"chart too small to read: {chart}" for chart in shrunk_charts(page)]
    page.screenshot(path=str(SHOTS / f"oversight-{name}.png"), full_page=True)
    if has_form:
        problem = _submit_with_keyboard(page)
        if problem:
            found.append(problem)
    elif page.locator(FORM).count():
        found.append("an unexpected filter form")
    return found


def _check_pages(base: str, signed_in: list[tuple[list, list]], language: str) -> dict:
    """Problems by page, width and language; each official's pages in their own session."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = {}

    def visit(page, item, width_name: str, width: int) -> None:
        name, path, link, has_form = item
        _open(page, base, path, link)
        assert page.locator("html").get_attribute("lang") == language, name
        label = f"{name}-{width_name}-{language}"
        if found := _check(page, label, width, has_form):
            problems[label] = found

    seen = visit_at_each_width(base, signed_in, language, visit)
    assert seen == len(WIDTHS) * sum(len(pages) for _cookies, pages in signed_in)
    return problems


@pytest.mark.parametrize("language", ["vi", "en"])
def test_oversight_pages_are_accessible_at_phone_and_desktop_width(
    live_server, settings, history, language
):
    plain_static_files(settings)
    signed_in = [
        ([session_cookie(sign_in(Client(), history.overseer))], OVERSEER_PAGES),
        ([session_cookie(sign_in(Client(), history.head))], HEAD_PAGES),
    ]
    assert _check_pages(live_server.url, signed_in, language) == {}
