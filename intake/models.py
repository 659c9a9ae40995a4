"""Upstream systems, the dossiers they pushed, the signatures already seen, and the status changes
waiting to be pushed back (liên thông với Cổng dịch vụ công quốc gia hoặc hệ thống khác)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intake import signing


class UpstreamSystem(models.Model):
    """A portal or system allowed to push dossiers to us, registered by an admin.

    The access token is stored only as its SHA-256 (it is random and long, so a fast hash is
    enough, and a leaked database does not leak usable tokens). The HMAC secret must be stored as
    is: we need it to recompute signatures.
    """

    name = models.CharField(_("tên hệ thống"), max_length=255, unique=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    hmac_secret = models.CharField(max_length=128, editable=False)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    agency = models.ForeignKey(
        "org.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("chỉ được nộp tới cơ quan"),
        help_text=_("Để trống: hệ thống được nộp hồ sơ tới mọi cơ quan."),
    )  # fmt: skip
    created_at = models.DateTimeField(_("đăng ký lúc"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("hệ thống liên thông")
        verbose_name_plural = _("hệ thống liên thông")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def issue_credentials(self) -> tuple[str, str]:
        """New token and HMAC secret (not saved): shown once to the admin, then only the
        token's hash is kept. Issuing again invalidates the old pair."""
        token = signing.new_token()
        self.token_hash = signing.token_hash(token)
        self.hmac_secret = signing.new_secret()
        return token, self.hmac_secret


class UpstreamSubmission(models.Model):
    """One upstream reference and the dossier it became.

    The unique (system, reference) pair is what makes a push idempotent, also when two copies of
    the same push race: the row is inserted before the dossier is created, so the second copy
    waits on the unique index and then finds the first one's dossier. `dossier` is empty only
    inside that transaction.
    """

    system = models.ForeignKey(
        UpstreamSystem, on_delete=models.PROTECT, related_name="submissions",
        verbose_name=_("hệ thống liên thông"),
    )  # fmt: skip
    reference = models.CharField(_("mã hồ sơ bên gửi"), max_length=100)
    dossier = models.OneToOneField(
        "dossiers.Dossier", on_delete=models.PROTECT, null=True, related_name="upstream",
        verbose_name=_("hồ sơ"),
    )  # fmt: skip
    # SHA-256 of the canonical JSON of the push: the same reference with other content is refused.
    payload_sha256 = models.CharField(max_length=64)
    received_at = models.DateTimeField(_("nhận lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("hồ sơ nhận liên thông")
        verbose_name_plural = _("hồ sơ nhận liên thông")
        constraints = [
            models.UniqueConstraint(
                fields=["system", "reference"], name="upstream_submission_reference_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.system} {self.reference}"


class SeenSignature(models.Model):
    """Signatures accepted recently: the same signed request sent again is a replay.

    A row is kept until its timestamp leaves the window (`expires_at`); after that the timestamp
    check alone refuses the request, so the row can go.
    """

    system = models.ForeignKey(UpstreamSystem, on_delete=models.CASCADE, related_name="+")
    signature = models.CharField(max_length=64)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["system", "signature"], name="seen_signature_unique"),
        ]
        # Serves the clean-up: DELETE ... WHERE expires_at < now.
        indexes = [models.Index(fields=["expires_at"], name="seen_signature_expiry")]

    def __str__(self) -> str:
        return self.signature


class StatusUpdate(models.Model):
    """A status change of a dossier that came from upstream, to be pushed back to its system.

    Written in the same transaction as the move (from the event, see `intake.hooks`), so no
    change is lost; the sync that sends them comes later and sets `pushed_at`.
    """

    submission = models.ForeignKey(
        UpstreamSubmission, on_delete=models.PROTECT, related_name="status_updates"
    )
    event = models.OneToOneField("dossiers.Event", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("trạng thái"), max_length=24)
    national_code = models.PositiveSmallIntegerField(_("mã trạng thái đồng bộ"), null=True)
    at = models.DateTimeField(_("thời điểm"))
    pushed_at = models.DateTimeField(_("đã gửi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("trạng thái cần gửi lại")
        verbose_name_plural = _("trạng thái cần gửi lại")
        ordering = ["id"]
        # Serves the future sync: updates not yet pushed, oldest first.
        indexes = [
            models.Index(
                fields=["id"], condition=models.Q(pushed_at__isnull=True), name="status_update_todo"
            )
        ]

    def __str__(self) -> str:
        return f"{self.submission.reference}: {self.status}"
