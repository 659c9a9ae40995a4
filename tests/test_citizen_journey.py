"""The citizen's whole journey in Chromium (issue 5, §7): sign up, verify the email (read from a
real SMTP server on loopback), apply online with two files, the counter receives it, a
supplement is asked for and given online, the dossier goes through the steps, the result is
returned online, the citizen downloads it and rates. The citizen's browser is a 360 px phone;
screenshots go to test-artifacts/journey/. Officials act in a second browser, each signed in
with their own session (password and second factor are tested elsewhere)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from playwright.sync_api import expect

from applications.models import OnlineSubmission
from dossiers.integrity import verify_all
from dossiers.lifecycle import Status
from dossiers.models import Document, Dossier
from ratings.models import Rating
from tests.applying import PASSWORD, PDF, PNG, online
from tests.browser import ARTIFACTS, chromium, plain_static_files, serious_violations
from tests.signin import session_cookie, sign_in
from tests.smtp_server import RecordingHandler, smtp_server

pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]
SHOTS = ARTIFACTS / "journey"
EMAIL = "lan.nguyen@example.test"
RESULT = PDF + b"% Giay phep xay dung so 21/GPXD\n"


class Journey:
    """The two browsers and what they share: the server, the screenshots, the officials."""

    def __init__(self, base: str, citizen_page, officials, province) -> None:
        self.base, self.page, self.officials, self.province = (
            base,
            citizen_page,
            officials,
            province,
        )
        self.desk = officials.new_page()
        self.shot = 0

    def snap(self, name: str) -> None:
        """A full-page screenshot of the citizen's phone, numbered in journey order."""
        self.shot += 1
        self.page.screenshot(path=str(SHOTS / f"{self.shot:02d}-{name}.png"), full_page=True)
        assert self.page.evaluate("document.documentElement.scrollWidth") <= 360, name

    def go(self, path: str) -> None:
        self.page.goto(f"{self.base}{path}")

    def as_official(self, who: str) -> None:
        """Sign the officials' browser in as `who` (its own session, second factor passed)."""
        self.officials.clear_cookies()
        client = sign_in(Client(), getattr(self.province, who))
        self.officials.add_cookies([session_cookie(client)])

    def act(self, who: str, code: str, slug: str, fill=None) -> None:
        """On the back-office dossier page, as `who`, open an action and submit its form."""
        self.as_official(who)
        self.desk.goto(f"{self.base}/can-bo/ho-so/{code}/")
        box = self.desk.locator(f"#thao-tac-{slug}")
        if box.evaluate("e => e.tagName") == "DETAILS" and not box.evaluate("e => e.open"):
            box.locator("summary").click()
        form = box.locator("form")
        if fill:
            fill(form)
        with self.desk.expect_navigation():
            form.locator("button[type=submit]").click()
        assert self.desk.url.endswith(f"/can-bo/ho-so/{code}/"), self.desk.url


def choose(label: str, value) -> Callable:
    """Fill an action form by choosing `value` in the select labelled `label`."""
    return lambda form: form.get_by_label(label).select_option(str(value))


def _sign_up(j: Journey, handler: RecordingHandler) -> None:
    page = j.page
    j.go(f"/thu-tuc/{j.province.procedure.national_code}/")
    j.snap("procedure")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    assert "/tai-khoan/dang-nhap/" in page.url  # applying needs an account
    page.get_by_role("link", name="Đăng ký tài khoản").click()
    page.get_by_label("Họ và tên").fill("Nguyễn Thị Lan")
    page.get_by_label("Số định danh cá nhân").fill("048195001234")
    page.get_by_label("Thư điện tử").fill(EMAIL)
    page.get_by_label(re.compile("^Mật khẩu")).fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    j.snap("sign-up")
    page.get_by_role("button", name="Đăng ký").click()
    (message,) = [m for m in handler.received() if EMAIL in m.recipients]
    link = re.search(r"https?://\S+/tai-khoan/xac-minh/\S+", message.body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Xác nhận đăng ký").click()
    page.get_by_label("Thư điện tử").fill(EMAIL)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    assert "/tai-khoan/" in page.url and "dang-nhap" not in page.url


def _apply(j: Journey, tmp_path) -> Dossier:
    page, docs = j.page, j.province.docs
    j.go(f"/thu-tuc/{j.province.procedure.national_code}/")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    j.snap("apply-start")
    page.get_by_role("button", name="Bắt đầu nộp hồ sơ").click()
    page.get_by_label("Bản thân tôi (Nguyễn Thị Lan)").check()
    page.get_by_label("Điện thoại liên hệ").fill("0905 111 222")
    page.get_by_label("Địa chỉ liên hệ").fill("12 Trần Phú, Hải Châu, Đà Nẵng")
    j.snap("apply-applicant")
    page.get_by_role("button", name="Tiếp tục").click()
    # Two files: the application form (PDF) and a drawing first sent as a text file by mistake.
    form, drawing, wrong = tmp_path / "don.pdf", tmp_path / "ban-ve.png", tmp_path / "ban-ve.pdf"
    form.write_bytes(PDF)
    drawing.write_bytes(PNG)
    wrong.write_bytes(b"not really a pdf")
    page.locator(f"#id_file_d{docs[0].pk}").set_input_files(str(form))
    page.locator(f"#id_file_d{docs[1].pk}").set_input_files(str(wrong))
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    expect(page.locator(f"#file_d{docs[1].pk}-error")).to_be_visible()  # next to its own field
    expect(page.get_by_role("link", name="don.pdf")).to_be_visible()  # the good file is kept
    assert serious_violations(page) == []
    j.snap("apply-components-error")
    page.locator(f"#id_file_d{docs[1].pk}").set_input_files(str(drawing))
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    page.get_by_label("Nhận trực tuyến").check()
    j.snap("apply-delivery")
    page.get_by_role("button", name="Tiếp tục").click()
    j.snap("apply-review")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    code = page.locator(".confirmation .code").inner_text()
    j.snap("apply-submitted")
    dossier = Dossier.objects.get(code=code)
    assert dossier.status == Status.SUBMITTED and dossier.documents.count() == 2
    assert OnlineSubmission.objects.get(dossier=dossier).citizen.email == EMAIL
    return dossier


def _receive(j: Journey, dossier: Dossier) -> None:
    j.as_official("officer")
    j.desk.goto(f"{j.base}/can-bo/?tab=nop-truc-tuyen")
    j.desk.get_by_role("link", name=dossier.code).click()
    j.desk.locator('input[name="action"][value="receive"]').check()  # "Đủ hồ sơ: tiếp nhận"
    with j.desk.expect_navigation():
        j.desk.get_by_role("button", name="Xác nhận kết quả kiểm tra").click()
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED
    # The citizen sees the reception and gets the receipt (Form 01) on the portal.
    j.go(f"/nop-truc-tuyen/ho-so-cua-toi/{dossier.code}/")
    expect(j.page.get_by_text("Đã tiếp nhận").first).to_be_visible()
    receipt = j.page.get_by_role("link", name=re.compile("^Mẫu 01"))
    response = j.page.request.get(f"{j.base}{receipt.get_attribute('href')}")
    assert response.ok and response.body().startswith(b"%PDF")
    j.snap("received")


def _supplement(j: Journey, dossier: Dossier, tmp_path) -> None:
    code, province = dossier.code, j.province
    j.act("officer", code, "chuyen-buoc")
    j.act("head", code, "phan-cong", choose("Giao cho", province.specialist.pk))
    j.act("specialist", code, "bat-dau")

    def ask(form) -> None:
        form.get_by_label("Bản vẽ").check()
        form.get_by_label("Lý do yêu cầu bổ sung").fill("Bản vẽ chưa có dấu của đơn vị thiết kế")

    j.act("specialist", code, "yeu-cau-bo-sung", ask)
    dossier.refresh_from_db()
    assert dossier.status == Status.AWAITING_SUPPLEMENT

    page = j.page
    j.go("/nop-truc-tuyen/ho-so-cua-toi/")
    page.get_by_role("link", name=code).click()
    expect(page.get_by_text("Bản vẽ chưa có dấu của đơn vị thiết kế").first).to_be_visible()
    expect(page.locator('input[type="file"]')).to_have_count(1)  # exactly the one listed item
    j.snap("supplement-asked")
    stamped = tmp_path / "ban-ve-co-dau.png"
    stamped.write_bytes(PNG + b"stamped")
    page.locator("#id_file_i0").set_input_files(str(stamped))
    page.get_by_role("button", name="Nộp bổ sung").click()
    expect(page.get_by_text("Đã nộp hồ sơ bổ sung")).to_be_visible()
    j.snap("supplement-sent")
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING


def _process_and_return(j: Journey, dossier: Dossier, tmp_path) -> None:
    code, province = dossier.code, j.province
    to = "Người nhận ở bước tiếp theo"
    j.act("specialist", code, "chuyen-buoc", choose(to, province.head.pk))
    j.act("head", code, "chuyen-buoc", choose(to, province.leader.pk))
    signed = tmp_path / "giay-phep.pdf"
    signed.write_bytes(RESULT)

    def sign(form) -> None:
        form.get_by_label("Số văn bản kết quả").fill("21/GPXD")
        form.get_by_label("Kết quả điện tử (PDF, JPEG, PNG)").set_input_files(str(signed))

    j.act("leader", code, "ky-ket-qua", sign)
    j.act("officer", code, "tra-ket-qua", choose("Trả kết quả qua", "online"))
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED and dossier.return_channel == "online"


def _download_and_rate(j: Journey, dossier: Dossier) -> None:
    page = j.page
    j.go(f"/nop-truc-tuyen/ho-so-cua-toi/{dossier.code}/")
    j.snap("result")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("^Tải kết quả")).click()
    assert download.value.path().read_bytes() == RESULT
    page.get_by_role("link", name="Đánh giá mức độ hài lòng").click()
    overall = page.get_by_role("group", name=re.compile("^Mức độ hài lòng chung"))
    overall.get_by_label("Rất hài lòng", exact=True).check()
    page.get_by_label("Góp ý thêm (không bắt buộc)").fill("Nộp trên điện thoại rất tiện.")
    j.snap("rating")
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.get_by_text("Bạn đã đánh giá hồ sơ này: 5/5")).to_be_visible()
    j.snap("rated")
    rating = Rating.objects.get(dossier=dossier)
    assert (rating.overall, rating.channel) == (5, Rating.Channel.PORTAL)


def test_a_citizen_applies_online_and_gets_the_result(live_server, settings, province, tmp_path):
    plain_static_files(settings)
    online(province.procedure)
    SHOTS.mkdir(parents=True, exist_ok=True)
    handler = RecordingHandler()
    with smtp_server(handler) as port, chromium() as phone:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        officials = phone.browser.new_context(viewport={"width": 1280, "height": 900})
        j = Journey(live_server.url, phone.new_page(), officials, province)
        _sign_up(j, handler)
        dossier = _apply(j, tmp_path)
        _receive(j, dossier)
        _supplement(j, dossier, tmp_path)
        _process_and_return(j, dossier, tmp_path)
        _download_and_rate(j, dossier)
    supplied = dossier.documents.get(role=Document.Role.SUPPLEMENT)
    assert supplied.original_name == "ban-ve-co-dau.png"
    assert [r.step.position for r in dossier.steps.order_by("arrived_at", "pk")] == [1, 2, 3, 4, 5]
    assert verify_all()[1] == []
