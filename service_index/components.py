"""The components of the index: the groups and points of domain-rules.md ("Service index"),
each component with its formula, its target and what it is computed from.

Only the formulas the domain rules state are here. A component whose data the system does not
hold (feedback and complaints, ratings, online payments, synchronisation with the national
databases) is listed as not measurable with the reason, never estimated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from service_index.gathering import Inputs

# A measure is the (numerator, denominator) of a component, from a scope's inputs.
Measure = Callable[["Inputs"], tuple[int, int]]


@dataclass(frozen=True)
class Group:
    code: str
    name: Promise
    points: Fraction


@dataclass(frozen=True)
class Component:
    code: str
    group: str
    name: Promise
    formula: Promise
    target: Fraction | None = None  # from the domain rules; None: not stated (100%, check)
    measure: Measure | None = None
    not_measurable: Promise | str = ""  # why the system cannot compute it
    scored: bool = True  # False: shown for reference, no points (average processing time)

    @property
    def measurable(self) -> bool:
        return self.measure is not None


GROUPS = (
    Group("transparency", _("Công khai, minh bạch"), Fraction(18)),
    Group("progress", _("Tiến độ giải quyết"), Fraction(20)),
    Group("online_service", _("Dịch vụ công trực tuyến"), Fraction(12)),
    Group("online_payment", _("Thanh toán trực tuyến"), Fraction(10)),
    Group("digitisation", _("Số hóa hồ sơ"), Fraction(22)),
    Group("satisfaction", _("Mức độ hài lòng"), Fraction(18)),
)
GROUP_BY_CODE = {g.code: g for g in GROUPS}

NO_NATIONAL_LINK = _(
    "Các chỉ tiêu này dựa trên dữ liệu đồng bộ với Cơ sở dữ liệu quốc gia về thủ tục hành chính "
    "và Cổng Dịch vụ công quốc gia; hệ thống chưa kết nối, và quy tắc nghiệp vụ chưa nêu công "
    "thức của từng chỉ tiêu."
)
NO_PAYMENTS = _(
    "Hệ thống chưa ghi nhận thanh toán trực tuyến: chưa có dữ liệu về hình thức nộp phí, lệ phí."
)
NO_FEEDBACK = _("Hệ thống chưa có chức năng tiếp nhận, xử lý phản ánh, kiến nghị.")
NO_RATINGS = _(
    "Công thức cần cả số hồ sơ có phản ánh, kiến nghị; hệ thống đã ghi nhận đánh giá của người "
    "dân nhưng chưa có chức năng tiếp nhận phản ánh, kiến nghị, nên chưa tính được chỉ tiêu này "
    "(tính thiếu phần phản ánh sẽ cho kết quả cao hơn thực tế)."
)
P = Fraction


def _on_time(i: Inputs) -> tuple[int, int]:
    in_time = i.ended_on_time + i.open_at_end - i.overdue_at_end
    return in_time, i.ended_on_time + i.ended_late + i.open_at_end


COMPONENTS = (
    Component(
        "transparency.publicity", "transparency", _("Các chỉ tiêu công khai, minh bạch"),
        _("Theo dữ liệu công khai trên Cơ sở dữ liệu quốc gia và Cổng Dịch vụ công quốc gia."),
        not_measurable=NO_NATIONAL_LINK,
    ),
    Component(
        "progress.on_time", "progress", _("Tỷ lệ hồ sơ giải quyết đúng hạn"),
        _("(Hồ sơ kết thúc đúng hạn trong kỳ + hồ sơ còn mở chưa quá hạn ở cuối kỳ) / (hồ sơ "
          "kết thúc trong kỳ + hồ sơ còn mở ở cuối kỳ). Kết thúc: có kết quả, từ chối, dừng "
          "hoặc rút hồ sơ. Không tính thời gian chờ bổ sung, chờ thực hiện nghĩa vụ tài chính; "
          "yêu cầu bổ sung quá một lần là quá hạn; thư xin lỗi không làm hồ sơ thành đúng hạn; "
          "hồ sơ còn mở được xét ở cuối kỳ (hoặc lúc này, nếu kỳ chưa hết)."),
        measure=_on_time,
    ),
    Component(
        "progress.average_time", "progress", _("Thời gian giải quyết trung bình"),
        _("Thời gian làm việc từ khi bắt đầu tính thời hạn đến khi có kết quả hoặc từ chối "
          "(không tính thời gian chờ), chia cho số hồ sơ đã giải quyết trong kỳ, tính bằng ngày "
          "làm việc. Chỉ số tham khảo, không tính điểm."),
        measure=lambda i: (i.processing_minutes, i.resolved), scored=False,
    ),
    Component(
        "online_service.procedures_online", "online_service",
        _("Tỷ lệ thủ tục cung cấp dịch vụ công trực tuyến"),
        _("Thủ tục có dịch vụ công trực tuyến (toàn trình hoặc một phần) / thủ tục đang có hiệu "
          "lực do cơ quan giải quyết, tại ngày cuối kỳ."),
        target=P(80, 100), measure=lambda i: (len(i.online_procedures), len(i.procedures)),
    ),
    Component(
        "online_service.services_used", "online_service",
        _("Tỷ lệ dịch vụ công trực tuyến có phát sinh hồ sơ"),
        _("Thủ tục có dịch vụ công trực tuyến đã nhận ít nhất một hồ sơ trực tuyến trong kỳ / "
          "thủ tục có dịch vụ công trực tuyến."),
        measure=lambda i: (len(i.used_online_procedures), len(i.online_procedures)),
    ),
    Component(
        "online_service.online_dossiers", "online_service", _("Tỷ lệ hồ sơ trực tuyến"),
        _("Hồ sơ tiếp nhận trực tuyến trong kỳ / hồ sơ tiếp nhận trong kỳ, của các thủ tục có "
          "dịch vụ công trực tuyến."),
        target=P(50, 100), measure=lambda i: (i.received_online, i.received_online_capable),
    ),
    Component(
        "online_payment.procedures", "online_payment",
        _("Tỷ lệ thủ tục có thanh toán trực tuyến"),
        _("Thủ tục cho phép thanh toán trực tuyến / thủ tục có phí, lệ phí."),
        target=P(80, 100), not_measurable=NO_PAYMENTS,
    ),
    Component(
        "online_payment.dossiers", "online_payment",
        _("Tỷ lệ hồ sơ có phí được thanh toán trực tuyến"),
        _("Hồ sơ nộp phí, lệ phí trực tuyến / hồ sơ phải nộp phí, lệ phí."),
        not_measurable=NO_PAYMENTS,
    ),
    Component(
        "digitisation.e_results", "digitisation", _("Tỷ lệ hồ sơ cấp kết quả điện tử"),
        _("Hồ sơ được giải quyết (chấp thuận) trong kỳ có tệp kết quả điện tử / hồ sơ được giải "
          "quyết (chấp thuận) trong kỳ."),
        measure=lambda i: (i.e_results, i.results),
    ),
    Component(
        "digitisation.digitised", "digitisation", _("Tỷ lệ số hóa hồ sơ"),
        _("Hồ sơ được giải quyết (chấp thuận) trong kỳ có mọi giấy tờ đã nộp được số hóa và có "
          "kết quả điện tử / hồ sơ được giải quyết (chấp thuận) trong kỳ."),
        target=P(80, 100), measure=lambda i: (i.digitised, i.results),
    ),
    Component(
        "digitisation.reuse", "digitisation", _("Tỷ lệ hồ sơ sử dụng lại dữ liệu số hóa"),
        _("Hồ sơ tiếp nhận trong kỳ có giấy tờ dùng lại từ dữ liệu đã số hóa / hồ sơ tiếp nhận "
          "trong kỳ."),
        target=P(80, 100), measure=lambda i: (i.received_reusing, i.received),
    ),
    Component(
        "satisfaction.feedback_refused", "satisfaction",
        _("Phản ánh, kiến nghị được từ chối tiếp nhận trong 2 ngày làm việc"),
        _("Phản ánh, kiến nghị từ chối tiếp nhận đúng hạn / phản ánh, kiến nghị bị từ chối "
          "tiếp nhận."),
        not_measurable=NO_FEEDBACK,
    ),
    Component(
        "satisfaction.feedback_first_answer", "satisfaction",
        _("Phản ánh, kiến nghị được trả lời lần đầu trong 5 ngày làm việc"),
        _("Phản ánh, kiến nghị trả lời lần đầu đúng hạn / phản ánh, kiến nghị đã tiếp nhận."),
        not_measurable=NO_FEEDBACK,
    ),
    Component(
        "satisfaction.feedback_handled", "satisfaction",
        _("Phản ánh, kiến nghị được xử lý xong trong 15 ngày làm việc"),
        _("Phản ánh, kiến nghị xử lý xong đúng hạn / phản ánh, kiến nghị đã tiếp nhận."),
        not_measurable=NO_FEEDBACK,
    ),
    Component(
        "satisfaction.feedback_published", "satisfaction",
        _("Kết quả xử lý phản ánh, kiến nghị được công khai trong 2 ngày làm việc"),
        _("Kết quả công khai đúng hạn / phản ánh, kiến nghị đã xử lý xong."),
        not_measurable=NO_FEEDBACK,
    ),
    Component(
        "satisfaction.handling", "satisfaction",
        _("Mức độ hài lòng trong giải quyết thủ tục hành chính"),
        _("100% − (tỷ lệ hồ sơ quá hạn + tỷ lệ hồ sơ có phản ánh, kiến nghị hoặc đánh giá không "
          "hài lòng)."),
        target=P(90, 100), not_measurable=NO_RATINGS,
    ),
)  # fmt: skip
COMPONENT_BY_CODE = {c.code: c for c in COMPONENTS}
