"""Links sent by email: each kind has its own salt, so a link made for one purpose is refused by
the others, and each one stops working once used because what it is computed from changes.

The links carry no data beyond the user's id: everything is read from the database when the
link comes back (Django's password-reset token scheme, signed with SECRET_KEY, valid for
PASSWORD_RESET_TIMEOUT seconds).
"""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode


class SignUpTokenGenerator(PasswordResetTokenGenerator):
    """Confirms the address given at sign-up. Bound to the details submitted with it: a later
    sign-up with the same address (which replaces them) makes earlier links useless, and so
    does the confirmation itself."""

    key_salt = "citizens.tokens.SignUpTokenGenerator"

    def _make_hash_value(self, user, timestamp: int) -> str:
        account = user.citizen
        return (
            f"{user.pk}|{user.password}|{account.email}|{account.email_verified}|"
            f"{account.personal_id}|{account.full_name}|{timestamp}"
        )


class EmailChangeTokenGenerator(PasswordResetTokenGenerator):
    """Confirms a new address from the profile page; used up once the address changes."""

    key_salt = "citizens.tokens.EmailChangeTokenGenerator"

    def _make_hash_value(self, user, timestamp: int) -> str:
        account = user.citizen
        return f"{user.pk}|{user.password}|{account.email}|{account.pending_email}|{timestamp}"


class PasswordResetTokens(PasswordResetTokenGenerator):
    """Django's reset token (bound to the password and last sign-in) under the portal's own salt,
    so a link for an official's password does not work here and the other way round."""

    key_salt = "citizens.tokens.PasswordResetTokens"


sign_up_tokens = SignUpTokenGenerator()
email_change_tokens = EmailChangeTokenGenerator()
password_reset_tokens = PasswordResetTokens()


def encode_uid(pk: int) -> str:
    return urlsafe_base64_encode(force_bytes(pk))


def decode_uid(uidb64: str) -> int | None:
    try:
        return int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None


def new_secret() -> tuple[str, str]:
    """A random secret for a link and the digest to store instead of it."""
    secret = secrets.token_urlsafe(32)
    return secret, digest(secret)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
