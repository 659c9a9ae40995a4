"""Measurements made inside the bench driver with Django's test client against the same
database: SQL query counts of a page, and a cProfile of a page or of a flow (written next to
the results when a goal is missed, for docs/performance.md)."""

from __future__ import annotations

import cProfile
import io
import pstats
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def client(cookie: str = "") -> Client:
    c = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="127.0.0.1")
    if cookie:
        name, _, value = cookie.partition("=")
        c.cookies[name] = value
    return c


def query_count(path: str, cookie: str = "", warm: str = "") -> tuple[int, int]:
    """(HTTP status, SQL queries) of one GET, after one unmeasured GET that warms caches (of
    `warm` if given: then the measured GET is the first of its path)."""
    c = client(cookie)
    c.get(warm or path)
    with CaptureQueriesContext(connection) as queries:
        status = c.get(path).status_code
    return status, len(queries)


def profile(call: Callable[[], object], repeat: int, top: int = 30) -> str:
    """cProfile of `repeat` calls: the functions with the largest cumulative time."""
    call()  # warm-up outside the profile
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        call()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def profile_page(path: str, cookie: str = "", repeat: int = 200) -> str:
    c = client(cookie)
    header = f"cProfile of {repeat} GET {path} in-process (DEBUG={settings.DEBUG})\n"
    return header + profile(lambda: c.get(path), repeat)


def profile_post(path: str, body: bytes, content_type: str, repeat: int = 50) -> str:
    """cProfile of `repeat` POSTs of a raw body ("@SERIAL@" made unique per request)."""
    c = client()
    serials = iter(range(10**6))

    def once() -> object:
        unique = f"8{next(serials) % 100_000:05d}".encode()
        return c.post(path, data=body.replace(b"@SERIAL@", unique), content_type=content_type)

    return f"cProfile of {repeat} POST {path} in-process\n" + profile(once, repeat)
