"""The intake endpoint, a django-ninja router mounted on the project's API (motcua/api.py):
POST /api/intake/dossiers. Thin: the authentication checks who and whether the bytes are
genuine, the service decides; errors become JSON in motcua/api.py's handlers."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Header, Router, Status

from intake.auth import SignedSystemAuth
from intake.schemas import ErrorOut, PushIn, PushOut
from intake.services import accept_push
from intake.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER

router = Router(tags=["intake"])

DESCRIPTION = """
Một hệ thống cấp trên (Cổng dịch vụ công quốc gia hoặc hệ thống khác) gửi một hồ sơ trực tuyến.
Hồ sơ được tạo ở trạng thái "submitted" (mã đồng bộ 1) và vào hàng đợi kiểm tra của bộ phận một
cửa. Gửi lại cùng `reference` trả về cùng mã hồ sơ (200, `created: false`).

Xác thực: `Authorization: Bearer <mã truy cập>`, `X-Motcua-Timestamp: <giây Unix>` và
`X-Motcua-Signature: sha256=<hex>` = HMAC-SHA256(khóa ký, "<timestamp>." + nội dung thô).
Lệch giờ tối đa 300 giây (MOTCUA_INTAKE_WINDOW_SECONDS); một chữ ký chỉ dùng một lần.
Hướng dẫn đầy đủ: docs/intake-api.md.
"""

ERRORS = {status: ErrorOut for status in (401, 403, 409, 413, 422)}


@router.post(
    "/dossiers",
    auth=SignedSystemAuth(),
    response={200: PushOut, 201: PushOut, **ERRORS},
    summary="Nhận hồ sơ liên thông từ hệ thống cấp trên",
    description=DESCRIPTION,
    operation_id="intake_push_dossier",
)
def push_dossier(
    request: HttpRequest,
    payload: PushIn,
    timestamp: str = Header(
        ..., alias=TIMESTAMP_HEADER, description="Thời điểm ký, số giây Unix (UTC)."
    ),
    signature: str = Header(
        ..., alias=SIGNATURE_HEADER, description="sha256=<hex HMAC-SHA256 của timestamp.body>"
    ),
):
    """201 with the new dossier's code, or 200 with the code an earlier copy created."""
    result = accept_push(system=request.auth, payload=payload)
    return Status(201 if result.created else 200, result.as_json())
