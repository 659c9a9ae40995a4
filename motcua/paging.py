"""The page of a list that a query string asks for, and what to tell the reader when it names none.

Django's `Paginator.get_page` turns a page number that is not a number into the first page and
one past the end into the last, without a word: a reader who followed a stale link ("page 7"
of a queue that now has 3) or mistyped the address saw another page than the one asked for and
had no way to know. Here the same fallback is kept (the reader still gets a page of the list),
and the notice says which page is shown and why.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils.translation import gettext as _

from motcua.params import number


def choose_page(paginator: Paginator, asked: str | None) -> tuple[Page, str | None]:
    """The page `asked` names, or the nearest one with the notice saying which is shown.

    An empty or missing value is the first page, with no notice: it is how lists are linked.
    """
    if not asked:
        return paginator.page(1), None
    wanted = number(asked)
    if wanted is None or wanted < 1:
        notice = _("Số trang “%(asked)s” không hợp lệ: đang hiển thị trang 1.")
        return paginator.page(1), notice % {"asked": asked[:20]}
    last = paginator.num_pages
    if wanted > last:
        notice = _("Danh sách chỉ có %(last)d trang: đang hiển thị trang %(last)d.")
        return paginator.page(last), notice % {"last": last}
    return paginator.page(wanted), None


def page_with_message(request: HttpRequest, rows, size: int, param: str = "page") -> Page:
    """`choose_page` for a page whose layout shows django.contrib.messages."""
    page, notice = choose_page(Paginator(rows, size), request.GET.get(param))
    if notice:
        messages.warning(request, notice)
    return page
