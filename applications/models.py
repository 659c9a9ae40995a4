"""Online applications (P3): drafts, the files staged for them, and who submitted a dossier.

A draft (hồ sơ nháp) belongs to the citizen account that started it and is not a dossier yet:
it has no code and no agency sees it. Every file a citizen uploads is kept at once as a
`StagedFile` (for a draft, or for an online supplement of a dossier), so a good file survives
when another file of the same form is refused, and a draft can be finished another day.

`OnlineSubmission` records which account submitted a dossier, and for which business. It is what
gives a citizen access to the dossier on the portal: the dossier's applicant row is matched by a
typed ID number, which proves nothing until the identity provider vouches for it.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.models import Applicant
from dossiers.models.dossier import Delivery


class Draft(models.Model):
    """An application being prepared on the portal, step by step (see `applications.steps`)."""

    citizen = models.ForeignKey(
        "citizens.CitizenAccount", on_delete=models.CASCADE, related_name="drafts",
        verbose_name=_("tài khoản"),
    )  # fmt: skip
    procedure = models.ForeignKey(
        "catalog.Procedure", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("thủ tục"),
    )  # fmt: skip
    # Who applies: the citizen themself, or a business they act for ("" until chosen).
    applicant_kind = models.CharField(
        _("người nộp"), max_length=12, choices=Applicant.Kind.choices, blank=True
    )
    business = models.ForeignKey(
        "citizens.BusinessAccount", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("tổ chức, doanh nghiệp"),
    )  # fmt: skip
    receiving_agency = models.ForeignKey(
        "org.Agency", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("nơi tiếp nhận"),
    )  # fmt: skip
    phone = models.CharField(_("điện thoại liên hệ"), max_length=20, blank=True)
    address = models.CharField(_("địa chỉ liên hệ"), max_length=500, blank=True)
    delivery = models.CharField(
        _("hình thức nhận kết quả"), max_length=10, choices=Delivery.choices, blank=True
    )
    delivery_address = models.CharField(_("địa chỉ nhận kết quả"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("sửa lúc"), auto_now=True)

    class Meta:
        verbose_name = _("hồ sơ nháp")
        verbose_name_plural = _("hồ sơ nháp")
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.pk}: {self.procedure.name[:60]}"


def staged_name(instance: StagedFile, filename: str) -> str:
    """A random path; the name the citizen gave the file is kept in a field, never here."""
    return f"applications/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}"


class StagedFile(models.Model):
    """One file given for one slot of a form: a component of a draft, or an item of a
    supplement request. Either an upload (stored, checked and hashed) or a document from the
    citizen's store (`reused_from`)."""

    citizen = models.ForeignKey(
        "citizens.CitizenAccount", on_delete=models.CASCADE, related_name="+"
    )
    draft = models.ForeignKey(
        Draft, on_delete=models.CASCADE, null=True, blank=True, related_name="files"
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # "d<required document id>" for a draft's component, "i<n>" for the n-th supplement item.
    slot = models.CharField(max_length=20)
    file = models.FileField(_("tệp"), upload_to=staged_name, blank=True)
    reused_from = models.ForeignKey(
        "dossiers.Document", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("lấy từ kho giấy tờ"),
    )  # fmt: skip
    original_name = models.CharField(_("tên tệp"), max_length=255, blank=True)
    content_type = models.CharField(max_length=40, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("tệp đính kèm chờ nộp")
        verbose_name_plural = _("tệp đính kèm chờ nộp")
        constraints = [
            models.CheckConstraint(
                condition=Q(draft__isnull=False, dossier__isnull=True)
                | Q(draft__isnull=True, dossier__isnull=False),
                name="stagedfile_draft_or_dossier",
            ),
            models.UniqueConstraint(
                fields=["draft", "slot"], condition=Q(draft__isnull=False),
                name="stagedfile_draft_slot_unique",
            ),
            models.UniqueConstraint(
                fields=["dossier", "slot"], condition=Q(dossier__isnull=False),
                name="stagedfile_dossier_slot_unique",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.slot}: {self.original_name}"

    @property
    def attached(self) -> bool:
        """Something usable is there: an uploaded file, or a store document still present."""
        return bool(self.file) or self.reused_from_id is not None


class OnlineSubmission(models.Model):
    """Nộp trực tuyến: the account that submitted the dossier (and the business it acted for)."""

    dossier = models.OneToOneField(
        "dossiers.Dossier", on_delete=models.CASCADE, related_name="online_submission",
        verbose_name=_("hồ sơ"),
    )  # fmt: skip
    citizen = models.ForeignKey(
        "citizens.CitizenAccount", on_delete=models.CASCADE, related_name="submissions",
        verbose_name=_("tài khoản nộp"),
    )  # fmt: skip
    business = models.ForeignKey(
        "citizens.BusinessAccount", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="submissions", verbose_name=_("nộp cho tổ chức, doanh nghiệp"),
    )  # fmt: skip
    submitted_at = models.DateTimeField(_("nộp lúc"))

    class Meta:
        verbose_name = _("hồ sơ nộp trực tuyến")
        verbose_name_plural = _("hồ sơ nộp trực tuyến")

    def __str__(self) -> str:
        return f"{self.dossier_id} ← {self.citizen_id}"
