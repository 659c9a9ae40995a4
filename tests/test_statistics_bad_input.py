"""Hostile query strings and URL parts on the statistics, oversight and report pages.

The rule: bad input gets a clear message (Vietnamese, English when the language is switched)
and loses nothing; a crash page or a silent drop is a bug. So for every value a page reads
(period kind, year, month, quarter, custom days, agency, field, level, grouping, scope, list
kind, holder, figure code and part, page number, official in the path, file extension) a
wrong one gives either

- the page with a sane default and the form saying what was wrong (pages with a form), or
- a 400 page that lists what was wrong (pages with no form: the lists behind a figure, the
  downloads; a default period there would list other dossiers than the link promised), or
- a 404 for what names no page or nothing the viewer may see (unknown list, extension,
  figure, scope; an agency or official outside the viewer's scope, the same as an unknown
  one),

never a 5xx, and never another agency's dossiers for a head or a leader. History (`july`): July 2026
of tests/oversight_history.py (the other agency's K7 is the dossier a department head must
never see).
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.http import QueryDict
from django.utils.html import escape

from oversight.choosing import PeriodForm
from tests.html_tables import table
from tests.signin import sign_in
from tests.test_oversight_pages import english, history  # noqa: F401 (fixtures)

JULY = "kind=month&year=2026&month=7"
LONG = "x" * 10_000
HUGE = str(10**30)
# Hostile values, written as they travel in a query string (already percent-encoded).
HOSTILE = {
    "text": "abc",
    "negative": "-1",
    "huge": HUGE,
    "unknown": "999999",
    "decimal": "1.5",
    "long": LONG,
    "nul": "7%00",
    "control": "%01%1B%5B31m%0D%0A",
    "not_utf8": "%FF%FE",
    "sql": "1%27%20OR%20%271%27%3D%271%3B%20DROP%20TABLE%20stats_dossiercount%3B--",
}


@pytest.fixture
def july(history):  # noqa: F811 (the imported fixture)
    """July 2026 of tests/oversight_history.py, as the oversight page tests build it."""
    return history


# ---------------------------------------------------------------- periods

BAD_PERIODS = {
    "year_text": "kind=year&year=abc",
    "year_huge": "kind=year&year=99999",
    "year_zero": "kind=year&year=0",
    "year_negative": "kind=year&year=-2026",
    "year_10e30": f"kind=year&year={HUGE}",
    "year_long": f"kind=year&year={LONG}",
    "year_nul": "kind=year&year=2026%00",
    "year_not_utf8": "kind=year&year=%FF%FE",
    "year_sql": f"kind=year&year={HOSTILE['sql']}",
    "year_alone": "year=99999",
    "month_13": "kind=month&year=2026&month=13",
    "month_0": "kind=month&year=2026&month=0",
    "month_missing": "kind=month&year=2026",
    "month_empty": "kind=month&year=2026&month=",
    "quarter_5": "kind=quarter&year=2026&quarter=5",
    "quarter_missing": "kind=quarter&year=2026",
    "kind_unknown": "kind=weekly&year=2026",
    "kind_empty": "kind=&year=2026",
    "kind_control": "kind=year%0D%0A%01&year=2026",
    "kinds_repeated": "kind=year&kind=month&year=2026",  # the last one counts: no month
    "day_impossible": "kind=custom&year=2026&first=2026-02-30&last=2026-03-01",
    "days_reversed": "kind=custom&year=2026&first=2026-07-09&last=2026-07-01",
    "days_missing": "kind=custom&year=2026",
    "days_too_long": "kind=custom&year=2026&first=2020-01-01&last=2026-12-31",
    "day_one": "kind=custom&year=2026&first=0001-01-01&last=0001-12-31",
    "day_9999": "kind=custom&year=2026&first=9999-01-01&last=9999-12-31",
    "day_text": f"kind=custom&year=2026&first={LONG}&last=2026-07-01",
}
# Pages with the period form: the default period, and the form's errors shown.
FORM_PAGES = [
    "/thong-ke/",
    "/giam-sat/",
    "/giam-sat/chi-so/",
    "/giam-sat/chi-so/xep-hang/",
    "/giam-sat/trach-nhiem/",
    "/giam-sat/bao-cao/",
]
# Pages without one: a 400 page listing the errors.
FORMLESS_PAGES = [
    "/giam-sat/ho-so/?what=received",
    "/giam-sat/chi-so/ho-so/?code=progress.on_time&part=numerator",
    "/giam-sat/trach-nhiem/{official}/buoc-tre/",
    "/giam-sat/bao-cao/tai-ve.xlsx",
    "/giam-sat/bao-cao/tai-ve.pdf",
]


def _get(client, url: str):
    response = client.get(url)
    assert response.status_code < 500, (url[:200], response.status_code)
    return response


def _with(url: str, query: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{query}"


def _form_errors(query: str) -> list[str]:
    """What the period form says about `query` (in the active language), HTML-escaped as a
    page shows it; the query must be one the form refuses."""
    form = PeriodForm(QueryDict(query))
    assert not form.is_valid(), query
    return [escape(e) for errors in form.errors.values() for e in errors]


@pytest.mark.parametrize("query", BAD_PERIODS.values(), ids=BAD_PERIODS.keys())
def test_a_bad_period_falls_back_and_the_form_says_why(client, july, query):
    sign_in(client, july.overseer)
    errors = _form_errors(query)
    for url in FORM_PAGES:
        response = _get(client, _with(url, query))
        assert response.status_code == 200, url
        page = response.content.decode()
        assert all(e in page for e in errors), (url, errors)


@pytest.mark.parametrize("query", BAD_PERIODS.values(), ids=BAD_PERIODS.keys())
def test_a_bad_period_on_a_page_without_form_is_a_400_that_says_why(client, july, query):
    sign_in(client, july.overseer)
    errors = _form_errors(query)
    for url in FORMLESS_PAGES:
        url = _with(url.format(official=july.specialist.pk), query)
        response = _get(client, url)
        assert response.status_code == 400, url
        assert response["Content-Type"].startswith("text/html")
        page = response.content.decode()
        assert "Địa chỉ trang có tham số không hợp lệ" in page, url
        assert all(e in page for e in errors), (url, errors)
    for download in ("csv", "xlsx"):
        file = _get(client, f"/thong-ke/{download}/?{query}")
        assert file.status_code == 400 and all(e in file.content.decode() for e in errors)


def test_days_outside_the_years_of_the_data_are_refused_not_crashed(client, july):
    for query in (BAD_PERIODS["day_one"], BAD_PERIODS["day_9999"]):
        page = _get(client, f"/thong-ke/?{query}").content.decode()
        assert "Chọn ngày trong các năm từ 2000 đến 2100." in page


def test_a_month_without_its_month_is_not_january(client, july):
    page = _get(client, "/thong-ke/?kind=month&year=2026").content.decode()
    assert "Chọn tháng." in page and "Kỳ: Tháng 1/2026." not in page
    page = _get(client, "/thong-ke/?kind=quarter&year=2026").content.decode()
    assert "Chọn quý." in page and "Kỳ: Quý 1/2026." not in page


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("kind=custom&first=2026-07-01&last=2026-07-09", "01/07/2026"),
        ("kind=custom&year=1999&first=2026-07-01&last=2026-07-09", "01/07/2026"),
        ("kind=year&year=2026&month=13&quarter=9&first=abc", "Năm 2026"),
        ("kind=month&year=2026&month=7&first=abc&quarter=0", "Tháng 7/2026"),
    ],
)
def test_fields_the_chosen_kind_does_not_read_are_not_checked(client, july, query, label):
    """A custom range needs no year, and a stray month or day under a year is not an error:
    the form sends every field, and a hand-made or bookmarked address may hold anything."""
    form = PeriodForm(QueryDict(query))
    assert form.is_valid(), form.errors
    assert label in str(form.period().label())
    assert _get(client, f"/thong-ke/csv/?{query}").status_code == 200


# ---------------------------------------------------------------- filters

FILTER_MESSAGES = {
    "agency": "Không tìm thấy cơ quan đã chọn: số liệu là của tất cả các cơ quan.",
    "field": "Không tìm thấy lĩnh vực đã chọn: số liệu là của tất cả các lĩnh vực.",
    "level": "Không tìm thấy cấp hành chính đã chọn: số liệu là của tất cả các cấp.",
    "by": "Không có cách thống kê đã chọn: số liệu được thống kê theo cơ quan.",
}


def _cases(names):
    return [
        pytest.param(name, value, id=f"{name}-{label}")
        for name in names
        for label, value in HOSTILE.items()
    ]


@pytest.mark.parametrize(("name", "value"), _cases(["agency", "field", "level", "by"]))
def test_public_statistics_say_which_filter_named_nothing(client, july, name, value):
    page = _get(client, f"/thong-ke/?{JULY}&{name}={value}")
    assert page.status_code == 200
    assert FILTER_MESSAGES[name] in page.content.decode()
    # Everything is shown instead, and said so: both agencies' July figures.
    rows = [r[0] for r in table(page.content.decode(), "table-groups")[1:]]
    assert len(rows) >= 2 and rows[-1] == "Tổng cộng"
    for download in ("csv", "xlsx"):
        file = _get(client, f"/thong-ke/{download}/?{JULY}&{name}={value}")
        assert file.status_code == 400 and FILTER_MESSAGES[name] in file.content.decode()


def test_an_empty_filter_means_all_without_a_message(client, july):
    page = _get(client, f"/thong-ke/?{JULY}&agency=&field=&level=&by=").content.decode()
    assert not any(message in page for message in FILTER_MESSAGES.values())
    csv = _get(client, f"/thong-ke/csv/?{JULY}&agency=&field=&level=&by=")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize(("name", "value"), _cases(["field", "level"]))
def test_oversight_pages_say_which_filter_named_nothing(client, july, name, value):
    sign_in(client, july.overseer)
    for url in ("/giam-sat/", "/giam-sat/trach-nhiem/", "/giam-sat/bao-cao/"):
        response = _get(client, f"{url}?{JULY}&{name}={value}")
        assert response.status_code == 200
        assert FILTER_MESSAGES[name] in response.content.decode(), url
    # The list behind a number would list more than the number: a 400 that says why.
    listed = _get(client, f"/giam-sat/ho-so/?{JULY}&what=received&{name}={value}")
    assert listed.status_code == 400
    assert FILTER_MESSAGES[name] in listed.content.decode()


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_an_agency_that_is_not_one_of_the_viewers_is_a_404(client, july, value):
    sign_in(client, july.overseer)
    for url in ("/giam-sat/", "/giam-sat/ho-so/", "/giam-sat/trach-nhiem/", "/giam-sat/bao-cao/",
                "/giam-sat/bao-cao/tai-ve.xlsx", "/giam-sat/chi-so/xep-hang/"):  # fmt: skip
        assert _get(client, f"{url}?{JULY}&agency={value}").status_code == 404, url


NOT_IDS = {k: v for k, v in HOSTILE.items() if k != "unknown"}


@pytest.mark.parametrize("name", ["unit", "official"])
@pytest.mark.parametrize("value", NOT_IDS.values(), ids=NOT_IDS.keys())
def test_a_holder_that_is_no_id_is_a_400_that_says_why(client, july, name, value):
    sign_in(client, july.overseer)
    response = _get(client, f"/giam-sat/ho-so/?{JULY}&what=open&{name}={value}")
    assert response.status_code == 400
    assert "Đơn vị hoặc cán bộ đang giữ hồ sơ không hợp lệ." in response.content.decode()


@pytest.mark.parametrize("value", ["999999", str(2**63 - 1)])  # 0 is "nobody": a real choice
def test_a_holder_id_that_names_nobody_lists_nothing(client, july, value):
    sign_in(client, july.overseer)
    for name in ("unit", "official"):
        response = _get(client, f"/giam-sat/ho-so/?{JULY}&what=received&{name}={value}")
        assert response.status_code == 200
        codes = {r[0] for r in table(response.content.decode(), "table-dossiers")[1:]}
        assert july.k7.code not in codes and july.k1.code not in codes


# ---------------------------------------------------------------- names of lists, figures, files

UNKNOWN_NAMES = {
    "list": "/giam-sat/ho-so/?what={v}",
    "scope": "/giam-sat/chi-so/?scope={v}",
    "scope_agency": "/giam-sat/chi-so/?scope=agency:{v}",
    "scope_level": "/giam-sat/chi-so/?scope=level:{v}",
    "code": "/giam-sat/chi-so/ho-so/?code={v}",
    "part": "/giam-sat/chi-so/ho-so/?code=progress.on_time&part={v}",
    "index_scope": "/giam-sat/chi-so/ho-so/?code=progress.on_time&scope={v}",
}


@pytest.mark.parametrize("url", UNKNOWN_NAMES.values(), ids=UNKNOWN_NAMES.keys())
@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_an_unknown_list_figure_or_scope_is_a_404(client, july, url, value):
    sign_in(client, july.overseer)
    assert _get(client, url.format(v=value)).status_code == 404


EXTENSIONS = {
    "doc": "doc", "upper": "XLSX", "csv": "csv", "nul": "xlsx%00", "double": "pdf.exe",
    "not_utf8": "%FF", "long": "x" * 2000, "control": "xlsx%0D%0A", "sql": HOSTILE["sql"],
}  # fmt: skip


@pytest.mark.parametrize("extension", EXTENSIONS.values(), ids=EXTENSIONS.keys())
def test_an_unknown_report_format_is_a_404(client, july, extension):
    sign_in(client, july.overseer)
    assert _get(client, f"/giam-sat/bao-cao/tai-ve.{extension}?{JULY}").status_code == 404


@pytest.mark.parametrize("part", [HUGE, "9" * 5000, "999999", "0", "-1", "abc", "%FF", "1%00"],
                         ids=["huge", "5000_digits", "unknown", "zero", "negative", "text",
                              "not_utf8", "nul"])  # fmt: skip
def test_an_unknown_official_in_the_path_is_a_404(client, july, part):
    sign_in(client, july.overseer)
    assert _get(client, f"/giam-sat/trach-nhiem/{part}/buoc-tre/?{JULY}").status_code == 404


PAGE_NUMBERS = {
    "negative": "-1", "zero": "0", "text": "abc", "empty": "", "huge": HUGE, "exponent": "1e3",
    "decimal": "1.5", "not_utf8": "%FF", "nul": "2%00", "long": LONG, "digits": "9" * 5000,
}  # fmt: skip


@pytest.mark.parametrize("number", PAGE_NUMBERS.values(), ids=PAGE_NUMBERS.keys())
def test_any_page_number_shows_a_page_of_the_list(client, july, number):
    sign_in(client, july.overseer)
    for url, table_id in (
        (f"/giam-sat/ho-so/?{JULY}&what=received", "table-dossiers"),
        (f"/giam-sat/chi-so/ho-so/?{JULY}&code=progress.on_time&scope=province", "table-dossiers"),
        (f"/giam-sat/trach-nhiem/{july.specialist.pk}/buoc-tre/?{JULY}", "table-steps"),
    ):
        response = _get(client, f"{url}&page={number}")
        assert response.status_code == 200, url
        assert table(response.content.decode(), table_id), url


def test_a_public_page_ignores_what_it_does_not_read(client, july):
    assert _get(client, f"/thong-ke/cong-thuc/?{JULY}&x={LONG}&y=%FF%00").status_code == 200


def test_an_unknown_language_cookie_serves_vietnamese(client, july):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx%00"
    page = _get(client, f"/thong-ke/?kind=year&year=0&{urlencode({'by': 'x'})}").content.decode()
    assert '<html lang="vi">' in page and FILTER_MESSAGES["by"] in page


# ---------------------------------------------------------------- scope: never another agency's


def _other_agency_ids(july) -> list[str]:
    """The other agency's id as a head might write it to get past a check."""
    pk = july.other.pk
    wide = "".join(chr(0xFF10 + int(d)) for d in str(pk))  # full-width digits: int() reads them
    written = [str(pk), f" {pk} ", f"+{pk}", f"0{pk}", wide]
    return [quote(w) for w in written]


@pytest.mark.parametrize("who", ["head", "leader"])
def test_a_head_or_leader_never_reaches_another_agency(client, july, who):
    sign_in(client, getattr(july, who))
    own, other = july.department.pk, july.other.pk
    for value in _other_agency_ids(july):
        for url in ("/giam-sat/", "/giam-sat/ho-so/?what=received", "/giam-sat/trach-nhiem/",
                    "/giam-sat/bao-cao/", "/giam-sat/bao-cao/tai-ve.xlsx",
                    "/giam-sat/chi-so/xep-hang/"):  # fmt: skip
            url = _with(url, f"{JULY}&agency={value}")
            assert _get(client, url).status_code == 404, url
        scope = f"/giam-sat/chi-so/?{JULY}&scope=agency:{value}"
        assert _get(client, scope).status_code == 404, scope
    for scope in ("province", "level:commune", "level:province"):
        assert _get(client, f"/giam-sat/chi-so/?{JULY}&scope={scope}").status_code == 404
        listed = f"/giam-sat/chi-so/ho-so/?{JULY}&code=progress.on_time&scope={scope}"
        assert _get(client, listed).status_code == 404
    # Repeated: the last value counts, and it is checked.
    received = f"/giam-sat/ho-so/?{JULY}&what=received"
    assert _get(client, f"{received}&agency={own}&agency={other}").status_code == 404
    page = _get(client, f"{received}&agency={other}&agency={own}").content.decode()
    codes = {r[0] for r in table(page, "table-dossiers")[1:]}
    assert july.k1.code in codes and july.k7.code not in codes
    # The other agency's officials and units list nothing of theirs.
    for holder in (f"official={july.other_leader.pk}", f"unit={july.other_leader.unit_id}"):
        page = _get(client, f"{received}&{holder}").content.decode()
        assert july.k7.code not in page
    late = f"/giam-sat/trach-nhiem/{july.other_leader.pk}/buoc-tre/?{JULY}"
    assert _get(client, late).status_code == 404


@pytest.mark.parametrize("value", ["-1", HUGE, "%FF", "level", "commune%00"])
def test_a_head_with_a_hostile_level_sees_the_own_agency_only(client, july, value):
    sign_in(client, july.head)
    page = _get(client, f"/giam-sat/ho-so/?{JULY}&what=received&level={value}")
    assert page.status_code == 400 and july.k7.code not in page.content.decode()
    page = _get(client, f"/giam-sat/?{JULY}&level={value}").content.decode()
    assert 'id="table-agencies"' not in page and "Sở khác" not in page


# ---------------------------------------------------------------- English


@pytest.mark.usefixtures("english")
def test_messages_in_english(client, july):
    page = _get(client, "/thong-ke/?kind=custom&year=2026&first=0001-01-01&last=0001-12-31")
    assert "Choose days within the years 2000 to 2100." in page.content.decode()
    page = _get(client, f"/thong-ke/?{JULY}&field=abc&by=nonsense").content.decode()
    assert "The chosen field was not found: the figures are for all fields." in page
    assert "The chosen grouping does not exist: the figures are grouped by agency." in page
    assert "Không tìm thấy" not in page
    csv = _get(client, "/thong-ke/csv/?kind=month&year=2026")
    assert csv.status_code == 400 and "Choose a month." in csv.content.decode()
    sign_in(client, july.overseer)
    page = _get(client, "/giam-sat/?kind=quarter&year=2026").content.decode()
    assert "Choose a quarter." in page and "Chọn quý." not in page
    listed = _get(client, "/giam-sat/ho-so/?kind=year&year=99999&what=open")
    assert listed.status_code == 400
    text = listed.content.decode()
    assert "The page&#x27;s address has invalid parameters" in text
    assert "Year: " in text and "Địa chỉ trang" not in text
    held = _get(client, f"/giam-sat/ho-so/?{JULY}&what=open&unit=abc").content.decode()
    assert "The unit or official holding the dossiers is not valid." in held
