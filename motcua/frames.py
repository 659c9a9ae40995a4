"""A page frame rendered once with markers, cut at them, and filled per request: the frames of
the public tracking page (`tracking.shell`) and of the oversight pages (`oversight.frame`).

A frame's template is rendered with a marker in place of each per-request value: the page's
title and content, the CSRF token of the language form and the address it returns to. The
markers are letters and digits only, so neither URL quoting nor HTML escaping changes them,
and each must appear exactly once. Each request joins the pieces with its own values.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils.html import escape

TITLE, CONTENT, TOKEN, NEXT = (f"MOTCUAFRAME{n}X7Q" for n in ("TITLE", "MAIN", "CSRF", "NEXT"))
MARKERS = (TITLE, CONTENT, TOKEN, NEXT)


@dataclass(frozen=True)
class Frame:
    pieces: tuple[str, ...]
    order: tuple[str, ...]  # which marker comes after each piece but the last

    @classmethod
    def cut(cls, html: str, source: str) -> Frame:
        """`html` (the render of `source`) cut at the markers."""
        if any(html.count(marker) != 1 for marker in MARKERS):
            raise RuntimeError(f"{source}: each per-request value must appear exactly once")
        order = sorted(MARKERS, key=html.index)
        pieces, rest = [], html
        for marker in order:
            head, _marker, rest = rest.partition(marker)
            pieces.append(head)
        pieces.append(rest)
        return cls(tuple(pieces), tuple(order))

    def fill(self, request: HttpRequest, title: str, content: str) -> str:
        """The page for `request`: `title` and `content` as given (escaped by the caller), the
        request's CSRF token and its address escaped as the template escapes it."""
        values = {
            TITLE: title, CONTENT: content, TOKEN: get_token(request),
            NEXT: escape(request.get_full_path()),
        }  # fmt: skip
        out = [self.pieces[0]]
        for marker, piece in zip(self.order, self.pieces[1:], strict=True):
            out += [values[marker], piece]
        return "".join(out)
