"""The official forms (Circular 01/2018): each rendered from dossiers built through the real
services, then read back as a citizen or an inspector would: the PDF's text (pdftotext), the
receipt's QR code (zbarimg on a 150 dpi picture), the tracking book in Excel (openpyxl)."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
import unicodedata

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from dossiers.models import StepRun
from dossiers.services import (
    Actor,
    assign_step,
    guide_supplement_at_reception,
    hand_over_step,
    issue_apology,
    receive_dossier,
    record_result,
    refuse_dossier,
    refuse_reception,
    request_supplement,
    return_result,
    send_back_step,
    start_step,
)
from org.models import Delegation
from paperwork.book import BookFilters, tracking_book_pdf, tracking_book_xlsx
from paperwork.forms import (
    FormUnavailable,
    apology_pdf,
    control_sheet_pdf,
    receipt_pdf,
    refusal_pdf,
    supplement_guidance_pdf,
)
from tests.personas import actor, applicant, components, local

TOOLS = ("pdftotext", "pdftoppm", "zbarimg")


@pytest.fixture(autouse=True)
def _poppler_and_zbar():
    """The PDF readers (Debian: poppler-utils, zbar-tools; .ci/run installs them)."""
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        message = f"needs {', '.join(missing)} (apt install poppler-utils zbar-tools)"
        if os.environ.get("MOTCUA_REQUIRE_ALL") == "1":
            pytest.fail(message)
        pytest.skip(message)


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF, as pdftotext lays it out, with runs of spaces collapsed."""
    assert pdf.startswith(b"%PDF-")
    out = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode("utf-8")
    return re.sub(r"[ \t]+", " ", unicodedata.normalize("NFC", out))


def flat(pdf: bytes) -> str:
    """The text on one line: table cells wrap, and a check should not depend on where."""
    return re.sub(r"\s+", " ", pdf_text(pdf))


def pages(pdf: bytes) -> int:
    return pdf_text(pdf).count("\f") or 1


def qr_codes(pdf: bytes, tmp_path) -> list[str]:
    (tmp_path / "form.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "form.pdf", "page"],
        cwd=tmp_path, check=True,
    )  # fmt: skip
    picture = next(tmp_path.glob("page*.png"))
    found = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(picture)], capture_output=True, check=False
    )
    return found.stdout.decode().split()


# ---------------------------------------------------------------- dossiers through the services


def _receive(province, n: int = 1, at=None, **extra):
    return receive_dossier(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(n),
        components=components(province), at=at or local(2026, 11, 2, 9, 0), **extra,
    )  # fmt: skip


@pytest.fixture
def walked(province):
    """Received Mon 2 Nov 2026 09:00 (due Mon 16 Nov 09:00), through every step with a
    send-back, signed late on Fri 20 Nov, apology with a new date, result returned."""
    d = _receive(province)
    hand_over_step(actor=actor(province.officer), dossier=d, at=local(2026, 11, 2, 10, 0))
    assign_step(
        actor=actor(province.head), dossier=d, assignee=province.specialist,
        at=local(2026, 11, 2, 10, 30),
    )  # fmt: skip
    start_step(actor=actor(province.specialist), dossier=d, at=local(2026, 11, 2, 11, 0))
    hand_over_step(
        actor=actor(province.specialist), dossier=d, to=province.head, note="Đủ điều kiện",
        at=local(2026, 11, 3, 9, 0),
    )  # fmt: skip
    send_back_step(
        actor=actor(province.head), dossier=d, reason="Thiếu ý kiến về bản vẽ",
        at=local(2026, 11, 9, 9, 0),
    )  # fmt: skip
    hand_over_step(
        actor=actor(province.specialist), dossier=d, to=province.head,
        at=local(2026, 11, 9, 15, 0),
    )  # fmt: skip
    hand_over_step(
        actor=actor(province.head), dossier=d, to=province.leader, at=local(2026, 11, 10, 9, 0)
    )
    late = local(2026, 11, 20, 9, 0)
    record_result(actor=actor(province.leader), dossier=d, number="12/GP", at=late)
    issue_apology(
        actor=actor(province.leader), dossier=d, reason="Chờ ý kiến liên ngành về bản vẽ",
        new_due_at=local(2026, 11, 23, 17, 0), at=local(2026, 11, 20, 9, 30),
    )  # fmt: skip
    return_result(actor=actor(province.officer), dossier=d, at=local(2026, 11, 20, 10, 0))
    d.refresh_from_db()
    return d


# ---------------------------------------------------------------- Form 01


def test_receipt_has_every_field_of_form_01(province):
    d = _receive(province, delivery="post", delivery_address="12 Lê Duẩn, Hải Châu")
    text = flat(receipt_pdf(d))
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert province.centre.name.upper() in text  # the receiving agency heads the form
    assert f"Mã hồ sơ: {d.code}" in text
    assert "Bộ phận một cửa" in text  # the receiving unit
    assert "Tiếp nhận hồ sơ của: Nguyễn Văn An" in text
    assert "Địa chỉ: Hải Châu" in text
    assert "Số điện thoại: 0905123456" in text and "dan@example.test" in text
    assert "Nội dung yêu cầu giải quyết: Cấp giấy phép thử nghiệm" in text
    assert re.search(r"1 Đơn đề nghị Bản chính 1 2 Bản vẽ Bản chính 1", text)
    assert "Số lượng hồ sơ: 01 (bộ)" in text
    assert "Thời gian giải quyết hồ sơ theo quy định: 10 ngày làm việc" in text
    assert "Thời gian nhận hồ sơ: 09:00 ngày 02/11/2026" in text
    assert "Thời gian trả kết quả giải quyết hồ sơ: 09:00 ngày 16/11/2026" in text
    assert "Qua dịch vụ bưu chính: 12 Lê Duẩn, Hải Châu" in text
    assert f"Vào Sổ theo dõi hồ sơ: mã hồ sơ {d.code}" in text
    assert "NGƯỜI NỘP HỒ SƠ" in text and "NGƯỜI TIẾP NHẬN HỒ SƠ" in text
    assert "Officer" in text  # the counter officer who received it signs
    assert "ngày 02 tháng 11 năm 2026" in text


def test_receipt_qr_points_at_public_tracking(province, tmp_path, settings):
    settings.MOTCUA = {**settings.MOTCUA, "SITE_URL": "https://dichvucong.example.vn"}
    d = _receive(province)
    pdf = receipt_pdf(d)
    assert qr_codes(pdf, tmp_path) == [f"https://dichvucong.example.vn/tra-cuu/?ma={d.code}"]
    assert pages(pdf) == 1


def test_receipt_keeps_vietnamese_diacritics_and_language_whatever_the_ui(province):
    d = _receive(province)
    with translation.override("en"):
        text = pdf_text(receipt_pdf(d))
    # Sentence case through str.upper: every mark survives the font and the text extraction.
    assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả".upper() in text
    assert "Nguyễn Văn An" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "ngày làm việc" in text and "Bản chính" in text  # model labels in Vietnamese too
    assert "working days" not in text and "Original" not in text


def test_receipt_on_a5_fits_one_page(province, tmp_path):
    d = _receive(province)
    pdf = receipt_pdf(d, paper="A5")
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True)
    assert re.search(r"Page size:\s+419\.\d+ x 595\.\d+ pts", info.stdout.decode())
    assert pages(pdf) == 1
    assert qr_codes(pdf, tmp_path) == [f"http://127.0.0.1:8000/tra-cuu/?ma={d.code}"]


def test_a_receipt_needs_a_received_dossier(province):
    d = guide_supplement_at_reception(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(),
        items=[{"name": "Bản vẽ", "kind": "original", "count": 1}], reason="Thiếu bản vẽ",
        at=local(2026, 11, 2, 9, 0),
    )  # fmt: skip
    with pytest.raises(FormUnavailable):
        receipt_pdf(d)
    with pytest.raises(FormUnavailable):
        refusal_pdf(d)
    with pytest.raises(FormUnavailable):
        apology_pdf(d)


# ---------------------------------------------------------------- Form 02


def test_supplement_guidance_at_reception_lists_every_item(province):
    d = guide_supplement_at_reception(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(),
        items=[
            {"name": "Bản vẽ", "kind": "certified_copy", "count": 2,
             "required_document_id": province.docs[1].pk},
            {"name": "Đơn đề nghị", "required_document_id": province.docs[0].pk,
             "reason": "Thiếu chữ ký"},
        ],
        reason="Hồ sơ thiếu bản vẽ và đơn chưa ký", at=local(2026, 11, 2, 9, 0),
    )  # fmt: skip
    text = flat(supplement_guidance_pdf(d))
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert province.centre.name.upper() in text
    assert f"Mã hồ sơ: {d.code}" in text
    assert "Hồ sơ của: Nguyễn Văn An" in text
    assert "Nội dung yêu cầu giải quyết: Cấp giấy phép thử nghiệm" in text
    assert "1 Bản vẽ Bản sao có chứng thực 2" in text
    # Kind and count left out of the request come from the published component.
    assert "2 Đơn đề nghị Bản chính 1 Thiếu chữ ký" in text
    assert "Lý do: Hồ sơ thiếu bản vẽ và đơn chưa ký" in text
    assert "liên hệ với Officer, Bộ phận một cửa" in text
    assert "NGƯỜI HƯỚNG DẪN" in text
    assert "tạm dừng" not in text  # no legal clock runs before reception


def test_supplement_guidance_during_processing_comes_from_the_specialist(province):
    d = _receive(province)
    hand_over_step(actor=actor(province.officer), dossier=d, at=local(2026, 11, 2, 10, 0))
    assign_step(actor=actor(province.head), dossier=d, assignee=province.specialist,
                at=local(2026, 11, 2, 10, 0))  # fmt: skip
    request_supplement(
        actor=actor(province.specialist), dossier=d, reason="Bản vẽ thiếu dấu",
        items=[{"name": "Bản vẽ", "required_document_id": province.docs[1].pk, "count": 1}],
        at=local(2026, 11, 3, 9, 0),
    )  # fmt: skip
    text = flat(supplement_guidance_pdf(d))
    assert province.department.name.upper() in text
    assert "1 Bản vẽ Bản chính 1" in text
    assert "liên hệ với Specialist" in text
    assert "tạm dừng từ 09:00 ngày 03/11/2026" in text


# ---------------------------------------------------------------- Form 03


def test_refusal_at_reception_states_the_reason_and_the_competent_agency(province):
    d = refuse_reception(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(),
        reason="Thửa đất nằm ngoài địa bàn của Trung tâm",
        competent_agency="UBND phường Hội An", at=local(2026, 11, 2, 9, 0),
    )  # fmt: skip
    text = flat(refusal_pdf(d))
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert "Hồ sơ của: Nguyễn Văn An" in text
    assert "từ chối tiếp nhận hồ sơ này vì lý do sau: Thửa đất nằm ngoài địa bàn" in text
    assert "liên hệ UBND phường Hội An" in text
    assert "NGƯỜI NỘP HỒ SƠ" in text and "NGƯỜI TIẾP NHẬN HỒ SƠ" in text and "Officer" in text


def test_refusal_after_processing_is_signed_by_the_leader(province):
    d = _receive(province)
    hand_over_step(actor=actor(province.officer), dossier=d, at=local(2026, 11, 2, 10, 0))
    refuse_dossier(
        actor=actor(province.leader), dossier=d, reason="Không đủ điều kiện theo Điều 5",
        at=local(2026, 11, 4, 9, 0),
    )  # fmt: skip
    text = flat(refusal_pdf(d))
    assert province.department.name.upper() in text
    assert "từ chối giải quyết hồ sơ này vì lý do sau: Không đủ điều kiện theo Điều 5" in text
    assert "THỦ TRƯỞNG CƠ QUAN" in text and "Leader" in text
    assert "TUQ." not in text


# ---------------------------------------------------------------- Form 04


def test_apology_states_the_delay_the_reason_and_the_new_date(walked, province):
    text = flat(apology_pdf(walked))
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert province.department.name.upper() in text  # the processing agency writes it
    assert "Kính gửi: Nguyễn Văn An" in text
    assert f"Ngày 02/11/2026, {province.centre.name} tiếp nhận hồ sơ" in text
    assert f"mã hồ sơ: {walked.code}" in text
    assert "Thời hạn trả kết quả giải quyết hồ sơ: 09:00 ngày 16/11/2026" in text
    assert "chưa trả kết quả giải quyết hồ sơ của ông/bà đúng thời hạn quy định" in text
    assert "Lý do: Chờ ý kiến liên ngành về bản vẽ" in text
    assert "xin lỗi ông/bà" in text
    assert "vào 17:00 ngày 23/11/2026" in text
    assert "THỦ TRƯỞNG CƠ QUAN" in text and "Leader" in text
    assert "ngày 20 tháng 11 năm 2026" in text


def test_apology_signed_under_a_delegation_says_so(province):
    d = _receive(province)
    Delegation.objects.create(
        delegator=province.leader, delegate=province.deputy, starts_on=dt.date(2026, 11, 1),
        ends_on=dt.date(2026, 11, 30),
    )  # fmt: skip
    issue_apology(
        actor=actor(province.deputy), dossier=d, reason="Chờ kết quả đo đạc",
        new_due_at=local(2026, 11, 20, 17, 0), at=local(2026, 11, 13, 9, 0),
    )  # fmt: skip
    text = flat(apology_pdf(d))
    assert "TUQ. THỦ TRƯỞNG CƠ QUAN" in text and "Deputy" in text
    assert "Thời hạn trả kết quả giải quyết hồ sơ: 09:00 ngày 16/11/2026" in text
    assert "vào 17:00 ngày 20/11/2026" in text


# ---------------------------------------------------------------- Form 05


def control_rows(pdf: bytes) -> list[dict]:
    """The rows of the control sheet from the laid-out text: a row starts with 'n. Giao:' on
    the line that also holds its moment and its result; its other lines follow."""
    start = re.compile(
        r"^\s*(\d+)\. Giao: .*?(\d\d:\d\d ngày \d\d/\d\d/\d{4})\s+(Trước hạn|Đúng hạn|Quá hạn)"
    )
    rows: list[dict] = []
    layout = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode("utf-8")
    for line in unicodedata.normalize("NFC", layout).splitlines():
        if found := start.match(line):
            rows.append({"n": found[1], "at": found[2], "result": found[3], "text": ""})
        if rows:
            rows[-1]["text"] += line + "\n"
    for row in rows:  # a cell ends where two spaces separate it from the next column
        row["giver"] = re.search(r"Người giao: (.+?)(?: {2,}|$)", row["text"], re.M)[1]
        row["receiver"] = re.search(r"Người nhận: (.+?)(?: {2,}|$)", row["text"], re.M)[1]
    return rows


def test_control_sheet_has_a_row_per_hand_over_with_its_timeliness(walked):
    pdf = control_sheet_pdf(walked)
    text = flat(pdf)
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert f"Mã hồ sơ: {walked.code}" in text
    assert "Kèm theo hồ sơ của: Nguyễn Văn An" in text
    assert "Ngày nhận hồ sơ: 09:00 ngày 02/11/2026" in text
    assert "hẹn trả kết quả: 17:00 ngày 23/11/2026 (hẹn ban đầu: 09:00 ngày 16/11/2026)" in text
    rows = control_rows(pdf)
    got = [(r["n"], r["at"], r["giver"], r["receiver"], r["result"]) for r in rows]
    assert got == [
        ("1", "10:00 ngày 02/11/2026", "Officer", "Specialist", "Đúng hạn"),
        ("2", "09:00 ngày 03/11/2026", "Specialist", "Head", "Trước hạn"),
        ("3", "09:00 ngày 09/11/2026", "Head", "Specialist", "Quá hạn"),
        ("4", "15:00 ngày 09/11/2026", "Specialist", "Head", "Trước hạn"),
        ("5", "09:00 ngày 10/11/2026", "Head", "Leader", "Trước hạn"),
        ("6", "09:00 ngày 20/11/2026", "Leader", "Officer", "Quá hạn"),
        ("7", "10:00 ngày 20/11/2026", "Officer", "Nguyễn Văn An", "Đúng hạn"),
    ]
    assert "Giao: Bộ phận một cửa" in rows[0]["text"]
    assert "Nhận: Phòng chuyên" in rows[0]["text"]
    assert "Nhận: Người nộp hồ sơ" in rows[6]["text"]
    assert "Trả lại bước" in rows[2]["text"] and "Thiếu" in rows[2]["text"]  # the reason
    assert "Đủ điều kiện" in rows[1]["text"]
    # Every step run that ended is one row (the last one: the result handed back).
    assert len(rows) == StepRun.objects.filter(dossier=walked).count()


def test_an_electronic_result_is_handed_back_by_the_system(province):
    d = _receive(province, delivery="online")
    hand_over_step(actor=actor(province.officer), dossier=d, at=local(2026, 11, 2, 10, 0))
    record_result(actor=actor(province.leader), dossier=d, at=local(2026, 11, 4, 9, 0))
    return_result(actor=Actor.system(), dossier=d, channel="online", at=local(2026, 11, 4, 9, 5))
    rows = control_rows(control_sheet_pdf(d))
    assert [(r["giver"], r["receiver"], r["result"]) for r in rows] == [
        ("Officer", "(chưa phân công)", "Đúng hạn"),  # nobody assigned before the signature
        ("(chưa phân công)", "(chưa phân công)", "Trước hạn"),
        ("(hệ thống)", "Nguyễn Văn An", "Đúng hạn"),
    ]
    assert "Nhận trực tuyến" in flat(receipt_pdf(d))


# ---------------------------------------------------------------- Form 06


@pytest.fixture
def book(province, walked):
    """Three more dossiers: two on 3 Nov (one refused after processing), one on 10 Nov."""
    second = _receive(province, 2, at=local(2026, 11, 3, 8, 0))
    refused = _receive(province, 3, at=local(2026, 11, 3, 14, 0))
    hand_over_step(actor=actor(province.officer), dossier=refused, at=local(2026, 11, 3, 15, 0))
    refuse_dossier(actor=actor(province.leader), dossier=refused, reason="Không đủ điều kiện",
                   at=local(2026, 11, 5, 9, 0))  # fmt: skip
    later = _receive(province, 4, at=local(2026, 11, 10, 9, 0))
    return [walked, second, refused, later]


def _sheet_rows(data: bytes) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "SỔ THEO DÕI HỒ SƠ"
    assert rows[3][:3] == ("STT", "Mã hồ sơ", "Tên thủ tục hành chính")
    return rows[4:]


def test_tracking_book_in_excel_has_a_row_per_dossier(book, province):
    rows = _sheet_rows(tracking_book_xlsx(BookFilters(agency=province.centre)))
    assert [r[1] for r in rows] == [d.code for d in book]
    assert [r[0] for r in rows] == [1, 2, 3, 4]
    first = rows[0]
    assert first[2:6] == (
        "Cấp giấy phép thử nghiệm", "Nguyễn Văn An", "Hải Châu, 0905123456",
        province.department.name,
    )  # fmt: skip
    received, due, transferred, result, returned = first[6:11]
    assert received == dt.datetime(2026, 11, 2, 9, 0)
    assert due == dt.datetime(2026, 11, 23, 17, 0)  # after the apology
    assert transferred == dt.datetime(2026, 11, 2, 10, 0)
    assert result == dt.datetime(2026, 11, 20, 9, 0)
    assert returned == dt.datetime(2026, 11, 20, 10, 0)
    assert "Giải quyết quá hạn" in first[11] and "xin lỗi" in first[11]
    assert rows[1][8:12] == (None, None, None, None)  # still at the counter
    assert rows[2][8] == dt.datetime(2026, 11, 3, 15, 0)
    assert rows[2][9] == dt.datetime(2026, 11, 5, 9, 0) and "Từ chối giải quyết" in rows[2][11]


def test_tracking_book_filters_by_period_agency_and_unit(book, province):
    walked, second, refused, later = book
    period = BookFilters(start=dt.date(2026, 11, 3), end=dt.date(2026, 11, 3))
    assert [r[1] for r in _sheet_rows(tracking_book_xlsx(period))] == [second.code, refused.code]
    assert _sheet_rows(tracking_book_xlsx(BookFilters(agency=province.other))) == []
    assert _sheet_rows(tracking_book_xlsx(BookFilters(processing_agency=province.other))) == []
    leadership = province.leader.unit  # only the walked dossier reached the leader's desk
    rows = _sheet_rows(tracking_book_xlsx(BookFilters(unit=leadership)))
    assert [r[1] for r in rows] == [walked.code]
    rows = _sheet_rows(tracking_book_xlsx(BookFilters(start=dt.date(2026, 11, 4))))
    assert [r[1] for r in rows] == [later.code]


def test_tracking_book_costs_the_same_queries_for_any_number_of_rows(book, province):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            tracking_book_xlsx(BookFilters(agency=province.centre))
        return len(ctx.captured_queries)

    with_four = queries()
    for n in range(5, 15):
        _receive(province, n, at=local(2026, 11, 11, 9, 0))
    assert queries() == with_four <= 2


def test_tracking_book_as_pdf(book, province):
    walked, second, refused, later = book
    pdf = tracking_book_pdf(BookFilters(agency=province.centre, end=dt.date(2026, 11, 5)))
    text = flat(pdf)
    assert "SỔ THEO DÕI HỒ SƠ" in text and "Từ ngày … đến ngày 05/11/2026" in text
    for d in (walked, second, refused):
        assert d.code in text
    assert later.code not in text
    assert "Hải Châu," in text and "0905123456" in text and "Từ chối" in text
    assert re.search(r"1 " + re.escape(walked.code) + r" Cấp giấy .* 02/11/2026 23/11/2026", text)
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True)
    with pytest.raises(FormUnavailable, match="4 hồ sơ"):
        tracking_book_pdf(BookFilters(agency=province.centre), max_rows=3)
    assert re.search(r"Page size:\s+841\.\d+ x 595\.\d+ pts", info.stdout.decode())
