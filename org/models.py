"""The organisation of a province: territory, agencies, their units, officials and delegations.

Administrative levels are data, not code, because the country moved from three tiers to two in
2025 and may move again; units keep their history through effective dates and successor links.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AdministrativeLevel(models.Model):
    """A tier of local government (province, district, commune, ward, special zone...)."""

    code = models.SlugField(_("mã"), max_length=30, unique=True)
    name = models.CharField(_("tên"), max_length=100)
    tier = models.PositiveSmallIntegerField(
        _("tầng"),
        help_text=_("1 = cấp tỉnh, 2 = cấp huyện, 3 = cấp xã (theo thời kỳ)."),
    )
    process_group = models.SlugField(
        _("nhóm cấp hành chính"),
        max_length=30,
        help_text=_(
            "Các cấp cùng nhóm (xã, phường, đặc khu) được tính là một cấp khi kiểm tra quy "
            "trình không quá hai cấp hành chính."
        ),
    )

    class Meta:
        verbose_name = _("cấp hành chính")
        verbose_name_plural = _("cấp hành chính")
        ordering = ["tier", "code"]

    def __str__(self) -> str:
        return self.name


class AdministrativeUnit(models.Model):
    """A province, commune, ward... with the dates it existed; merged units keep their rows."""

    code = models.CharField(_("mã đơn vị hành chính"), max_length=20)
    name = models.CharField(_("tên"), max_length=200)
    level = models.ForeignKey(
        AdministrativeLevel, on_delete=models.PROTECT, related_name="units", verbose_name=_("cấp")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("trực thuộc"),
    )
    valid_from = models.DateField(_("có hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hết hiệu lực từ"), null=True, blank=True)

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        ordering = ["code"]
        constraints = [
            # One unit per code and start date; a code reused by a successor gets a new
            # start date. Two constraints, since SQLite cannot treat NULLs as equal.
            models.UniqueConstraint(
                fields=["code", "valid_from"],
                condition=Q(valid_from__isnull=False),
                name="unit_code_per_period",
            ),
            models.UniqueConstraint(
                fields=["code"], condition=Q(valid_from__isnull=True), name="unit_code_undated"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise ValidationError({"valid_to": _("Ngày hết hiệu lực phải sau ngày có hiệu lực.")})

    def is_current(self, on: dt.date | None = None) -> bool:
        on = on or dt.date.today()
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on < self.valid_to
        )


class UnitSuccession(models.Model):
    """Link from a unit that was merged, split or abolished to the unit that took it over."""

    class Kind(models.TextChoices):
        FULL = "full", _("toàn bộ")
        PARTIAL = "partial", _("một phần")

    predecessor = models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.CASCADE,
        related_name="successions",
        verbose_name=_("đơn vị cũ"),
    )
    successor = models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.CASCADE,
        related_name="predecessions",
        verbose_name=_("đơn vị mới"),
    )
    kind = models.CharField(_("phạm vi"), max_length=10, choices=Kind.choices)
    effective = models.DateField(_("ngày sắp xếp"))

    class Meta:
        verbose_name = _("sắp xếp đơn vị hành chính")
        verbose_name_plural = _("sắp xếp đơn vị hành chính")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="succession_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"


class Agency(models.Model):
    """A state agency that receives or decides dossiers (department, committee, centre...)."""

    class Kind(models.TextChoices):
        PEOPLES_COMMITTEE = "peoples_committee", _("Ủy ban nhân dân")
        DEPARTMENT = "department", _("Sở, ban, ngành")
        SERVICE_CENTRE = "service_centre", _("Trung tâm phục vụ hành chính công")
        LAND_REGISTRATION = "land_registration", _("Văn phòng đăng ký đất đai")
        LAND_REGISTRATION_BRANCH = (
            "land_registration_branch",
            _("Chi nhánh văn phòng đăng ký đất đai"),
        )
        HOME_AFFAIRS = "home_affairs", _("Sở Nội vụ")
        OTHER = "other", _("Cơ quan khác")

    code = models.SlugField(_("mã nội bộ"), max_length=60, unique=True)
    name = models.CharField(_("tên cơ quan"), max_length=255)
    short_name = models.CharField(_("tên viết tắt"), max_length=60, blank=True)
    kind = models.CharField(_("loại cơ quan"), max_length=30, choices=Kind.choices)
    exchange_code = models.CharField(
        _("mã định danh điện tử"),
        max_length=30,
        unique=True,
        help_text=_("Mã đơn vị trao đổi văn bản (ví dụ 000.00.12.H55), dùng trong mã hồ sơ."),
    )
    level = models.ForeignKey(
        AdministrativeLevel,
        on_delete=models.PROTECT,
        related_name="agencies",
        verbose_name=_("cấp"),
    )
    territory = models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.PROTECT,
        related_name="agencies",
        verbose_name=_("địa bàn"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="branches",
        verbose_name=_("cơ quan cấp trên"),
    )
    calendar = models.ForeignKey(
        "workdays.Calendar",
        on_delete=models.PROTECT,
        related_name="agencies",
        verbose_name=_("lịch làm việc"),
    )
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    valid_from = models.DateField(_("có hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hết hiệu lực từ"), null=True, blank=True)
    is_demo = models.BooleanField(
        _("dữ liệu mẫu"),
        default=False,
        help_text=_("Cơ quan do dữ liệu mẫu tạo ra, không có thật."),
    )

    class Meta:
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")
        ordering = ["level__tier", "name"]

    def __str__(self) -> str:
        return self.name


class OrgUnit(models.Model):
    """A unit inside an agency: a division, the one-stop counter, the leadership board."""

    class Kind(models.TextChoices):
        COUNTER = "counter", _("Bộ phận một cửa")
        DIVISION = "division", _("Phòng chuyên môn")
        LEADERSHIP = "leadership", _("Lãnh đạo")

    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="units", verbose_name=_("cơ quan")
    )
    code = models.SlugField(_("mã"), max_length=60)
    name = models.CharField(_("tên đơn vị"), max_length=255)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)

    class Meta:
        verbose_name = _("đơn vị trực thuộc")
        verbose_name_plural = _("đơn vị trực thuộc")
        ordering = ["agency", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "code"], name="org_unit_code_per_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.name} – {self.agency.short_name or self.agency.name}"


class Role(models.TextChoices):
    """What an official may do in motcua; an official may hold several."""

    COUNTER_OFFICER = "counter_officer", _("Cán bộ một cửa")
    SPECIALIST = "specialist", _("Chuyên viên")
    HEAD = "head", _("Trưởng/phó phòng")
    LEADER = "leader", _("Lãnh đạo cơ quan")
    OVERSEER = "overseer", _("Cán bộ giám sát")
    ADMIN = "admin", _("Quản trị")


class Official(models.Model):
    """A civil servant: a user account placed in a unit with a position and roles."""

    class Position(models.TextChoices):
        SPECIALIST = "specialist", _("Chuyên viên")
        DEPUTY_HEAD = "deputy_head", _("Phó trưởng phòng")
        HEAD = "head", _("Trưởng phòng")
        LEADER = "leader", _("Lãnh đạo cơ quan")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="official",
        verbose_name=_("tài khoản"),
    )
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="officials", verbose_name=_("đơn vị")
    )
    position = models.CharField(_("chức vụ"), max_length=20, choices=Position.choices)
    is_active = models.BooleanField(_("đang công tác"), default=True)

    class Meta:
        verbose_name = _("cán bộ")
        verbose_name_plural = _("cán bộ")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    @property
    def agency(self) -> Agency:
        return self.unit.agency

    def role_codes(self) -> set[str]:
        """The codes of the roles held (uses prefetched rows when there are any)."""
        return {r.role for r in self.roles.all()}

    def has_role(self, role: str) -> bool:
        return role in self.role_codes()


class OfficialRole(models.Model):
    """One role held by an official (rows, so queues can filter by role on any database)."""

    official = models.ForeignKey(Official, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("vai trò")
        verbose_name_plural = _("vai trò")
        constraints = [
            models.UniqueConstraint(fields=["official", "role"], name="official_role_unique"),
        ]

    def __str__(self) -> str:
        return self.get_role_display()


class Delegation(models.Model):
    """Delegation of signing authority (ủy quyền ký) from a leader to another official."""

    delegator = models.ForeignKey(
        Official,
        on_delete=models.PROTECT,
        related_name="delegations_given",
        verbose_name=_("người ủy quyền"),
    )
    delegate = models.ForeignKey(
        Official,
        on_delete=models.PROTECT,
        related_name="delegations_received",
        verbose_name=_("người được ủy quyền"),
    )
    procedures = models.ManyToManyField(
        "catalog.Procedure",
        blank=True,
        related_name="delegations",
        verbose_name=_("thủ tục"),
        help_text=_("Để trống nghĩa là mọi thủ tục của cơ quan."),
    )
    starts_on = models.DateField(_("từ ngày"))
    ends_on = models.DateField(_("đến ngày"))
    reason = models.CharField(_("lý do"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("ủy quyền")
        verbose_name_plural = _("ủy quyền")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="delegation_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        period = f"{self.starts_on:%d/%m/%Y}–{self.ends_on:%d/%m/%Y}"
        return f"{self.delegator} → {self.delegate} ({period})"

    def clean(self) -> None:
        if self.delegator_id and self.delegator_id == self.delegate_id:
            raise ValidationError(_("Không thể tự ủy quyền cho chính mình."))
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("Ngày kết thúc phải từ ngày bắt đầu trở đi.")})

    def covers(self, *, procedure_id: int, on: dt.date) -> bool:
        """True when this delegation lets the delegate sign `procedure_id` on the date `on`."""
        if not (self.starts_on <= on <= self.ends_on):
            return False
        ids = {p.pk for p in self.procedures.all()}
        return not ids or procedure_id in ids
