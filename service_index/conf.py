"""Settings of the index, read from the environment (strictly, as motcua/env.py does).

- MOTCUA_INDEX_GRADES: the lowest score (out of 100) of the grades excellent, good, fair and
  average, highest first; below the last is weak. Default "90,80,70,50" (check: the thresholds
  are a setting, domain-rules.md).
- MOTCUA_INDEX_POINTS: points of components, "code=points,...", e.g.
  "progress.on_time=20". Default: each group's points split equally among its scored
  components (check: the split is not in the domain rules; set the province's table here).
- MOTCUA_INDEX_TARGETS: targets in percent, "code=percent,...". Default: the targets of the
  domain rules, 100% where they give none (check).
"""

from __future__ import annotations

from fractions import Fraction

from django.core.exceptions import ImproperlyConfigured

from motcua.env import env_list

GRADES_VAR = "MOTCUA_INDEX_GRADES"
POINTS_VAR = "MOTCUA_INDEX_POINTS"
TARGETS_VAR = "MOTCUA_INDEX_TARGETS"
DEFAULT_GRADES = ["90", "80", "70", "50"]


def _number(var: str, text: str) -> Fraction:
    try:
        value = Fraction(text.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{var}: {text!r} is not a number") from None
    if value < 0:
        raise ImproperlyConfigured(f"{var}: {text!r} must not be negative")
    return value


def grade_thresholds() -> tuple[Fraction, ...]:
    """Lowest scores of excellent, good, fair and average (weak below)."""
    values = tuple(_number(GRADES_VAR, v) for v in env_list(GRADES_VAR, DEFAULT_GRADES))
    if len(values) != 4 or list(values) != sorted(values, reverse=True) or values[0] > 100:
        raise ImproperlyConfigured(
            f"{GRADES_VAR}: expected four scores from 100 down, e.g. 90,80,70,50"
        )
    return values


def _pairs(var: str, known: set[str]) -> dict[str, Fraction]:
    found = {}
    for item in env_list(var, []):
        code, sep, value = item.partition("=")
        if not sep or code.strip() not in known:
            raise ImproperlyConfigured(f"{var}: {item!r} is not component=number")
        found[code.strip()] = _number(var, value)
    return found


def points_overrides(known: set[str]) -> dict[str, Fraction]:
    return _pairs(POINTS_VAR, known)


def target_overrides(known: set[str]) -> dict[str, Fraction]:
    """Targets as fractions (the variable gives percents)."""
    return {code: value / 100 for code, value in _pairs(TARGETS_VAR, known).items()}
