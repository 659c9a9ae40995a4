"""Shared set-up for browser tests: Debian Chromium through Playwright, no download."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = os.environ.get("MOTCUA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]  # fmt: skip


def plain_static_files(settings) -> None:
    """The live test server serves app static files by their plain names (no manifest)."""
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@contextmanager
def chromium(**context_options):
    """A fresh browser context (phone width by default); closed afterwards."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    options = {"viewport": {"width": 360, "height": 740}, "locale": "vi-VN", **context_options}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_context(**options)
        finally:
            browser.close()


def tab_to(page, selector: str, most: int = 8) -> int:
    """Press Tab until the focused element matches `selector` (no press if it has the focus
    already); how many presses it took. A small number at each step of a walk shows a logical
    tab order. Call it on a page whose autofocus has landed: a Tab pressed before Chromium
    applies autofocus cancels it."""
    for presses in range(most + 1):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return presses
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} not reached with {most} presses of Tab")


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page, as readable lines."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        if violation.get("impact") in {"serious", "critical"}:
            targets = [str(node.get("target")) for node in violation["nodes"][:3]]
            found.append(f"{violation['id']} ({violation['impact']}): {', '.join(targets)}")
    return found


# Each chart's labels are drawn at 12 to 14 units of a 640-unit-wide drawing: shrunk below
# 0.85 of its size (544 px) they read under 11 px. A chart narrower than that on the page, or
# not inside a box that scrolls and takes the keyboard's focus, is listed.
SHRUNK_CHARTS = """() => [...document.querySelectorAll('svg.chart')]
  .filter(svg => {
    const box = svg.parentElement;
    const drawn = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    return drawn < 0.85 || !box.matches('.chart-box[tabindex="0"][role="region"]')
      || getComputedStyle(box).overflowX !== 'auto';
  })
  .map(svg => svg.id)"""


def shrunk_charts(page) -> list[str]:
    """The ids of the charts of the open page whose labels come out too small to read."""
    return page.evaluate(SHRUNK_CHARTS)


WIDTHS = {"phone": 360, "desktop": 1280}
# Form controls with no accessible name: no label with text, no aria-label(ledby), a button
# with no text.
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea, button')]
  .filter(e => {
    if (e.type === 'hidden') return false;
    if ((e.getAttribute('aria-label') || '').trim() || e.getAttribute('aria-labelledby'))
      return false;
    if (e.tagName === 'BUTTON' || ['submit', 'button', 'reset'].includes(e.type))
      return !(e.textContent || e.value || '').trim();
    return ![...(e.labels || [])].some(l => l.textContent.trim());
  })
  .map(e => e.outerHTML.slice(0, 120))"""
# A table with one row of column headers: each header names its column, so no two are alike
# (a screen reader announces the header with every cell).
SAME_HEADERS = """() => [...document.querySelectorAll('main table')]
  .filter(t => t.tHead && t.tHead.rows.length === 1)
  .flatMap(t => {
    const names = [...t.tHead.rows[0].cells].map(c => c.textContent.trim());
    return names.filter((n, i) => names.indexOf(n) !== i).map(n => `${t.id}: ${n}`);
  })"""


def switch_to_english(page, base: str) -> None:
    """Choose English with the language switch of the home page (a session setting)."""
    page.goto(f"{base}/")
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()


def page_problems(page, width: int) -> list[str]:
    """What every page of ours must not have: serious axe findings, a page wider than the
    phone, a control without a label, two columns of a table headed alike."""
    found = list(serious_violations(page))
    if width == WIDTHS["phone"]:
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > width:
            found.append(f"wider than a phone ({wide}px)")
    found += [f"control without a label: {html}" for html in page.evaluate(UNLABELLED)]
    found += [f"two columns named alike: {t}" for t in page.evaluate(SAME_HEADERS)]
    return found


def visit_at_each_width(base: str, sessions, language: str, visit) -> int:
    """For each width, a fresh Chromium; for each (cookies, pages) of `sessions`, the browser
    signed in with those cookies only and switched to English when asked, then
    `visit(page, item, width_name, width)` for each item of its pages. Returns the visits."""
    seen = 0
    for width_name, width in WIDTHS.items():
        with chromium(viewport={"width": width, "height": 900}) as context:
            page = context.new_page()
            for cookies, pages in sessions:
                context.clear_cookies()
                context.add_cookies(list(cookies))
                if language == "en":
                    switch_to_english(page, base)
                for item in pages:
                    visit(page, item, width_name, width)
                    seen += 1
    return seen
