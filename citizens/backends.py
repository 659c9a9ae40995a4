"""Password sign-in for citizens, kept apart from officials.

Citizens sign in with their email address, and only where the portal's sign-in view asks for it
(`portal="citizen"`): the officials' sign-in page calls `authenticate` without it, so a citizen's
password opens nothing there; citizens' user names are random, so ModelBackend does not find them
either. django-axes, first in AUTHENTICATION_BACKENDS, counts failures by the `username`
credential (the address typed) and the client address.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from citizens.models import CitizenAccount, with_email

PORTAL = "citizen"


class CitizenPasswordBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, portal=None, **kwargs):
        if portal != PORTAL or not username or password is None:
            return None
        account = CitizenAccount.objects.select_related("user").filter(with_email(username)).first()
        if account is None:
            # As ModelBackend does: spend the time of a password check, so an unknown address
            # answers no faster than a known one.
            get_user_model()().set_password(password)
            return None
        user = account.user
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
