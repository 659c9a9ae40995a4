"""A per-address limit on the account forms that send email (sign-up, password reset, new
verification link), so nobody can flood mailboxes or probe for accounts at speed.

Counted in the cache in fixed one-hour windows. The default cache is per process: with several
web processes, configure a shared cache (database or Redis) for the limit to hold across them.
Sign-in itself is limited by django-axes (failures per address and user name, in the database).
"""

from __future__ import annotations

import time

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

WINDOW_SECONDS = 3600
clock = time.time  # the window's clock; a test sets it to stay inside one window


def over_limit(request: HttpRequest, form: str) -> bool:
    """Count one use of `form` from the request's address; true once past the hourly limit."""
    window = int(clock() // WINDOW_SECONDS)
    key = f"citizens:limit:{form}:{get_client_ip_address(request)}:{window}"
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        used = 1
    return used > settings.MOTCUA["ACCOUNT_FORMS_PER_HOUR"]
