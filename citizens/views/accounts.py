"""Sign-up, email verification, sign-in, sign-out and password reset for citizens.

None of these pages tells whether an address has an account: sign-up, reset and "send the link
again" always answer "if the address can be used, we have sent a message"; sign-in has one
message for an unknown address and a wrong password; lock-outs count typed addresses alike.
"""

from __future__ import annotations

from axes.utils import reset as reset_lockouts
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from citizens import services
from citizens.backends import PORTAL
from citizens.forms import EmailForm, SetPasswordForm, SignInForm, SignUpForm
from citizens.limits import over_limit
from citizens.oidc import provider_settings
from citizens.selectors import citizen_of, is_official
from citizens.tokens import password_reset_tokens, sign_up_tokens
from citizens.views.common import locked_out, safe_next, site_of, too_many

SENT_TO = "citizens_sent_to"


def sign_up(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if over_limit(request, "sign_up"):
            return too_many(request)
        data = {k: form.cleaned_data[k] for k in ("full_name", "personal_id", "email", "phone")}
        services.sign_up(
            services.SignUp(**data, password=form.cleaned_data["password1"]), site=site_of(request)
        )
        request.session[SENT_TO] = services.normalise_email(data["email"])
        return redirect("citizens:sign_up_sent")
    return render(request, "citizens/sign_up.html", {"form": form, "provider": provider_settings()})


def sign_up_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "citizens/sign_up_sent.html", {"email": request.session.get(SENT_TO)})


def resend_verification(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if over_limit(request, "resend_verification"):
            return too_many(request)
        services.resend_sign_up_link(form.cleaned_data["email"], site=site_of(request))
        request.session[SENT_TO] = services.normalise_email(form.cleaned_data["email"])
        return redirect("citizens:sign_up_sent")
    return render(request, "citizens/resend_verification.html", {"form": form})


def verify_email(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Shows whose account the link confirms (so nobody confirms details they did not type),
    and confirms on the button: a mail scanner that opens links confirms nothing."""
    user = services.user_from_link(uidb64, token, sign_up_tokens)
    if user is None:
        return render(request, "citizens/link_invalid.html", status=400)
    if request.method == "POST":
        services.confirm_sign_up(user)
        messages.success(request, _("Đã xác minh thư điện tử. Mời bạn đăng nhập."))
        return redirect("citizens:sign_in")
    return render(request, "citizens/verify_email.html", {"account": user.citizen})


def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    context = {
        "form": form,
        "provider": provider_settings(),
        "next": safe_next(request, ""),
    }
    if request.method == "POST" and form.is_valid():
        email = services.normalise_email(form.cleaned_data["email"])
        user = authenticate(
            request, username=email, password=form.cleaned_data["password"], portal=PORTAL
        )
        if user is None:
            if getattr(request, "axes_locked_out", False):
                return locked_out(request)
            form.add_error(None, _("Thư điện tử hoặc mật khẩu không đúng."))
        elif citizen_of(user) is None or is_official(user):
            context["official"] = True
        elif not user.citizen.email_verified:
            context["unverified"] = True
        else:
            login(request, user)
            return redirect(safe_next(request, reverse("citizens:profile")))
    return render(request, "citizens/sign_in.html", context)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, _("Bạn đã đăng xuất."))
    return redirect("citizens:sign_in")


def password_reset(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if over_limit(request, "password_reset"):
            return too_many(request)
        services.request_password_reset(form.cleaned_data["email"], site=site_of(request))
        request.session[SENT_TO] = services.normalise_email(form.cleaned_data["email"])
        return redirect("citizens:password_reset_sent")
    return render(request, "citizens/password_reset.html", {"form": form})


def password_reset_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request, "citizens/password_reset_sent.html", {"email": request.session.get(SENT_TO)}
    )


def password_reset_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = services.user_from_link(uidb64, token, password_reset_tokens)
    if user is None:
        return render(request, "citizens/link_invalid.html", status=400)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.reset_password(user, form.cleaned_data["password1"])
        # The owner of the address proved it: lift a lock-out on it at once.
        reset_lockouts(username=user.citizen.email)
        messages.success(request, _("Đã đặt mật khẩu mới. Mời bạn đăng nhập."))
        return redirect("citizens:sign_in")
    return render(request, "citizens/password_reset_confirm.html", {"form": form})
