"""PostgreSQL connections kept between requests (`motcua.db.postgresql`): Django's health
check runs before a connection is reused, except when a request used it and handed it back in
good order moments ago; a connection the server dropped is replaced, not an error page.

`close_old_connections()` is what Django runs at the start and at the end of every request
(the test client leaves it out, so the tests call it where a server would)."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import OperationalError, close_old_connections, connection

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def checks(monkeypatch) -> list[bool]:
    """The results of the health checks (`is_usable`) that actually ran."""
    ran: list[bool] = []
    usable = connection.is_usable

    def counted() -> bool:
        ran.append(usable())
        return ran[-1]

    monkeypatch.setattr(connection, "is_usable", counted)
    return ran


def _query() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def _request(body=_query) -> None:
    """One request as a server runs it: Django's check at the start, the view, and at the end."""
    close_old_connections()
    body()
    close_old_connections()


def _drop_from_the_server() -> None:
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    for name in ("prepare_threshold", "cursor_factory", "context"):
        params.pop(name, None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_connection_handed_back_moments_ago_is_not_checked(checks):
    _request()
    checks.clear()
    _request()
    assert checks == []


def test_an_older_one_is_checked_and_replaced_when_the_server_dropped_it(checks):
    _request()
    connection.handed_back_at = time.monotonic() - 5  # five seconds idle
    first = connection.connection.info.backend_pid
    _drop_from_the_server()
    checks.clear()
    _request()
    assert checks == [False]  # the check ran, failed, and the connection was replaced
    assert connection.connection.info.backend_pid != first


def test_a_request_that_did_not_use_the_connection_leaves_its_mark(checks):
    """A static file or a page served from the cache does not make an idle connection look
    recently used."""
    _request()
    connection.handed_back_at = time.monotonic() - 5
    _request(body=lambda: None)
    assert time.monotonic() - connection.handed_back_at >= 5
    checks.clear()
    _request()
    assert checks == [True]


def test_a_connection_the_server_dropped_during_a_request_is_not_kept(checks):
    _request()
    close_old_connections()  # the start of a request that then fails

    def failing() -> None:
        _query()
        _drop_from_the_server()
        with pytest.raises(OperationalError):
            _query()

    failing()
    close_old_connections()  # its end: Django finds the connection unusable and drops it
    assert connection.connection is None
    _request()  # the next request connects afresh, and its mark starts from there
    assert connection.connection is not None


def test_zero_always_checks(checks, settings):
    settings.MOTCUA = {**settings.MOTCUA, "DB_CHECK_AFTER_MS": 0}
    _request()
    checks.clear()
    _request()
    assert checks == [True]
