"""The SQL statements Django's cursors send while some code runs, as sent: before any parameter
is written in (`CaptureQueriesContext` shows them written in on SQLite), and including the
statements compiled once per process (motcua.compiled_sql), which run through their own cursor
and which `CaptureQueriesContext` lists without their text on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection


def sql_sent(run: Callable[[], object]) -> list[str]:
    return [sql for sql, _params in sent_with_params(run)]


def sent_with_params(run: Callable[[], object]) -> list[tuple[str, list]]:
    """Each statement with its parameters, as sent."""
    sent: list[tuple[str, list]] = []

    def record(execute, sql, params, many, context):
        sent.append((sql, list(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        run()
    return sent


def starting(sent: list[str], verb: str) -> list[str]:
    """Those of `sent` that begin with `verb` (SELECT, UPDATE, INSERT...)."""
    return [sql for sql in sent if sql.lstrip().upper().startswith(verb)]
