"""The bench says when a reused database lacks an index its migrations create (bench.schema):
figures measured on such a database do not measure motcua as deployed."""

from __future__ import annotations

import pytest
from django.db import connection

from bench import report
from bench.schema import expected, missing_indexes

pytestmark = pytest.mark.django_db


def test_a_migrated_database_lacks_nothing():
    assert "dossier_open_by_due" in expected()
    assert missing_indexes() == []


def test_an_index_dropped_by_hand_is_named():
    """Dropped inside the test's transaction (rolled back after it)."""
    name = "steprun_sqlite_unit_open" if connection.vendor == "sqlite" else "steprun_open_by_unit"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP INDEX "{name}"')
    assert missing_indexes() == [f"dossiers_steprun.{name}"]


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
