"""Validation of internal processes (quy trình nội bộ) against the procedure's legal time.

The rules: the steps' allotments must fit inside the legal processing time, and no more than two
administrative levels may take part in one matter (the reform's "one matter, at most two levels";
a setting). Where a law requires more levels, an admin marks the process and the check becomes a
warning instead of an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from catalog.models import Procedure, ProcessStep, ProcessTemplate, TimeUnit
from workdays.models import DEFAULT_AFTERNOON, DEFAULT_MORNING


def hours_per_working_day() -> Decimal:
    """Length of the default working day (07:30-11:30 + 13:30-17:00 = 7.5 h)."""
    seconds = 0
    for start, end in (DEFAULT_MORNING, DEFAULT_AFTERNOON):
        seconds += (end.hour * 3600 + end.minute * 60) - (start.hour * 3600 + start.minute * 60)
    return Decimal(seconds) / Decimal(3600)


@dataclass
class ProcessCheck:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _in_days(amount: Decimal, unit: str) -> Decimal:
    if unit == TimeUnit.WORKING_HOURS:
        return amount / hours_per_working_day()
    return amount


def _legal_days(procedure: Procedure) -> Decimal | None:
    if procedure.legal_time_unit == TimeUnit.SAME_DAY:
        return Decimal(1)
    if procedure.legal_time_amount is None or not procedure.legal_time_unit:
        return None
    return _in_days(procedure.legal_time_amount, procedure.legal_time_unit)


def _check_positions(steps: list[ProcessStep], result: ProcessCheck) -> None:
    positions = [s.position for s in steps]
    if positions != list(range(1, len(steps) + 1)):
        result.errors.append(_("Các bước phải được đánh số liên tục từ 1."))


def _check_time(procedure: Procedure, steps: list[ProcessStep], result: ProcessCheck) -> None:
    total = sum((_in_days(s.allotment, s.allotment_unit) for s in steps), Decimal(0))
    legal = _legal_days(procedure)
    if legal is None:
        result.warnings.append(
            _("Thủ tục chưa có thời hạn giải quyết; không kiểm tra được tổng thời gian các bước.")
        )
        return
    if procedure.legal_time_unit == TimeUnit.CALENDAR_DAYS:
        result.warnings.append(
            _("Thời hạn tính theo ngày lịch; tổng thời gian các bước được so với số ngày lịch.")
        )
    if total > legal:
        result.errors.append(
            _(
                "Tổng thời gian các bước (%(total)s ngày làm việc) vượt thời hạn giải quyết "
                "(%(legal)s ngày làm việc)."
            )
            % {"total": _fmt(total), "legal": _fmt(legal)}
        )


def _check_levels(
    template: ProcessTemplate, steps: list[ProcessStep], result: ProcessCheck
) -> None:
    limit = settings.MOTCUA["MAX_PROCESS_LEVELS"]
    groups = {s.acting_level.process_group for s in steps}
    if len(groups) <= limit:
        return
    message = _("Quy trình có %(n)s cấp hành chính tham gia, quá mức %(limit)s cấp.") % {
        "n": len(groups),
        "limit": limit,
    }
    if template.allow_more_levels and template.legal_note.strip():
        result.warnings.append(message)
    else:
        result.errors.append(
            message + " " + _("Chỉ cho phép khi có căn cứ pháp lý (ghi rõ ở “căn cứ cho phép”).")
        )


def _fmt(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")).normalize(), "f")


def check_process(
    template: ProcessTemplate, steps: list[ProcessStep] | None = None
) -> ProcessCheck:
    """All errors and warnings of a process; `steps` lets a form check unsaved steps."""
    if steps is None:
        steps = list(template.steps.select_related("acting_level").order_by("position"))
    result = ProcessCheck()
    if not steps:
        result.errors.append(_("Quy trình phải có ít nhất một bước."))
        return result
    _check_positions(steps, result)
    _check_time(template.procedure, steps, result)
    _check_levels(template, steps, result)
    return result


def validate_process(
    template: ProcessTemplate, steps: list[ProcessStep] | None = None
) -> ProcessCheck:
    """Like check_process, but raises ValidationError when there is any error."""
    result = check_process(template, steps)
    if result.errors:
        raise ValidationError(result.errors)
    return result
