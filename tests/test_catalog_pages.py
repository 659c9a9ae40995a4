"""The public catalogue pages (/, /thu-tuc/, /thu-tuc/<code>/) in Vietnamese and English.

Vietnamese by default, English after choosing it; a procedure's page tells the citizen what to
bring, what it costs, on what legal basis, and when the result is due if they apply now; every
form control has a label; nothing is loaded from another site (no CDN).
Procedures here are realistic test data, not statements about the law.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from catalog.deadlines import due_if_applied
from catalog.models import LegalBasis, OnlineLevel, ProcedureChannel, RequiredDocument, TimeUnit
from tests import factories
from workdays.models import Calendar, CalendarDay

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NO_DUE_DATE = "không tính hạn trả dự kiến"
VIETNAMESE_UI = {  # page -> strings of the interface (not data) that only Vietnamese pages show
    "home": ["Tra cứu thủ tục hành chính", "Tìm kiếm"],
    "list": ["Từ khóa (có dấu hoặc không dấu)", "Tìm thấy 1 thủ tục"],
    "detail": ["Thành phần hồ sơ", "Căn cứ pháp lý", "Nếu nộp hồ sơ ngay bây giờ"],
}


class Tags(HTMLParser):
    """Start tags with their attributes, and the ids that a <label for=...> points at."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.labelled: set[str] = set()
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if tag == "label" and a.get("for"):
            self.labelled.add(a["for"])

    def find(self, *names: str) -> list[tuple[str, dict[str, str]]]:
        return [(tag, a) for tag, a in self.tags if tag in names]


@pytest.fixture
def business():
    """A procedure with everything its page shows, handled by one agency."""
    agency = factories.agency("Trung tâm Phục vụ hành chính công thử")
    proc = factories.procedure(
        "Đăng ký thành lập hộ kinh doanh",
        field=factories.field("Thành lập và hoạt động của hộ kinh doanh"),
        legal_time_amount=Decimal(15),
        fee_amount=100000,
        fee_text="Nộp khi đăng ký",
        online_level=OnlineLevel.FULL,
    )
    proc.agencies.set([agency])
    documents = [
        ("Giấy đề nghị đăng ký hộ kinh doanh", RequiredDocument.Kind.ORIGINAL, 1),
        ("Bản sao căn cước của chủ hộ", RequiredDocument.Kind.CERTIFIED_COPY, 2),
    ]
    for n, (name, kind, count) in enumerate(documents, 1):
        RequiredDocument.objects.create(
            procedure=proc, position=n, name=name, kind=kind, count=count
        )
    LegalBasis.objects.create(
        procedure=proc, position=1, title="Nghị định về đăng ký kinh doanh (dữ liệu thử)",
        number="99/TEST/NĐ-CP",
    )  # fmt: skip
    ProcedureChannel.objects.create(
        procedure=proc, channel=ProcedureChannel.Channel.ONLINE, time_text="15 ngày làm việc"
    )
    return proc


def detail_url(proc) -> str:
    return f"/thu-tuc/{proc.national_code}/"


def urls(proc) -> dict[str, str]:
    return {"home": "/", "list": "/thu-tuc/", "detail": detail_url(proc)}


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def choose_english(client, back_to: str = "/") -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": back_to})
    assert response.status_code == 302 and response["Location"] == back_to


# ---------------------------------------------------------------- languages


@pytest.mark.parametrize("name", ["home", "list", "detail"])
def test_pages_are_in_vietnamese_by_default(client, business, name):
    text = page(client, urls(business)[name])
    assert '<html lang="vi">' in text
    assert "Cổng dịch vụ công" in text
    for string in VIETNAMESE_UI[name]:
        assert string in text
    assert 'name="language" value="en"' in text  # the switch offers English


@pytest.mark.parametrize("name", ["home", "list", "detail"])
def test_choosing_english_marks_every_page_english(client, business, name):
    choose_english(client, urls(business)[name])
    text = page(client, urls(business)[name])
    assert '<html lang="en">' in text
    assert 'name="language" value="vi"' in text  # and the switch now offers Vietnamese
    assert business.name in page(client, detail_url(business))  # data stays as published


@pytest.mark.parametrize("name", ["home", "list", "detail"])
def test_english_pages_show_english_text(client, business, name):
    choose_english(client)
    text = page(client, urls(business)[name])
    for string in VIETNAMESE_UI[name] + ["Cổng dịch vụ công"]:
        assert string not in text
    assert re.search(r"\bprocedures?\b", text, re.IGNORECASE)


def test_choosing_vietnamese_again_switches_back(client, business):
    choose_english(client)
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    assert '<html lang="vi">' in page(client, "/")


# ---------------------------------------------------------------- the procedure's page


def test_the_detail_page_lists_documents_fee_legal_basis_and_time(client, business):
    text = page(client, detail_url(business))
    assert business.name in text and business.national_code in text
    for name, kind in [
        ("Giấy đề nghị đăng ký hộ kinh doanh", "Bản chính"),
        ("Bản sao căn cước của chủ hộ", "Bản sao có chứng thực"),
    ]:
        assert re.search(rf"<td>{name}</td><td>{kind}</td>", text)
    assert re.search(r"100[.,\s]?000 đồng", text) and "Nộp khi đăng ký" in text
    assert "99/TEST/NĐ-CP" in text and "Nghị định về đăng ký kinh doanh (dữ liệu thử)" in text
    assert "15 ngày làm việc" in text
    assert "Trung tâm Phục vụ hành chính công thử" in text
    assert "Toàn trình" in text


@pytest.mark.parametrize(
    ("amount", "unit", "shown"),
    [
        ("15", TimeUnit.WORKING_DAYS, "15 ngày làm việc"),
        ("10", TimeUnit.WORKING_DAYS, "10 ngày làm việc"),  # not "1E+1" from Decimal.normalize
        ("30", TimeUnit.CALENDAR_DAYS, "30 ngày"),
        ("7.5", TimeUnit.WORKING_HOURS, "7,5 giờ làm việc"),  # Vietnamese decimal comma
        (None, TimeUnit.SAME_DAY, "trong ngày"),
    ],
)
def test_the_legal_time_is_shown_as_a_plain_number(client, amount, unit, shown):
    proc = factories.procedure(
        "Cấp giấy chứng nhận đủ điều kiện kinh doanh (thử)",
        legal_time_amount=None if amount is None else Decimal(amount),
        legal_time_unit=unit,
    )
    text = page(client, detail_url(proc))
    time_dd = re.search(r"<dt>Thời hạn giải quyết</dt><dd>(.*?)</dd>", text).group(1)
    assert time_dd.strip() == shown


def _due_on_page(text: str) -> dt.datetime:
    section = re.search(r'<section class="due".*?</section>', text, re.DOTALL).group(0)
    match = re.search(r"<strong>(\d{2}):(\d{2})\D+(\d{2})/(\d{2})/(\d{4})</strong>", section)
    assert match, section
    hour, minute, day, month, year = map(int, match.groups())
    return dt.datetime(year, month, day, hour, minute, tzinfo=VN)


def test_the_page_shows_the_due_date_the_clock_gives_for_now(client, business):
    before = timezone.now()
    text = page(client, detail_url(business))
    after = timezone.now()

    shown = _due_on_page(text)
    earliest = due_if_applied(business, before).due.replace(second=0, microsecond=0)
    latest = due_if_applied(business, after).due
    assert earliest <= shown <= latest
    # 15 working days on a calendar without days off end 18 (received Monday before opening:
    # due Friday 17:00) to 21 (received inside working hours) calendar days after today
    assert after < shown
    assert 18 <= (shown.date() - timezone.localdate()).days <= 21


def test_a_procedure_without_legal_time_says_no_date_is_computed(client):
    proc = factories.procedure(
        "Giải quyết tranh chấp đất đai (thử)",
        legal_time_amount=None,
        legal_time_unit="",
        legal_time_text="Theo quy định của pháp luật chuyên ngành",
    )
    assert due_if_applied(proc) is None
    text = page(client, detail_url(proc))
    assert NO_DUE_DATE in text
    assert "Theo quy định của pháp luật chuyên ngành" in text
    assert "hạn trả kết quả dự kiến" not in text


def test_unknown_and_expired_codes_are_not_found(client):
    assert client.get("/thu-tuc/9.999999/").status_code == 404
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    expired = factories.procedure("Thủ tục đã hết hiệu lực (thử)", effective_to=yesterday)
    assert client.get(detail_url(expired)).status_code == 404


# ---------------------------------------------------------------- due_if_applied, time frozen


MONDAY_9 = dt.datetime(2025, 3, 3, 9, 0, tzinfo=VN)  # a week with no public holiday


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, 3, day, hour, minute, tzinfo=VN)


@pytest.mark.parametrize(
    ("moment", "counted_from", "due"),
    [
        (MONDAY_9, MONDAY_9, at(17, 9)),  # 10 working days: two weeks later, same time
        (at(3, 16), at(4, 7, 30), at(17, 17)),  # after the 15:00 cut-off: from Tuesday morning
        (at(1, 10), at(3, 7, 30), at(14, 17)),  # on a Saturday: from Monday morning
        # in the lunch break: from 13:30; due at the earliest moment of the same working
        # position, which is the end of the morning (see workdays.clock)
        (at(3, 12), at(3, 13, 30), at(17, 11, 30)),
    ],
    ids=["working-hours", "after-cutoff", "weekend", "lunch-break"],
)
def test_due_if_applied_counts_working_days_from_the_reception(moment, counted_from, due):
    proc = factories.procedure(legal_time_amount=Decimal(10))
    proc.agencies.set([factories.agency()])
    estimate = due_if_applied(proc, moment)
    assert (estimate.counted_from, estimate.due) == (counted_from, due)


def test_a_day_off_in_the_agencys_calendar_moves_the_due_date():
    factories.calendar()  # the province's calendar, without days off
    own = Calendar.objects.create(code="so-thu", name="Lịch riêng của sở thử")
    CalendarDay.objects.create(calendar=own, date=dt.date(2025, 3, 12), kind="day_off")
    proc = factories.procedure(legal_time_amount=Decimal(10))
    proc.agencies.set([factories.agency(calendar=own)])
    other = factories.procedure(legal_time_amount=Decimal(10))  # no agency: province calendar

    assert due_if_applied(proc, MONDAY_9).due == at(18, 9)
    assert due_if_applied(proc, MONDAY_9).calendar == own
    assert due_if_applied(other, MONDAY_9).due == at(17, 9)
    assert due_if_applied(other, MONDAY_9).calendar.code == "tinh"


def test_hours_and_same_day_are_counted_in_working_time():
    hours = factories.procedure(legal_time_amount=Decimal(8), legal_time_unit="working_hours")
    same_day = factories.procedure(legal_time_amount=None, legal_time_unit="same_day")
    factories.calendar()
    assert due_if_applied(hours, at(3, 15)).due == at(4, 15, 30)  # 2 h Monday, 6 h Tuesday
    assert due_if_applied(same_day, MONDAY_9).due == at(3, 17)


# ---------------------------------------------------------------- accessibility and no CDN


@pytest.mark.parametrize("name", ["home", "list"])
def test_every_form_control_has_a_label(client, business, name):
    tags = Tags(page(client, urls(business)[name]))
    controls = [
        a
        for tag, a in tags.find("input", "select", "textarea")
        if a.get("type") not in {"hidden", "submit", "button"}
    ]
    assert controls, "the page has a search form"
    for a in controls:
        assert a.get("id"), f"control without id: {a}"
        assert a["id"] in tags.labelled, f"no <label for={a['id']!r}>"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_pages_load_nothing_from_other_sites(client, business, language):
    if language == "en":
        choose_english(client)
    for url in urls(business).values():
        tags = Tags(page(client, url))
        assets = [
            a.get("src") or a.get("href") or "" for _, a in tags.find("link", "script", "img")
        ]
        assert assets, url
        for ref in assets:
            assert not re.match(r"^(https?:)?//", ref, re.IGNORECASE), (url, ref)
            assert ref.startswith("/static/") or not ref.startswith("/"), (url, ref)


def test_the_stylesheet_the_pages_link_is_served(client, business):
    tags = Tags(page(client, "/"))
    sheets = [a["href"] for _, a in tags.find("link") if a.get("rel") == "stylesheet"]
    assert sheets
    for href in sheets:
        response = client.get(href)
        assert response.status_code == 200, href
        assert b"".join(response.streaming_content)
