"""The page around the tracking content, rendered once per language and filled per request.

Rendering `base.html` (header, navigation, language form, footer: a dozen translations and
URLs) costs about three times a trivial request, more than the benchmark allows the whole
tracking page. For a visitor without a session, that frame depends only on the language and
on three per-request values: the title and content of the page, the CSRF token of the
language form and the address it returns to. So it is rendered once per language, for a
synthetic anonymous request whose values are markers, cut at the markers, and each response
joins the pieces with the request's own values (escaped as the template escapes them).

Why it stays right: the frame holds no database data (translations, URLs and static file
names change only with a restart, and any settings change clears it); it is rendered for an
anonymous request, so it can hold nothing of a visitor; and a visitor with a session (who
might one day see a personalised header) gets the full template render instead.
`tests/test_tracking_page.py` checks the filled frame against the full render byte for byte.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.signals import setting_changed
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from motcua.frames import CONTENT, NEXT, TITLE, TOKEN, Frame

TEMPLATE = "tracking/track.html"
_frames: dict[str, Frame] = {}  # per language


def applies(request: HttpRequest) -> bool:
    """True for a visitor without a session cookie: anonymous, nothing personal to show."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES


def render(request: HttpRequest, title: str, content: SafeString) -> str:
    """The full page: the frame filled with this request's values, or the template's render."""
    if not applies(request):
        return render_to_string(TEMPLATE, {"title": title, "content": content}, request)
    frame = _frames.get(get_language()) or _frame()
    return frame.fill(request, title, content)


def _frame() -> Frame:
    """The template rendered for a synthetic anonymous request, cut at the markers."""
    request = HttpRequest()
    request.method, request.path = "GET", f"/{NEXT}"
    request.META = {"SERVER_NAME": "localhost", "SERVER_PORT": "80"}
    request.user = AnonymousUser()
    html = render_to_string(
        TEMPLATE, {"title": TITLE, "content": CONTENT, "csrf_token": TOKEN}, request
    )
    frame = Frame.cut(html.replace(f"/{NEXT}", NEXT), TEMPLATE)
    _frames[get_language()] = frame
    return frame


def _forget(**_kwargs: object) -> None:
    """Settings changed (tests): URLs, static file names or templates may differ now."""
    _frames.clear()


setting_changed.connect(_forget, dispatch_uid="tracking.shell.forget")
