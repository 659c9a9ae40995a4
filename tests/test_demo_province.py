"""The demo province loads from the committed real data, idempotently, with valid processes."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from catalog.models import Procedure, ProcessTemplate
from catalog.processes import check_process
from demo.province import STAFF
from org.models import AdministrativeUnit, Agency, Official, UnitSuccession
from workdays.models import CalendarDay

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """Load once for the module (it takes about a minute); flush afterwards so the committed
    rows do not leak into other tests."""
    with django_db_blocker.unblock():
        call_command("demo", verbosity=0)
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def test_demo_province_is_complete_and_idempotent(loaded):
    city = AdministrativeUnit.objects.get(code="48", valid_from__isnull=False)
    communes = AdministrativeUnit.objects.filter(parent=city)
    assert communes.count() == 94
    # Every commune-level unit is linked to the units it was formed from.
    assert not communes.filter(predecessions__isnull=True).exists()
    quang_nam = AdministrativeUnit.objects.get(code="49")
    assert quang_nam.valid_to is not None
    assert UnitSuccession.objects.filter(predecessor=quang_nam, successor=city).exists()
    hoi_an = communes.get(name="Phường Hội An")
    assert hoi_an.predecessions.count() >= 1

    assert Procedure.objects.count() >= 1500
    assert Agency.objects.filter(kind=Agency.Kind.DEPARTMENT).count() >= 8
    assert Agency.objects.filter(kind=Agency.Kind.LAND_REGISTRATION_BRANCH).exists()
    assert Agency.objects.filter(exchange_code__startswith="X48").count() == Agency.objects.count()
    assert Official.objects.filter(user__username__in=[s[0] for s in STAFF]).count() == len(STAFF)
    assert CalendarDay.objects.filter(kind=CalendarDay.Kind.DAY_OFF).count() > 10

    counts = _counts()
    call_command("demo", verbosity=0)
    assert _counts() == counts


def _counts() -> tuple[int, ...]:
    return (
        Procedure.objects.count(),
        Agency.objects.count(),
        AdministrativeUnit.objects.count(),
        UnitSuccession.objects.count(),
        ProcessTemplate.objects.count(),
        Official.objects.count(),
    )


def test_demo_processes_cover_the_named_fields_and_validate(loaded):
    processes = ProcessTemplate.objects.filter(is_demo=True).select_related("procedure__field")
    assert processes.count() >= 120
    fields = {p.procedure.field.name for p in processes}
    for expected in ("Đất đai", "Hộ tịch", "Đăng ký, quản lý cư trú", "Nhà ở và công sở",
                     "Hoạt động xây dựng"):  # fmt: skip
        assert expected in fields
    for template in processes:
        result = check_process(template)
        assert result.ok, (template.procedure.national_code, result.errors)


def test_unparsed_facts_are_flagged_not_guessed(loaded):
    flagged = Procedure.objects.filter(needs_review=True)
    assert flagged.exists()
    # A flagged procedure keeps the source text, and no number is invented for it.
    for procedure in flagged.filter(legal_time_amount__isnull=True)[:50]:
        assert procedure.review_notes
    assert not Procedure.objects.filter(source_url="").exists()
