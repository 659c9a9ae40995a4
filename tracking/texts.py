"""Every text of the tracking page, translated once per language and process.

`gettext` and the lazy labels of choices cost a few microseconds each, and the page shows
about forty of them; the benchmark allows the whole page a millisecond or so. The catalogues
are loaded once per process by Django itself (a new translation needs a restart), so a table
per language is exactly as current as `gettext` is; a settings change (tests) clears it.
The msgids are the ones the page's template used, so the catalogue needs no change.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.core.signals import setting_changed
from django.utils.translation import get_language, gettext, gettext_noop

from dossiers.lifecycle import Move, Status
from dossiers.models.work import Timeliness

MESSAGES = (
    gettext_noop("Tra cứu hồ sơ"), gettext_noop("Mã hồ sơ (ghi trên giấy tiếp nhận)"),
    gettext_noop("Tra cứu"),
    gettext_noop(
        "Có thể gõ chữ hoa hay chữ thường, có dấu hay không dấu; khoảng trắng được bỏ qua."
    ),
    gettext_noop("Bạn đã tra cứu quá nhiều lần"),
    gettext_noop(
        "Để bảo vệ thông tin của người nộp hồ sơ, mỗi địa chỉ chỉ được tra cứu một số lần "
        "mỗi phút. Vui lòng thử lại sau một phút."
    ),
    gettext_noop("Không tìm thấy hồ sơ"),
    gettext_noop(
        "Không có hồ sơ nào mang mã “%(code)s”. Hãy kiểm tra lại mã ghi trên giấy tiếp "
        "nhận hồ sơ và hẹn trả kết quả."
    ),
    gettext_noop("Hồ sơ %(code)s"), gettext_noop("đã trả kết quả lúc %(at)s"),
    gettext_noop("kết quả đã sẵn sàng để trả"), gettext_noop("Người nộp"),
    gettext_noop("Thủ tục"), gettext_noop("Nơi tiếp nhận"), gettext_noop("Cơ quan giải quyết"),
    gettext_noop("Nộp trực tuyến lúc"), gettext_noop("Tiếp nhận lúc"),
    gettext_noop("Chưa tiếp nhận"), gettext_noop("Hẹn trả kết quả"), gettext_noop("Đang ở"),
    gettext_noop("Kết quả"), gettext_noop("Đã có kết quả"), gettext_noop("Chưa có kết quả"),
    gettext_noop("Quá trình xử lý"), gettext_noop("Chưa có bước xử lý nào."),
    gettext_noop("xong lúc %(at)s"), gettext_noop("Đang xử lý"),
    gettext_noop("Bước %(n)s: %(name)s"),
    gettext_noop(
        "Trang này chỉ hiển thị thông tin công khai; tên người nộp được che bớt. Người nộp "
        "đăng nhập để xem đầy đủ hồ sơ và tải kết quả."
    ),
)  # fmt: skip


@dataclass(frozen=True)
class Tables:
    texts: dict[str, str]
    moves: dict[str, str]
    statuses: dict[str, str]
    timeliness: dict[str, str]


def tables() -> Tables:
    """All the tables of the active language (one look-up of the language)."""
    return _tables(get_language())


@cache
def _tables(language: str) -> Tables:
    return Tables(
        _table(language), _choices(language, Move), _choices(language, Status),
        _choices(language, Timeliness),
    )  # fmt: skip


def texts() -> dict[str, str]:
    """msgid -> its translation in the active language."""
    return _table(get_language())


@cache
def _table(language: str) -> dict[str, str]:
    return {message: gettext(message) for message in MESSAGES}


@cache
def _choices(language: str, choices: type) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def _forget(**_kwargs: object) -> None:
    _tables.cache_clear()
    _table.cache_clear()
    _choices.cache_clear()


setting_changed.connect(_forget, dispatch_uid="tracking.texts.forget")
