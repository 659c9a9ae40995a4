"""The administration site (/quan-tri/): django-otp's site (the second factor), signing in
through the officials' pages, and a list filter or search that the database cannot read
answered as Django answers any other bad filter."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.admin import OTPAdminSite


class AdminSite(OTPAdminSite):
    """Why the guard: a list's filter or search value is put into its query as the field's
    type. An integer past 64 bits (`?field=999…9` on a foreign key) passes Django's checks,
    and SQLite then refuses to bind it with OverflowError, a 500; PostgreSQL compares it
    without error (no row matches), but refuses a NUL character in a text filter or search
    (a DataError, a 500; on SQLite nothing is found). Django answers a filter it cannot read
    by sending the list back without it (`?e=1`); the guard does the same, and says why. It
    runs inside Django's own wrapper (after the permission check, with its CSRF and cache
    headers). A form or an action posted with such a number (a choice of rows by id, which no
    page offers) fails inside the admin's transaction, so nothing is written: the guard sends
    the page back and says so."""

    site_title = gettext_lazy("Quản trị motcua")
    site_header = gettext_lazy("motcua · Quản trị hệ thống")
    index_title = gettext_lazy("Quản trị hệ thống")

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        return redirect_to_login(request.get_full_path())

    def admin_view(self, view, cacheable: bool = False):
        return super().admin_view(_guarded(view), cacheable)


def _guarded(view):
    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method != "GET":
            try:
                return view(request, *args, **kwargs)
            except OverflowError:
                messages.error(request, _("Dữ liệu gửi lên có số quá lớn: chưa lưu gì."))
                return HttpResponseRedirect(request.get_full_path())
        if _holds_nul(request.GET):
            return _without_filters(request, _("Bộ lọc hoặc từ khóa có ký tự NUL: đã bỏ."))
        try:
            return view(request, *args, **kwargs)
        except OverflowError:
            if list(request.GET) == [ERROR_FLAG]:  # nothing left to drop
                raise
            return _without_filters(request, _("Bộ lọc hoặc từ khóa có số quá lớn: đã bỏ bộ lọc."))

    return guarded


def _holds_nul(query) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in query.lists())


def _without_filters(request: HttpRequest, why: str) -> HttpResponse:
    messages.warning(request, why)
    return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
