"""Who is pushing: the system's bearer token, then the HMAC signature of the exact bytes sent,
a timestamp inside the window, and a signature never seen before (no replays).

Runs as the django-ninja authentication of the intake endpoint, before the body is parsed, so a
forged or replayed request never reaches the validation of its content.
"""

from __future__ import annotations

import datetime as dt
import io
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from intake import signing
from intake.errors import IntakeError
from intake.models import SeenSignature, UpstreamSystem
from motcua import params


class SignedSystemAuth(HttpBearer):
    """Bearer token of an `UpstreamSystem` plus the X-Motcua-* signature headers.

    Every failure raises `IntakeError` (a JSON error with a code) instead of ninja's bare 401.
    """

    def __call__(self, request: HttpRequest) -> UpstreamSystem:
        header = request.headers.get(signing.TOKEN_HEADER, "")
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise IntakeError(
                401, "missing_token", _("Thiếu mã truy cập (tiêu đề Authorization: Bearer <mã>).")
            )
        system = self.authenticate(request, token.strip())
        body = read_body(request)
        timestamp, sig = check_signature(request, system, body)
        remember(system, sig, timestamp)
        return system

    def authenticate(self, request: HttpRequest, token: str) -> UpstreamSystem:
        system = (
            UpstreamSystem.objects.filter(token_hash=signing.token_hash(token), is_active=True)
            .select_related("agency")
            .first()
        )
        if system is None:
            raise IntakeError(
                401, "unknown_token", _("Mã truy cập không hợp lệ hoặc hệ thống đã bị ngừng.")
            )
        return system


def read_body(request: HttpRequest) -> bytes:
    """The raw body under the intake's own size limit (files travel base64-encoded in it, so
    Django's form-size limit, DATA_UPLOAD_MAX_MEMORY_SIZE, is too small here). It is kept on the
    request exactly as Django's `request.body` keeps it, so ninja parses the bytes we verified."""
    limit = settings.MOTCUA["INTAKE_MAX_BODY_BYTES"]
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise IntakeError(
            413,
            "body_too_large",
            _("Nội dung yêu cầu lớn hơn giới hạn %(limit)s.") % {"limit": filesizeformat(limit)},
        )
    if not hasattr(request, "_body"):
        request._body = request.read()
        request._stream = io.BytesIO(request._body)
    return request._body


def check_signature(request: HttpRequest, system: UpstreamSystem, body: bytes) -> tuple[int, str]:
    """(timestamp, signature hex) of a correctly signed request inside the time window."""
    stamp = request.headers.get(signing.TIMESTAMP_HEADER, "").strip()
    given = request.headers.get(signing.SIGNATURE_HEADER, "").strip()
    if not stamp or not given:
        raise IntakeError(
            401,
            "missing_signature",
            _("Thiếu thời điểm ký hoặc chữ ký (tiêu đề X-Motcua-Timestamp, X-Motcua-Signature)."),
        )
    if params.number(stamp) is None:  # ASCII digits only: "²" passes isdigit(), not ascii
        raise IntakeError(
            401, "bad_timestamp", _("Thời điểm ký phải là số giây Unix (X-Motcua-Timestamp).")
        )
    if not signing.signature_matches(system.hmac_secret, stamp, body, given):
        raise IntakeError(
            401,
            "bad_signature",
            _("Chữ ký không đúng: HMAC-SHA256 của “thời điểm ký.nội dung” không khớp."),
        )
    window = settings.MOTCUA["INTAKE_WINDOW_SECONDS"]
    if abs(time.time() - int(stamp)) > window:
        raise IntakeError(
            401,
            "stale_timestamp",
            _("Thời điểm ký lệch quá %(seconds)s giây so với giờ máy chủ; hãy ký lại yêu cầu.")
            % {"seconds": window},
        )
    return int(stamp), signing.signature(system.hmac_secret, stamp, body)


def remember(system: UpstreamSystem, sig: str, timestamp: int) -> None:
    """Store the signature until its timestamp leaves the window; a second copy is a replay.
    The unique constraint decides, so two copies sent at once cannot both pass."""
    window = settings.MOTCUA["INTAKE_WINDOW_SECONDS"]
    expires = dt.datetime.fromtimestamp(timestamp + window, tz=dt.UTC)
    try:
        with transaction.atomic():
            SeenSignature.objects.create(system=system, signature=sig, expires_at=expires)
    except IntegrityError:
        raise IntakeError(
            409,
            "replayed_request",
            _(
                "Yêu cầu này đã được nhận (cùng chữ ký). "
                "Muốn gửi lại, hãy ký lại với thời điểm mới."
            ),
        ) from None
    SeenSignature.objects.filter(expires_at__lt=timezone.now()).delete()
