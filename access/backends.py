"""The password backend of officials and administrators: Django's `ModelBackend`, whose user
read also brings the official and the TOTP devices (`access.identity`, decision 0012).

Everything but `get_user` is Django's: the password check, its timing on unknown names, the
refusal of inactive users, permissions. Sessions record the backend's path, so those made
with `django.contrib.auth.backends.ModelBackend` before this backend ended when it came in
(one sign-in again, noted in the CHANGELOG).
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from access import identity


class AccountBackend(ModelBackend):
    def get_user(self, user_id):
        """The user of a session, or None if unknown or inactive (as `ModelBackend`)."""
        user = identity.user_with_official(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
