"""Points, group totals and grades (pure functions, exact fractions).

Decision 766 as operated (domain-rules.md): a ratio at or above its target earns the
component's full points, otherwise ratio x points / target. Components the system cannot
measure, or without data in the period, earn nothing and are left out of the maximum the
score is taken against, so an agency is graded on what can be measured (the score out of 100
is the points earned over the points measurable; both are shown).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from django.utils.translation import gettext_lazy as _

GRADES = (
    ("excellent", _("Xuất sắc")),
    ("good", _("Tốt")),
    ("fair", _("Khá")),
    ("average", _("Trung bình")),
    ("weak", _("Yếu")),
)
GRADE_LABELS = dict(GRADES)


def points(ratio: Fraction, target: Fraction, max_points: Fraction) -> Fraction:
    """Full points at or above the target, else in proportion to it."""
    if target <= 0 or ratio >= target:
        return max_points
    return ratio * max_points / target


def score(earned: Fraction, measurable: Fraction) -> Fraction | None:
    """Points earned out of 100 of the points that could be measured."""
    if measurable <= 0:
        return None
    return earned * 100 / measurable


def grade(value: Fraction | None, thresholds: Sequence[Fraction]) -> str | None:
    """The grade of a score: the first whose lowest score it reaches, else weak."""
    if value is None:
        return None
    for (code, _label), lowest in zip(GRADES, thresholds, strict=False):
        if value >= lowest:
            return code
    return GRADES[-1][0]


def default_points(group_points: Fraction, scored_in_group: int) -> Fraction:
    """A group's points split equally among its scored components (the default split)."""
    return group_points / scored_in_group if scored_in_group else Fraction(0)
