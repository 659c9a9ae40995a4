"""The back-office dossier page: what each official sees on it, the components' preview and
download, the official forms block, and the access log of every read of personal data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from playwright.sync_api import expect

from access.models import AccessLog
from dossiers.models import Document
from dossiers.services import (
    ComponentData,
    assign_step,
    hand_over_step,
    receive_dossier,
    send_back_step,
    start_step,
)
from tests.personas import actor, applicant, local
from tests.signin import session_cookie, sign_in

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
T0 = local(2026, 11, 2, 9, 0)  # Monday
T1 = local(2026, 11, 2, 10, 0)


def _scanned(province) -> list[ComponentData]:
    files = [SimpleUploadedFile("don.pdf", PDF), SimpleUploadedFile("ban-ve.png", PNG)]
    return [
        ComponentData(name=d.name, kind="original", required_document_id=d.pk, file=f)
        for d, f in zip(province.docs, files, strict=True)
    ]


@pytest.fixture
def dossier(province):
    """Received with two scans on Monday 2 Nov 2026, handed to the division at 10:00 and
    assigned to the specialist (who has not started yet)."""
    received = receive_dossier(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(),
        components=_scanned(province), at=T0,
    )  # fmt: skip
    hand_over_step(actor=actor(province.officer), dossier=received, at=T1)
    assign_step(actor=actor(province.head), dossier=received, assignee=province.specialist, at=T1)
    received.refresh_from_db()
    return received


def page(province, who: str, dossier):
    client = sign_in(Client(), getattr(province, who))
    return client.get(reverse("backoffice:dossier", args=[dossier.code]))


def action_url(dossier, slug: str) -> str:
    return reverse("backoffice:action", args=[dossier.code, slug])


def test_the_page_shows_the_dossier_and_logs_the_read(province, dossier):
    response = page(province, "specialist", dossier)
    assert response.status_code == 200
    html = response.content.decode()
    for text in (dossier.code, "Nguyễn Văn An", "048200000001", "Đơn đề nghị", "Bản vẽ",
                 "Tiếp nhận", "Thẩm định", "Đúng hạn", "Đang xử lý, đã quá hạn bước",
                 "Phân công xử lý", "Sở thử nghiệm"):  # fmt: skip
        assert text in html, text
    log = AccessLog.objects.get()
    assert (log.official, log.dossier, log.what) == (province.specialist, dossier, "dossier")
    assert log.agency_name == province.department.name


def test_the_timeline_says_who_in_which_role_and_when(province, dossier):
    html = page(province, "specialist", dossier).content.decode()
    timeline = html[html.index('id="timeline-h"') :]
    assert timeline.index("Tiếp nhận") < timeline.index("Chuyển bước tiếp theo")
    assert timeline.index("Chuyển bước tiếp theo") < timeline.index("Phân công xử lý")
    # Who, in which role and in which unit (the unit they were in when they acted).
    assert f"Head (Trưởng/phó phòng, {province.head.unit.name})" in timeline
    assert "giao cho Specialist" in timeline
    assert "09:00 02/11/2026" in timeline and "bước 1 → bước 2" in timeline


# Which action forms each official is offered on the dossier above (step 2, assigned, not
# started): the lifecycle table, the open step and the roles decide; others see none.
OFFERS = {
    "specialist": {"bat-dau", "chuyen-buoc", "tra-lai", "xin-y-kien", "yeu-cau-bo-sung",
                   "cho-nghia-vu-tai-chinh"},
    "specialist2": set(),
    "head": {"phan-cong", "chuyen-lien-thong"},
    "leader": {"phan-cong", "chuyen-lien-thong", "ky-ket-qua", "xin-loi", "tu-choi",
               "dung-xu-ly"},
    "officer": {"rut-ho-so"},
    "overseer": set(),
}  # fmt: skip
EVERY_ACTION = set().union(*OFFERS.values()) | {"tra-ket-qua", "nhan-bo-sung", "da-nop-nghia-vu"}


@pytest.mark.parametrize("who", sorted(OFFERS))
def test_each_official_is_offered_only_the_actions_they_may_take_now(province, dossier, who):
    html = page(province, who, dossier).content.decode()
    offered = {slug for slug in EVERY_ACTION if f'action="{action_url(dossier, slug)}"' in html}
    assert offered == OFFERS[who]


def test_a_head_assigns_among_the_officials_of_the_steps_unit_with_the_steps_role(
    province, dossier
):
    html = page(province, "head", dossier).content.decode()
    form = html[html.index(action_url(dossier, "phan-cong")) :]
    form = form[: form.index("</form>")]
    assert "Specialist (1 hồ sơ đang xử lý)" in form and "Specialist2 (0 hồ sơ" in form
    for other in ("Head", "Overseer", "Deputy", "Outsider", "Officer"):
        assert f">{other} (" not in form


def test_an_overseer_reads_the_work_but_not_the_applicant(province, dossier):
    response = page(province, "overseer", dossier)
    html = response.content.decode()
    assert response.status_code == 200 and "Thẩm định" in html
    assert "Nguyễn Văn An" not in html and "048200000001" not in html and "0905123456" not in html
    assert "Ng*** V*** A**" in html
    assert "Bạn chỉ được xem hồ sơ này" in html
    assert not AccessLog.objects.exists()


def _queries_for_page(client, dossier) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("backoffice:dossier", args=[dossier.code])).status_code == 200
    return len(queries)


def test_the_page_reads_the_same_number_of_rows_however_long_the_history(province, dossier):
    client = sign_in(Client(), province.head)
    short = _queries_for_page(client, dossier)
    start_step(actor=actor(province.specialist), dossier=dossier, at=T1)
    for hour in (11, 14, 15):  # three rounds of hand-over and send-back between steps 2 and 3
        at = local(2026, 11, 3, hour, 0)
        hand_over_step(actor=actor(province.specialist), dossier=dossier, to=province.head, at=at)
        send_back_step(actor=actor(province.head), dossier=dossier, reason="Xem lại", at=at)
    assert dossier.events.count() == 10
    assert _queries_for_page(client, dossier) == short


def _document(dossier, content_type: str) -> Document:
    return dossier.documents.get(content_type=content_type)


def test_a_pdf_is_previewed_inline_and_downloaded_as_attachment(province, dossier):
    client = sign_in(Client(), province.specialist)
    pdf = _document(dossier, "application/pdf")
    preview = client.get(reverse("backoffice:document_preview", args=[dossier.code, pdf.pk]))
    assert preview.status_code == 200 and b"".join(preview.streaming_content) == PDF
    assert preview["Content-Type"] == "application/pdf"
    assert preview["Content-Disposition"].startswith("inline")
    assert preview["X-Content-Type-Options"] == "nosniff"
    assert preview["X-Frame-Options"] == "SAMEORIGIN"
    download = client.get(reverse("backoffice:document", args=[dossier.code, pdf.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    assert 'filename="don.pdf"' in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["X-Frame-Options"] == "DENY"
    assert "no-store" in download["Cache-Control"]
    logs = AccessLog.objects.filter(dossier=dossier, what="document", official=province.specialist)
    assert logs.count() == 2


def test_an_image_is_previewed_inline_with_its_type(province, dossier):
    client = sign_in(Client(), province.officer)
    png = _document(dossier, "image/png")
    response = client.get(reverse("backoffice:document_preview", args=[dossier.code, png.pk]))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    html = client.get(reverse("backoffice:dossier", args=[dossier.code])).content.decode()
    assert "<iframe" in html and "<img" in html and 'loading="lazy"' in html


def test_a_file_is_reached_only_through_its_own_dossier(province, dossier):
    second = receive_dossier(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(2),
        components=_scanned(province), at=T1,
    )  # fmt: skip
    client = sign_in(Client(), province.officer)
    other_file = _document(second, "application/pdf")
    response = client.get(reverse("backoffice:document", args=[dossier.code, other_file.pk]))
    assert response.status_code == 404
    assert not AccessLog.objects.exists()


def test_the_forms_block_lists_the_forms_of_the_dossiers_history(province, dossier):
    html = page(province, "officer", dossier).content.decode()
    block = html[html.index('id="forms-h"') :]
    assert reverse("backoffice:form", args=[dossier.code, "01"]) in block
    assert reverse("backoffice:form", args=[dossier.code, "05"]) in block
    for absent in ("02", "03", "04"):  # no supplement, refusal or apology yet
        assert reverse("backoffice:form", args=[dossier.code, absent]) not in block


def test_a_form_is_served_as_pdf_and_logged(province, dossier):
    client = sign_in(Client(), province.officer)
    response = client.get(reverse("backoffice:form", args=[dossier.code, "01"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AccessLog.objects.filter(dossier=dossier, what="form").count() == 1


def test_a_form_the_history_does_not_have_or_an_unknown_number_is_404(province, dossier):
    client = sign_in(Client(), province.officer)
    for number in ("04", "99"):  # no apology was issued; no such form
        response = client.get(reverse("backoffice:form", args=[dossier.code, number]))
        assert response.status_code == 404
    assert not AccessLog.objects.exists()


# ---------------------------------------------------------------- in a real browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]  # fmt: skip


@pytest.fixture
def phone(settings):
    """Chromium at 360 px; the live server serves the apps' plain static files."""
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
        browser.close()


@pytest.mark.needs_chromium
@pytest.mark.django_db(transaction=True)
def test_the_common_step_actions_by_keyboard_on_a_phone(phone, live_server, province, dossier):
    ARTIFACTS.mkdir(exist_ok=True)
    phone.add_cookies([session_cookie(sign_in(Client(), province.specialist))])
    page = phone.new_page()
    url = live_server.url + reverse("backoffice:dossier", args=[dossier.code])
    page.goto(url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(ARTIFACTS / "backoffice-dossier-360.png"), full_page=True)
    # Start the step: focus the button, press Enter.
    page.get_by_role("button", name="Nhận xử lý bước này").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Đã bắt đầu xử lý bước." in page.inner_text("main")
    # The hand-over form is now the first, open one: choose the head, write a note, send.
    page.get_by_label("Người nhận ở bước tiếp theo").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.type("Đạt yêu cầu")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Đã chuyển hồ sơ sang bước tiếp theo." in page.inner_text("main")
    dossier.refresh_from_db()
    run = dossier.current_step
    assert (run.step.position, run.assignee) == (3, province.head)
    assert dossier.steps.get(step__position=2, finished_at__isnull=False).note == "Đạt yêu cầu"
    # The specialist no longer holds the dossier; a collapsed form opens from the keyboard.
    head = phone.browser.new_context(viewport={"width": 360, "height": 740})
    head.add_cookies([session_cookie(sign_in(Client(), province.head))])
    page = head.new_page()
    page.goto(url)
    summary = page.locator("summary", has_text="Trả lại bước trước")
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Lý do trả lại")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
