"""A per-address limit on public tracking lookups, counted in the cache.

Dossier codes are sequential (`<agency>-<YYMMDD>-<NNNN>`), so without a limit anyone could walk
through a day's dossiers. A fixed one-minute window per visitor address is enough for a person
(who looks up a few codes) and stops a script. The count lives in Django's default cache: the
local-memory cache counts per web process; a deployment with several processes configures a
shared cache (Redis) so the limit holds across them.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60
clock = time.time  # the window's clock; a test sets it to stay inside one window


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the current window ends


def client_address(request) -> str:
    """REMOTE_ADDR: behind a reverse proxy, the proxy must pass the visitor's address there."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _key(address: str, window: int) -> str:
    # The address is hashed so the cache holds no readable IP address (personal data).
    digest = hashlib.sha256(address.encode("utf-8")).hexdigest()[:24]
    return f"tracking:lookups:{digest}:{window}"


def _incr(key: str) -> int:
    """One cache operation for all but the first lookup of a window (`incr` fails on a new
    key, and then `add` creates it; if another request created it meanwhile, `incr` again)."""
    try:
        return cache.incr(key)
    except ValueError:  # no count yet in this window
        pass
    if cache.add(key, 1, timeout=WINDOW_SECONDS * 2):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
        return 1


def count_lookup(address: str, now: float | None = None) -> Verdict:
    """Count one lookup from `address`; allowed while within the limit of this minute."""
    now = clock() if now is None else now
    window = int(now // WINDOW_SECONDS)
    key = _key(address, window)
    count = _incr(key)
    limit = settings.MOTCUA["TRACKING_LOOKUPS_PER_MINUTE"]
    retry_after = max(1, (window + 1) * WINDOW_SECONDS - int(now))
    return Verdict(allowed=count <= limit, retry_after=retry_after)
