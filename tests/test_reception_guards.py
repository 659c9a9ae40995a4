"""What reception refuses before a legal clock starts, and what an online submission may not
change."""

from __future__ import annotations

import datetime as dt

import pytest

from catalog.exchange import ImportRejected, export_records, import_records
from dossiers.models import Applicant, Dossier
from dossiers.services import Actor, RuleViolation, receive_dossier, submit_online
from tests.personas import actor, applicant, components, local

AT = local(2026, 11, 2, 9, 0)


def _receive(province, **extra):
    return receive_dossier(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(),
        components=components(province), at=AT, **extra,
    )  # fmt: skip


def test_no_reception_without_a_verified_legal_time(province):
    province.procedure.legal_time_amount = None
    province.procedure.legal_time_unit = ""
    province.procedure.save()
    with pytest.raises(RuleViolation, match="thời hạn giải quyết"):
        _receive(province)
    assert not Dossier.objects.exists()


def test_no_reception_under_an_expired_version(province):
    province.procedure.effective_to = dt.date(2026, 10, 1)
    province.procedure.save()
    with pytest.raises(RuleViolation, match="hiệu lực"):
        _receive(province)


def test_a_naive_moment_is_refused(province):
    with pytest.raises(ValueError, match="aware"):
        receive_dossier(
            actor=actor(province.officer), procedure=province.procedure, applicant=applicant(),
            components=components(province), at=dt.datetime(2026, 11, 2, 9, 0),
        )  # fmt: skip


def test_an_online_submission_does_not_rewrite_a_known_applicant(province):
    _receive(province)
    stranger = applicant(email="stranger@example.test")
    stranger.address = "Địa chỉ khác"
    submit_online(
        actor=Actor.applicant("?"), procedure=province.procedure, applicant=stranger,
        receiving_agency=province.centre, components=components(province), at=AT,
    )  # fmt: skip
    person = Applicant.objects.get()
    assert (person.email, person.address) == ("dan@example.test", "Hải Châu")


def test_a_procedure_in_use_is_not_rewritten_by_an_import(province):
    _receive(province)
    record = next(export_records())
    record["name"] = "Tên đã sửa"
    with pytest.raises(ImportRejected, match="phiên bản mới"):
        import_records([("dòng 1", record)])
    province.procedure.refresh_from_db()
    assert province.procedure.name != "Tên đã sửa"
