"""The SQL statements Django's cursors send while some code runs, as sent: before any parameter
is written in (`CaptureQueriesContext` shows them written in on SQLite), and including the
statements compiled once per process (motcua.compiled_sql), which run through their own cursor
and which `CaptureQueriesContext` lists without their text on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

from motcua.compiled_sql import statements_sent


def sql_sent(run: Callable[[], object]) -> list[str]:
    return [sql for sql, _params in statements_sent(run)]


def starting(sent: list[str], verb: str) -> list[str]:
    """Those of `sent` that begin with `verb` (SELECT, UPDATE, INSERT...)."""
    return [sql for sql in sent if sql.lstrip().upper().startswith(verb)]
