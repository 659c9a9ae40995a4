"""The found dossier's part of the tracking page, kept while nothing it shows has changed.

Why: the page's goal is half the throughput of a trivial view (issue 6). Reading the step runs
and events and building the timeline's HTML cost more than that whole budget, yet a dossier's
page is looked up again and again (the applicant's QR code, a refreshed tab, the counter's
screen) while the dossier waits at one step for days. So the facts and timeline are kept in
the cache, and a lookup whose dossier did not change costs the one query that reads its row.

Why it stays right: that query runs at every lookup, and the key holds all it returns:
- the dossier's public fields themselves (status, dates, the procedure's and agencies' names,
  the applicant's name, the current step);
- the number of its latest event: every move appends an event, in the transaction that opens
  or closes step runs (assignments append one too; due-moment shifts change nothing shown);
- the names' number (`stats.generation.NAMES`), bumped in the transaction of every edit of a
  name the timeline shows: processes' steps, units, agencies (`oversight.invalidation`); the
  overdue job does not bump it, since it changes nothing the page shows;
- the language, the time zone and the site's address prefix the HTML is built for.
So an entry is read only while all it was built from is unchanged; the TTL only frees memory.
A lookup that overlaps a move may read the row before it and the timeline after it; that page
is stored under the row's old key, which no later lookup reads.

The entries are in their own cache (`CACHES["tracking"]`, each process's memory): anonymous
lookups of many codes never evict the default cache's rate-limit counters or oversight
figures, and the entries end with the process, so a new release never serves an older one's
HTML. An entry holds only what the page shows anyone with the code (the masked name, no
personal data).
"""

from __future__ import annotations

import hashlib

from django.core.cache import caches
from django.urls import get_script_prefix
from django.utils.safestring import SafeString
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language

from tracking import content
from tracking.selectors import dossier_row, from_row


def dossier_page(code: str) -> tuple[SafeString, SafeString] | None:
    """(title, facts and timeline) of the dossier with this normalised code, or None."""
    row = dossier_row(code)
    if row is None:
        return None
    store, key = caches["tracking"], _key(row)
    found = store.get(key)
    if found is None:
        dossier = from_row(row)
        found = (content.title(dossier), content.dossier_sections(dossier))
        store.set(key, found)  # the alias's TIMEOUT: it only frees memory
    return found


def _key(row: tuple) -> str:
    material = repr((row, get_language(), get_current_timezone_name(), get_script_prefix()))
    return "tracking:dossier:" + hashlib.sha256(material.encode()).hexdigest()
