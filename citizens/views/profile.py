"""The citizen's own page: who they are, how to reach them, their sign-in address."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from citizens import services
from citizens.forms import ContactForm, EmailChangeForm
from citizens.selectors import memberships_of
from citizens.tokens import email_change_tokens
from citizens.views.common import citizen_required, site_of


@citizen_required
def profile(request: HttpRequest) -> HttpResponse:
    citizen = request.citizen
    initial = {"phone": citizen.phone, "address": citizen.address}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.update_contact(citizen, **form.cleaned_data)
        messages.success(request, _("Đã lưu thông tin liên hệ."))
        return redirect("citizens:profile")
    context = {"citizen": citizen, "form": form, "memberships": memberships_of(citizen)}
    return render(request, "citizens/profile.html", context)


@citizen_required
def change_email(request: HttpRequest) -> HttpResponse:
    form = EmailChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.request_email_change(
            request.citizen, form.cleaned_data["email"], site=site_of(request)
        )
        messages.success(
            request,
            _("Đã gửi liên kết xác minh tới %(email)s. Địa chỉ mới chỉ được dùng sau khi bạn "
              "mở liên kết đó.") % {"email": services.normalise_email(form.cleaned_data["email"])},
        )  # fmt: skip
        return redirect("citizens:profile")
    return render(request, "citizens/change_email.html", {"form": form})


def confirm_email_change(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = services.user_from_link(uidb64, token, email_change_tokens)
    if user is None:
        return render(request, "citizens/link_invalid.html", status=400)
    if request.method == "POST":
        try:
            account = services.confirm_email_change(user)
        except services.AccountError as exc:
            messages.error(request, exc.message)
            return redirect("citizens:profile")
        messages.success(
            request,
            _("Địa chỉ thư điện tử mới %(email)s đã được xác minh.") % {"email": account.email},
        )
        return redirect("citizens:profile")
    return render(request, "citizens/confirm_email_change.html", {"account": user.citizen})
