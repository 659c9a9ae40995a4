"""Forms of the account pages. Field checks reuse the applicant validators of `dossiers`, so an
ID number, tax code or phone number is judged the same everywhere."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

from citizens.models import MemberRole
from dossiers.validators import (
    clean_phone_input,
    normalise_personal_id,
    normalise_tax_code,
    validate_personal_id,
    validate_tax_code,
)
from motcua.text import nfc


class NewPasswordMixin:
    """Two password fields checked by Django's password validators."""

    def _check_new_password(self, cleaned: dict, user=None) -> None:
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("Hai mật khẩu không giống nhau."))
            return
        if first:
            try:
                password_validation.validate_password(first, user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)


def _password_fields() -> tuple[forms.CharField, forms.CharField]:
    return (
        forms.CharField(
            label=_("Mật khẩu"),
            strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
            help_text=_("Ít nhất 8 ký tự, không toàn chữ số, không quá giống thông tin của bạn."),
        ),
        forms.CharField(
            label=_("Nhập lại mật khẩu"),
            strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        ),
    )


class SignUpForm(NewPasswordMixin, forms.Form):
    full_name = forms.CharField(
        label=_("Họ và tên"), max_length=255, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    personal_id = forms.CharField(
        label=_("Số định danh cá nhân"),
        max_length=20,
        help_text=_("12 chữ số, in trên thẻ căn cước."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    email = forms.EmailField(
        label=_("Thư điện tử"),
        help_text=_("Dùng để đăng nhập; cổng sẽ gửi liên kết xác minh tới địa chỉ này."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Điện thoại (không bắt buộc)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    password1, password2 = _password_fields()

    def clean_full_name(self) -> str:
        return nfc(self.cleaned_data["full_name"]).strip()

    def clean_personal_id(self) -> str:
        value = normalise_personal_id(self.cleaned_data["personal_id"])
        validate_personal_id(value)
        return value

    def clean_phone(self) -> str:
        return clean_phone_input(self.cleaned_data["phone"])

    def clean(self) -> dict:
        cleaned = super().clean()
        probe = get_user_model()(
            email=cleaned.get("email", ""), first_name=cleaned.get("full_name", "")
        )
        self._check_new_password(cleaned, probe)
        return cleaned


class EmailForm(forms.Form):
    """One address: for a new verification link or a password reset."""

    email = forms.EmailField(
        label=_("Thư điện tử"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class SignInForm(forms.Form):
    email = forms.CharField(
        label=_("Thư điện tử"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Mật khẩu"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class SetPasswordForm(NewPasswordMixin, forms.Form):
    password1, password2 = _password_fields()

    def __init__(self, user, *args, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        cleaned = super().clean()
        self._check_new_password(cleaned, self.user)
        return cleaned


class ContactForm(forms.Form):
    phone = forms.CharField(
        label=_("Điện thoại"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    address = forms.CharField(
        label=_("Địa chỉ liên hệ"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )

    def clean_phone(self) -> str:
        return clean_phone_input(self.cleaned_data["phone"])


class EmailChangeForm(forms.Form):
    email = forms.EmailField(
        label=_("Địa chỉ thư điện tử mới"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Mật khẩu hiện tại"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user, *args, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        if not user.has_usable_password():
            # Accounts made through the identity provider have no password to ask for.
            del self.fields["password"]

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Mật khẩu không đúng."), code="password")
        return password


class BusinessForm(forms.Form):
    tax_code = forms.CharField(
        label=_("Mã số thuế"),
        max_length=20,
        help_text=_("10 chữ số, hoặc 13 chữ số với đơn vị phụ thuộc."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name = forms.CharField(label=_("Tên tổ chức, doanh nghiệp"), max_length=255)
    address = forms.CharField(label=_("Địa chỉ trụ sở"), max_length=500, required=False)

    def clean_tax_code(self) -> str:
        value = normalise_tax_code(self.cleaned_data["tax_code"])
        validate_tax_code(value)
        return value


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("Thư điện tử của người được mời"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=_("Tư cách"), choices=MemberRole.choices, initial=MemberRole.AUTHORISED
    )
