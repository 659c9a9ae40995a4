"""Sign-in, second factor (with enrolment on first sign-in) and sign-out for officials."""

from __future__ import annotations

from django.contrib.auth import authenticate, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from access import signin
from access.forms import CodeForm, PasswordForm

NEXT = "access.next"


def _safe_next(request: HttpRequest, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return "/can-bo/"


@sensitive_post_parameters("password")
@never_cache
def sign_in(request: HttpRequest) -> HttpResponse:
    """Step 1: user name and password. The same message for every failure (no enumeration)."""
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if user is not None and signin.may_use_back_office(user):
            signin.remember_password_passed(request, user)
            request.session[NEXT] = _safe_next(request, request.GET.get("next"))
            return redirect("access:second_factor")
        form.add_error(None, _("Tên đăng nhập hoặc mật khẩu không đúng."))
    elif request.method == "GET":
        request.session[NEXT] = _safe_next(request, request.GET.get("next"))
    return render(request, "access/sign_in.html", {"form": form})


@sensitive_post_parameters("code")
@never_cache
def second_factor(request: HttpRequest) -> HttpResponse:
    """Step 2: the TOTP code; enrols a device (QR code) the first time."""
    user = signin.pending_user(request)
    if user is None:
        return redirect("access:sign_in")
    device = signin.confirmed_device(user)
    enrolling = device is None
    if enrolling:
        device = signin.enrolment_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        problem = signin.check_code(request, user, device, form.cleaned_data["code"])
        if problem is None:
            return redirect(request.session.pop(NEXT, "/can-bo/"))
        form.add_error("code", _MESSAGES[problem]())
    context = {"form": form, "enrolling": enrolling}
    if enrolling:
        context |= {"qr": signin.qr_svg(device), "secret": _grouped_secret(device)}
    return render(request, "access/second_factor.html", context)


_MESSAGES = {
    "wrong": lambda: _("Mã không đúng hoặc đã hết hạn. Hãy nhập mã mới nhất trên ứng dụng."),
    "throttled": lambda: _("Nhập sai nhiều lần: hãy chờ ít phút rồi thử lại."),
}


def _grouped_secret(device) -> str:
    from base64 import b32encode

    text = b32encode(device.bin_key).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("access:sign_in")
