"""The bench says when a reused database lacks an index its migrations create (bench.schema):
figures measured on such a database do not measure motcua as deployed. And when it holds
notifications no worker delivered: the leg's task worker delivers them during the loads."""

from __future__ import annotations

import pytest
from django.db import connection

from bench import report
from bench.measure import wait_for_deliveries
from bench.schema import expected, missing_indexes, undelivered
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_a_migrated_database_lacks_nothing():
    """Declared indexes, the plain indexes of foreign keys and the hand-made ones are all
    expected, and a migrated database has each on its columns."""
    names = expected()
    assert "dossier_open_by_due" in names
    assert names["dossiers_dossier_current_step_id_5f531bc5"] == (
        "dossiers_dossier", ("current_step_id",),
    )  # fmt: skip
    hand_made = (
        "steprun_sqlite_assignee_open" if connection.vendor == "sqlite"
        else "catalog_procedure_search_trgm"
    )  # fmt: skip
    assert hand_made in names
    assert missing_indexes() == []


def test_an_index_dropped_by_hand_is_named():
    """Dropped inside the test's transaction (rolled back after it)."""
    name = "steprun_sqlite_unit_open" if connection.vendor == "sqlite" else "steprun_open_by_unit"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP INDEX "{name}"')
    assert missing_indexes() == [f"dossiers_steprun.{name}"]


def test_a_foreign_key_index_dropped_is_named():
    """The queue's PostgreSQL plan reads a dossier's current step through this one."""
    with connection.cursor() as cursor:
        cursor.execute('DROP INDEX "dossiers_dossier_current_step_id_5f531bc5"')
    assert missing_indexes() == ["dossiers_dossier.dossiers_dossier_current_step_id_5f531bc5"]


def test_an_index_rebuilt_on_other_columns_is_named():
    with connection.cursor() as cursor:
        cursor.execute('DROP INDEX "stats_dc_agency_day"')
        cursor.execute('CREATE INDEX "stats_dc_agency_day" ON "stats_dossiercount" ("agency_id")')
    assert missing_indexes() == ["stats_dossiercount.stats_dc_agency_day"]


def test_the_report_warns_above_the_table():
    leg = {
        "database": "sqlite", "dossiers": 200_000, "busy_before": 0.0, "loadavg_before": [0.5],
        "missing_indexes": ["dossiers_steprun.steprun_sqlite_unit_open"],
        "web_workers": 2, "database_version": "sqlite 3.40.1",
        "load": {"threads": 2, "connections": 8, "seconds": 5, "warmup": 1},
        "machine": {"cores": 2, "ram_gb": 24, "cpu": "x", "kernel": "6", "python": "3.11",
                    "django": "5.2", "gunicorn": "23", "wrk": "4.1"},
    }  # fmt: skip
    text = report.machine([leg])
    assert "lacked indexes its migrations create" in text
    assert "steprun_sqlite_unit_open" in text
    assert "lacked" not in report.machine([{**leg, "missing_indexes": []}])


def queue(n: int, status: str) -> None:
    Notification.objects.create(
        key=f"bench-test:{n}", kind="dossier.received", channel="email",
        recipient="dan@example.test", subject="s", body="b", status=status,
    )  # fmt: skip


def test_undelivered_notifications_are_counted_and_reported():
    assert undelivered() == 0
    queue(1, Notification.Status.PENDING)
    queue(2, Notification.Status.SENDING)  # claimed by a worker that stopped
    queue(3, Notification.Status.SENT)
    queue(4, Notification.Status.FAILED)
    assert undelivered() == 2
    leg = {
        "database": "postgresql", "dossiers": 200_000, "busy_before": 0.0,
        "loadavg_before": [0.5], "missing_indexes": [], "undelivered_before": 14_311,
        "web_workers": 2, "database_version": "postgresql 15",
        "load": {"threads": 2, "connections": 8, "seconds": 5, "warmup": 1},
        "machine": {"cores": 2, "ram_gb": 24, "cpu": "x", "kernel": "6", "python": "3.11",
                    "django": "5.2", "gunicorn": "23", "wrk": "4.1"},
    }  # fmt: skip
    assert "held 14,311 undelivered notifications" in report.machine([leg])
    assert "undelivered" not in report.machine([{**leg, "undelivered_before": 0}])


def test_the_wait_for_the_lifecycles_deliveries_is_measured_and_reported():
    """After the lifecycles, the leg waits for the task worker to empty the outbox; with no
    worker here, it gives up at its limit and says how many still wait."""
    assert wait_for_deliveries(limit=5)["left"] == 0
    queue(1, Notification.Status.PENDING)
    queue(2, Notification.Status.SENT)
    waited = wait_for_deliveries(limit=0.2, every=0.05)
    assert waited["left"] == 1 and waited["still_waiting"] == 1
    assert waited["seconds"] >= 0.2
    life = {"per_second": 40.0, "lifecycles": 1200, "seconds": 30, "processes": 2, "errors": {}}
    leg = {"database": "sqlite", "dossiers": 200_000}
    done = {"left": 2_400, "seconds": 212.4, "still_waiting": 0}
    figure = report.lifecycle_row({**leg, "lifecycle": {**life, "deliveries": done}})[1]
    assert figure.endswith(
        "; then 2,400 notifications waited for the task worker, delivered in 212 s"
    )
    stuck = {"left": 2_400, "seconds": 600.0, "still_waiting": 35}
    figure = report.lifecycle_row({**leg, "lifecycle": {**life, "deliveries": stuck}})[1]
    assert figure.endswith(", 35 still after 600 s")
    assert "waited" not in report.lifecycle_row({**leg, "lifecycle": life})[1]
