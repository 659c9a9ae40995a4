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
