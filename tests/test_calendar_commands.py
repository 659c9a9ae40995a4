"""Calendars as data: CSV import, seeding from `holidays`, the due_date command, the cache."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from tests.factories import calendar as make_calendar
from workdays.models import Calendar, CalendarDay, calendar_for
from workdays.seeding import seed_year

pytestmark = pytest.mark.django_db

GOOD_CSV = """date,kind,name
2027-02-04,day_off,29 Tết
2027-02-05,day_off,Giao thừa Tết Nguyên Đán
2027-02-20,workday,Làm bù
"""

# Line numbers matter: the command must name each bad line (the header is line 1).
BAD_CSV = """date,kind,name
2027-2-4,day_off,ngày viết sai
2027-02-05,holiday,loại sai
2027-02-08,day_off,dòng đúng
2027-02-08,day_off,trùng ngày với dòng 4
2027-02-09,day_off
2200-01-01,day_off,ngoài khoảng năm
2027-02-30,day_off,ngày không có thật
"""


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def csv_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "days.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def days_of(code: str) -> dict[dt.date, tuple[str, str]]:
    return {
        day.date: (day.kind, day.name) for day in CalendarDay.objects.filter(calendar__code=code)
    }


# calendar_import ---------------------------------------------------------------------------


def test_import_creates_the_calendar_with_default_hours(tmp_path: Path) -> None:
    run("calendar_import", "xa-moi", csv_file(tmp_path, GOOD_CSV))
    created = Calendar.objects.get(code="xa-moi")
    assert (created.morning_start, created.afternoon_end) == (dt.time(7, 30), dt.time(17))
    assert created.reception_cutoff == dt.time(15)
    assert days_of("xa-moi") == {
        dt.date(2027, 2, 4): ("day_off", "29 Tết"),
        dt.date(2027, 2, 5): ("day_off", "Giao thừa Tết Nguyên Đán"),
        dt.date(2027, 2, 20): ("workday", "Làm bù"),
    }


def test_reimport_is_idempotent_and_updates_kind_and_name(tmp_path: Path) -> None:
    run("calendar_import", "tinh", csv_file(tmp_path, GOOD_CSV))
    run("calendar_import", "tinh", csv_file(tmp_path, GOOD_CSV))
    assert len(days_of("tinh")) == 3
    changed = GOOD_CSV.replace("2027-02-20,workday,Làm bù", "2027-02-20,day_off,Nghỉ thêm")
    out, _ = run("calendar_import", "tinh", csv_file(tmp_path, changed))
    assert days_of("tinh")[dt.date(2027, 2, 20)] == ("day_off", "Nghỉ thêm")
    assert "cập nhật 1" in out


def test_bad_file_changes_nothing_and_names_every_bad_line(tmp_path: Path) -> None:
    run("calendar_import", "tinh", csv_file(tmp_path, GOOD_CSV))
    before = days_of("tinh")
    err = StringIO()
    with pytest.raises(CommandError, match="6 lỗi"):
        call_command("calendar_import", "tinh", csv_file(tmp_path, BAD_CSV), stderr=err)
    report = err.getvalue()
    for line in (2, 3, 5, 6, 7, 8):
        assert f"Dòng {line}:" in report
    assert "Dòng 4:" not in report
    assert "dòng 4" in report  # the duplicate names the line it repeats
    assert days_of("tinh") == before
    assert not CalendarDay.objects.filter(date=dt.date(2027, 2, 8)).exists()


def test_bad_file_does_not_create_the_calendar(tmp_path: Path) -> None:
    with pytest.raises(CommandError):
        run("calendar_import", "xa-moi", csv_file(tmp_path, BAD_CSV))
    assert not Calendar.objects.filter(code="xa-moi").exists()


def test_header_is_required(tmp_path: Path) -> None:
    err = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "calendar_import", "tinh", csv_file(tmp_path, "2027-02-04,day_off,x\n"), stderr=err
        )
    assert "Dòng 1:" in err.getvalue()


def test_import_refreshes_the_cached_clock(tmp_path: Path) -> None:
    before = make_calendar("tinh").to_clock()
    assert dt.date(2027, 2, 4) not in before.days_off
    run("calendar_import", "tinh", csv_file(tmp_path, GOOD_CSV))
    after = Calendar.objects.get(code="tinh").to_clock()
    assert dt.date(2027, 2, 4) in after.days_off
    assert dt.date(2027, 2, 20) in after.makeup_days


# due_date ----------------------------------------------------------------------------------


@pytest.fixture
def province() -> Calendar:
    run("seed_calendar", "tinh", "--years", "2026", "2027")
    return Calendar.objects.get(code="tinh")


@pytest.mark.parametrize(
    ("args", "lines"),
    [
        (
            ["--start", "2027-02-03 09:00", "--days", "3"],
            ["2027-02-03 09:00", "2027-02-15 09:00"],
        ),
        (
            ["--start", "2027-02-03 15:30", "--days", "1"],
            ["2027-02-11 07:30", "2027-02-11 17:00"],
        ),
        (
            ["--start", "2026-04-28 10:00", "--days", "2"],
            ["2026-04-28 10:00", "2026-05-04 10:00"],
        ),
        (
            ["--start", "2027-04-29 14:00", "--days", "0.5"],
            ["2027-04-29 14:00", "2027-05-04 08:15"],
        ),
        (
            ["--start", "2027-02-03 14:00", "--hours", "8"],
            ["2027-02-03 14:00", "2027-02-11 14:30"],
        ),
        (
            ["--start", "2026-04-20 10:00", "--calendar-days", "10"],
            ["2026-04-20 10:00", "2026-05-04 17:00"],
        ),
        (["--start", "2027-02-05 09:00", "--same-day"], ["2027-02-11 07:30", "2027-02-11 17:00"]),
        (
            ["--start", "2027-03-01 07:30", "--days", "1/7"],
            ["2027-03-01 07:30", "2027-03-01 08:34:18"],
        ),
    ],
)
def test_due_date_prints_two_parseable_lines(province: Calendar, args: list[str], lines) -> None:
    out, _ = run("due_date", "--calendar", "tinh", *args)
    assert out.splitlines() == [
        f"Bắt đầu tính / Counted from: {lines[0]}",
        f"Hạn trả kết quả / Due: {lines[1]}",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--calendar", "khong-co", "--start", "2027-03-01 09:00", "--days", "1"], "khong-co"),
        (["--calendar", "tinh", "--start", "01/03/2027 09:00", "--days", "1"], "YYYY-MM-DD"),
        (["--calendar", "tinh", "--start", "2027-03-01 09:00", "--days", "-1"], "không được âm"),
        (["--calendar", "tinh", "--start", "2027-03-01 09:00", "--days", "ba"], "không hợp lệ"),
        (["--calendar", "tinh", "--start", "2027-03-01 09:00", "--calendar-days", "1.5"], "nguyên"),
    ],
)
def test_due_date_refuses_bad_input(province: Calendar, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run("due_date", *args)


# seeding -----------------------------------------------------------------------------------


def test_seeding_takes_days_off_and_make_up_days_from_the_package() -> None:
    cal = make_calendar("tinh")
    seed_year(cal, 2026)
    seed_year(cal, 2027)
    days = days_of("tinh")
    for day in range(4, 11):
        assert days[dt.date(2027, 2, day)][0] == "day_off"
    assert "Tết" in days[dt.date(2027, 2, 6)][1]
    assert days[dt.date(2026, 8, 22)] == ("workday", "Ngày làm việc bù (cho ngày nghỉ 31/08/2026)")
    assert dt.date(2026, 8, 22) in Calendar.objects.get(code="tinh").to_clock().makeup_days


def test_seeding_is_idempotent() -> None:
    cal = make_calendar("tinh")
    first = seed_year(cal, 2027)
    rows = days_of("tinh")
    second = seed_year(cal, 2027)
    assert first.created == len(rows) > 0
    assert (second.created, second.kept) == (0, len(rows))
    assert days_of("tinh") == rows


def test_an_admin_edit_survives_reseeding() -> None:
    cal = make_calendar("tinh")
    seed_year(cal, 2027)
    cancelled = CalendarDay.objects.get(calendar=cal, date=dt.date(2027, 4, 30))
    cancelled.kind, cancelled.name = CalendarDay.Kind.WORKDAY, "Tỉnh không nghỉ"
    cancelled.save()
    renamed = CalendarDay.objects.get(calendar=cal, date=dt.date(2027, 2, 4))
    renamed.name = "Nghỉ Tết (theo thông báo của tỉnh)"
    renamed.save()
    run("seed_calendar", "tinh", "--years", "2027")
    days = days_of("tinh")
    assert days[dt.date(2027, 4, 30)] == ("workday", "Tỉnh không nghỉ")
    assert days[dt.date(2027, 2, 4)] == ("day_off", "Nghỉ Tết (theo thông báo của tỉnh)")


def test_admin_action_seeds_next_year(admin_client) -> None:
    cal = make_calendar("tinh")
    response = admin_client.post(
        reverse("admin:workdays_calendar_changelist"),
        {"action": "seed_next_year", "_selected_action": [cal.pk]},
    )
    assert response.status_code == 302  # back to the list, with a message
    next_year = timezone.localdate().year + 1
    assert CalendarDay.objects.filter(calendar=cal, date__year=next_year).count() > 0
    assert not CalendarDay.objects.exclude(date__year=next_year).exists()


# the model's clock -------------------------------------------------------------------------


def test_to_clock_is_one_query_then_cached(django_assert_num_queries) -> None:
    cal = make_calendar("tinh")
    CalendarDay.objects.create(calendar=cal, date=dt.date(2027, 3, 2), kind="day_off")
    fresh = Calendar.objects.get(pk=cal.pk)
    with django_assert_num_queries(1):
        first = fresh.to_clock()
    with django_assert_num_queries(0):
        assert fresh.to_clock() is first
    assert first.days_off == {dt.date(2027, 3, 2)}


def test_editing_a_day_or_the_hours_refreshes_the_clock() -> None:
    cal = make_calendar("tinh")
    assert Calendar.objects.get(pk=cal.pk).to_clock().days_off == frozenset()
    day = CalendarDay.objects.create(calendar=cal, date=dt.date(2027, 3, 2), kind="day_off")
    assert Calendar.objects.get(pk=cal.pk).to_clock().days_off == {dt.date(2027, 3, 2)}
    day.delete()
    assert Calendar.objects.get(pk=cal.pk).to_clock().days_off == frozenset()
    cal.reception_cutoff = dt.time(16)
    cal.save()
    assert Calendar.objects.get(pk=cal.pk).to_clock().cutoff == dt.time(16)


def test_another_process_sees_the_change_through_the_revision() -> None:
    """The per-process cache is keyed by revision, which every change replaces in the row."""
    cal = make_calendar("tinh")
    stale_revision = Calendar.objects.get(pk=cal.pk).revision
    CalendarDay.objects.create(calendar=cal, date=dt.date(2027, 3, 2), kind="day_off")
    assert Calendar.objects.get(pk=cal.pk).revision != stale_revision


def test_calendar_for_returns_the_clock() -> None:
    make_calendar("tinh")
    assert calendar_for("tinh").cutoff == dt.time(15)
    with pytest.raises(Calendar.DoesNotExist, match="khong-co"):
        calendar_for("khong-co")


def test_malformed_weekdays_or_hours_are_refused() -> None:
    cal = make_calendar("tinh")
    cal.working_weekdays = "0,1,8"
    with pytest.raises(ValidationError):
        cal.full_clean()
    cal.working_weekdays = "0,1,2,3,4"
    cal.morning_end = dt.time(14)  # overlaps the afternoon
    with pytest.raises(ValidationError):
        cal.full_clean()
