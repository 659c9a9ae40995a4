"""The work done on a dossier: step runs (the control sheet), supplements, pauses, apologies,
consultations and results. Rows are written only by dossiers.services."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Timeliness(models.TextChoices):
    EARLY = "early", _("Trước hạn")
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Quá hạn")


class StepRun(models.Model):
    """One pass of a dossier through a step of its internal process (a control-sheet row)."""

    class Outcome(models.TextChoices):
        HANDED_OVER = "handed_over", _("Chuyển bước tiếp theo")
        SENT_BACK = "sent_back", _("Trả lại bước trước")
        FINISHED = "finished", _("Hoàn thành")
        INTERRUPTED = "interrupted", _("Dừng do hồ sơ kết thúc")

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.CASCADE, related_name="steps")
    step = models.ForeignKey("catalog.ProcessStep", on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(
        "org.Official", on_delete=models.PROTECT, null=True, blank=True, related_name="step_runs"
    )
    assigned_by = models.ForeignKey(
        "org.Official", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    arrived_at = models.DateTimeField(_("nhận bước lúc"))
    assigned_at = models.DateTimeField(_("phân công lúc"), null=True, blank=True)
    started_at = models.DateTimeField(_("bắt đầu lúc"), null=True, blank=True)
    due_at = models.DateTimeField(_("hạn của bước"))
    finished_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    outcome = models.CharField(_("kết quả"), max_length=12, choices=Outcome.choices, blank=True)
    timeliness = models.CharField(
        _("tiến độ"), max_length=8, choices=Timeliness.choices, blank=True
    )
    note = models.TextField(_("ghi chú"), blank=True)
    warned_at = models.DateTimeField(_("đã cảnh báo sắp đến hạn"), null=True, blank=True)

    class Meta:
        verbose_name = _("bước xử lý hồ sơ")
        verbose_name_plural = _("bước xử lý hồ sơ")
        ordering = ["dossier", "arrived_at", "id"]
        indexes = [
            # "My queue": unfinished step runs of an official by due moment.
            models.Index(
                fields=["assignee", "due_at"],
                condition=models.Q(finished_at__isnull=True),
                name="steprun_open_by_assignee",
            ),
            # "My unit's queue" (heads): the unit's unfinished step runs, not every run it had.
            models.Index(
                fields=["unit", "due_at"],
                condition=models.Q(finished_at__isnull=True),
                name="steprun_open_by_unit",
            ),
            # The deadline-warning job: open, not yet warned step runs by due moment.
            models.Index(
                fields=["due_at"],
                condition=models.Q(finished_at__isnull=True, warned_at__isnull=True),
                name="steprun_to_warn",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} · {self.step}"


class SupplementRequest(models.Model):
    """A request to complete the dossier (Form 02): at most one per dossier."""

    class Stage(models.TextChoices):
        RECEPTION = "reception", _("Khi tiếp nhận")
        PROCESSING = "processing", _("Trong quá trình giải quyết")

    dossier = models.OneToOneField(
        "dossiers.Dossier", on_delete=models.CASCADE, related_name="supplement"
    )
    stage = models.CharField(_("giai đoạn"), max_length=10, choices=Stage.choices)
    items = models.JSONField(_("giấy tờ cần bổ sung"))
    reason = models.TextField(_("lý do"))
    off_list = models.BooleanField(
        _("có giấy tờ ngoài danh mục"),
        default=False,
        help_text=_("Yêu cầu giấy tờ không có trong thành phần hồ sơ đã công bố: cần giám sát."),
    )
    requested_by = models.ForeignKey("org.Official", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("yêu cầu lúc"))
    fulfilled_at = models.DateTimeField(_("bổ sung đủ lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("yêu cầu bổ sung")
        verbose_name_plural = _("yêu cầu bổ sung")

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.get_stage_display()}"


class Pause(models.Model):
    """An interval when the legal clock stops (supplement during processing, payment)."""

    class Kind(models.TextChoices):
        SUPPLEMENT = "supplement", _("Chờ bổ sung hồ sơ")
        PAYMENT = "payment", _("Chờ nghĩa vụ tài chính")

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.CASCADE, related_name="pauses")
    kind = models.CharField(_("lý do dừng"), max_length=12, choices=Kind.choices)
    reason = models.TextField(_("ghi chú"), blank=True)
    started_at = models.DateTimeField(_("từ"))
    ended_at = models.DateTimeField(_("đến"), null=True, blank=True)

    class Meta:
        verbose_name = _("tạm dừng tính thời hạn")
        verbose_name_plural = _("tạm dừng tính thời hạn")
        ordering = ["dossier", "started_at"]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.get_kind_display()}"


class ApologyLetter(models.Model):
    """Form 04: apology and new appointment, signed by the head of the processing agency."""

    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.CASCADE, related_name="apologies"
    )
    reason = models.TextField(_("lý do quá hạn"))
    old_due_at = models.DateTimeField(_("hạn cũ"))
    new_due_at = models.DateTimeField(_("hạn mới"))
    signed_by = models.ForeignKey("org.Official", on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("ngày phát hành"))

    class Meta:
        verbose_name = _("thư xin lỗi")
        verbose_name_plural = _("thư xin lỗi")
        ordering = ["dossier", "issued_at"]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.new_due_at:%d/%m/%Y}"


class Consultation(models.Model):
    """A question to another agency (xin ý kiến), answered in parallel with processing."""

    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.CASCADE, related_name="consultations"
    )
    agency = models.ForeignKey(
        "org.Agency", on_delete=models.PROTECT, related_name="consultations_asked"
    )
    question = models.TextField(_("nội dung xin ý kiến"))
    asked_by = models.ForeignKey("org.Official", on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(_("gửi lúc"))
    due_at = models.DateTimeField(_("hạn trả lời"))
    answer = models.TextField(_("nội dung trả lời"), blank=True)
    answered_by = models.ForeignKey(
        "org.Official", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("trả lời lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("xin ý kiến")
        verbose_name_plural = _("xin ý kiến")
        ordering = ["dossier", "asked_at"]
        indexes = [
            # The questions an agency still has to answer (its queue's tab and counts): the
            # agency's own index reads every question it was ever asked.
            models.Index(
                fields=["agency", "dossier"],
                condition=models.Q(answered_at__isnull=True),
                name="consultation_open_by_agency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} → {self.agency_id}"


class Result(models.Model):
    """The outcome: an approval (the result document) or a reasoned refusal."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", _("Giải quyết")
        REFUSED = "refused", _("Từ chối giải quyết")

    dossier = models.OneToOneField(
        "dossiers.Dossier", on_delete=models.CASCADE, related_name="result"
    )
    outcome = models.CharField(_("kết quả"), max_length=10, choices=Outcome.choices)
    number = models.CharField(_("số văn bản"), max_length=60, blank=True)
    issued_on = models.DateField(_("ngày ký"))
    signer = models.ForeignKey("org.Official", on_delete=models.PROTECT, related_name="+")
    on_behalf_of = models.ForeignKey(
        "org.Official", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("lý do / ghi chú"), blank=True)
    recorded_at = models.DateTimeField(_("ghi nhận lúc"))

    class Meta:
        verbose_name = _("kết quả giải quyết")
        verbose_name_plural = _("kết quả giải quyết")

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.get_outcome_display()}"
