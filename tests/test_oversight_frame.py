"""The dashboard and the service index are served inside a frame rendered once per language,
address and viewer (`oversight.frame`): the page is the full template's render byte for byte
(but for the CSRF token, which is new each time), and no viewer ever gets another's frame."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from oversight import frame
from tests import oversight_history
from tests.signin import sign_in

PAGES = {
    "/giam-sat/": "oversight/dashboard.html",
    "/giam-sat/chi-so/": "oversight/index.html",
}
FULL = {"oversight/_dashboard_main.html": "oversight/dashboard.html",
        "oversight/_index_main.html": "oversight/index.html"}  # fmt: skip


@pytest.fixture
def history(province):
    return oversight_history.build(province)


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "TOKEN", html)


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("who", ["overseer", "head"])
@pytest.mark.parametrize("path", list(PAGES))
def test_the_framed_page_is_the_full_templates_render(history, monkeypatch, language, who, path):
    """Twice (the frame rendered, then reused): each time the same bytes as the page's full
    template rendered for the same request and context."""
    seen = []
    served = frame.response

    def recording(request, title, template, context):
        seen.append((request, template, context))
        return served(request, title, template, context)

    monkeypatch.setattr(frame, "response", recording)
    client = sign_in(Client(), getattr(history, who))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with translation.override(settings.LANGUAGE_CODE):
        for _ in range(2):
            page = client.get(path + "?q=1&r=2")  # the return address escaped as the template does
            request, template, context = seen[-1]
            with translation.override(language):
                full = render_to_string(FULL[template], context, request)
            assert page.status_code == 200
            assert _without_tokens(page.content.decode()) == _without_tokens(full)
    assert "?q=1&amp;r=2" in page.content.decode()


def test_each_viewer_gets_their_own_name_and_scope(history):
    """The frame holds the viewer's name and agency: a second viewer of the same address, or
    the same viewer renamed, gets a frame of their own."""
    overseer = sign_in(Client(), history.overseer)
    head = sign_in(Client(), history.head)
    first = overseer.get("/giam-sat/").content.decode()
    other = head.get("/giam-sat/").content.decode()
    assert str(history.overseer) in first and str(history.overseer) not in other
    assert str(history.head) in other and "giám sát toàn tỉnh" in first
    user = history.overseer.user
    user.first_name, user.last_name = "Nguyễn", "Văn Mới"
    user.save()
    assert "Nguyễn Văn Mới" in overseer.get("/giam-sat/").content.decode()
