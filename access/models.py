"""The personal-data access log (X4; shown to the citizen under P9)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessLog(models.Model):
    """One read of an applicant's personal data by someone in an agency.

    Written by every back-office view that shows a dossier's applicant, so a citizen can see who
    read their data and when, and an inspector can follow a leak. Rows are never edited.
    """

    class What(models.TextChoices):
        DOSSIER = "dossier", _("Trang hồ sơ")
        DOCUMENT = "document", _("Thành phần hồ sơ")
        FORM = "form", _("Biểu mẫu")
        RECEPTION = "reception", _("Tiếp nhận")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("người xem"),
    )  # fmt: skip
    official = models.ForeignKey(
        "org.Official", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("cán bộ"),
    )  # fmt: skip
    agency_name = models.CharField(_("cơ quan"), max_length=255, blank=True)
    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.CASCADE, related_name="access_logs",
        verbose_name=_("hồ sơ"),
    )  # fmt: skip
    applicant = models.ForeignKey(
        "dossiers.Applicant", on_delete=models.CASCADE, related_name="access_logs",
        verbose_name=_("người nộp"),
    )  # fmt: skip
    what = models.CharField(_("nội dung xem"), max_length=12, choices=What.choices)
    at = models.DateTimeField(_("lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("nhật ký truy cập dữ liệu cá nhân")
        verbose_name_plural = _("nhật ký truy cập dữ liệu cá nhân")
        indexes = [
            models.Index(fields=["applicant", "-at"], name="accesslog_applicant_at"),
            models.Index(fields=["dossier", "-at"], name="accesslog_dossier_at"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.what} {self.dossier_id} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Access log rows are append-only.")
        super().save(*args, **kwargs)
