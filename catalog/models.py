"""The procedure catalogue: fields, procedures and their versions, documents, internal processes.

A procedure is versioned: when the law changes, a new version is published and the old one gets
an end date. Dossiers keep the version they were received under, so a version in use must not be
edited in place: the catalogue import refuses to (catalog.exchange); the admin does not stop it
yet (docs/architecture.md, "Known gaps").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.text import fold
from org.models import OrgUnit, Role

# Roles that act in a step of an internal process (overseers and admins never do).
PROCESS_ROLES = [
    (r.value, r.label) for r in (Role.COUNTER_OFFICER, Role.SPECIALIST, Role.HEAD, Role.LEADER)
]


class TimeUnit(models.TextChoices):
    """Units of legal processing time (domain-rules.md, "Time")."""

    WORKING_DAYS = "working_days", _("ngày làm việc")
    WORKING_HOURS = "working_hours", _("giờ làm việc")
    CALENDAR_DAYS = "calendar_days", _("ngày")
    SAME_DAY = "same_day", _("trong ngày")


class OnlineLevel(models.TextChoices):
    """Online service level by Decree 42/2022/NĐ-CP."""

    FULL = "full", _("Toàn trình")
    PARTIAL = "partial", _("Một phần")
    NONE = "none", _("Không trực tuyến")


class Field(models.Model):
    """A field of administration (lĩnh vực), e.g. land, civil status."""

    code = models.SlugField(_("mã lĩnh vực"), max_length=120, unique=True)
    name = models.CharField(_("tên lĩnh vực"), max_length=255, unique=True)

    class Meta:
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        """A renamed field must stay findable: refresh its procedures' search text."""
        super().save(*args, **kwargs)
        procedures = list(self.procedures.all())
        for procedure in procedures:
            procedure.field = self
            procedure.search_text = procedure.build_search_text()
        Procedure.objects.bulk_update(procedures, ["search_text"], batch_size=500)


class ProcedureQuerySet(models.QuerySet):
    def current(self, on: dt.date | None = None) -> ProcedureQuerySet:
        """Versions in force on a date (today by default)."""
        on = on or timezone.localdate()
        return self.filter(
            Q(effective_from__isnull=True) | Q(effective_from__lte=on),
            Q(effective_to__isnull=True) | Q(effective_to__gt=on),
        )

    def matching(self, query: str) -> ProcedureQuerySet:
        """Accent-insensitive search on name, code and field: every word must appear."""
        from motcua.text import search_terms

        qs = self
        for term in search_terms(query):
            qs = qs.filter(search_text__contains=term)
        return qs


class Procedure(models.Model):
    """One version of an administrative procedure (thủ tục hành chính)."""

    national_code = models.CharField(_("mã thủ tục"), max_length=40)
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    name = models.TextField(_("tên thủ tục"))
    field = models.ForeignKey(
        Field, on_delete=models.PROTECT, related_name="procedures", verbose_name=_("lĩnh vực")
    )
    levels = models.ManyToManyField(
        "org.AdministrativeLevel", related_name="procedures", verbose_name=_("cấp thực hiện")
    )
    procedure_type = models.CharField(_("loại thủ tục"), max_length=255, blank=True)
    decision_number = models.CharField(_("quyết định công bố"), max_length=255, blank=True)
    subjects = models.TextField(_("đối tượng thực hiện"), blank=True)
    competent_authority = models.TextField(_("cơ quan có thẩm quyền"), blank=True)
    implementing_agency = models.TextField(_("cơ quan thực hiện"), blank=True)
    receiving_places = models.TextField(_("địa chỉ tiếp nhận"), blank=True)
    agencies = models.ManyToManyField(
        "org.Agency",
        blank=True,
        related_name="procedures",
        verbose_name=_("cơ quan giải quyết trong tỉnh"),
    )
    conditions = models.TextField(_("yêu cầu, điều kiện"), blank=True)
    steps_text = models.TextField(_("trình tự thực hiện"), blank=True)
    legal_time_amount = models.DecimalField(
        _("thời hạn giải quyết"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    legal_time_unit = models.CharField(
        _("đơn vị thời hạn"), max_length=20, choices=TimeUnit.choices, blank=True
    )
    legal_time_text = models.TextField(_("thời hạn (nguyên văn)"), blank=True)
    fee_amount = models.PositiveBigIntegerField(_("phí, lệ phí (đồng)"), null=True, blank=True)
    fee_text = models.TextField(_("phí, lệ phí (nguyên văn)"), blank=True)
    fee_exemptions = models.TextField(_("miễn, giảm phí"), blank=True)
    result_documents = models.TextField(_("kết quả thực hiện"), blank=True)
    online_level = models.CharField(
        _("mức độ dịch vụ công trực tuyến"),
        max_length=10,
        choices=OnlineLevel.choices,
        default=OnlineLevel.NONE,
    )
    effective_from = models.DateField(_("có hiệu lực từ"), null=True, blank=True)
    effective_to = models.DateField(_("hết hiệu lực từ"), null=True, blank=True)
    source_url = models.URLField(_("nguồn"), max_length=500, blank=True)
    needs_review = models.BooleanField(
        _("cần rà soát"),
        default=False,
        help_text=_("Có thông tin không tách được tự động khi nhập; quản trị cần kiểm tra."),
    )
    review_notes = models.TextField(_("ghi chú rà soát"), blank=True)
    # Folded name, code and field for accent-insensitive search (motcua.text.fold);
    # serves Procedure.objects.matching().
    search_text = models.TextField(editable=False, default="")
    # Folded name: sorts "Đăng ký" with the d's, as a Vietnamese reader expects, on any database.
    name_sort = models.TextField(editable=False, default="")

    objects = ProcedureQuerySet.as_manager()

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        ordering = ["name_sort", "national_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["national_code", "version"], name="procedure_code_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_from__isnull=True)
                | Q(effective_to__gt=models.F("effective_from")),
                name="procedure_effective_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.national_code} – {self.name}"

    def save(self, *args, **kwargs) -> None:
        self.search_text = self.build_search_text()
        self.name_sort = fold(self.name)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text", "name_sort"}
        super().save(*args, **kwargs)

    def build_search_text(self) -> str:
        field_name = self.field.name if self.field_id else ""
        return fold(f"{self.national_code} {self.name} {field_name}")

    @property
    def has_legal_time(self) -> bool:
        """Whether the clock can compute a due moment for this procedure."""
        if self.legal_time_unit == TimeUnit.SAME_DAY:
            return True
        return self.legal_time_amount is not None and bool(self.legal_time_unit)


class ProcedureChannel(models.Model):
    """How a procedure can be applied for (in person, online, post) with its time and fee."""

    class Channel(models.TextChoices):
        IN_PERSON = "in_person", _("Trực tiếp")
        ONLINE = "online", _("Trực tuyến")
        POST = "post", _("Dịch vụ bưu chính")

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="channels")
    channel = models.CharField(_("hình thức nộp"), max_length=10, choices=Channel.choices)
    time_amount = models.DecimalField(
        _("thời hạn"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    time_unit = models.CharField(_("đơn vị"), max_length=20, choices=TimeUnit.choices, blank=True)
    time_text = models.TextField(_("thời hạn (nguyên văn)"), blank=True)
    fee_amount = models.PositiveBigIntegerField(_("phí, lệ phí (đồng)"), null=True, blank=True)
    fee_text = models.TextField(_("phí, lệ phí (nguyên văn)"), blank=True)
    description = models.TextField(_("mô tả"), blank=True)

    class Meta:
        verbose_name = _("cách thức thực hiện")
        verbose_name_plural = _("cách thức thực hiện")
        ordering = ["procedure", "id"]

    def __str__(self) -> str:
        return self.get_channel_display()


class RequiredDocument(models.Model):
    """A component of the dossier (thành phần hồ sơ): the only papers an official may ask for."""

    class Kind(models.TextChoices):
        ORIGINAL = "original", _("Bản chính")
        CERTIFIED_COPY = "certified_copy", _("Bản sao có chứng thực")
        COPY = "copy", _("Bản sao")
        UNSPECIFIED = "unspecified", _("Không nêu")

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="documents")
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    name = models.TextField(_("tên giấy tờ"))
    kind = models.CharField(_("loại bản"), max_length=20, choices=Kind.choices)
    count = models.PositiveSmallIntegerField(_("số lượng"), null=True, blank=True)
    mandatory = models.BooleanField(_("bắt buộc"), default=True)
    condition = models.TextField(_("trường hợp áp dụng"), blank=True)
    form_template_name = models.CharField(_("mẫu đơn, tờ khai"), max_length=500, blank=True)
    form_template = models.FileField(_("tệp mẫu"), upload_to="forms/", blank=True)

    class Meta:
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")
        ordering = ["procedure", "position"]

    def __str__(self) -> str:
        return self.name


class LegalBasis(models.Model):
    """A legal document a procedure rests on (căn cứ pháp lý)."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="legal_bases")
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    title = models.TextField(_("tên văn bản"))
    number = models.CharField(_("số hiệu"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("căn cứ pháp lý")
        verbose_name_plural = _("căn cứ pháp lý")
        ordering = ["procedure", "position"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()


class ProcessTemplate(models.Model):
    """An internal process (quy trình nội bộ) for a procedure: ordered steps with allotments."""

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="processes", verbose_name=_("thủ tục")
    )
    agency = models.ForeignKey(
        "org.Agency",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="processes",
        verbose_name=_("áp dụng cho cơ quan"),
        help_text=_("Để trống: áp dụng cho mọi cơ quan giải quyết thủ tục này."),
    )
    name = models.CharField(_("tên quy trình"), max_length=255)
    is_demo = models.BooleanField(
        _("quy trình mẫu"), default=False, help_text=_("Quy trình minh họa của dữ liệu mẫu.")
    )
    allow_more_levels = models.BooleanField(
        _("cho phép quá hai cấp"),
        default=False,
        help_text=_("Chỉ bật khi luật quy định nhiều cấp tham gia; hệ thống sẽ cảnh báo."),
    )
    legal_note = models.TextField(_("căn cứ cho phép"), blank=True)

    class Meta:
        verbose_name = _("quy trình nội bộ")
        verbose_name_plural = _("quy trình nội bộ")

    def __str__(self) -> str:
        return self.name


class ProcessStep(models.Model):
    """One step of an internal process: who acts (unit kind, level, role) and in how long."""

    template = models.ForeignKey(ProcessTemplate, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("bước"))
    name = models.CharField(_("nội dung công việc"), max_length=255)
    acting_level = models.ForeignKey(
        "org.AdministrativeLevel",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cấp thực hiện"),
    )
    acting_unit_kind = models.CharField(
        _("loại đơn vị thực hiện"), max_length=20, choices=OrgUnit.Kind.choices
    )
    acting_unit = models.ForeignKey(
        "org.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("đơn vị cụ thể"),
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=PROCESS_ROLES)
    allotment = models.DecimalField(
        _("thời gian"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    allotment_unit = models.CharField(
        _("đơn vị thời gian"),
        max_length=20,
        choices=[(u.value, u.label) for u in (TimeUnit.WORKING_DAYS, TimeUnit.WORKING_HOURS)],
    )

    class Meta:
        verbose_name = _("bước xử lý")
        verbose_name_plural = _("bước xử lý")
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="process_step_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"
