"""Forms of the officials' sign-in."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PasswordForm(forms.Form):
    username = forms.CharField(
        label=_("Tên đăng nhập"), max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )  # fmt: skip
    password = forms.CharField(
        label=_("Mật khẩu"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )  # fmt: skip


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Mã xác thực 6 chữ số"), regex=r"^\s*[0-9]{3}\s?[0-9]{3}\s*$",
        error_messages={"invalid": _("Mã gồm 6 chữ số, lấy từ ứng dụng xác thực.")},
        widget=forms.TextInput(attrs={
            "autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True,
        }),
    )  # fmt: skip
