"""Step actions through HTTP: a late dossier goes through every step with different officials
(send-back, consultation answered by another agency, supplement, payment pause, apology, result
and return); input errors and refusals come back on the page with the input kept; delegation,
reassignment, refusal and the other ways a dossier ends."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dossiers.integrity import verify_all
from dossiers.lifecycle import Status
from dossiers.models import Consultation, Dossier, Result
from dossiers.services import receive_dossier
from org.models import Delegation, OrgUnit
from tests.personas import actor, applicant, components
from tests.signin import sign_in
from workdays import clock

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def late(province) -> Dossier:
    """Received forty days ago: its ten working days are over before anyone acts on it."""
    return receive_dossier(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(),
        components=components(province), at=timezone.now() - dt.timedelta(days=40),
    )  # fmt: skip


class Desk:
    """One signed-in browser per official, posting the dossier page's forms."""

    def __init__(self, province, dossier: Dossier) -> None:
        self.province, self.dossier, self.clients = province, dossier, {}

    def client(self, who: str) -> Client:
        if who not in self.clients:
            self.clients[who] = sign_in(Client(), getattr(self.province, who))
        return self.clients[who]

    def page(self, who: str) -> str:
        response = self.client(who).get(reverse("backoffice:dossier", args=[self.dossier.code]))
        assert response.status_code == 200
        return response.content.decode()

    def post(self, who: str, slug: str, expect: int = 302, **fields):
        """Post an action form as the page names its fields (prefixed with the action)."""
        data = {f"{slug}-{name}": value for name, value in fields.items()}
        url = reverse("backoffice:action", args=[self.dossier.code, slug])
        response = self.client(who).post(url, data)
        assert response.status_code == expect, response.content.decode()[:3000]
        if expect == 302:
            assert response["Location"] == reverse("backoffice:dossier", args=[self.dossier.code])
        self.dossier.refresh_from_db()
        return response

    def status(self) -> str:
        return self.dossier.status

    def run(self):
        return self.dossier.current_step


def _working_moment_in_days(province, days: int) -> dt.datetime:
    """09:00 on the working day `days` working days from now (a valid new appointment)."""
    cal = province.department.calendar.to_clock()
    day = timezone.localtime(clock.add_working(cal, timezone.now(), days)).date()
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


def test_a_late_dossier_goes_through_every_step_over_http(province, late):
    desk = Desk(province, late)
    # Step 1 (counter) → the division; its head assigns the specialist, who starts.
    desk.post("officer", "chuyen-buoc", to="", note="Đủ hồ sơ")
    assert desk.status() == Status.PROCESSING and desk.run().step.position == 2
    assert "Phân công xử lý" in desk.page("head")
    desk.post("head", "phan-cong", assignee=province.specialist.pk)
    desk.post("specialist", "bat-dau")
    # A consultation, answered by the other agency (which can now read the dossier).
    desk.post("specialist", "xin-y-kien", agency=province.other.pk, question="Có quy hoạch?")
    consultation = Consultation.objects.get(dossier=late)
    assert "Trả lời xin ý kiến" in desk.page("outsider")
    desk.post("outsider", "tra-loi-y-kien", consultation=consultation.pk, answer="Không vướng")
    consultation.refresh_from_db()
    assert consultation.answered_by == province.outsider
    # A supplement request, provided at the counter with its scan.
    desk.post("specialist", "yeu-cau-bo-sung", documents=[province.docs[1].pk],
              reason="Bản vẽ thiếu dấu")  # fmt: skip
    assert desk.status() == Status.AWAITING_SUPPLEMENT
    assert "Nhận hồ sơ bổ sung" in desk.page("officer")
    scan = SimpleUploadedFile("ban-ve-moi.pdf", PDF)
    desk.post("officer", "nhan-bo-sung", got_0="on", file_0=scan)
    assert desk.status() == Status.PROCESSING
    assert late.documents.get(role="supplement").content_type == "application/pdf"
    # A pause for a financial obligation, and the resumption once paid.
    desk.post("specialist", "cho-nghia-vu-tai-chinh", amount=150000, reason="Lệ phí trước bạ")
    assert desk.status() == Status.AWAITING_PAYMENT
    desk.post("officer", "da-nop-nghia-vu", note="Biên lai 0012")
    assert desk.status() == Status.PROCESSING
    # To the head, who sends it back; again to the head, then to the leader.
    desk.post("specialist", "chuyen-buoc", to=province.head.pk, note="Đạt")
    desk.post("head", "tra-lai", reason="Bổ sung nhận xét về quy hoạch")
    assert desk.run().step.position == 2 and desk.run().assignee == province.specialist
    desk.post("specialist", "chuyen-buoc", to=province.head.pk, note="Đã bổ sung")
    desk.post("head", "chuyen-buoc", to=province.leader.pk)
    # The leader signs, late; the return waits for the apology (Form 04).
    desk.post("leader", "ky-ket-qua", number="15/GP", file=SimpleUploadedFile("gp.pdf", PDF))
    assert desk.status() == Status.RESULT_READY
    refused = desk.post("officer", "tra-ket-qua", expect=400, channel="counter")
    assert "Mẫu 04" in refused.content.decode()
    new_due = _working_moment_in_days(province, 3)
    desk.post("leader", "xin-loi", reason="Chờ ý kiến liên ngành",
              new_due_at=timezone.localtime(new_due).strftime("%Y-%m-%dT%H:%M"))  # fmt: skip
    assert desk.dossier.due_at == new_due
    desk.post("officer", "tra-ket-qua", channel="counter")
    assert desk.status() == Status.RETURNED and desk.run() is None
    _check_history(province, desk)


def _check_history(province, desk: Desk) -> None:
    dossier = desk.dossier
    actions = [e.action.removeprefix("dossier.") for e in dossier.events.order_by("seq")]
    assert actions == [
        "received", "step_handed_over", "step_assigned", "step_started",
        "consultation_requested", "consultation_answered", "supplement_requested",
        "supplement_provided", "payment_requested", "payment_done", "step_handed_over",
        "step_sent_back", "step_handed_over", "step_handed_over", "result_recorded",
        "apology_issued", "result_returned",
    ]  # fmt: skip
    runs = list(dossier.steps.order_by("arrived_at", "pk"))
    assert [r.step.position for r in runs] == [1, 2, 3, 2, 3, 4, 5]
    assert all(r.finished_at and r.timeliness for r in runs)
    assert verify_all()[1] == []
    html = desk.page("leader")
    for text in ("Quá hạn", "Chờ ý kiến liên ngành", "Không vướng", "15/GP", "Lệ phí trước bạ",
                 "Bản vẽ thiếu dấu", "Đã trả kết quả", "Mẫu 04"):  # fmt: skip
        assert text in html, text
    assert "Hiện không có thao tác nào" in html  # a returned dossier offers nothing


def _walk_to_specialist(province, dossier) -> Desk:
    desk = Desk(province, dossier)
    desk.post("officer", "chuyen-buoc")
    desk.post("head", "phan-cong", assignee=province.specialist.pk)
    return desk


def test_bad_input_comes_back_with_the_errors_and_the_input_kept(province, late):
    desk = _walk_to_specialist(province, late)
    response = desk.post("specialist", "tra-lai", expect=400, reason="   ")
    html = response.content.decode()
    assert 'role="alert"' in html and "Trường này là bắt buộc" in html
    assert "Nguyễn Văn An" not in html  # the error page shows no personal data
    response = desk.post("specialist", "cho-nghia-vu-tai-chinh", expect=400, amount=0,
                         reason="Lệ phí trước bạ")  # fmt: skip
    assert "Lệ phí trước bạ</textarea>" in response.content.decode()
    assert desk.status() == Status.PROCESSING


def test_a_rule_refused_by_the_service_is_shown_with_the_input_kept(province, late):
    desk = _walk_to_specialist(province, late)
    sunday = _working_moment_in_days(province, 5)
    while sunday.weekday() != 6:
        sunday += dt.timedelta(days=1)
    moment = timezone.localtime(sunday).strftime("%Y-%m-%dT%H:%M")
    response = desk.post("leader", "xin-loi", expect=400, reason="Chờ kết quả đo đạc",
                         new_due_at=moment)  # fmt: skip
    html = response.content.decode()
    assert "giờ làm việc của một ngày làm việc" in html
    assert "Chờ kết quả đo đạc</textarea>" in html and f'value="{moment}"' in html
    assert not late.apologies.exists()


def test_a_move_the_service_refuses_to_this_user_is_403_with_its_reason(province, late):
    desk = _walk_to_specialist(province, late)
    response = desk.post("specialist2", "bat-dau", expect=403)
    assert "Chỉ người được phân công bước này" in response.content.decode()
    assert desk.run().started_at is None


def test_actions_take_post_only_with_a_csrf_token(province, late):
    desk = _walk_to_specialist(province, late)
    url = reverse("backoffice:action", args=[late.code, "bat-dau"])
    assert desk.client("specialist").get(url).status_code == 405
    strict = sign_in(Client(enforce_csrf_checks=True), province.specialist)
    assert strict.post(url).status_code == 403
    assert desk.client("specialist").post(url.replace("bat-dau", "khong-co")).status_code == 404
    late.refresh_from_db()
    assert late.current_step.started_at is None


def test_a_head_reassigns_within_the_unit_only(province, late):
    desk = _walk_to_specialist(province, late)
    assert "Phân công lại" in desk.page("head")
    response = desk.post("head", "phan-cong", expect=400, assignee=province.outsider.pk)
    assert "Hãy chọn một cán bộ của đơn vị xử lý bước này" in response.content.decode()
    desk.post("head", "phan-cong", assignee=province.specialist2.pk)
    assert desk.run().assignee == province.specialist2
    assert 'action="{}"'.format(reverse("backoffice:action", args=[late.code, "bat-dau"])) in (
        desk.page("specialist2")
    )
    assert "Hiện không có thao tác nào" in desk.page("specialist")


def _to_the_leader(province, dossier) -> Desk:
    desk = _walk_to_specialist(province, dossier)
    desk.post("specialist", "chuyen-buoc", to=province.head.pk)
    desk.post("head", "chuyen-buoc", to=province.leader.pk)
    return desk


def test_a_delegate_signs_on_the_leaders_behalf(province, late):
    desk = _to_the_leader(province, late)
    sign = reverse("backoffice:action", args=[late.code, "ky-ket-qua"])
    assert sign not in desk.page("deputy")
    desk.post("deputy", "ky-ket-qua", expect=403, number="1/GP")
    today = timezone.localdate()
    Delegation.objects.create(
        delegator=province.leader, delegate=province.deputy, starts_on=today, ends_on=today
    )
    assert sign in desk.page("deputy")
    desk.post("deputy", "ky-ket-qua", number="16/GP")
    result = Result.objects.get(dossier=late)
    assert (result.signer, result.on_behalf_of) == (province.deputy, province.leader)
    assert re.search(r"thay mặt\s+Leader", desk.page("leader"))


def test_a_leader_refuses_with_a_reason(province, late):
    desk = _to_the_leader(province, late)
    desk.post("leader", "tu-choi", expect=400, reason="")
    desk.post("leader", "tu-choi", reason="Không phù hợp quy hoạch")
    assert desk.status() == Status.RESULT_READY
    assert Result.objects.get(dossier=late).outcome == Result.Outcome.REFUSED
    assert reverse("backoffice:form", args=[late.code, "03"]) in desk.page("officer")


@pytest.mark.parametrize(
    ("who", "slug", "status"),
    [("officer", "rut-ho-so", Status.WITHDRAWN), ("leader", "dung-xu-ly", Status.STOPPED)],
)
def test_a_dossier_ends_by_withdrawal_or_stop(province, late, who, slug, status):
    desk = _walk_to_specialist(province, late)
    desk.post(who, slug, reason="Theo đơn ngày 20/11")
    assert desk.status() == status and desk.dossier.finished_at is not None
    assert "Hiện không có thao tác nào" in desk.page(who)


def test_a_head_transfers_the_dossier_to_another_agency(province, late):
    OrgUnit.objects.create(agency=province.other, code="counter", name="Một cửa",
                           kind=OrgUnit.Kind.COUNTER)  # fmt: skip
    desk = _walk_to_specialist(province, late)
    desk.post("head", "chuyen-lien-thong", to_agency=province.other.pk, note="Liên thông")
    child = Dossier.objects.get(transferred_from=late)
    assert child.processing_agency == province.other and child.status == Status.RECEIVED


def test_a_result_file_that_is_not_pdf_or_image_is_refused_and_nothing_changes(province, late):
    desk = _to_the_leader(province, late)
    exe = SimpleUploadedFile("ket-qua.pdf", b"MZ\x90\x00" + b"\x00" * 64)
    response = desk.post("leader", "ky-ket-qua", expect=400, number="17/GP", file=exe)
    assert "không phải PDF, JPEG hoặc PNG" in response.content.decode()
    assert desk.status() == Status.PROCESSING and not Result.objects.filter(dossier=late).exists()
