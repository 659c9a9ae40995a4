"""The JSON shapes of the intake API, as published in the OpenAPI schema (/api/openapi.json).

Files travel base64-encoded inside the JSON (not multipart) so the whole request is one byte
string that the upstream system signs and we verify, with no boundary or part order to agree on.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AfterValidator


def _without_nul(value: str) -> str:
    """PostgreSQL refuses a NUL in text (a 500 when the row is written), and no document,
    name or address holds one: refused as the payload's error, on every database alike."""
    if "\x00" in value:
        raise ValueError("không được chứa ký tự NUL (\\u0000)")
    return value


Text = Annotated[str, AfterValidator(_without_nul)]


class ApplicantIn(Schema):
    """The applicant, as identified by the upstream portal (personal ID or tax code)."""

    kind: Literal["person", "organisation"] = Field(
        description="person: cá nhân (personal_id bắt buộc); organisation: tổ chức (tax_code)."
    )
    name: Text = Field(max_length=255, description="Họ tên hoặc tên tổ chức.")
    personal_id: Text = Field("", max_length=12, description="Số định danh cá nhân (12 chữ số).")
    birth_date: dt.date | None = Field(None, description="Ngày sinh (YYYY-MM-DD).")
    tax_code: Text = Field("", max_length=14, description="Mã số thuế của tổ chức.")
    representative: Text = Field("", max_length=255, description="Người đại diện của tổ chức.")
    address: Text = Field("", max_length=500)
    phone: Text = Field("", max_length=20)
    email: Text = Field("", max_length=254)


class FileIn(Schema):
    name: Text = Field(min_length=1, max_length=255, description="Tên tệp gốc, ví dụ don.pdf.")
    content_base64: Text = Field(
        min_length=1,
        description="Nội dung tệp mã hóa base64 chuẩn (RFC 4648, có đệm '='). "
        "Chỉ nhận PDF, JPEG, PNG (kiểm tra theo nội dung), tối đa MOTCUA_MAX_UPLOAD_BYTES.",
    )


class ComponentIn(Schema):
    """One file of one published component of the procedure."""

    position: int = Field(
        ge=1, description="Số thứ tự của thành phần hồ sơ trong danh mục thủ tục (từ 1)."
    )
    kind: Literal["original", "certified_copy", "copy", "electronic"] = Field(
        "electronic", description="Loại bản: bản chính, bản sao chứng thực, bản sao, bản điện tử."
    )
    count: int = Field(1, ge=1, le=100, description="Số lượng bản.")
    file: FileIn


class PushIn(Schema):
    """A dossier pushed by an upstream system."""

    reference: Text = Field(
        min_length=1,
        max_length=100,
        description="Mã hồ sơ của hệ thống gửi. Gửi lại cùng mã trả về cùng một hồ sơ.",
    )
    procedure_code: Text = Field(
        min_length=1, max_length=40, description="Mã thủ tục hành chính quốc gia, ví dụ 1.000001."
    )
    receiving_agency: Text | None = Field(
        None,
        max_length=30,
        description="Mã định danh điện tử của cơ quan tiếp nhận. Có thể bỏ trống nếu hệ thống "
        "chỉ được đăng ký cho một cơ quan.",
    )
    applicant: ApplicantIn
    delivery: Literal["online", "counter", "post"] = Field(
        "online", description="Hình thức nhận kết quả: trực tuyến, tại bộ phận một cửa, bưu chính."
    )
    delivery_address: Text = Field(
        "", max_length=500, description="Bắt buộc khi nhận qua bưu chính."
    )
    components: list[ComponentIn] = Field(min_length=1, max_length=100)


class PushOut(Schema):
    code: str = Field(description="Mã hồ sơ của motcua.")
    reference: str = Field(description="Mã hồ sơ của hệ thống gửi, như đã gửi.")
    status: str = Field(description="Trạng thái hiện tại (submitted khi vừa nộp).")
    status_label: str
    national_status: int | None = Field(description="Mã trạng thái đồng bộ quốc gia (1 = mới).")
    created: bool = Field(description="false khi đây là lần gửi lại của một hồ sơ đã nhận.")


class ErrorOut(Schema):
    code: str = Field(description="Mã lỗi ổn định cho máy đọc, ví dụ bad_signature.")
    message: str = Field(description="Thông báo lỗi bằng tiếng Việt.")
    details: list = Field(default_factory=list, description="Chi tiết (ví dụ lỗi từng tệp).")
