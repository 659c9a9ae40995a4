"""A page number that names no page shows a page of the list and says which, on every list.

Before, Django's `get_page` turned "abc" into page 1 and "99" into the last page without a
word, so a reader following a stale link saw other rows than the link promised and could not
tell. Each paginated list (the catalogue, a citizen's dossiers and access log, an official's
queue, the oversight drill-down lists) now says so, in the reader's language.
"""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator
from django.test import Client
from django.utils import translation

from motcua.paging import choose_page
from tests.applying import apply_online, citizen, online, signed_in
from tests.html_tables import table
from tests.signin import sign_in
from tests.test_oversight_pages import english, history  # noqa: F401 (fixtures)
from tests.test_pages_bad_input import english as english_client
from tests.test_statistics_bad_input import JULY

NOT_A_NUMBER = "Số trang “{}” không hợp lệ: đang hiển thị trang 1."
ONLY = "Danh sách chỉ có {0} trang: đang hiển thị trang {0}."
NOT_A_NUMBER_EN = "“{}” is not a page number: showing page 1."
ONLY_EN = "The list has only {0} page(s): showing page {0}."


# ---------------------------------------------------------------- the rule


def _choose(asked: str | None, rows: int = 45, size: int = 10):
    with translation.override("vi"):
        page, notice = choose_page(Paginator(list(range(rows)), size), asked)
        return page.number, list(page.object_list), notice and str(notice)


@pytest.mark.parametrize("asked", [None, "", "1"])
def test_no_number_or_the_first_is_the_first_page_without_a_word(asked):
    assert _choose(asked) == (1, list(range(10)), None)


def test_a_page_in_range_is_that_page_without_a_word():
    assert _choose("5") == (5, [40, 41, 42, 43, 44], None)


@pytest.mark.parametrize("asked", ["abc", "0", "-1", "1.5", "²", "１", "9" * 5000, "2\x00"])
def test_what_is_not_a_page_number_shows_the_first_page_and_says_so(asked):
    number, rows, notice = _choose(asked)
    assert (number, rows) == (1, list(range(10)))
    assert notice == NOT_A_NUMBER.format(asked[:20])


@pytest.mark.parametrize("asked", ["6", "99", str(2**63 - 1)])
def test_a_page_past_the_end_shows_the_last_page_and_says_how_many_there_are(asked):
    assert _choose(asked) == (5, [40, 41, 42, 43, 44], ONLY.format(5))


def test_an_empty_list_has_one_page():
    assert _choose("3", rows=0) == (1, [], ONLY.format(1))


def test_the_notice_speaks_english_when_the_reader_does():
    with translation.override("en"):
        _, notice = choose_page(Paginator([1, 2, 3], 2), "7")
        assert str(notice) == ONLY_EN.format(2)
        _, notice = choose_page(Paginator([1, 2, 3], 2), "x")
        assert str(notice) == NOT_A_NUMBER_EN.format("x")


# ---------------------------------------------------------------- the lists


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


@pytest.mark.django_db
def test_the_catalogue_says_which_page_it_shows(province):
    client = Client()
    first = _page(client, "/thu-tuc/")
    assert province.procedure.name in first and "đang hiển thị trang" not in first
    page = _page(client, "/thu-tuc/?page=40")
    assert ONLY.format(1) in page and province.procedure.name in page
    assert NOT_A_NUMBER.format("abc") in _page(client, "/thu-tuc/?page=abc")
    assert ONLY_EN.format(1) in _page(english_client(Client()), "/thu-tuc/?page=40")


@pytest.mark.django_db
def test_a_citizens_dossiers_and_access_log_say_which_page_they_show(province):
    online(province.procedure)
    client = signed_in(Client(), citizen())
    dossier = apply_online(client, province)
    page = _page(client, "/nop-truc-tuyen/ho-so-cua-toi/?trang=3")
    assert ONLY.format(1) in page and dossier.code in page
    assert dossier.code in _page(client, "/nop-truc-tuyen/ho-so-cua-toi/?trang=1")
    assert "đang hiển thị trang" not in _page(client, "/nop-truc-tuyen/ho-so-cua-toi/?trang=1")
    page = _page(client, "/nop-truc-tuyen/nhat-ky-truy-cap/?trang=x")
    assert NOT_A_NUMBER.format("x") in page
    page = _page(english_client(client), "/nop-truc-tuyen/ho-so-cua-toi/?trang=3")
    assert ONLY_EN.format(1) in page and dossier.code in page


@pytest.mark.django_db
def test_an_officials_queue_says_which_page_it_shows(province):
    online(province.procedure)
    dossier = apply_online(signed_in(Client(), citizen()), province)
    client = sign_in(Client(), province.officer)
    url = "/can-bo/?tab=nop-truc-tuyen&per=10&page="
    page = _page(client, url + "9")
    assert ONLY.format(1) in page and dossier.code in page
    assert "đang hiển thị trang" not in _page(client, url + "1")
    assert NOT_A_NUMBER.format("hai") in _page(client, url + "hai")
    assert ONLY_EN.format(1) in _page(english_client(client), url + "9")


@pytest.mark.django_db
def test_the_oversight_lists_say_which_page_they_show(client, history):  # noqa: F811
    sign_in(client, history.overseer)
    for url, table_id in (
        (f"/giam-sat/ho-so/?{JULY}&what=received", "table-dossiers"),
        (f"/giam-sat/chi-so/ho-so/?{JULY}&code=progress.on_time&scope=province", "table-dossiers"),
        (f"/giam-sat/trach-nhiem/{history.specialist.pk}/buoc-tre/?{JULY}", "table-steps"),
    ):
        first = _page(client, url)
        assert "đang hiển thị trang" not in first, url
        far = _page(client, f"{url}&page=12")
        assert ONLY.format(1) in far, url
        assert table(far, table_id) == table(first, table_id), url
        assert NOT_A_NUMBER.format("-2") in _page(client, f"{url}&page=-2"), url


@pytest.mark.django_db
def test_the_oversight_lists_notice_in_english(english, history):  # noqa: F811
    sign_in(english, history.overseer)
    page = _page(english, f"/giam-sat/ho-so/?{JULY}&what=received&page=12")
    assert ONLY_EN.format(1) in page
