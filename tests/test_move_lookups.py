"""What a move looks up once and keeps for the move (the process's steps, the acting units, the
step run it closed, the stats timing row) is never carried into the next move: an admin's edit
between two moves is followed, and the counts stay those of a rebuild."""

from __future__ import annotations

import pytest

from dossiers.models import StepRun
from dossiers.services import hand_over_step, receive_dossier, record_result, return_result
from org.models import OrgUnit
from stats.models import OfficialCount
from stats.rebuild import rebuild
from tests.personas import actor, applicant, components, local
from tests.stats_helpers import summary_rows

pytestmark = pytest.mark.django_db


def _received(province):
    return receive_dossier(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(),
        components=components(province), at=local(2026, 11, 2, 9, 0),
    )  # fmt: skip


def test_a_step_given_its_own_unit_between_two_moves_goes_to_that_unit(province):
    dossier = _received(province)  # this instance read the process's steps during reception
    new_unit = OrgUnit.objects.create(
        agency=province.department, code="moi", name="Phòng mới", kind=OrgUnit.Kind.DIVISION
    )
    step = province.process.steps.get(position=2)
    step.acting_unit = new_unit
    step.save()
    province.specialist.unit = new_unit
    province.specialist.save()

    run = hand_over_step(
        actor=actor(province.officer), dossier=dossier, to=province.specialist,
        at=local(2026, 11, 2, 10, 0),
    )  # fmt: skip

    assert run.unit == new_unit
    assert StepRun.objects.get(pk=run.pk).unit_id == new_unit.pk
    assert dossier.events.last().data["to_unit"].startswith("Phòng mới")


def test_counts_kept_in_the_moves_equal_a_rebuild(province):
    dossier = _received(province)
    hand_over_step(
        actor=actor(province.officer), dossier=dossier, to=province.specialist,
        at=local(2026, 11, 2, 10, 0),
    )  # fmt: skip
    hand_over_step(
        actor=actor(province.specialist), dossier=dossier, to=province.head,
        at=local(2026, 11, 3, 10, 0),
    )  # fmt: skip
    hand_over_step(
        actor=actor(province.head), dossier=dossier, to=province.leader,
        at=local(2026, 11, 4, 10, 0),
    )  # fmt: skip
    record_result(actor=actor(province.leader), dossier=dossier, at=local(2026, 11, 5, 10, 0))
    return_result(actor=actor(province.officer), dossier=dossier, at=local(2026, 11, 6, 10, 0))
    kept = summary_rows()
    steps_done = sum(r.steps_done for r in OfficialCount.objects.all())
    assert steps_done == 5  # reception, three hand-overs and the counter's return step

    rebuild(now=local(2026, 11, 30, 12, 0))

    assert summary_rows() == kept
