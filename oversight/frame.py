"""The page around the dashboard's and the index's content, rendered once per language,
address and viewer in each process, and filled per request.

Why: with their figures cached, these two pages spent about a quarter of a request in Django's
template engine drawing the same frame (`base.html` and `oversight/layout.html`: a dozen
translated texts, a dozen URLs, the navigation, the viewer's name) around a fragment taken
from the cache. The frame depends only on the language, the page's address (the current
link), the viewer's name, agency and scope, and on three per-request values: the page's title
and content, the CSRF token of the language form and the address it returns to. So it is
rendered once for those, with markers in place of the per-request values, cut at the markers,
and each request joins the pieces with its own values (escaped as the template escapes them).

Why it stays right: everything else in the frame is fixed until a restart (translations, URLs,
static file names); the viewer's name, agency name and scope are in the key; the full template
render is what the frame is checked against, byte for byte (`tests/test_oversight_frame.py`).
A settings change clears the frames.
"""

from __future__ import annotations

from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from motcua.frames import CONTENT, NEXT, TITLE, TOKEN, Frame

TEMPLATE = "oversight/framed.html"
MAX_FRAMES = 2000  # (language, address, viewer) triples; dropped all at once beyond
_frames: dict[tuple, Frame] = {}


class _MarkedRequest:
    """The request as the frame's templates read it, its full address replaced by a marker."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    def __getattr__(self, name: str):
        return getattr(self._request, name)

    def get_full_path(self) -> str:
        return NEXT


def response(request: HttpRequest, title: str, template: str, context: dict) -> HttpResponse:
    """The page whose content is `template` inside the frame. The content is rendered without
    the request: what the context processors add (the user, the messages, the CSRF token) is
    the frame's, and running them cost a third of the content's render."""
    return HttpResponse(render(request, title, render_to_string(template, context)))


def render(request: HttpRequest, title: str, content: SafeString) -> str:
    """The full page: the frame for this request's language, address and viewer, filled with
    the title (escaped here), the content, the CSRF token and the return address."""
    key = _key(request)
    frame = _frames.get(key) or _frame(request, key)
    return frame.fill(request, escape(title), content)


def _key(request: HttpRequest) -> tuple:
    viewer, official = request.viewer, request.official
    return (
        get_language(), request.path, official.pk, str(official),
        str(official.unit.agency), viewer.sees_all,
    )  # fmt: skip


def _frame(request: HttpRequest, key: tuple) -> Frame:
    context = {
        "frame_title": TITLE, "frame_content": CONTENT, "csrf_token": TOKEN,
        "request": _MarkedRequest(request),
    }  # fmt: skip
    frame = Frame.cut(render_to_string(TEMPLATE, context, request), TEMPLATE)
    if len(_frames) >= MAX_FRAMES:
        _frames.clear()
    _frames[key] = frame
    return frame


def _forget(**_kwargs: object) -> None:
    """Settings changed (tests): URLs, static file names or templates may differ now."""
    _frames.clear()


setting_changed.connect(_forget, dispatch_uid="oversight.frame.forget")
