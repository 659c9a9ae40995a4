"""The dossier (hồ sơ) and the per-agency, per-day counter behind its code."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dossiers.lifecycle import HELD, OPEN, Status


class Channel(models.TextChoices):
    """How the dossier reached us (national channel codes 1-3)."""

    IN_PERSON = "in_person", _("Trực tiếp")
    ONLINE = "online", _("Trực tuyến")
    POST = "post", _("Bưu chính công ích")


class Delivery(models.TextChoices):
    """How the applicant wants the result."""

    COUNTER = "counter", _("Nhận tại bộ phận một cửa")
    POST = "post", _("Qua dịch vụ bưu chính")
    ONLINE = "online", _("Nhận trực tuyến")


class DossierCounter(models.Model):
    """Last sequence number used for codes of one receiving agency on one day.

    Incremented with one atomic INSERT ... ON CONFLICT DO UPDATE ... RETURNING, so concurrent
    receptions get distinct, consecutive numbers on SQLite and PostgreSQL alike.
    """

    agency = models.ForeignKey("org.Agency", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "day"], name="dossier_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.day}: {self.last}"


class Dossier(models.Model):
    """One application for one procedure, from submission or reception to its end."""

    code = models.CharField(_("mã hồ sơ"), max_length=50, unique=True)
    procedure = models.ForeignKey(
        "catalog.Procedure", on_delete=models.PROTECT, related_name="dossiers",
        verbose_name=_("thủ tục"),
    )  # fmt: skip
    process = models.ForeignKey(
        "catalog.ProcessTemplate", on_delete=models.PROTECT, null=True, blank=True,
        related_name="dossiers", verbose_name=_("quy trình nội bộ"),
    )  # fmt: skip
    receiving_agency = models.ForeignKey(
        "org.Agency", on_delete=models.PROTECT, related_name="received_dossiers",
        verbose_name=_("cơ quan tiếp nhận"),
    )  # fmt: skip
    processing_agency = models.ForeignKey(
        "org.Agency", on_delete=models.PROTECT, related_name="processed_dossiers",
        verbose_name=_("cơ quan giải quyết"),
    )  # fmt: skip
    applicant = models.ForeignKey(
        "dossiers.Applicant", on_delete=models.PROTECT, related_name="dossiers",
        verbose_name=_("người nộp"),
    )  # fmt: skip
    channel = models.CharField(_("kênh nộp"), max_length=10, choices=Channel.choices)
    delivery = models.CharField(
        _("hình thức nhận kết quả"), max_length=10, choices=Delivery.choices,
        default=Delivery.COUNTER,
    )  # fmt: skip
    delivery_address = models.CharField(_("địa chỉ nhận kết quả"), max_length=500, blank=True)
    status = models.CharField(_("trạng thái"), max_length=24, choices=Status.choices)
    submitted_at = models.DateTimeField(_("nộp lúc"), null=True, blank=True)
    received_at = models.DateTimeField(_("tiếp nhận lúc"), null=True, blank=True)
    clock_start = models.DateTimeField(_("bắt đầu tính thời hạn"), null=True, blank=True)
    due_at = models.DateTimeField(_("hẹn trả kết quả"), null=True, blank=True)
    original_due_at = models.DateTimeField(_("hạn ban đầu"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc xử lý lúc"), null=True, blank=True)
    returned_at = models.DateTimeField(_("trả kết quả lúc"), null=True, blank=True)
    return_channel = models.CharField(
        _("trả kết quả qua"), max_length=10, choices=Delivery.choices, blank=True
    )
    post_tracking = models.CharField(_("số vận đơn bưu chính"), max_length=60, blank=True)
    current_step = models.ForeignKey(
        "dossiers.StepRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("bước hiện tại"),
    )  # fmt: skip
    # Copies of the current step run's unit and assignee while that run is open (None
    # otherwise), kept by `copy_current_step` whenever a move saves the current step or its
    # assignee. Why: the queues count and sort an official's or a unit's open work through
    # these columns of the dossier itself; through the step run, every open dossier of the
    # agency was looked up in both tables (47,000 buffer reads, 56 ms at 2,000,000 dossiers).
    step_unit = models.ForeignKey(
        "org.OrgUnit", on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+",
        db_constraint=False, db_index=False, editable=False,
        verbose_name=_("đơn vị đang xử lý"),
    )  # fmt: skip
    step_assignee = models.ForeignKey(
        "org.Official", on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+",
        db_constraint=False, db_index=False, editable=False,
        verbose_name=_("cán bộ đang xử lý"),
    )  # fmt: skip
    fee_amount = models.PositiveBigIntegerField(_("phí, lệ phí (đồng)"), null=True, blank=True)
    fee_paid = models.BooleanField(_("đã nộp phí"), default=False)
    transferred_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="transfers",
        verbose_name=_("chuyển liên thông từ"),
    )  # fmt: skip
    warned_at = models.DateTimeField(_("đã cảnh báo sắp đến hạn"), null=True, blank=True)
    last_event_seq = models.PositiveIntegerField(default=0, editable=False)
    last_event_hash = models.CharField(max_length=64, default="", editable=False)

    class Meta:
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        indexes = [
            # Queues and overdue lists: open dossiers of an agency by due moment. The id makes
            # it cover the queue's candidate rows (an index-only read of the agency's open
            # dossiers): without it, PostgreSQL combined three status and agency indexes, whose
            # sizes grow with every dossier ever filed (4 ms at 200,000 against 0.4 ms).
            models.Index(
                fields=["processing_agency", "due_at", "id"],
                condition=Q(status__in=sorted(OPEN)),
                name="dossier_open_by_due",
            ),
            # The deadline-warning job: open dossiers by due moment across agencies.
            models.Index(
                fields=["due_at"], condition=Q(status__in=sorted(OPEN)), name="dossier_open_due"
            ),
            models.Index(fields=["received_at"], name="dossier_received_at"),
            # The counter's queue: dossiers an agency received and still holds (open, or with a
            # result to hand back). The plain foreign-key index reads every dossier the agency
            # ever received, which grows with the years; this one only what is still there.
            models.Index(
                fields=["receiving_agency", "status"],
                condition=Q(status__in=sorted(HELD)),
                name="dossier_held_by_receiver",
            ),
            # "My work" and "the unit's work": dossiers whose open step is an official's or a
            # unit's, by due moment. Only dossiers with an open step have entries.
            models.Index(
                fields=["step_assignee", "due_at"],
                condition=Q(step_assignee__isnull=False),
                name="dossier_open_step_assignee",
            ),
            models.Index(
                fields=["step_unit", "due_at"],
                condition=Q(step_unit__isnull=False),
                name="dossier_open_step_unit",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def copy_current_step(self) -> tuple[str, str]:
        """Copy the open current step run's unit and assignee (None, None without one) into
        the dossier, and name the fields to save. Called by `dossiers.services.core
        .save_changed` whenever a move saves the current step, and by the moves that change
        the open run's assignee; the run must be the instance the move changed (it is
        cached on the dossier by then), never read back from the database."""
        run = self.current_step if self.current_step_id is not None else None
        if run is not None and run.finished_at is not None:
            run = None
        self.step_unit_id = run.unit_id if run is not None else None
        self.step_assignee_id = run.assignee_id if run is not None else None
        return ("step_unit", "step_assignee")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN
