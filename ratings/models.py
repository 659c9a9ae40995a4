"""Satisfaction ratings (P6): one per dossier, after its result."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ratings.criteria import DISSATISFIED_AT_MOST


class Rating(models.Model):
    """A citizen's rating of how their dossier was handled.

    One per dossier (the database enforces it), so a rating cannot be stuffed by resubmitting.
    `scores` holds the optional criteria by code (ratings.criteria), each 1-5.
    """

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Trang cá nhân trên cổng")
        EMAIL_LINK = "email_link", _("Đường dẫn trong thư báo kết quả")
        KIOSK = "kiosk", _("Máy đánh giá tại quầy")

    dossier = models.OneToOneField(
        "dossiers.Dossier", on_delete=models.CASCADE, related_name="rating",
        verbose_name=_("hồ sơ"),
    )  # fmt: skip
    overall = models.PositiveSmallIntegerField(
        _("mức độ hài lòng chung"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    scores = models.JSONField(_("điểm theo tiêu chí"), default=dict, blank=True)
    comment = models.TextField(_("góp ý"), blank=True, max_length=2000)
    channel = models.CharField(_("kênh đánh giá"), max_length=12, choices=Channel.choices)
    rated_at = models.DateTimeField(_("đánh giá lúc"))
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("người đánh giá"),
    )  # fmt: skip
    kiosk_official = models.ForeignKey(
        "org.Official", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("cán bộ mở máy đánh giá"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("đánh giá hài lòng")
        verbose_name_plural = _("đánh giá hài lòng")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(overall__gte=1, overall__lte=5), name="rating_overall_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.overall}/5"

    @property
    def dissatisfied(self) -> bool:
        return self.overall <= DISSATISFIED_AT_MOST
