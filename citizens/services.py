"""What changes citizen accounts: sign-up, email verification and change, contact details, and
accounts vouched for by the identity provider. Business accounts are in `citizens.businesses`.

Each function does its writes in one transaction and sends its email after it. Functions that
answer a form anyone can submit (sign-up, reset) return nothing that depends on whether an
address has an account: the caller shows the same page either way, and the email that goes out
says what the owner of the address needs to know.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from citizens.mail import send_account_mail
from citizens.models import CitizenAccount, normalise_email, with_email, with_oidc_subject
from citizens.tokens import (
    decode_uid,
    email_change_tokens,
    encode_uid,
    password_reset_tokens,
    sign_up_tokens,
)
from motcua.text import nfc


class AccountError(Exception):
    """A refused account change, with a message for the person (translated)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SignUp:
    full_name: str
    personal_id: str
    email: str
    phone: str
    password: str


def account_by_email(email: str) -> CitizenAccount | None:
    return CitizenAccount.objects.select_related("user").filter(with_email(email)).first()


def _new_user(email: str) -> AbstractBaseUser:
    """A user row for a citizen. Its user name is random: citizens sign in by email on the
    portal, and a name nobody knows cannot be tried on the officials' sign-in page."""
    return get_user_model()(username=f"citizen-{secrets.token_hex(8)}", email=email)


def _link(site: str, name: str, *args: str) -> str:
    return site.rstrip("/") + reverse(name, args=args)


def sign_up(data: SignUp, *, site: str) -> None:
    """Đăng ký tài khoản: create the account, or answer an address that already has one.

    1. A verified address: nothing changes; its owner is told that someone tried to sign up
       with it and how to sign in or reset the password.
    2. An address that signed up but never confirmed: the new details replace the old ones (the
       earlier link stops working), so whoever holds the mailbox ends up with the details they
       typed, never with a password somebody else chose.
    3. A new address: a new account, unusable until the link sent to it is followed.
    """
    email = normalise_email(data.email)
    try:
        with transaction.atomic():
            account = CitizenAccount.objects.select_for_update().filter(with_email(email)).first()
            if account is not None and (account.email_verified or account.id_verified):
                kind = "already_registered"
            else:
                account = _write_pending(account, data, email)
                kind = "verify_sign_up"
    except IntegrityError:  # the same address signed up at the same moment: that one mails
        return
    if kind == "verify_sign_up":
        _send_sign_up_link(account, site)
    else:
        _send_already_registered(email, site)


def _send_sign_up_link(account: CitizenAccount, site: str) -> None:
    token = sign_up_tokens.make_token(account.user)
    link = _link(site, "citizens:verify_email", encode_uid(account.user.pk), token)
    send_account_mail("verify_sign_up", account.email, {"account": account, "link": link})


def _send_already_registered(email: str, site: str) -> None:
    context = {
        "sign_in_link": _link(site, "citizens:sign_in"),
        "reset_link": _link(site, "citizens:password_reset"),
    }
    send_account_mail("already_registered", email, context)


def _write_pending(account: CitizenAccount | None, data: SignUp, email: str) -> CitizenAccount:
    if account is None:
        user = _new_user(email)
        account = CitizenAccount(email=email)
    else:
        user = account.user
    user.set_password(data.password)
    user.save()
    account.user = user
    account.full_name = nfc(data.full_name).strip()
    account.personal_id = data.personal_id
    account.phone = data.phone
    account.save()
    return account


def resend_sign_up_link(email: str, *, site: str) -> None:
    """Gửi lại liên kết xác minh: only to an account that signed up and has not confirmed."""
    account = account_by_email(email)
    if account is None or account.email_verified or account.id_verified:
        return
    _send_sign_up_link(account, site)


def user_from_link(uidb64: str, token: str, tokens) -> AbstractBaseUser | None:
    """The citizen a link was made for, if the link is still good."""
    pk = decode_uid(uidb64)
    if pk is None:
        return None
    user = get_user_model().objects.filter(pk=pk, citizen__isnull=False).first()
    if user is None or not tokens.check_token(user, token):
        return None
    return user


def confirm_sign_up(user: AbstractBaseUser) -> CitizenAccount:
    """Xác minh thư điện tử: the address is proved; the account can sign in from now on."""
    with transaction.atomic():
        account = CitizenAccount.objects.select_for_update().get(user=user)
        account.email_verified = True
        account.save(update_fields=["email_verified"])
    return account


def update_contact(account: CitizenAccount, *, phone: str, address: str) -> None:
    account.phone = phone
    account.address = nfc(address).strip()
    account.save(update_fields=["phone", "address"])


def request_email_change(account: CitizenAccount, new_email: str, *, site: str) -> None:
    """Đổi thư điện tử: the new address must be proved before it replaces the old one.

    The old address (if any) is told of the request; an address that another account already
    uses is told so instead of receiving a link, and the page says the same in both cases.
    """
    email = normalise_email(new_email)
    taken = CitizenAccount.objects.filter(with_email(email)).exclude(pk=account.pk).exists()
    if taken:
        _send_already_registered(email, site)
        return
    account.pending_email = email
    account.save(update_fields=["pending_email"])
    token = email_change_tokens.make_token(account.user)
    link = _link(site, "citizens:confirm_email_change", encode_uid(account.user.pk), token)
    send_account_mail("confirm_email_change", email, {"account": account, "link": link})
    if account.email:
        send_account_mail(
            "email_change_requested", account.email, {"account": account, "new_email": email}
        )


def confirm_email_change(user: AbstractBaseUser) -> CitizenAccount:
    """The new address is proved: it becomes the sign-in address."""
    try:
        with transaction.atomic():
            account = CitizenAccount.objects.select_for_update().get(user=user)
            account.email = account.pending_email
            account.pending_email = ""
            account.email_verified = True
            account.save(update_fields=["email", "pending_email", "email_verified"])
            user.email = account.email
            user.save(update_fields=["email"])
    except IntegrityError:
        raise AccountError(
            _("Địa chỉ thư điện tử này vừa được một tài khoản khác sử dụng.")
        ) from None
    return account


def request_password_reset(email: str, *, site: str) -> None:
    """Quên mật khẩu: a link goes to the address only if a citizen account uses it."""
    account = account_by_email(email)
    if account is None or not account.user.is_active:
        return
    token = password_reset_tokens.make_token(account.user)
    link = _link(site, "citizens:password_reset_confirm", encode_uid(account.user.pk), token)
    send_account_mail("password_reset", account.email, {"account": account, "link": link})


def reset_password(user: AbstractBaseUser, password: str) -> None:
    """Set the new password. Following the link also proves the address, so an account that
    never confirmed its sign-up is confirmed now (with the password just chosen)."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        CitizenAccount.objects.filter(user=user).update(email_verified=True)


@dataclass(frozen=True)
class ProviderIdentity:
    """What the identity provider vouched for in one sign-in."""

    issuer: str
    subject: str
    personal_id: str
    full_name: str
    email: str  # empty unless the provider says it verified the address


def account_from_provider(identity: ProviderIdentity) -> CitizenAccount:
    """Đăng nhập bằng định danh điện tử: the account for a verified identity, linked or created.

    1. The account already linked to this subject of this provider.
    2. Else the account whose ID number is verified and equal (linked now).
    3. Else an account that declared this ID number at sign-up *and* proved the same address
       the provider vouches for: it becomes verified and linked. A declared number alone is
       never enough: it may have been typed by someone else.
    4. Else a new, verified account.
    """
    with transaction.atomic():
        account = _linked_account(identity)
        if account is None:
            account = _create_verified(identity)
    return account


def _linked_account(identity: ProviderIdentity) -> CitizenAccount | None:
    accounts = CitizenAccount.objects.select_for_update().select_related("user")
    account = accounts.filter(with_oidc_subject(identity.issuer, identity.subject)).first()
    if account is not None:
        if account.personal_id != identity.personal_id:
            raise AccountError(_("Số định danh do nhà cung cấp gửi không khớp với tài khoản."))
        return account
    account = accounts.filter(personal_id=identity.personal_id, id_verified=True).first()
    if account is None and identity.email:
        account = accounts.filter(
            with_email(identity.email), personal_id=identity.personal_id, email_verified=True
        ).first()
    if account is None:
        return None
    if account.oidc_subject and account.oidc_issuer == identity.issuer:
        raise AccountError(_("Số định danh này đã gắn với một tài khoản định danh khác."))
    account.id_verified = True
    account.oidc_issuer, account.oidc_subject = identity.issuer, identity.subject
    account.full_name = identity.full_name or account.full_name
    account.save(update_fields=["id_verified", "oidc_issuer", "oidc_subject", "full_name"])
    return account


def _create_verified(identity: ProviderIdentity) -> CitizenAccount:
    free = identity.email and not CitizenAccount.objects.filter(with_email(identity.email)).exists()
    email = identity.email if free else ""
    user = _new_user(email)
    user.set_unusable_password()
    user.save()
    return CitizenAccount.objects.create(
        user=user,
        full_name=identity.full_name,
        personal_id=identity.personal_id,
        id_verified=True,
        email=email,
        email_verified=bool(email),
        oidc_issuer=identity.issuer,
        oidc_subject=identity.subject,
    )
