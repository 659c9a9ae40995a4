"""The rebuild from the rows equals the counts the moves kept, after any history
(hypothesis): random walks through the lifecycle by the stateful machine of
test_dossier_stateful, with the periodic overdue job run at random moments, and a rebuild
compared with the incremental tables at random moments and at the end of each walk.

A longer search: STATS_EXAMPLES=300 pytest tests/test_stats_rebuild.py
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import precondition, rule, run_state_machine_as_test

from stats.overdue import count_overdue
from stats.rebuild import rebuild
from tests.stats_helpers import summary_rows
from tests.test_dossier_stateful import DossierMachine, has_dossiers


class StatsMachine(DossierMachine):
    @rule()
    def overdue_job(self) -> None:
        """The scheduler's job runs now (the moves count what it has not)."""
        count_overdue(self.now)

    @precondition(has_dossiers)
    @rule()
    def rebuild_finds_the_same(self) -> None:
        count_overdue(self.now)
        counted = summary_rows()
        rebuild(now=self.now)
        rebuilt = summary_rows()
        for table, rows in counted.items():
            assert rebuilt[table] == rows, table

    def teardown(self) -> None:
        try:
            if self.dossiers:
                self.rebuild_finds_the_same()
        finally:
            super().teardown()


@pytest.mark.django_db
def test_rebuild_equals_the_counts_the_moves_kept():
    run_state_machine_as_test(
        StatsMachine,
        settings=settings(
            max_examples=int(os.environ.get("STATS_EXAMPLES", "30")),
            stateful_step_count=50,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
