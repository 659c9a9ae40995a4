"""Demo histories and the statistics: the service path (every move through the services)
leaves counts that a rebuild finds again, and the bulk path (rows written without the
services) gets its counts from the rebuild the demo command ends with."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from demo import histories
from dossiers.models import Dossier
from stats.models import DossierTiming
from stats.overdue import count_overdue
from stats.rebuild import rebuild
from tests.stats_helpers import dossier_counts, summary_rows
from tests.test_demo_histories import NOW, build_small_demo


@pytest.fixture
def small_demo(db):
    return build_small_demo()


def test_stories_told_through_the_services_are_counted_as_a_rebuild_counts(small_demo):
    histories.generate(60, seed=5, now=NOW, via="services", chunk=20)
    count_overdue(NOW)
    counted = summary_rows()
    assert dossier_counts()["received"] > 0
    rebuild(now=NOW)
    for table, rows in summary_rows().items():
        assert rows == counted[table], table


def test_the_demo_command_recounts_after_the_bulk_loader(small_demo):
    out = io.StringIO()
    call_command("demo", dossiers=30, seed=3, verbosity=0, stdout=out)
    assert "Thống kê: " in out.getvalue()
    assert DossierTiming.objects.count() == Dossier.objects.count()
    received = Dossier.objects.filter(received_at__isnull=False).count()
    assert dossier_counts()["received"] == received
