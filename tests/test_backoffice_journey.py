"""The back office end to end in a real browser (issue 4, "Done when"): officials of every role
work three dossiers through the pages only, each in a browser of their own.

1. A walk-in dossier: the counter officer signs in (password, then TOTP with the enrolment QR),
   receives it with the keyboard and downloads the receipt (Form 01); the head assigns the
   specialist, who hands it to the head; the head sends it back once; the specialist consults
   the other agency, whose official answers; head, then leader; the dossier is late, the leader
   apologises (Form 04) and signs the result; the counter hands it back.
2. A second dossier gets a supplement request (Form 02), provided at the counter.
3. A third is refused at reception with its reason (Form 03).

Screenshots go to test-artifacts/journey-backoffice/ (reception, queue and dossier page, at
desktop width and at 360 px).
"""

from __future__ import annotations

import base64
import re
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from dossiers.integrity import verify_all
from dossiers.lifecycle import Status
from dossiers.models import Dossier
from tests.browser import ARTIFACTS, chromium, plain_static_files, tab_to
from tests.signin import session_cookie, sign_in
from workdays import clock

pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]

SHOTS = ARTIFACTS / "journey-backoffice"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# ---------------------------------------------------------------- helpers


def shoot(page, name: str) -> None:
    """Full-page screenshots at desktop width and at 360 px (which must not scroll sideways)."""
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    page.screenshot(path=str(SHOTS / f"{name}-360.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def pdf_text(context, url: str, tmp_path: Path) -> str:
    """Fetch a PDF with the browser's session and read its text with pdftotext."""
    response = context.request.get(url)
    assert response.ok and response.headers["content-type"] == "application/pdf", url
    body = response.body()
    assert body.startswith(b"%PDF")
    path = tmp_path / (url.rstrip("/").replace("/", "_") + ".pdf")
    path.write_bytes(body)
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return " ".join(done.stdout.decode().split())


def form_link(page, number: str) -> str:
    """The absolute address of an official form, found by its link on the dossier page."""
    link = page.locator("section.forms-block a", has_text=f"Mẫu {number}:")
    assert link.count() == 1, f"no link to Form {number}"
    return page.url.split("/can-bo/")[0] + link.get_attribute("href")


def act(page, slug: str, done: str, fill: dict | None = None, choose: dict | None = None,
        tick: tuple = (), files: dict | None = None) -> None:  # fmt: skip
    """Open an action of the dossier page (clicking its summary when folded), fill its form
    by the labels, press its button and check the success message."""
    box = page.locator(f"#thao-tac-{slug}")
    summary = box.locator("summary")
    if summary.count() and box.get_attribute("open") is None:
        summary.click()
    for label, value in (choose or {}).items():
        box.get_by_label(label).select_option(value=str(value))
    for label, value in (fill or {}).items():
        box.get_by_label(label).fill(value)
    for label in tick:
        box.get_by_label(label).check()
    for label, payload in (files or {}).items():
        box.get_by_label(label).set_input_files(payload)
    with page.expect_navigation():
        box.locator("button[type=submit]").click()
    assert done in page.locator(".bo-messages").inner_text(), page.locator("main").inner_text()


class Desks:
    """One browser context per official, each signed in with its own session."""

    def __init__(self, browser, base: str) -> None:
        self.browser, self.base, self.pages = browser, base, {}

    def page(self, official, url: str):
        if official.pk not in self.pages:
            context = self.browser.new_context(viewport=DESKTOP, locale="vi-VN")
            context.set_default_timeout(10_000)
            context.add_cookies([session_cookie(sign_in(Client(), official))])
            self.pages[official.pk] = context.new_page()
        page = self.pages[official.pk]
        page.goto(self.base + url)
        return page


def dossier_path(code: str) -> str:
    return f"/can-bo/ho-so/{code}/"


# ---------------------------------------------------------------- sign-in and reception


def sign_in_with_totp(page, base: str, official) -> None:
    """Password, then the TOTP code an authenticator app would show after scanning the QR."""
    page.goto(base + "/can-bo/tiep-nhan/")
    page.wait_for_url("**/can-bo/dang-nhap/?next=/can-bo/tiep-nhan/")
    page.get_by_label("Tên đăng nhập").fill(official.user.username)
    page.get_by_label("Mật khẩu").fill("x-" + official.user.username)
    page.get_by_role("button", name="Tiếp tục").click()
    page.wait_for_url("**/can-bo/xac-thuc/")
    # First sign-in: the enrolment QR (and the key typed by hand when it cannot be scanned).
    assert page.locator("figure.qr svg").count() == 1
    secret = page.locator("figure.qr code").inner_text().replace(" ", "")
    device = TOTPDevice.objects.get(user=official.user, confirmed=False)
    assert secret == base64.b32encode(device.bin_key).decode()
    page.screenshot(path=str(SHOTS / "sign-in-totp-enrolment.png"), full_page=True)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    page.get_by_label("Mã xác thực 6 chữ số").fill(f"{code:06d}")
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url("**/can-bo/tiep-nhan/")
    device.refresh_from_db()
    assert device.confirmed


def receive_by_keyboard(page, personal_id: str) -> str:
    """The walk-in reception with the keyboard only; returns the new dossier's code."""
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type("giay phep thu nghiem")
    page.keyboard.press("Enter")
    page.wait_for_url("**/tiep-nhan/?q=*")
    # Each page puts the focus where the keyboard goes next (autofocus). Chromium moves it
    # there only after the page has loaded; a Tab pressed before would cancel it, so wait.
    expect(page.locator("ol.results a").first).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**/tiep-nhan/?thu_tuc=*")
    expect(page.locator("#id_so")).to_be_focused()
    page.keyboard.type(personal_id)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**so={personal_id}*")
    expect(page.locator("#id_name")).to_be_focused()
    page.keyboard.type("Lê Văn Cường")
    tab_to(page, "#id_birth_date", most=2)
    page.keyboard.type("01/05/1985")
    tab_to(page, "#id_address", most=3)
    page.keyboard.type("5 Bạch Đằng, Hải Châu")
    tab_to(page, "#id_phone")
    page.keyboard.type("0905222333")
    for box in page.locator("input[id$=_received]").all():
        tab_to(page, f"#{box.get_attribute('id')}", most=8)
        page.keyboard.press("Space")
    tab_to(page, "#id_action_0", most=12)
    page.keyboard.press("Space")
    assert page.is_checked("#id_action_0")
    assert "Hẹn trả kết quả nếu tiếp nhận bây giờ:" in page.inner_text("#outcome")
    shoot(page, "reception")
    tab_to(page, "#outcome button[type=submit]", most=4)
    page.keyboard.press("Enter")
    page.wait_for_url("**/can-bo/ho-so/**")
    return page.url.rstrip("/").rsplit("/", 1)[1]


def receive_by_form(page, base: str, personal_id: str, name: str, outcome: str,
                    reason: str = "") -> str:  # fmt: skip
    """A walk-in reception with the mouse: the procedure from the search, the applicant, every
    component ticked, then the outcome ("receive", "guide" or "refuse")."""
    page.goto(base + "/can-bo/tiep-nhan/?q=thu+nghiem")
    page.locator("ol.results a").first.click()
    page.wait_for_url("**/tiep-nhan/?thu_tuc=*")
    page.get_by_label("Số định danh cá nhân hoặc mã số thuế").fill(personal_id)
    page.get_by_role("button", name="Tìm người nộp").click()
    page.wait_for_url(f"**so={personal_id}*")
    page.get_by_label("Họ tên / tên tổ chức").fill(name)
    page.get_by_label("Ngày sinh (ngày/tháng/năm)").fill("02/03/1990")
    page.get_by_label("Địa chỉ", exact=True).fill("12 Lê Lợi, Hải Châu")
    page.get_by_label("Điện thoại").fill("0905111222")
    for box in page.locator("input[id$=_received]").all():
        box.check()
    page.locator(f"#outcome input[name=action][value={outcome}]").check()
    if reason:
        page.get_by_label("Lý do (bắt buộc khi hướng dẫn bổ sung hoặc từ chối)").fill(reason)
    with page.expect_navigation():
        page.get_by_role("button", name="Xác nhận kết quả kiểm tra").click()
    return page.url.rstrip("/").rsplit("/", 1)[1]


def apology_moment(province) -> str:
    """09:00 on the working day three working days from now, as the datetime-local field
    takes it: a valid new appointment (after now, inside working hours)."""
    cal = province.department.calendar.to_clock()
    day = timezone.localtime(clock.add_working(cal, timezone.now(), 3)).date()
    return f"{day:%Y-%m-%d}T09:00"


# ---------------------------------------------------------------- the journey


@pytest.fixture
def browser_context(settings, live_server):
    plain_static_files(settings)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with chromium(viewport=DESKTOP) as context:
        context.set_default_timeout(10_000)
        yield context


def test_three_dossiers_through_the_back_office(browser_context, live_server, province, tmp_path):
    base = live_server.url
    counter = browser_context.new_page()
    sign_in_with_totp(counter, base, province.officer)
    desks = Desks(browser_context.browser, base)
    walk_in_dossier(counter, desks, province, base, tmp_path)
    supplement_dossier(counter, desks, province, base, tmp_path)
    refused_dossier(counter, base, tmp_path)
    assert verify_all()[1] == []  # every move above left the audit chains intact


def walk_in_dossier(counter, desks: Desks, province, base: str, tmp_path: Path) -> None:
    code = receive_by_keyboard(counter, "048185012345")
    dossier = Dossier.objects.get(code=code)
    assert dossier.status == Status.RECEIVED and dossier.applicant.name == "Lê Văn Cường"
    assert "Đã tiếp nhận hồ sơ" in counter.locator(".bo-messages").inner_text()
    receipt = pdf_text(counter.context, form_link(counter, "01"), tmp_path)
    assert code in receipt and "Lê Văn Cường" in receipt
    # Step 1 (counter) → the division, whose head assigns.
    act(counter, "chuyen-buoc", "Đã chuyển hồ sơ sang bước tiếp theo.",
        fill={"Ghi chú kết quả xử lý bước này": "Đủ thành phần"})  # fmt: skip
    head_assigns_from_the_queue(desks, province, code)
    specialist = desks.page(province.specialist, dossier_path(code))
    act(specialist, "bat-dau", "Đã bắt đầu xử lý bước.")
    act(specialist, "chuyen-buoc", "Đã chuyển hồ sơ sang bước tiếp theo.",
        choose={"Người nhận ở bước tiếp theo": province.head.pk},
        fill={"Ghi chú kết quả xử lý bước này": "Đạt yêu cầu"})  # fmt: skip
    head = desks.page(province.head, dossier_path(code))
    act(head, "tra-lai", "Đã trả hồ sơ về bước trước.",
        fill={"Lý do trả lại": "Bổ sung nhận xét về quy hoạch"})  # fmt: skip
    consult_and_answer(desks, province, code)
    specialist = desks.page(province.specialist, dossier_path(code))
    act(specialist, "chuyen-buoc", "Đã chuyển hồ sơ sang bước tiếp theo.",
        choose={"Người nhận ở bước tiếp theo": province.head.pk},
        fill={"Ghi chú kết quả xử lý bước này": "Đã bổ sung nhận xét"})  # fmt: skip
    head = desks.page(province.head, dossier_path(code))
    act(head, "chuyen-buoc", "Đã chuyển hồ sơ sang bước tiếp theo.",
        choose={"Người nhận ở bước tiếp theo": province.leader.pk})  # fmt: skip
    leader_apologises_and_signs(desks, province, code, tmp_path)
    counter_returns(counter, base, code)


def head_assigns_from_the_queue(desks: Desks, province, code: str) -> None:
    """The head finds the unassigned dossier in the unit's queue and assigns the specialist."""
    queue = desks.page(province.head, "/can-bo/")
    with queue.expect_navigation():
        queue.get_by_role("link", name=re.compile("^Việc của đơn vị")).click()
    row = queue.locator("table.bo-queue tr", has_text=code)
    assert "Chưa phân công" in row.inner_text()
    shoot(queue, "queue")
    row.get_by_role("link", name=code).click()
    queue.wait_for_url(f"**{dossier_path(code)}")
    act(queue, "phan-cong", "Đã phân công xử lý.",
        choose={"Giao cho": province.specialist.pk})  # fmt: skip


def consult_and_answer(desks: Desks, province, code: str) -> None:
    """Back at step 2, the specialist asks the other agency, whose official answers."""
    specialist = desks.page(province.specialist, dossier_path(code))
    assert "Bổ sung nhận xét về quy hoạch" in specialist.inner_text("main")
    act(specialist, "xin-y-kien", "Đã gửi xin ý kiến.",
        choose={"Cơ quan được xin ý kiến": province.other.pk},
        fill={"Nội dung xin ý kiến": "Khu đất có trong quy hoạch giao thông không?"})  # fmt: skip
    outsider = desks.page(province.outsider, "/can-bo/?tab=xin-y-kien")
    outsider.get_by_role("link", name=code).click()
    outsider.wait_for_url(f"**{dossier_path(code)}")
    act(outsider, "tra-loi-y-kien", "Đã gửi ý kiến trả lời.",
        fill={"Nội dung trả lời": "Không nằm trong quy hoạch giao thông."})  # fmt: skip


def make_late(code: str) -> None:
    """The pages act at the real 'now', and a dossier received a few seconds ago under a
    10-working-day procedure cannot be late yet. Rather than fake the server's clock, one UPDATE
    of the dossier row moves its due moments (the receipt's appointment and the current one)
    to this moment, after the reception: as if the legal time had just run out while the
    dossier waits for the leader. Events, step runs and the audit chain are not touched; every
    move after this (apology, result, return) goes through the pages against the real clock."""
    now = timezone.now()
    assert Dossier.objects.filter(code=code).update(due_at=now, original_due_at=now) == 1


def leader_apologises_and_signs(desks: Desks, province, code: str, tmp_path: Path) -> None:
    make_late(code)
    leader = desks.page(province.leader, "/can-bo/?tab=qua-han")
    assert "Quá hạn" in leader.locator("table.bo-queue tr", has_text=code).inner_text()
    leader.get_by_role("link", name=code).click()
    leader.wait_for_url(f"**{dossier_path(code)}")
    assert leader.locator(".mark-overdue", has_text="Quá hạn").count() == 1
    act(leader, "xin-loi", "Đã phát hành thư xin lỗi và hẹn lại ngày trả kết quả.",
        fill={"Lý do quá hạn": "Chờ ý kiến liên ngành về quy hoạch",
              "Ngày giờ hẹn trả mới": apology_moment(province)})  # fmt: skip
    apology = pdf_text(leader.context, form_link(leader, "04"), tmp_path)
    assert code in apology and "Chờ ý kiến liên ngành về quy hoạch" in apology
    result = {"name": "giay-phep.pdf", "mimeType": "application/pdf", "buffer": PDF}
    act(leader, "ky-ket-qua", "Đã ghi nhận kết quả giải quyết.",
        fill={"Số văn bản kết quả": "15/GP-STN"},
        files={"Kết quả điện tử (PDF, JPEG, PNG)": result})  # fmt: skip


def counter_returns(counter, base: str, code: str) -> None:
    """The counter hands the result back; the page tells the whole story, late mark included."""
    counter.goto(base + "/can-bo/?tab=tra-ket-qua")
    counter.get_by_role("link", name=code).click()
    counter.wait_for_url(f"**{dossier_path(code)}")
    act(counter, "tra-ket-qua", "Đã trả kết quả cho người nộp.")
    main = counter.inner_text("main")
    assert "Đã trả kết quả" in main and "15/GP-STN" in main
    assert counter.locator(".mark-late", has_text="Giải quyết quá hạn").count() == 1
    assert counter.locator("ol.timeline li strong").all_inner_texts() == [
        "Tiếp nhận", "Chuyển bước tiếp theo", "Phân công xử lý", "Bắt đầu xử lý bước",
        "Chuyển bước tiếp theo", "Trả lại bước trước", "Xin ý kiến cơ quan khác",
        "Trả lời xin ý kiến", "Chuyển bước tiếp theo", "Chuyển bước tiếp theo",
        "Xin lỗi và hẹn lại", "Có kết quả", "Trả kết quả",
    ]  # fmt: skip
    steps = counter.locator("section[aria-labelledby=steps-h] tbody tr").all_inner_texts()
    assert [row.split(".")[0].strip() for row in steps] == ["1", "2", "3", "2", "3", "4", "5"]
    shoot(counter, "dossier")


# ---------------------------------------------------------------- the other two dossiers


def supplement_dossier(counter, desks: Desks, province, base: str, tmp_path: Path) -> None:
    """Received, handed straight to a specialist, who asks for a supplement; provided at the
    counter by another counter officer."""
    code = receive_by_form(counter, base, "048190054321", "Trần Thị Bình", "receive")
    act(counter, "chuyen-buoc", "Đã chuyển hồ sơ sang bước tiếp theo.",
        choose={"Người nhận ở bước tiếp theo": province.specialist2.pk})  # fmt: skip
    specialist = desks.page(province.specialist2, dossier_path(code))
    act(
        specialist,
        "yeu-cau-bo-sung",
        "Đã yêu cầu bổ sung; thời hạn tạm dừng.",
        tick=("Bản vẽ",),
        fill={"Lý do yêu cầu bổ sung": "Bản vẽ chưa có dấu của đơn vị thiết kế"},
    )
    assert "Chờ bổ sung" in specialist.locator(".status").inner_text()
    guidance = pdf_text(specialist.context, form_link(specialist, "02"), tmp_path)
    assert code in guidance and "Bản vẽ" in guidance
    other_counter = desks.page(province.officer2, "/can-bo/?tab=cho-bo-sung")
    other_counter.get_by_role("link", name=code).click()
    other_counter.wait_for_url(f"**{dossier_path(code)}")
    act(other_counter, "nhan-bo-sung", "Đã nhận hồ sơ bổ sung; thời hạn tính tiếp.",
        tick=("Đã nhận: Bản vẽ",))  # fmt: skip
    dossier = Dossier.objects.get(code=code)
    assert dossier.status == Status.PROCESSING
    assert dossier.supplement.fulfilled_at is not None


def refused_dossier(counter, base: str, tmp_path: Path) -> None:
    """Refused at reception: the reason is required, and printed on Form 03."""
    reason = "Công trình thuộc thẩm quyền cấp phép của Ủy ban nhân dân cấp xã"
    receive_by_form(counter, base, "048190067890", "Phạm Văn Dũng", "refuse")
    assert "Phải nêu lý do." in counter.inner_text("main")
    assert not Dossier.objects.filter(applicant__personal_id="048190067890").exists()
    code = receive_by_form(counter, base, "048190067890", "Phạm Văn Dũng", "refuse", reason)
    assert "Đã từ chối tiếp nhận hồ sơ" in counter.locator(".bo-messages").inner_text()
    assert Dossier.objects.get(code=code).status == Status.NOT_RECEIVED
    refusal = pdf_text(counter.context, form_link(counter, "03"), tmp_path)
    assert code in refusal and reason in refusal
