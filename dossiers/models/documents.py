"""Files of a dossier: components handed in, supplements, results.

Stored through Django's storage API under a random name; they are served only through views that
check access (never from a guessable public URL). The type is sniffed from the content.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def stored_name(instance: Document, filename: str) -> str:
    """A random path: the original name is kept in a field, never in the storage path."""
    return f"dossiers/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}"


class Document(models.Model):
    class Role(models.TextChoices):
        COMPONENT = "component", _("Thành phần hồ sơ")
        SUPPLEMENT = "supplement", _("Hồ sơ bổ sung")
        RESULT = "result", _("Kết quả giải quyết")

    class Kind(models.TextChoices):
        ORIGINAL = "original", _("Bản chính")
        CERTIFIED_COPY = "certified_copy", _("Bản sao có chứng thực")
        COPY = "copy", _("Bản sao")
        ELECTRONIC = "electronic", _("Bản điện tử")

    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.CASCADE, related_name="documents"
    )
    role = models.CharField(_("loại tệp"), max_length=12, choices=Role.choices)
    required_document = models.ForeignKey(
        "catalog.RequiredDocument", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("thành phần theo danh mục"),
    )  # fmt: skip
    name = models.CharField(_("tên giấy tờ"), max_length=500)
    kind = models.CharField(_("loại bản"), max_length=16, choices=Kind.choices)
    count = models.PositiveSmallIntegerField(_("số lượng"), default=1)
    file = models.FileField(_("tệp"), upload_to=stored_name, blank=True)
    original_name = models.CharField(_("tên tệp gốc"), max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    content_type = models.CharField(max_length=40, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    digitised = models.BooleanField(_("đã số hóa"), default=False)
    reused_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reuses",
        verbose_name=_("tái sử dụng từ"),
    )  # fmt: skip
    uploaded_by = models.ForeignKey(
        "org.Official", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("nộp lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("giấy tờ")
        verbose_name_plural = _("giấy tờ")
        ordering = ["dossier", "id"]

    def __str__(self) -> str:
        return self.name
