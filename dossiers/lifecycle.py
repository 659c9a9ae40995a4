"""The one table of dossier statuses and the moves allowed between them.

Every status maps to the national portal's sync code (domain-rules.md, "Dossier code and
statuses"). Service functions in `dossiers.services` consult `check_move` before writing; nothing
else changes a status. A test walks every cell of this table.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    SUBMITTED = "submitted", _("Mới đăng ký")
    RECEIVED = "received", _("Đã tiếp nhận")
    NOT_RECEIVED = "not_received", _("Không tiếp nhận")
    PROCESSING = "processing", _("Đang xử lý")
    AWAITING_SUPPLEMENT = "awaiting_supplement", _("Chờ bổ sung")
    AWAITING_PAYMENT = "awaiting_payment", _("Chờ thực hiện nghĩa vụ tài chính")
    WITHDRAWN = "withdrawn", _("Rút hồ sơ")
    STOPPED = "stopped", _("Dừng xử lý")
    RESULT_READY = "result_ready", _("Đã có kết quả")
    RETURNED = "returned", _("Đã trả kết quả")


class Move(models.TextChoices):
    """Each move is one service function and one event action code `dossier.<move>`."""

    SUBMIT = "submitted", _("Nộp trực tuyến")
    RECEIVE = "received", _("Tiếp nhận")
    GUIDE_SUPPLEMENT = "reception_supplement_guided", _("Hướng dẫn bổ sung khi tiếp nhận")
    REFUSE_RECEPTION = "reception_refused", _("Từ chối tiếp nhận")
    SUPPLEMENT_PROVIDED = "supplement_provided", _("Nhận hồ sơ bổ sung")
    ASSIGN = "step_assigned", _("Phân công xử lý")
    START_STEP = "step_started", _("Bắt đầu xử lý bước")
    HAND_OVER = "step_handed_over", _("Chuyển bước tiếp theo")
    SEND_BACK = "step_sent_back", _("Trả lại bước trước")
    CONSULT = "consultation_requested", _("Xin ý kiến cơ quan khác")
    ANSWER_CONSULTATION = "consultation_answered", _("Trả lời xin ý kiến")
    REQUEST_SUPPLEMENT = "supplement_requested", _("Yêu cầu bổ sung hồ sơ")
    PAUSE_FOR_PAYMENT = "payment_requested", _("Chờ nghĩa vụ tài chính")
    RESUME_AFTER_PAYMENT = "payment_done", _("Đã thực hiện nghĩa vụ tài chính")
    REFUSE = "refused", _("Từ chối giải quyết")
    STOP = "stopped", _("Dừng xử lý")
    WITHDRAW = "withdrawn", _("Rút hồ sơ theo yêu cầu")
    APOLOGISE = "apology_issued", _("Xin lỗi và hẹn lại")
    RECORD_RESULT = "result_recorded", _("Có kết quả")
    RETURN_RESULT = "result_returned", _("Trả kết quả")
    TRANSFER = "transferred", _("Chuyển liên thông")


S = Status
# (status before, move) -> status after. A move not listed from a status is forbidden there.
MOVES: dict[tuple[Status | None, Move], Status] = {
    (None, Move.SUBMIT): S.SUBMITTED,
    (S.DRAFT, Move.SUBMIT): S.SUBMITTED,
    (None, Move.RECEIVE): S.RECEIVED,
    (S.SUBMITTED, Move.RECEIVE): S.RECEIVED,
    (None, Move.GUIDE_SUPPLEMENT): S.AWAITING_SUPPLEMENT,
    (S.SUBMITTED, Move.GUIDE_SUPPLEMENT): S.AWAITING_SUPPLEMENT,
    (None, Move.REFUSE_RECEPTION): S.NOT_RECEIVED,
    (S.SUBMITTED, Move.REFUSE_RECEPTION): S.NOT_RECEIVED,
    (S.SUBMITTED, Move.WITHDRAW): S.WITHDRAWN,
    (None, Move.TRANSFER): S.RECEIVED,
    (S.RECEIVED, Move.ASSIGN): S.RECEIVED,
    (S.RECEIVED, Move.START_STEP): S.RECEIVED,
    (S.RECEIVED, Move.HAND_OVER): S.PROCESSING,
    (S.RECEIVED, Move.RECORD_RESULT): S.RESULT_READY,
    (S.RECEIVED, Move.REFUSE): S.RESULT_READY,
    (S.RECEIVED, Move.STOP): S.STOPPED,
    (S.RECEIVED, Move.WITHDRAW): S.WITHDRAWN,
    (S.RECEIVED, Move.TRANSFER): S.PROCESSING,
    (S.RECEIVED, Move.APOLOGISE): S.RECEIVED,
    (S.PROCESSING, Move.ASSIGN): S.PROCESSING,
    (S.PROCESSING, Move.START_STEP): S.PROCESSING,
    (S.PROCESSING, Move.HAND_OVER): S.PROCESSING,
    (S.PROCESSING, Move.SEND_BACK): S.PROCESSING,
    (S.PROCESSING, Move.CONSULT): S.PROCESSING,
    (S.PROCESSING, Move.ANSWER_CONSULTATION): S.PROCESSING,
    (S.PROCESSING, Move.TRANSFER): S.PROCESSING,
    (S.PROCESSING, Move.REQUEST_SUPPLEMENT): S.AWAITING_SUPPLEMENT,
    (S.PROCESSING, Move.PAUSE_FOR_PAYMENT): S.AWAITING_PAYMENT,
    (S.PROCESSING, Move.REFUSE): S.RESULT_READY,
    (S.PROCESSING, Move.RECORD_RESULT): S.RESULT_READY,
    (S.PROCESSING, Move.STOP): S.STOPPED,
    (S.PROCESSING, Move.WITHDRAW): S.WITHDRAWN,
    (S.PROCESSING, Move.APOLOGISE): S.PROCESSING,
    (S.AWAITING_SUPPLEMENT, Move.RECEIVE): S.RECEIVED,
    (S.AWAITING_SUPPLEMENT, Move.SUPPLEMENT_PROVIDED): S.PROCESSING,
    (S.AWAITING_SUPPLEMENT, Move.STOP): S.STOPPED,
    (S.AWAITING_SUPPLEMENT, Move.WITHDRAW): S.WITHDRAWN,
    (S.AWAITING_SUPPLEMENT, Move.APOLOGISE): S.AWAITING_SUPPLEMENT,
    (S.AWAITING_PAYMENT, Move.RESUME_AFTER_PAYMENT): S.PROCESSING,
    (S.AWAITING_PAYMENT, Move.STOP): S.STOPPED,
    (S.AWAITING_PAYMENT, Move.WITHDRAW): S.WITHDRAWN,
    (S.AWAITING_PAYMENT, Move.APOLOGISE): S.AWAITING_PAYMENT,
    (S.RESULT_READY, Move.APOLOGISE): S.RESULT_READY,
    (S.RESULT_READY, Move.RETURN_RESULT): S.RETURNED,
}

# National portal sync codes (1-10); a draft is not synced.
NATIONAL_CODES: dict[Status, int | None] = {
    S.DRAFT: None,
    S.SUBMITTED: 1,
    S.RECEIVED: 2,
    S.NOT_RECEIVED: 3,
    S.PROCESSING: 4,
    S.AWAITING_SUPPLEMENT: 5,
    S.AWAITING_PAYMENT: 6,
    S.WITHDRAWN: 7,
    S.STOPPED: 8,
    S.RESULT_READY: 9,
    S.RETURNED: 10,
}
# Statuses in which the legal clock stops (supplement, financial obligation).
CLOCK_STOPPED = frozenset({S.AWAITING_SUPPLEMENT, S.AWAITING_PAYMENT})
# Statuses of a dossier still waiting on the administration or the applicant.
OPEN = frozenset({S.SUBMITTED, S.RECEIVED, S.PROCESSING, S.AWAITING_SUPPLEMENT,
                  S.AWAITING_PAYMENT})  # fmt: skip
# Statuses of a dossier the receiving agency still holds: open, or with a result to hand back.
HELD = OPEN | {S.RESULT_READY}
FINAL = frozenset({S.NOT_RECEIVED, S.WITHDRAWN, S.STOPPED, S.RETURNED})


class MoveNotAllowed(Exception):
    """A move that the table forbids from the dossier's current status."""


def check_move(status: Status | str | None, move: Move) -> Status:
    """The status after `move` from `status`, or MoveNotAllowed naming both."""
    before = Status(status) if status else None
    after = MOVES.get((before, move))
    if after is None:
        label = before.label if before else _("(chưa có hồ sơ)")
        raise MoveNotAllowed(
            _("Không thể “%(move)s” khi hồ sơ đang ở trạng thái “%(status)s”.")
            % {"move": move.label, "status": label}
        )
    return after
