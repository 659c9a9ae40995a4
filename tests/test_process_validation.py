"""Internal processes (quy trình nội bộ) are checked against the procedure's legal time and the
"at most two administrative levels" rule, in `catalog.processes` and when saved in the admin.

Allotments are realistic test data, not statements about any real procedure's process.
"""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError

from catalog.models import ProcessStep, TimeUnit
from catalog.processes import check_process, hours_per_working_day, validate_process
from tests import factories
from tests.signin import sign_in

pytestmark = pytest.mark.django_db

DAYS, HOURS = TimeUnit.WORKING_DAYS.value, TimeUnit.WORKING_HOURS.value
NOT_CONSECUTIVE = "liên tục"
TOO_MANY_LEVELS = "cấp hành chính tham gia"


def procedure(amount: str | None = "10", unit: str = DAYS):
    if amount is None:
        return factories.procedure(legal_time_amount=None, legal_time_unit=unit)
    return factories.procedure(legal_time_amount=Decimal(amount), legal_time_unit=unit)


def checked(proc, steps, **template):
    return check_process(factories.process(proc, steps, **template))


def numbers_in(messages: list[str]) -> set[str]:
    return set(re.findall(r"\d+(?:\.\d+)?", " ".join(messages)))


# ---------------------------------------------------------------- time


@pytest.mark.parametrize(
    "allotments",
    [["3", "5", "2"], ["10"], ["1", "1", "0.5"], ["2.5", "7.5"]],
    ids=["exact", "one-step", "shorter", "fractions"],
)
def test_allotments_that_fit_the_legal_time_pass(allotments):
    result = checked(procedure("10"), [(a, DAYS, "province") for a in allotments])
    assert result.ok and result.errors == [] and result.warnings == []


def test_allotments_over_the_legal_time_fail_naming_both_totals():
    template = factories.process(
        procedure("10"), [("6", DAYS, "province"), ("5", DAYS, "province")]
    )
    result = check_process(template)
    assert not result.ok
    assert len(result.errors) == 1
    assert {"11", "10"} <= numbers_in(result.errors)
    with pytest.raises(ValidationError) as raised:
        validate_process(template)
    assert raised.value.messages == result.errors


def test_a_working_day_is_seven_and_a_half_hours():
    assert hours_per_working_day() == Decimal("7.5")


@pytest.mark.parametrize(
    ("legal", "steps", "ok"),
    [
        (("1", DAYS), [("4", HOURS), ("3.5", HOURS)], True),  # 7.5 h = 1 day
        (("1", DAYS), [("4", HOURS), ("4", HOURS)], False),  # 8 h > 1 day
        (("2", DAYS), [("1", DAYS), ("7.5", HOURS)], True),
        (("8", HOURS), [("1", DAYS), ("0.5", HOURS)], True),  # 7.5 + 0.5 = 8 h
        (("8", HOURS), [("1", DAYS), ("1", HOURS)], False),
        (("1", "same_day"), [("7.5", HOURS)], True),
        (("1", "same_day"), [("0.5", DAYS), ("4", HOURS)], False),
    ],
)
def test_hours_and_days_are_compared_with_a_seven_and_a_half_hour_day(legal, steps, ok):
    result = checked(procedure(*legal), [(a, unit, "province") for a, unit in steps])
    assert result.ok is ok


def test_an_hour_overrun_reports_totals_in_working_days():
    result = checked(procedure("1"), [("4", HOURS, "province"), ("4", HOURS, "province")])
    assert {"1.07", "1"} <= numbers_in(result.errors)  # 8 h / 7.5 h and the legal 1 day


def test_a_procedure_without_legal_time_gives_a_warning_not_an_error():
    result = checked(procedure(None, ""), [("30", DAYS, "province")])
    assert result.ok
    assert len(result.warnings) == 1 and "thời hạn" in result.warnings[0]
    validate_process(factories.process(procedure(None, ""), [("1", DAYS, "province")]))


def test_a_legal_time_in_calendar_days_is_checked_with_a_warning():
    proc = procedure("15", TimeUnit.CALENDAR_DAYS)
    assert checked(proc, [("15", DAYS, "province")]).warnings
    assert not checked(proc, [("16", DAYS, "province")]).ok


# ---------------------------------------------------------------- steps


def test_a_process_without_steps_is_refused():
    template = factories.process(procedure(), [])
    result = check_process(template)
    assert not result.ok and "bước" in result.errors[0]
    with pytest.raises(ValidationError):
        validate_process(template)


@pytest.mark.parametrize("positions", [[1, 3], [2, 3], [1, 1], [2, 1]])
def test_step_numbers_must_run_from_one_without_gaps(positions):
    template = factories.process(procedure(), [])
    province = factories.level("province")
    steps = [
        ProcessStep(template=template, position=n, name=f"Bước {n}", acting_level=province,
                    acting_unit_kind="division", role="specialist", allotment=Decimal(1),
                    allotment_unit=DAYS)
        for n in positions
    ]  # fmt: skip
    result = check_process(template, steps)
    assert any(NOT_CONSECUTIVE in e for e in result.errors)


def test_saved_steps_with_a_gap_are_refused():
    template = factories.process(procedure(), [("1", DAYS, "province")] * 3)
    assert check_process(template).ok
    template.steps.filter(position=3).update(position=4)
    assert any(NOT_CONSECUTIVE in e for e in check_process(template).errors)


# ---------------------------------------------------------------- administrative levels


def test_three_administrative_level_groups_are_an_error():
    steps = [("1", DAYS, "commune"), ("1", DAYS, "district"), ("1", DAYS, "province")]
    result = checked(procedure(), steps)
    assert not result.ok
    assert any(TOO_MANY_LEVELS in e and "3" in e for e in result.errors)


def test_commune_ward_and_special_zone_count_as_one_level():
    steps = [("1", DAYS, "commune"), ("1", DAYS, "ward"), ("1", DAYS, "special_zone")]
    assert checked(procedure(), [*steps, ("1", DAYS, "province")]).ok


def test_more_levels_with_a_legal_note_is_a_warning():
    steps = [("1", DAYS, "commune"), ("1", DAYS, "district"), ("1", DAYS, "province")]
    note = "Luật chuyên ngành quy định ba cấp cùng tham gia (dữ liệu thử)"
    result = checked(procedure(), steps, allow_more_levels=True, legal_note=note)
    assert result.ok
    assert any(TOO_MANY_LEVELS in w for w in result.warnings)


@pytest.mark.parametrize("note", ["", "   "])
def test_allowing_more_levels_without_a_legal_note_is_still_an_error(note):
    steps = [("1", DAYS, "commune"), ("1", DAYS, "district"), ("1", DAYS, "province")]
    result = checked(procedure(), steps, allow_more_levels=True, legal_note=note)
    assert any(TOO_MANY_LEVELS in e for e in result.errors)


def test_the_level_limit_is_a_setting(settings):
    settings.MOTCUA = {**settings.MOTCUA, "MAX_PROCESS_LEVELS": 3}
    steps = [("1", DAYS, "commune"), ("1", DAYS, "district"), ("1", DAYS, "province")]
    assert checked(procedure(), steps).ok


# ---------------------------------------------------------------- the admin form


class _FormValues(HTMLParser):
    """What a browser would post for the admin's change form (the inline template excluded)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name") or ""
        if "__prefix__" in name:
            return
        if tag == "input" and name and a.get("type") not in {"submit", "button", "checkbox"}:
            self.data[name] = a.get("value") or ""
        elif tag == "input" and a.get("type") == "checkbox" and "checked" in a:
            self.data[name] = a.get("value") or "on"
        elif tag == "select":
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("quantri", "qt@example.test", "x-Pass-123")
    return sign_in(client, admin)


@pytest.fixture
def template():
    """A 10-day procedure whose process takes 3 + 3 days."""
    return factories.process(procedure("10"), [("3", DAYS, "province"), ("3", DAYS, "province")])


def change_url(template) -> str:
    return f"/quan-tri/catalog/processtemplate/{template.pk}/change/"


def form_data(admin_client, template) -> dict[str, str]:
    response = admin_client.get(change_url(template))
    assert response.status_code == 200
    parser = _FormValues()
    parser.feed(response.content.decode())
    assert parser.data["steps-TOTAL_FORMS"] == "2"
    return parser.data


def allotments(template) -> list[Decimal]:
    return list(template.steps.order_by("position").values_list("allotment", flat=True))


def test_the_admin_saves_a_process_that_fits(admin_client, template):
    data = form_data(admin_client, template)
    data.update({"name": "Quy trình đã sửa", "steps-1-allotment": "7"})
    response = admin_client.post(change_url(template), data)
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.name == "Quy trình đã sửa"
    assert allotments(template) == [Decimal(3), Decimal(7)]


def test_the_admin_refuses_steps_over_the_legal_time_and_saves_nothing(admin_client, template):
    data = form_data(admin_client, template)
    data.update({"name": "Không được lưu", "steps-0-allotment": "6", "steps-1-allotment": "5"})
    response = admin_client.post(change_url(template), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "vượt thời hạn giải quyết" in page
    assert re.search(r"\b11 ngày làm việc\b", page) and re.search(r"\b10 ngày làm việc\b", page)
    template.refresh_from_db()
    assert template.name == "Quy trình thử"
    assert allotments(template) == [Decimal(3), Decimal(3)]


def test_the_admin_refuses_a_new_step_that_breaks_the_level_rule(admin_client, template):
    data = form_data(admin_client, template)
    extra = {"position": "3", "name": "Xã thẩm tra", "acting_unit_kind": "division",
             "role": "specialist", "allotment": "1", "allotment_unit": DAYS}  # fmt: skip
    data.update({f"steps-2-{k}": v for k, v in extra.items()})
    data["steps-2-acting_level"] = str(factories.level("commune", tier=3).pk)
    data["steps-1-acting_level"] = str(factories.level("district", tier=2).pk)
    data["steps-TOTAL_FORMS"] = "3"
    response = admin_client.post(change_url(template), data)

    assert response.status_code == 200
    assert TOO_MANY_LEVELS in response.content.decode()
    assert template.steps.count() == 2
    assert set(template.steps.values_list("acting_level__code", flat=True)) == {"province"}
