"""Form 06, the tracking book, downloaded from the back office by period and unit."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from django.test import Client
from openpyxl import load_workbook

from dossiers.services import receive_dossier
from tests.personas import actor, applicant, components, local
from tests.signin import sign_in

URL = "/can-bo/so-theo-doi/"


@pytest.fixture
def dossier(province):
    return receive_dossier(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(),
        components=components(province), at=local(2026, 11, 2, 9, 0),
    )  # fmt: skip


def _codes(response) -> list[str]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [row[1] for row in sheet.iter_rows(values_only=True) if row[1] and "-" in str(row[1])]


def _book(client, start="2026-11-01", end="2026-11-30", fmt="xlsx"):
    return client.get(URL, {"start": start, "end": end, "unit": "", "format": fmt})


def test_the_counter_officer_downloads_the_month_as_excel(province, dossier):
    client = sign_in(Client(), province.officer)
    assert client.get(URL).status_code == 200
    response = _book(client)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    assert _codes(response) == [dossier.code]
    assert _codes(_book(client, start="2026-12-01", end="2026-12-31")) == []


def test_the_processing_agency_reads_its_book_and_others_do_not_see_the_dossier(province, dossier):
    assert _codes(_book(sign_in(Client(), province.head))) == [dossier.code]
    assert _codes(_book(sign_in(Client(), province.outsider))) == []


def test_the_pdf_book_is_a_pdf(province, dossier):
    response = _book(sign_in(Client(), province.officer), fmt="pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_bad_dates_are_explained_and_a_specialist_has_no_book(province, dossier):
    response = _book(sign_in(Client(), province.officer), start="2026-11-30", end="2026-11-01")
    assert response.status_code == 400
    assert "Ngày kết thúc phải sau ngày bắt đầu." in response.content.decode()
    assert sign_in(Client(), province.specialist).get(URL).status_code == 403


def test_an_address_typed_like_a_formula_is_text_in_the_book(province):
    """A citizen's address is written into the officials' workbook: "=..." must not become a
    formula that Excel runs when the book is opened."""
    address = '=HYPERLINK("http://example.test","Hải Châu")'
    receive_dossier(
        actor=actor(province.officer), procedure=province.procedure,
        applicant=replace(applicant(), address=address), components=components(province),
        at=local(2026, 11, 2, 9, 0),
    )  # fmt: skip
    sheet = load_workbook(io.BytesIO(_book(sign_in(Client(), province.officer)).content)).active
    (cell,) = [c for row in sheet.iter_rows() for c in row if str(c.value).startswith(address)]
    assert cell.data_type == "s" and cell.value == f"{address}, 0905123456"
