"""The demo generator in several processes (`demo --dossiers N --processes P`, PostgreSQL).

Why it matters: the benchmark's 2,000,000-dossier province must be generated in under 30
minutes, which one Python process cannot do. Several processes must still write the histories
one process writes: each dossier's story, codes numbered 1, 2, 3... per agency and day with no
gap and no clash, one row per applicant, and hash chains that verify.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import astuple
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from demo import histories
from demo.histories.plans import Planner
from demo.histories.story import Story
from dossiers.integrity import verify_all
from dossiers.models import Applicant, Dossier, Event
from tests.test_demo_histories import NOW, assert_codes_consecutive, build_small_demo


def _plan_facts(plan) -> tuple:
    applicant = astuple(plan.applicant)
    return (plan.index, plan.route.procedure.pk, plan.route.processing.pk, plan.fate,
            plan.channel, plan.delivery, plan.entry, applicant, sorted(plan.extras),
            plan.end_stage, plan.rng.random())  # fmt: skip


@pytest.mark.django_db
def test_a_process_that_skips_the_others_plans_makes_the_same_plans():
    build_small_demo()
    setup = histories.prepare()
    alone = Planner(setup, 5, 90, NOW)
    expected = [_plan_facts(alone.plan(i)) for i in range(90)]
    shared = Planner(setup, 5, 90, NOW)
    found = []
    for index in range(90):
        if 30 <= index < 60:
            shared.skip(index)
        else:
            found.append(_plan_facts(shared.plan(index)))
    assert found == expected[:30] + expected[60:]


def _stories() -> Counter:
    """Each dossier's history without what depends on timing (ids, the order of codes)."""
    actions: dict[int, list[str]] = {}
    for dossier_id, action in Event.objects.order_by("dossier", "seq").values_list(
        "dossier", "action"
    ):
        actions.setdefault(dossier_id, []).append(action)
    return Counter(
        (d.procedure_id, d.receiving_agency_id, d.processing_agency_id, d.status, d.channel,
         d.submitted_at, d.received_at, d.due_at, d.finished_at, d.returned_at,
         d.applicant.personal_id, d.applicant.tax_code, d.transferred_from_id is not None,
         d.code.rsplit("-", 1)[0], tuple(actions[d.pk]))
        for d in Dossier.objects.select_related("applicant")
    )  # fmt: skip


def _forget_dossiers() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE dossiers_dossier, dossiers_applicant, dossiers_dossiercounter CASCADE"
        )


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_processes_write_the_histories_one_process_writes():
    build_small_demo()
    histories.prepare()
    report = histories.generate(400, seed=7, now=NOW, chunk=25, processes=2)
    assert report.processes == 2
    assert report.dossiers >= 400
    checked, breaks = verify_all()
    assert checked == Dossier.objects.count() and breaks == []
    assert_codes_consecutive()
    # The pool of people is smaller than the dossiers: many apply twice, some in both
    # processes' parts, and each is one row (as many as one process makes, below).
    assert Applicant.objects.count() < Dossier.objects.count()
    in_two, applicants = _stories(), Applicant.objects.count()

    _forget_dossiers()
    alone = histories.generate(400, seed=7, now=NOW, chunk=25, processes=1)
    assert alone.processes == 1
    assert _stories() == in_two
    assert Applicant.objects.count() == applicants


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_the_demo_command_uses_several_processes_on_postgresql():
    build_small_demo()
    out = StringIO()
    call_command("demo", dossiers=60, processes=2, verbosity=0, stdout=out)
    assert "2 tiến trình" in out.getvalue()
    assert verify_all()[1] == []
    assert_codes_consecutive()


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_process_that_fails_stops_the_run_and_says_so(monkeypatch):
    build_small_demo()
    told = Story.run

    def run(story: Story) -> None:
        if story.plan.index == 130:  # in the sixth of 16 parts: some were written before
            raise ValueError("a broken story")
        told(story)

    monkeypatch.setattr(Story, "run", run)
    with pytest.raises(histories.GenerationFailed, match="A generator process failed"):
        histories.generate(400, seed=7, now=NOW, chunk=25, processes=2)
    # The chunks written before stay whole: committed, their chains verify; the failed chunk
    # left nothing.
    assert Dossier.objects.exists()
    assert verify_all()[1] == []
    assert_codes_consecutive()
