"""PostgreSQL connections kept between requests (`motcua.db.postgresql`): Django's health
check runs before a connection is reused, except when the last request handed it back in good
order moments ago; a connection the server dropped is replaced, not an error page."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.core.signals import request_finished
from django.db import connection

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


def _new_request() -> None:
    connection.health_check_done = False  # what the start of a request does


def _drop_from_the_server() -> None:
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    params.pop("prepare_threshold", None)
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_connection_handed_back_moments_ago_is_not_checked(checks):
    connection.ensure_connection()
    request_finished.send(sender=None)
    _new_request()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert checks == []


def test_an_older_one_is_checked_and_replaced_when_the_server_dropped_it(checks):
    connection.ensure_connection()
    request_finished.send(sender=None)
    connection.handed_back_at = time.monotonic() - 5  # five seconds idle
    first = connection.connection.info.backend_pid
    _drop_from_the_server()
    _new_request()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert checks == [False]  # the check ran, failed, and the connection was replaced
    assert connection.connection.info.backend_pid != first


def test_a_connection_that_saw_an_error_is_not_marked(checks):
    connection.ensure_connection()
    connection.handed_back_at = None
    connection.errors_occurred = True
    request_finished.send(sender=None)
    assert connection.handed_back_at is None
    connection.errors_occurred = False


def test_zero_always_checks(checks, settings):
    settings.MOTCUA = {**settings.MOTCUA, "DB_CHECK_AFTER_MS": 0}
    connection.ensure_connection()
    request_finished.send(sender=None)
    _new_request()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert checks == [True]
