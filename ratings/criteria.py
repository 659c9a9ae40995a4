"""What a citizen rates, on a five-point scale (Circular 01/2018 Art. 13; provincial practice).

The list is the one `domain-rules.md` gives as "satisfaction criteria in provincial practice":
the overall rating plus ten criteria. The overall one is required, the others optional (a
citizen may have no view on, say, online service quality when they applied at the counter).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

OVERALL = "overall"
CRITERIA: list[tuple[str, object]] = [
    (OVERALL, _("Mức độ hài lòng chung")),
    ("convenience", _("Sự thuận tiện khi thực hiện thủ tục")),
    ("timeliness", _("Thời gian giải quyết so với giấy hẹn")),
    ("attitude", _("Thái độ, tinh thần phục vụ của cán bộ")),
    ("legal_time", _("Thời gian giải quyết so với quy định")),
    ("contacts", _("Số lần phải liên hệ để hoàn thành hồ sơ")),
    ("agencies", _("Số cơ quan phải liên hệ")),
    ("one_stop", _("Việc tiếp nhận, trả kết quả qua bộ phận một cửa")),
    ("publicity", _("Sự công khai, minh bạch của thủ tục")),
    ("feedback", _("Việc tiếp nhận, xử lý phản ánh, kiến nghị")),
    ("online", _("Chất lượng dịch vụ công trực tuyến")),
]
CODES = {code for code, _label in CRITERIA}
SCALE: list[tuple[int, object]] = [
    (5, _("Rất hài lòng")),
    (4, _("Hài lòng")),
    (3, _("Bình thường")),
    (2, _("Không hài lòng")),
    (1, _("Rất không hài lòng")),
]
# An overall score at or below this is "dissatisfied": it counts against the service index and
# the agency head is told at once.
DISSATISFIED_AT_MOST = 2
