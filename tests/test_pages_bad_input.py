"""Hostile query strings and URL parts on every GET page outside statistics and oversight.

The rule, as in tests/test_statistics_bad_input.py: bad input gets a clear message (Vietnamese,
English when the language is switched) and loses nothing; a crash page or a silent drop is a
bug. So for every value a page reads (catalogue search, filters and page; tracking code;
rating link; account links and ids; draft, file, letter and document ids; queue tab, size and
page; the procedure and applicant chosen at reception; the tracking book's days, unit and
format; codes in paths) a wrong one gives either

- the page with a sane default and a message saying what was set aside (catalogue filters,
  queue tab and size, the procedure at reception), or
- a 4xx page in the portal's frame that says what is wrong (the book's form, 404 for what
  names nothing or nothing the viewer may see, whatever the value looks like),

never a 5xx, and never another person's dossier or another agency's. Page numbers fall back
to a page of the list and say which (tests/test_paging.py).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client

from ratings.services import rating_link_token
from tests.applying import apply_online, citizen, online, signed_in, to_result
from tests.factories import field
from tests.signin import sign_in
from tests.test_statistics_bad_input import HOSTILE, HUGE, LONG, _get

pytestmark = pytest.mark.django_db

# More values, as they travel in a query string: the ones int() and isdigit() disagree on.
VALUES = {
    **HOSTILE,
    "empty": "",
    "zero": "0",
    "superscript": "%C2%B2",  # "²": isdigit() says yes, int() refuses it
    "wide_digit": "%EF%BC%91",  # "１": both say yes
    "digits_5000": "9" * 5000,  # past int()'s 4,300-digit limit
    "impossible_day": "2026-02-30",
    "repeated": "1&{name}=abc",
}
NOT_FOUND = "Không tìm thấy trang"


def _fill(url: str, value: str) -> str:
    """`url` with `value` for {v}; a repeated value repeats the parameter that holds {v}."""
    query = url.partition("?")[2]
    name = next((p.split("=")[0] for p in query.split("&") if "{v}" in p), "x")
    return url.format(v=value.format(name=name))


def _clear_4xx(response, url: str) -> None:
    """Never a 5xx; a refusal is an HTML page of the portal in the reader's language."""
    assert response.status_code < 500, (url[:200], response.status_code)
    if response.status_code >= 400 and response.status_code != 405:
        assert response["Content-Type"].startswith("text/html"), url[:200]
        page = response.content.decode()
        assert '<html lang="vi">' in page and "<h1" in page, url[:200]


def _sweep(client: Client, urls: list[str], value: str) -> None:
    for url in urls:
        url = _fill(url, value)
        _clear_4xx(_get(client, url), url)


@pytest.fixture
def world(province):
    """Bình (online dossier with a result), An (another citizen, another dossier), officials."""
    online(province.procedure)
    binh_client = signed_in(Client(), citizen())
    binh_dossier = to_result(province, apply_online(binh_client, province))
    an_client = signed_in(Client(), citizen("an@example.test", pid="079200054321", name="Lê An"))
    an_dossier = apply_online(an_client, province)
    return SimpleNamespace(
        p=province, binh=binh_client, an=an_client, mine=binh_dossier, theirs=an_dossier,
        token=rating_link_token(binh_dossier),
    )  # fmt: skip


def official_client(person) -> Client:
    return sign_in(Client(), person)


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# ---------------------------------------------------------------- every page, every value

PUBLIC = [
    "/?x={v}", "/thu-tuc/?q={v}", "/thu-tuc/?field={v}", "/thu-tuc/?agency={v}",
    "/thu-tuc/?level={v}", "/thu-tuc/?online={v}", "/thu-tuc/?page={v}", "/thu-tuc/{v}/",
    "/tra-cuu/?ma={v}", "/danh-gia/{v}/", "/tai-khoan/dang-nhap/?next={v}",
    "/tai-khoan/dang-ky/?x={v}", "/tai-khoan/quen-mat-khau/?x={v}",
    "/tai-khoan/xac-minh/{v}/{v}/", "/tai-khoan/dat-lai-mat-khau/{v}/{v}/",
    "/tai-khoan/loi-moi/{v}/", "/tai-khoan/dinh-danh/xong/?error={v}",
    "/can-bo/dang-nhap/?next={v}", "/i18n/setlang/?next={v}", "/api/openapi.json?x={v}",
    "/api/intake/dossiers?x={v}",
]  # fmt: skip
CITIZEN = [
    "/tai-khoan/?x={v}", "/tai-khoan/doanh-nghiep/{v}/", "/tai-khoan/thu-dien-tu/?x={v}",
    "/tai-khoan/thu-dien-tu/xac-minh/{v}/{v}/", "/nop-truc-tuyen/thu-tuc/{v}/",
    "/nop-truc-tuyen/ho-so-nhap/?x={v}", "/nop-truc-tuyen/ho-so-nhap/{v}/",
    "/nop-truc-tuyen/ho-so-nhap/{v}/nguoi-nop/", "/nop-truc-tuyen/ho-so-nhap/{v}/xac-nhan/",
    "/nop-truc-tuyen/ho-so-nhap/1/tep/{v}/", "/nop-truc-tuyen/ho-so-cua-toi/?trang={v}",
    "/nop-truc-tuyen/ho-so-cua-toi/{v}/", "/nop-truc-tuyen/ho-so-cua-toi/{v}/da-nop/",
    "/nop-truc-tuyen/ho-so-cua-toi/{v}/danh-gia/", "/nop-truc-tuyen/kho-giay-to/?x={v}",
    "/nop-truc-tuyen/nhat-ky-truy-cap/?trang={v}",
    "/nop-truc-tuyen/ho-so-cua-toi/{code}/giay-to/{v}/",
    "/nop-truc-tuyen/ho-so-cua-toi/{code}/mau/{v}/",
    "/nop-truc-tuyen/ho-so-cua-toi/{code}/bo-sung/tep/{v}/",
]  # fmt: skip
OFFICIAL = [
    "/can-bo/?tab={v}", "/can-bo/?per={v}", "/can-bo/?page={v}",
    "/can-bo/?tab=qua-han&per=50&page={v}", "/can-bo/tiep-nhan/?thu_tuc={v}",
    "/can-bo/tiep-nhan/?q={v}", "/can-bo/tiep-nhan/?loai=person&so={v}",
    "/can-bo/tiep-nhan/?so=079200012345&loai={v}", "/can-bo/tiep-nhan/{v}/",
    "/can-bo/so-theo-doi/?start={v}&end=2026-07-31",
    "/can-bo/so-theo-doi/?start=2026-07-01&end={v}",
    "/can-bo/so-theo-doi/?start={v}&end={v}&format=pdf",
    "/can-bo/so-theo-doi/?start=2026-07-01&end=2026-07-31&unit={v}",
    "/can-bo/so-theo-doi/?start=2026-07-01&end=2026-07-31&format={v}",
    "/can-bo/ho-so/{v}/", "/can-bo/ho-so/{code}/?x={v}", "/can-bo/ho-so/{code}/tep/{v}/",
    "/can-bo/ho-so/{code}/tep/{v}/xem/", "/can-bo/ho-so/{code}/mau/{v}/",
    "/can-bo/ho-so/{code}/{v}/", "/danh-gia/quay/{v}/", "/can-bo/xac-thuc/?x={v}",
]  # fmt: skip
DATES = {"year_one": "0001-01-01", "year_9999": "9999-12-31"}
ALL_VALUES = {**VALUES, **DATES}


@pytest.mark.parametrize("value", ALL_VALUES.values(), ids=ALL_VALUES.keys())
def test_no_public_page_fails_on_a_bad_value(world, value):
    _sweep(Client(), PUBLIC, value)


@pytest.mark.parametrize("value", ALL_VALUES.values(), ids=ALL_VALUES.keys())
def test_no_citizen_page_fails_on_a_bad_value(world, value):
    _sweep(world.binh, [u.replace("{code}", world.mine.code) for u in CITIZEN], value)


@pytest.mark.parametrize("who", ["officer", "specialist", "head", "overseer"])
@pytest.mark.parametrize("value", ALL_VALUES.values(), ids=ALL_VALUES.keys())
def test_no_official_page_fails_on_a_bad_value(world, who, value):
    client = official_client(getattr(world.p, who))
    _sweep(client, [u.replace("{code}", world.mine.code) for u in OFFICIAL], value)


# ---------------------------------------------------------------- the catalogue

UNKNOWN_FILTER = {
    "field": "Không tìm thấy lĩnh vực đã chọn: danh sách gồm thủ tục của tất cả các lĩnh vực.",
    "level": "Không tìm thấy cấp thực hiện đã chọn: danh sách gồm thủ tục của tất cả các cấp.",
    "agency": "Không tìm thấy cơ quan đã chọn: danh sách gồm thủ tục của tất cả các cơ quan.",
    "online": "Không có mức dịch vụ công trực tuyến đã chọn: danh sách gồm thủ tục ở tất cả"
    " các mức.",
}


def _found(page: str) -> str:
    return page.split('class="summary"', 1)[1].split("</p>", 1)[0]


@pytest.mark.parametrize("name", ["field", "level", "agency", "online"])
@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_catalogue_filter_that_names_nothing_lists_all_and_says_so(world, name, value):
    everything = _found(_get(Client(), "/thu-tuc/").content.decode())
    page = _get(Client(), f"/thu-tuc/?{name}={value}").content.decode()
    assert UNKNOWN_FILTER[name] in page
    assert _found(page) == everything and world.p.procedure.name in page


def test_a_known_or_empty_catalogue_filter_says_nothing(world):
    field("Lĩnh vực không có thủ tục")  # exists, but the form does not offer it
    code = world.p.procedure.field.code
    page = _get(Client(), f"/thu-tuc/?field={code}&level=&agency=&online=").content.decode()
    assert world.p.procedure.name in page
    assert not any(message in page for message in UNKNOWN_FILTER.values())


@pytest.mark.parametrize("query", ["C%E1%BA%A5p%00", "c%E1%BA%A5p%01%1B", "c%E1%BA%A5p%0D%0A"])
def test_a_search_with_control_characters_still_finds(world, query):
    # "Cấp" with a NUL: PostgreSQL refused the accent-exact ordering's LIKE with an error.
    page = _get(Client(), f"/thu-tuc/?q={query}").content.decode()
    assert world.p.procedure.name in page


# ---------------------------------------------------------------- the queues and reception

TAB_NOTE = "Không có thẻ đã chọn trong danh sách của bạn: đang hiển thị thẻ “"
PER_NOTE = "Số hồ sơ mỗi trang chỉ có thể là 10, 50: đang hiển thị 10 hồ sơ."
PROCEDURE_NOTE = "Không tìm thấy thủ tục đã chọn hoặc thủ tục đã hết hiệu lực: hãy tìm lại."
NOT_EMPTY = {k: v for k, v in VALUES.items() if k not in ("empty", "repeated")}


@pytest.mark.parametrize("value", NOT_EMPTY.values(), ids=NOT_EMPTY.keys())
def test_a_queue_tab_or_size_that_names_nothing_says_what_is_shown(world, value):
    client = official_client(world.p.specialist)
    page = _get(client, f"/can-bo/?tab={value}").content.decode()
    assert TAB_NOTE in page and PER_NOTE not in page
    page = _get(client, f"/can-bo/?per={value}").content.decode()
    assert PER_NOTE in page and TAB_NOTE not in page


def test_a_tab_of_another_role_is_not_shown_in_silence(world):
    # The online submissions tab is the counter's: a specialist's link to it shows their own.
    page = _get(official_client(world.p.specialist), "/can-bo/?tab=nop-truc-tuyen")
    assert TAB_NOTE + "Việc của tôi”." in page.content.decode()
    page = _get(official_client(world.p.officer), "/can-bo/?tab=nop-truc-tuyen&per=50&page=1")
    assert TAB_NOTE not in page.content.decode() and PER_NOTE not in page.content.decode()


@pytest.mark.parametrize("value", NOT_EMPTY.values(), ids=NOT_EMPTY.keys())
def test_a_procedure_at_reception_that_names_nothing_says_so(world, value):
    page = _get(official_client(world.p.officer), f"/can-bo/tiep-nhan/?thu_tuc={value}")
    assert page.status_code == 200 and PROCEDURE_NOTE in page.content.decode()


def test_reception_of_a_chosen_procedure_says_nothing(world):
    client = official_client(world.p.officer)
    page = _get(client, f"/can-bo/tiep-nhan/?thu_tuc={world.p.procedure.pk}&thu_tuc=").content
    assert PROCEDURE_NOTE not in page.decode()  # the last value counts: none chosen, no note
    page = _get(client, f"/can-bo/tiep-nhan/?thu_tuc=&thu_tuc={world.p.procedure.pk}").content
    assert PROCEDURE_NOTE not in page.decode() and world.p.procedure.name in page.decode()


@pytest.mark.parametrize("kind", ["abc", "%00", "", LONG])
def test_an_applicant_lookup_of_no_kind_says_what_to_choose(world, kind):
    url = f"/can-bo/tiep-nhan/?thu_tuc={world.p.procedure.pk}&so=079200012345&loai={kind}"
    page = _get(official_client(world.p.officer), url).content.decode()
    expected = "Trường này là bắt buộc." if kind == "" else "Hãy chọn cá nhân hoặc tổ chức"
    assert expected in page and "Select a valid choice" not in page


# ---------------------------------------------------------------- the tracking book

BOOK = "/can-bo/so-theo-doi/?format=xlsx"
UNIT_NOTE = "Hãy chọn một đơn vị của cơ quan bạn trong danh sách."
BAD_BOOKS = {
    "impossible_day": ("start=2026-02-30&end=2026-03-01", "Nhập một ngày hợp lệ."),
    "reversed": ("start=2026-07-09&end=2026-07-01", "Ngày kết thúc phải sau ngày bắt đầu."),
    "year_one": ("start=0001-01-01&end=0001-12-31", "Chọn ngày trong các năm từ 2000 đến 2100."),
    "year_9999": ("start=9999-12-31&end=9999-12-31", "Chọn ngày trong các năm từ 2000 đến 2100."),
    "end_9999": ("start=2026-07-01&end=9999-12-31", "Chọn ngày trong các năm từ 2000 đến 2100."),
    "end_missing": ("start=2026-07-01", "Trường này là bắt buộc."),
    "text": (f"start={LONG}&end=2026-07-01", "Nhập một ngày hợp lệ."),
    "nul": ("start=2026-07-01%00&end=2026-07-31", "Nhập một ngày hợp lệ."),
    "unit_text": ("start=2026-07-01&end=2026-07-31&unit=abc", UNIT_NOTE),
    "unit_huge": (f"start=2026-07-01&end=2026-07-31&unit={HUGE}", UNIT_NOTE),
    "format": ("start=2026-07-01&end=2026-07-31&format=doc", "Hãy chọn định dạng Excel hoặc PDF."),
}


@pytest.mark.parametrize(("query", "message"), BAD_BOOKS.values(), ids=BAD_BOOKS.keys())
def test_a_bad_book_request_is_a_400_that_says_why(world, query, message):
    for who in ("officer", "head", "overseer"):
        response = _get(official_client(getattr(world.p, who)), f"{BOOK}&{query}")
        assert response.status_code == 400, who
        assert response["Content-Type"].startswith("text/html")
        assert message in response.content.decode(), (who, message)


def test_another_agencys_unit_is_not_a_book_unit(world):
    other_unit = world.p.other_leader.unit_id
    url = f"{BOOK}&start=2026-01-01&end=2026-12-31&unit={other_unit}"
    response = _get(official_client(world.p.head), url)
    assert response.status_code == 400 and UNIT_NOTE in response.content.decode()


# ---------------------------------------------------------------- ids and codes in paths

NUL_PATHS = [
    "/thu-tuc/{code}%00/",
    "/nop-truc-tuyen/thu-tuc/{code}%00/",
    "/tra-cuu/%00/",
    "/danh-gia/{token}%00/",
    "/tai-khoan/loi-moi/%00/",
]
NUL_CITIZEN = [
    "/nop-truc-tuyen/ho-so-cua-toi/{mine}%00/", "/nop-truc-tuyen/ho-so-cua-toi/{mine}%00/da-nop/",
    "/nop-truc-tuyen/ho-so-cua-toi/{mine}/mau/01%00/",
]  # fmt: skip
NUL_OFFICIAL = [
    "/can-bo/ho-so/{mine}%00/", "/can-bo/ho-so/{mine}/mau/01%00/", "/can-bo/tiep-nhan/{mine}%00/",
    "/danh-gia/quay/{mine}%00/",
]  # fmt: skip


def test_a_nul_in_a_path_is_a_404(world):
    """A NUL in a code answered 500 on PostgreSQL (it refuses NUL in text values)."""
    names = {"code": world.p.procedure.national_code, "token": world.token,
             "mine": world.mine.code}  # fmt: skip
    clients = [(Client(), NUL_PATHS), (world.binh, NUL_CITIZEN),
               (official_client(world.p.officer), NUL_OFFICIAL)]  # fmt: skip
    for client, urls in clients:
        for url in urls:
            response = _get(client, url.format(**names))
            assert response.status_code == 404 and NOT_FOUND in response.content.decode(), url


@pytest.mark.parametrize("part", [HUGE, str(2**63), str(2**63 - 1), "9" * 5000, "0"])
def test_an_id_in_a_path_past_64_bits_names_nothing(world, part):
    """A business id past 64 bits answered 500 on SQLite (the foreign key's column)."""
    for url in (f"/tai-khoan/doanh-nghiep/{part}/", f"/nop-truc-tuyen/ho-so-nhap/{part}/",
                f"/nop-truc-tuyen/ho-so-cua-toi/{world.mine.code}/giay-to/{part}/"):  # fmt: skip
        response = _get(world.binh, url)
        assert response.status_code == 404 and NOT_FOUND in response.content.decode(), url
    response = _get(
        official_client(world.p.officer), f"/can-bo/ho-so/{world.mine.code}/tep/{part}/"
    )
    assert response.status_code == 404


# ---------------------------------------------------------------- never another person's data


def _variants(code: str) -> list[str]:
    """A dossier code as someone might write it to get past a check."""
    return [code, code.lower(), f"%20{code}%20", f"{code}%20", code.replace(".", "%2E"),
            f"{code}/..", f"{code}%2F"]  # fmt: skip


def test_a_citizen_never_reaches_another_citizens_dossier(world):
    theirs = world.theirs
    for code in _variants(theirs.code):
        for tail in ("", "da-nop/", "danh-gia/", "mau/01/"):
            response = _get(world.binh, f"/nop-truc-tuyen/ho-so-cua-toi/{code}/{tail}")
            assert response.status_code == 404, (code, tail)
            assert theirs.applicant.name not in response.content.decode()
    their_document = theirs.documents.first()
    for code in (world.mine.code, theirs.code):
        url = f"/nop-truc-tuyen/ho-so-cua-toi/{code}/giay-to/{their_document.pk}/"
        assert _get(world.binh, url).status_code == 404, url
    listed = _get(world.binh, "/nop-truc-tuyen/ho-so-cua-toi/?trang=-1&trang=abc").content
    assert theirs.code not in listed.decode() and world.mine.code in listed.decode()


def test_an_official_outside_the_dossier_never_reads_it(world):
    """The other agency's official, whatever the code looks like; the kiosk is the counter's."""
    code = world.mine.code
    outsider = official_client(world.p.outsider)
    for variant in _variants(code):
        response = _get(outsider, f"/can-bo/ho-so/{variant}/")
        assert response.status_code == 404, variant
        assert world.mine.applicant.name not in response.content.decode()
    document = world.mine.documents.first()
    assert _get(outsider, f"/can-bo/ho-so/{code}/tep/{document.pk}/").status_code == 404
    assert _get(official_client(world.p.specialist), f"/danh-gia/quay/{code}/").status_code == 404


def test_the_tracking_page_reads_only_the_last_code(world):
    mine, theirs = world.mine.code, world.theirs.code
    response = _get(Client(), f"/tra-cuu/?ma={theirs}%00&ma={mine.lower()}")
    main = response.content.decode().split("<main", 1)[1]  # the header's links keep the address
    assert response.status_code == 200 and mine in main and theirs not in main


# ---------------------------------------------------------------- English


def test_messages_in_english(world):
    page = _get(english(Client()), "/thu-tuc/?field=abc&online=x").content.decode()
    assert "The chosen field was not found: the list holds the procedures of all fields." in page
    assert "Không tìm thấy" not in page
    client = english(official_client(world.p.officer))
    page = _get(client, "/can-bo/?tab=abc&per=7").content.decode()
    assert "The chosen tab is not among yours: showing “" in page
    assert "Dossiers per page can only be 10, 50: showing 10 dossiers." in page
    page = _get(client, "/can-bo/tiep-nhan/?thu_tuc=abc").content.decode()
    assert "The chosen procedure was not found or is no longer in force: search again." in page
    response = _get(client, f"{BOOK}&start=0001-01-01&end=2026-07-01")
    assert response.status_code == 400
    assert "Choose days within the years 2000 to 2100." in response.content.decode()
    response = _get(client, f"/can-bo/ho-so/{world.mine.code}%00/")
    assert response.status_code == 404 and '<html lang="en">' in response.content.decode()
