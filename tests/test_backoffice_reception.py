"""The counter's reception screen through HTTP (B1): a walk-in dossier gets its receipt, its
guidance listing every missing item, or its refusal; an online submission is checked on the same
screen. Bad input keeps everything typed and ticked; only counter officers may receive."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from access.models import AccessLog
from dossiers.lifecycle import Status
from dossiers.models import Applicant, Dossier, SupplementRequest
from dossiers.services import Actor, ComponentData, guide_supplement_at_reception, submit_online
from org.models import OfficialRole, OrgUnit, Role
from tests.personas import actor, applicant, official
from tests.signin import sign_in

pytestmark = pytest.mark.django_db

URL = "/can-bo/tiep-nhan/"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


class Page(HTMLParser):
    """Inputs of a page (name -> attributes), and which ids a label points at."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.inputs: dict[str, list[dict]] = {}
        self.labelled: set[str] = set()
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag in ("input", "select", "textarea") and a.get("name"):
            self.inputs.setdefault(a["name"], []).append({"tag": tag, **a})
        if tag == "label" and a.get("for"):
            self.labelled.add(a["for"])

    def value(self, name: str) -> str:
        return self.inputs[name][0].get("value", "")

    def checked(self, name: str) -> bool:
        return any("checked" in i for i in self.inputs[name])

    def unlabelled(self) -> list[str]:
        shown = [i for group in self.inputs.values() for i in group if i.get("type") != "hidden"]
        return [i["name"] for i in shown if i.get("id") not in self.labelled]


def pdf(name: str = "don.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def person(n: int = 7) -> dict:
    return {
        "kind": "person", "name": "Trần Thị Bình", "personal_id": f"0481900{n:05d}",
        "birth_date": "02/03/1990", "address": "12 Lê Lợi, Hải Châu", "phone": "0905111222",
        "email": "binh@example.test",
    }  # fmt: skip


def ticked(province, *docs, kind: str = "original") -> dict:
    data = {}
    for doc in docs or province.docs:
        data |= {f"d{doc.pk}_received": "on", f"d{doc.pk}_kind": kind, f"d{doc.pk}_count": "1"}
    for doc in province.docs:
        data.setdefault(f"d{doc.pk}_kind", "original")
        data.setdefault(f"d{doc.pk}_count", "1")
    return data


def walk_in(province, action: str = "receive", **extra) -> dict:
    return {**person(), **ticked(province), "delivery": "counter", "action": action, **extra}


@pytest.fixture
def counter(province) -> Client:
    return sign_in(Client(), province.officer)


@pytest.fixture
def form_url(province) -> str:
    return f"{URL}?thu_tuc={province.procedure.pk}"


# ---------------------------------------------------------------- choosing and finding


def test_procedure_search_ignores_accents_and_works_without_javascript(counter, province):
    page = counter.get(URL, {"q": "cap giay phep THU NGHIEM"})
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="?thu_tuc={province.procedure.pk}"' in html
    assert "Cấp giấy phép thử nghiệm" in html
    assert "Không có thủ tục nào khớp" in counter.get(URL, {"q": "khong co"}).content.decode()


def test_chosen_procedure_lists_its_components_and_the_due_moment(counter, province, form_url):
    html = counter.get(form_url).content.decode()
    for doc in province.docs:
        assert doc.name in html
    assert "Hẹn trả kết quả nếu tiếp nhận bây giờ:" in html
    assert "Thời hạn giải quyết 10" in html
    assert Page(html).unlabelled() == []


def test_a_known_applicant_is_found_by_id_number_and_prefilled(counter, province, form_url):
    Applicant.objects.create(**person() | {"birth_date": "1990-03-02"})
    page = counter.get(f"{form_url}&loai=person&so={person()['personal_id']}")
    html = page.content.decode()
    assert "Đã có trong hệ thống: Trần Thị Bình" in html
    form = Page(html)
    assert form.value("name") == "Trần Thị Bình"
    assert form.value("address") == "12 Lê Lợi, Hải Châu"
    assert form.value("birth_date") == "02/03/1990"
    unknown = counter.get(f"{form_url}&loai=organisation&so=0401234567").content.decode()
    assert "Chưa có trong hệ thống" in unknown
    assert Page(unknown).value("tax_code") == "0401234567"


# ---------------------------------------------------------------- the three outcomes


def test_receipt_for_a_complete_walk_in_dossier(counter, province, form_url):
    data = walk_in(province) | {f"d{province.docs[0].pk}_file": pdf()}
    response = counter.post(form_url, data)
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/can-bo/ho-so/{dossier.code}/"
    assert dossier.status == Status.RECEIVED and dossier.due_at is not None
    assert dossier.applicant.personal_id == person()["personal_id"]
    scanned = dossier.documents.get(required_document=province.docs[0])
    assert (scanned.content_type, scanned.original_name, scanned.digitised) == (
        "application/pdf", "don.pdf", True,
    )  # fmt: skip
    assert not dossier.documents.get(required_document=province.docs[1]).digitised
    log = AccessLog.objects.get()
    assert (log.dossier, log.what, log.official) == (dossier, "reception", province.officer)


def test_the_receipt_keeps_the_due_moment_the_screen_showed(counter, province, form_url):
    html = counter.get(form_url).content.decode()
    shown = re.search(r"Hẹn trả kết quả nếu tiếp nhận bây giờ: ([0-9:/ ]+)<", html).group(1)
    counter.post(form_url, walk_in(province))
    due = timezone.localtime(Dossier.objects.get().due_at)
    # The same clock; only a minute turning between the two requests may separate them.
    assert shown.strip() in {
        f"{due:%H:%M %d/%m/%Y}",
        f"{due - dt.timedelta(minutes=1):%H:%M %d/%m/%Y}",
    }


def test_an_organisation_by_tax_code_with_the_result_by_post(counter, province, form_url):
    organisation = {
        "kind": "organisation", "name": "Công ty TNHH Sông Hàn", "tax_code": "0401234567-001",
        "representative": "Phạm Văn Dũng", "address": "1 Bạch Đằng", "phone": "02363888999",
        "personal_id": "048200012345",  # typed before switching the kind: dropped
    }  # fmt: skip
    data = {**walk_in(province), **organisation, "delivery": "post"}
    html = counter.post(form_url, data).content.decode()
    assert "Cần địa chỉ để gửi kết quả qua bưu chính." in html
    counter.post(form_url, data | {"delivery_address": "1 Bạch Đằng, Đà Nẵng"})
    dossier = Dossier.objects.get()
    assert dossier.applicant.kind == "organisation"
    assert (dossier.applicant.tax_code, dossier.applicant.personal_id) == ("0401234567001", "")
    assert (dossier.delivery, dossier.delivery_address) == ("post", "1 Bạch Đằng, Đà Nẵng")


def test_guidance_lists_every_missing_item_at_once(counter, province, form_url):
    first, second = province.docs
    data = {**walk_in(province, "guide"), **ticked(province, first)}
    del data[f"d{second.pk}_received"]
    data[f"d{first.pk}_need"] = "on"  # handed in, but needs a fix
    response = counter.post(form_url, data | {"reason": "Đơn thiếu chữ ký; chưa có bản vẽ"})
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert dossier.status == Status.AWAITING_SUPPLEMENT
    items = SupplementRequest.objects.get(dossier=dossier).items
    assert [i["name"] for i in items] == ["Đơn đề nghị", "Bản vẽ"]


def test_refusal_needs_a_reason(counter, province, form_url):
    page = counter.post(form_url, walk_in(province, "refuse"))
    assert page.status_code == 200 and not Dossier.objects.exists()
    assert "Phải nêu lý do." in page.content.decode()
    response = counter.post(
        form_url, walk_in(province, "refuse", reason="Không thuộc thẩm quyền của tỉnh")
    )
    assert response.status_code == 302
    assert Dossier.objects.get().status == Status.NOT_RECEIVED


def test_an_outcome_must_be_chosen_explicitly(counter, province, form_url):
    data = walk_in(province)
    del data["action"]
    html = counter.post(form_url, data).content.decode()
    assert "Hãy chọn một kết quả kiểm tra." in html
    assert not Dossier.objects.exists()


# ---------------------------------------------------------------- bad input keeps the rest


def test_missing_applicant_fields_keep_everything_typed(counter, province, form_url):
    data = walk_in(province) | {"name": "", "personal_id": "12345"}
    page = counter.post(form_url, data)
    html = page.content.decode()
    assert page.status_code == 200 and not Dossier.objects.exists()
    assert "Không được để trống." in html
    assert "Số định danh cá nhân phải gồm đúng 12 chữ số." in html
    form = Page(html)
    assert form.value("address") == "12 Lê Lợi, Hải Châu"
    assert form.value("personal_id") == "12345"
    assert all(form.checked(f"d{doc.pk}_received") for doc in province.docs)
    name_input = form.inputs["name"][0]
    assert name_input["aria-invalid"] == "true"
    assert name_input["aria-describedby"] == "id_name_error"


def test_a_file_of_the_wrong_type_is_refused_and_the_rest_kept(counter, province, form_url):
    first = province.docs[0]
    fake = pdf("don.pdf", b"MZ\x90\x00 this is a program, not a PDF")
    page = counter.post(form_url, walk_in(province) | {f"d{first.pk}_file": fake})
    html = page.content.decode()
    assert not Dossier.objects.exists()
    assert "không phải PDF, JPEG hoặc PNG" in html
    assert "hãy chọn lại tệp" in html
    assert Page(html).checked(f"d{first.pk}_received")
    assert Page(html).value("phone") == "0905111222"


def test_a_file_too_big_is_refused(counter, province, form_url, settings):
    settings.MOTCUA = {**settings.MOTCUA, "MAX_UPLOAD_BYTES": 1024}
    big = pdf("ban-ve.pdf", PDF + b"0" * 2048)
    page = counter.post(form_url, walk_in(province) | {f"d{province.docs[1].pk}_file": big})
    assert "lớn hơn giới hạn" in page.content.decode()
    assert not Dossier.objects.exists()


def test_nothing_ticked_is_an_error_next_to_the_components(counter, province, form_url):
    data = walk_in(province)
    for doc in province.docs:
        del data[f"d{doc.pk}_received"]
    html = counter.post(form_url, data).content.decode()
    assert "Chưa đánh dấu thành phần nào đã nhận." in html
    assert Page(html).value("name") == "Trần Thị Bình"


def test_a_refused_move_is_shown_next_to_the_form_without_losing_input(counter, province, form_url):
    data = {**walk_in(province), **ticked(province, province.docs[0])}
    del data[f"d{province.docs[1].pk}_received"]
    page = counter.post(form_url, data)
    html = page.content.decode()
    assert page.status_code == 200 and not Dossier.objects.exists()
    assert "Hồ sơ chưa đủ thành phần bắt buộc: Bản vẽ" in html
    assert Page(html).checked(f"d{province.docs[0].pk}_received")
    assert Page(html).value("email") == "binh@example.test"


# ---------------------------------------------------------------- online submissions


@pytest.fixture
def submitted(province) -> Dossier:
    return submit_online(
        actor=Actor.applicant("Nguyễn Văn An"), procedure=province.procedure,
        applicant=applicant(), receiving_agency=province.centre,
        components=[ComponentData(name=province.docs[0].name, kind="electronic",
                                  required_document_id=province.docs[0].pk, file=pdf())],
    )  # fmt: skip


def test_the_check_screen_shows_what_was_submitted_and_logs_the_read(counter, province, submitted):
    html = counter.get(f"{URL}{submitted.code}/").content.decode()
    assert "Nguyễn Văn An" in html and applicant().personal_id in html
    assert "Đã nộp:" in html and "don.pdf" in html
    # The missing component can be handed in at the counter.
    assert f'name="d{province.docs[1].pk}_received"' in html
    assert f'name="d{province.docs[0].pk}_received"' not in html
    log = AccessLog.objects.get()
    assert (log.dossier, log.what) == (submitted, "reception")


def test_an_online_submission_is_received_with_the_missing_paper(counter, province, submitted):
    second = province.docs[1]
    data = {
        **ticked(province, second),
        f"d{second.pk}_file": pdf("ban-ve.pdf"),
        "action": "receive",
    }
    response = counter.post(f"{URL}{submitted.code}/", data)
    submitted.refresh_from_db()
    assert response.status_code == 302
    assert submitted.status == Status.RECEIVED and submitted.documents.count() == 2


def test_an_incomplete_online_submission_gets_guidance(counter, province, submitted):
    data = {**ticked(province), "action": "guide", "reason": "Thiếu bản vẽ"}
    for doc in province.docs:
        data.pop(f"d{doc.pk}_received", None)
    counter.post(f"{URL}{submitted.code}/", data)
    submitted.refresh_from_db()
    assert submitted.status == Status.AWAITING_SUPPLEMENT
    assert [i["name"] for i in submitted.supplement.items] == ["Bản vẽ"]


def test_back_after_guidance_the_dossier_is_received(counter, province):
    dossier = guide_supplement_at_reception(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(),
        items=[{"name": "Bản vẽ"}], reason="Thiếu bản vẽ",
    )  # fmt: skip
    data = {**ticked(province), "action": "receive"}
    assert counter.post(f"{URL}{dossier.code}/", data).status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED


def test_a_dossier_not_waiting_for_a_check_goes_to_its_page(counter, province, submitted):
    counter.post(f"{URL}{submitted.code}/", {"action": "refuse", "reason": "Sai thủ tục"})
    response = counter.get(f"{URL}{submitted.code}/")
    assert response.status_code == 302
    assert response["Location"] == f"/can-bo/ho-so/{submitted.code}/"


# ---------------------------------------------------------------- who may use the counter


@pytest.mark.parametrize("who", ["specialist", "head", "leader", "overseer"])
def test_only_counter_officers_receive(province, form_url, who):
    client = sign_in(Client(), getattr(province, who))
    page = client.get(form_url)
    assert page.status_code == 403
    assert "Chỉ cán bộ một cửa mới tiếp nhận hồ sơ" in page.content.decode()
    assert client.post(form_url, walk_in(province)).status_code == 403
    assert not Dossier.objects.exists()


def test_an_admin_gets_the_not_an_official_page(province, form_url):
    admin = official("quantri", province.department.units.first(), Role.ADMIN)
    page = sign_in(Client(), admin).get(form_url)
    assert page.status_code == 403
    assert "không phải tài khoản cán bộ xử lý hồ sơ" in page.content.decode()


def test_signed_out_goes_to_the_sign_in(province, form_url):
    response = Client().get(form_url)
    assert response.status_code == 302 and "/can-bo/dang-nhap/" in response["Location"]


def test_another_agencys_counter_cannot_see_the_submission(province, submitted):
    unit = OrgUnit.objects.create(
        agency=province.other, code="counter", name="Một cửa", kind=OrgUnit.Kind.COUNTER
    )
    stranger = official("stranger", unit)
    OfficialRole.objects.create(official=stranger, role=Role.COUNTER_OFFICER)
    client = sign_in(Client(), stranger)
    assert client.get(f"{URL}{submitted.code}/").status_code == 404
    assert client.get(f"{URL}NO-SUCH-CODE/").status_code == 404
    assert not AccessLog.objects.exists()


# ---------------------------------------------------------------- in a real browser, keyboard only

BROWSER_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]  # fmt: skip


@pytest.mark.needs_chromium
@pytest.mark.django_db(transaction=True)
def test_walk_in_reception_with_the_keyboard_only(live_server, province, settings):
    import os
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    from tests.browser import tab_to
    from tests.signin import session_cookie

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    artifacts = Path(__file__).resolve().parent.parent / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    cookie = session_cookie(sign_in(Client(), province.officer))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS)
        context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="vi-VN")
        context.add_cookies([cookie])
        page = context.new_page()
        page.goto(f"{live_server.url}{URL}")
        # 1. The search box has the focus; Enter searches, Tab reaches the result.
        expect(page.locator("#q")).to_be_focused()
        page.keyboard.type("giay phep thu nghiem")
        page.keyboard.press("Enter")
        page.wait_for_url("**/tiep-nhan/?q=*")
        # Each page puts the focus where the keyboard goes next (autofocus, applied once the
        # page has loaded: a Tab pressed before would cancel it, so the test waits for it).
        expect(page.locator("ol.results a").first).to_be_focused()
        page.keyboard.press("Enter")
        page.wait_for_url("**/tiep-nhan/?thu_tuc=*")
        # 2. Look the applicant up by ID number (unknown: the number is carried into the form).
        expect(page.locator("#id_so")).to_be_focused()
        page.keyboard.type("048200012345")
        page.keyboard.press("Enter")
        page.wait_for_url("**so=048200012345*")
        assert "Chưa có trong hệ thống" in page.inner_text("main")
        # 3. The applicant's details, in reading order.
        expect(page.locator("#id_name")).to_be_focused()
        page.keyboard.type("Lê Văn Cường")
        assert page.input_value("#id_personal_id") == "048200012345"
        tab_to(page, "#id_birth_date", most=2)
        page.keyboard.type("01/05/2000")
        tab_to(page, "#id_address", most=3)
        page.keyboard.type("5 Bạch Đằng, Hải Châu")
        tab_to(page, "#id_phone")
        page.keyboard.type("0905222333")
        # 4. Tick both components with the space bar.
        for doc in province.docs:
            tab_to(page, f"#id_d{doc.pk}_received", most=6)
            page.keyboard.press("Space")
        assert page.is_checked(f"#id_d{province.docs[1].pk}_received")
        # 5. Enter without choosing an outcome: nothing is issued, the errors get the focus.
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "Hãy chọn một kết quả kiểm tra." in page.inner_text(".bo-summary")
        expect(page.locator(".bo-summary")).to_be_focused()
        assert page.input_value("#id_name") == "Lê Văn Cường"
        assert page.is_checked(f"#id_d{province.docs[0].pk}_received")
        assert not Dossier.objects.exists()
        page.screenshot(path=str(artifacts / "backoffice-reception-errors.png"), full_page=True)
        # 6. The error's link leads to the outcome; choose "receive" and confirm.
        tab_to(page, '.bo-summary a[href="#id_action_0"]', most=2)
        page.keyboard.press("Enter")
        tab_to(page, "#id_action_0", most=1)
        page.keyboard.press("Space")
        assert page.is_checked("#id_action_0")
        page.set_viewport_size({"width": 360, "height": 740})
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(artifacts / "backoffice-reception-360.png"), full_page=True)
        page.set_viewport_size({"width": 1200, "height": 900})
        page.screenshot(path=str(artifacts / "backoffice-reception.png"), full_page=True)
        tab_to(page, "button[type=submit]", most=4)
        page.keyboard.press("Enter")
        page.wait_for_url("**/can-bo/ho-so/**")
        dossier = Dossier.objects.get()
        assert page.url.endswith(f"/can-bo/ho-so/{dossier.code}/")
        assert dossier.status == Status.RECEIVED
        assert dossier.applicant.name == "Lê Văn Cường"
        assert dossier.documents.count() == 2
        browser.close()
