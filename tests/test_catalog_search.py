"""Accent-insensitive catalogue search: `Procedure.objects.matching()` and the page /thu-tuc/?q=.

Citizens type with or without accents, from keyboards that send decomposed (NFD) text, with the
old ("hoà") or new ("hòa") tone placement; every spelling must find the same procedures. These
tests run on whatever database DATABASE_URL names (SQLite by default, PostgreSQL under
scripts/with-postgres), so both back-ends are covered by running the file twice.

Procedure names are realistic Vietnamese test data, not statements about the law.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata

import pytest
from django.utils import timezone

from catalog.models import OnlineLevel, Procedure
from tests import factories

pytestmark = pytest.mark.django_db

LIST_URL = "/thu-tuc/"
EMPTY_MESSAGE = "Không có thủ tục nào khớp"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def found(query: str) -> set[str]:
    """Names that the query set search returns for a query."""
    return set(Procedure.objects.matching(query).values_list("name", flat=True))


def listed_codes(response) -> list[str]:
    """National codes of the result links on a list page, in page order."""
    assert response.status_code == 200
    return re.findall(r'href="/thu-tuc/([^/"?]+)/"', response.content.decode())


def search_page(client, **params):
    return client.get(LIST_URL, params)


@pytest.fixture
def land():
    return factories.procedure("Đăng ký đất đai lần đầu", field=factories.field("Đất đai"))


@pytest.fixture
def building():
    return factories.procedure(
        "Cấp giấy phép sửa chữa, cải tạo nhà ở", field=factories.field("Xây dựng")
    )


# ---------------------------------------------------------------- Procedure.objects.matching()


@pytest.mark.parametrize(
    "query",
    [
        "dat dai",
        "đất đai",
        "ĐẤT ĐAI",
        "DAT DAI",
        "Đất Đai",
        nfd("đất đai"),
        nfd("ĐẤT ĐAI"),
        "  đất \t  đai ",
    ],
    ids=["plain", "accented", "upper", "upper-plain", "title", "nfd", "nfd-upper", "spaces"],
)
def test_every_spelling_of_a_word_finds_the_accented_name(query, land, building):
    assert found(query) == {land.name}


def test_a_name_stored_in_nfd_is_found_by_any_spelling():
    name = nfd("Đăng ký kết hôn có yếu tố nước ngoài")
    stored = factories.procedure(name, field=factories.field("Hộ tịch"))
    factories.procedure("Cấp giấy phép lái xe", field=factories.field("Giao thông"))
    for query in ("đăng ký kết hôn", "dang ky ket hon", nfd("KẾT HÔN"), "nuoc ngoai"):
        assert found(query) == {stored.name}, query


@pytest.mark.parametrize("query", ["hoà giải", "hòa giải", nfd("hoà giải"), "hoa giai"])
def test_old_and_new_tone_placement_find_each_other(query):
    old_style = factories.procedure("Thủ tục hoà giải tranh chấp đất đai")  # "oà"
    new_style = factories.procedure("Công nhận hòa giải viên ở cơ sở")  # "òa"
    factories.procedure("Cấp giấy phép xây dựng nhà ở")
    assert found(query) == {old_style.name, new_style.name}


def test_d_with_stroke_and_plain_d_are_the_same_letter():
    licence = factories.procedure("Cấp đổi giấy phép lái xe")
    project = factories.procedure("Thẩm định dự án đầu tư")
    assert found("doi giay phep") == {licence.name}
    assert found("ĐỔI GIẤY PHÉP") == {licence.name}
    assert found("đự án") == {project.name}  # a stray stroke typed on "d" still finds "dự án"
    assert found("dau tu") == found("đầu tư") == {project.name}


def test_every_word_of_the_query_is_required_in_any_order():
    birth = factories.procedure("Đăng ký khai sinh", field=factories.field("Hộ tịch"))
    marriage = factories.procedure("Đăng ký kết hôn", field=factories.field("Hộ tịch"))
    assert found("dang ky") == {birth.name, marriage.name}
    assert found("dang ky khai sinh") == {birth.name}
    assert found("khai sinh đăng ký") == {birth.name}
    assert found("khai sinh ket hon") == set()


def test_the_field_name_and_the_national_code_are_searched_too(land, building):
    assert found("xay dung") == {building.name}  # only the field has "xây dựng" in full
    assert found(land.national_code) == {land.name}


def test_a_renamed_field_is_found_by_its_new_name():
    civil = factories.field("Hộ tịch")
    birth = factories.procedure("Đăng ký khai sinh", field=civil)
    civil.name = "Tư pháp - Hộ tịch"
    civil.save()
    assert found("tu phap") == {birth.name}


# ---------------------------------------------------------------- the page /thu-tuc/?q=


def test_the_page_finds_accented_names_from_a_plain_query_and_keeps_it(client, land, building):
    response = search_page(client, q="dat dai")
    assert listed_codes(response) == [land.national_code]
    assert 'value="dat dai"' in response.content.decode()


@pytest.mark.parametrize("query", ["hoà giải", "hòa giải", nfd("HÒA GIẢI")])
def test_the_page_treats_tone_placement_and_nfd_alike(client, query):
    old_style = factories.procedure("Thủ tục hoà giải tranh chấp đất đai")
    new_style = factories.procedure("Công nhận hòa giải viên ở cơ sở")
    factories.procedure("Cấp giấy phép xây dựng nhà ở")
    codes = listed_codes(search_page(client, q=query))
    assert sorted(codes) == sorted([old_style.national_code, new_style.national_code])


@pytest.fixture
def catalogue():
    """Three procedures that differ in field, level, agency and online level."""
    province, commune = factories.level("province"), factories.level("commune", tier=3)
    land, civil = factories.field("Đất đai"), factories.field("Hộ tịch")
    department, committee = factories.agency("Sở Tài nguyên thử"), factories.agency("UBND xã thử")
    rows = {
        "first": ("Đăng ký đất đai lần đầu", land, province, department, OnlineLevel.FULL),
        "change": ("Đăng ký biến động đất đai", land, commune, committee, OnlineLevel.PARTIAL),
        "birth": ("Đăng ký khai sinh", civil, commune, committee, OnlineLevel.FULL),
    }
    made = {}
    for key, (name, fld, lvl, agency, online) in rows.items():
        made[key] = factories.procedure(name, field=fld, levels=[lvl], online_level=online)
        made[key].agencies.set([agency])
    factories.procedure("Cấp giấy phép xây dựng nhà ở", field=factories.field("Xây dựng"))
    made["codes"] = {"land": land.code, "department": department.code}
    return made


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"first", "change", "birth"}),
        ({"field": "land"}, {"first", "change"}),
        ({"field": "land", "level": "commune"}, {"change"}),
        ({"level": "commune"}, {"change", "birth"}),
        ({"agency": "department"}, {"first"}),
        ({"online": "full"}, {"first", "birth"}),
        ({"field": "land", "online": "partial"}, {"change"}),
        ({"level": "province", "online": "partial"}, set()),
    ],
)
def test_filters_combine_with_the_query(client, catalogue, params, expected):
    resolved = {k: catalogue["codes"].get(v, v) for k, v in params.items()}
    codes = listed_codes(search_page(client, q="dang ky", **resolved))
    assert sorted(codes) == sorted(catalogue[key].national_code for key in expected)


def _link(response, rel: str) -> str:
    match = re.search(rf'rel="{rel}" href="([^"]+)"', response.content.decode())
    assert match, f"no {rel} link on the page"
    return html.unescape(match.group(1))


def test_the_next_and_previous_page_links_keep_the_query(client, settings):
    settings.MOTCUA = {**settings.MOTCUA, "CATALOG_PAGE_SIZE": 5}
    wanted = {
        factories.procedure(f"Đăng ký hộ kinh doanh loại {n}").national_code for n in range(7)
    }
    for n in range(6):
        factories.procedure(f"Cấp giấy phép xây dựng công trình {n}")

    first = search_page(client, q="dang ky kinh doanh")
    next_link = _link(first, "next")
    assert "q=dang+ky+kinh+doanh" in next_link and "page=2" in next_link
    second = client.get(LIST_URL + next_link)
    assert "q=dang+ky+kinh+doanh" in _link(second, "prev")
    assert 'value="dang ky kinh doanh"' in second.content.decode()

    page_one, page_two = listed_codes(first), listed_codes(second)
    assert len(page_one) == 5 and len(page_two) == 2
    assert set(page_one) | set(page_two) == wanted


def test_no_match_shows_the_vietnamese_empty_message(client, land):
    response = search_page(client, q="hộ chiếu phổ thông")
    assert listed_codes(response) == []
    text = response.content.decode()
    assert EMPTY_MESSAGE in text
    assert "Tìm thấy 0 thủ tục" in text


def test_a_match_does_not_show_the_empty_message(client, land):
    response = search_page(client, q="dat dai")
    assert EMPTY_MESSAGE not in response.content.decode()


def test_only_versions_in_force_are_listed(client):
    today = timezone.localdate()
    expired = factories.procedure(
        "Đăng ký đất đai theo mẫu cũ",
        effective_from=today - dt.timedelta(days=400),
        effective_to=today - dt.timedelta(days=1),
    )
    future = factories.procedure(
        "Đăng ký đất đai theo mẫu sắp áp dụng", effective_from=today + dt.timedelta(days=10)
    )
    current = factories.procedure("Đăng ký đất đai lần đầu", effective_from=today)
    codes = listed_codes(search_page(client, q="dang ky dat dai"))
    assert codes == [current.national_code]
    assert expired.national_code not in listed_codes(search_page(client))
    assert future.national_code not in listed_codes(search_page(client))


def test_a_replaced_version_is_listed_once_under_its_new_name(client):
    today = timezone.localdate()
    old = factories.procedure(
        "Đăng ký thường trú (bản cũ)", effective_to=today, national_code="1.000700"
    )
    new = factories.procedure(
        "Đăng ký thường trú", effective_from=today, national_code="1.000700", version=2
    )
    response = search_page(client, q="thuong tru")
    assert listed_codes(response) == [new.national_code]
    assert new.name in response.content.decode()
    assert old.name not in response.content.decode()


# ---------------------------------------------------------------- order of the results


def test_results_follow_the_vietnamese_alphabet(client):
    names = ["Cấp bản sao trích lục hộ tịch", "Đăng ký khai sinh", "Xác nhận tình trạng hôn nhân"]
    codes = {factories.procedure(name).national_code: name for name in reversed(names)}
    assert [codes[c] for c in listed_codes(search_page(client))] == names


def test_exact_accent_matches_come_first(client):
    exact = factories.procedure("Đăng ký đất đai lần đầu")
    folded_only = factories.procedure("Công nhận trường đạt chuẩn quốc gia")
    codes = listed_codes(search_page(client, q="đất"))
    assert codes == [exact.national_code, folded_only.national_code]
