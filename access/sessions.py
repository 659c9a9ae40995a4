"""The session store: Django's database sessions, with the read that every signed-in request
makes compiled once per process (decision 0007).

Why: every back-office and oversight page reads its session first. Through the ORM that read
cost about 1 ms more than the database takes to answer it (building and compiling the query),
a tenth of an oversight page served from its cache. The table, the data, its signing, the
expiry and what an unknown or expired key does are Django's own
(`django.contrib.sessions.backends.db`); only how the row is read differs, so sessions made
before this store keep working. Sessions stay in the database on purpose (see
`backoffice.views.queues`: a per-process cached session would outlive a sign-out).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from motcua.compiled_sql import Prepared

# Values no session can have, to compile the query's shape (motcua.compiled_sql).
KEY_MARK = "\x00motcua-session-key\x00"
NOW_MARK = dt.datetime(1901, 3, 3, 3, 3, 3, 3, tzinfo=dt.UTC)

SESSION_ROW = Prepared(
    "access.session",
    lambda session_key, now: Session.objects.filter(
        session_key=session_key, expire_date__gt=now
    ).values_list("session_data", "expire_date"),
    typed=True,
    session_key=KEY_MARK,
    now=NOW_MARK,
)


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Session | None:
        """The unexpired session row of this key, or None (and the key forgotten, so that a
        new one is issued), as Django's database store does."""
        found = SESSION_ROW.rows(session_key=self.session_key, now=timezone.now())
        if not found:
            self._session_key = None
            return None
        data, expires = found[0]
        return Session(session_key=self.session_key, session_data=data, expire_date=expires)
