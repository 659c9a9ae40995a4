"""Number formats of the statistics pages: percents and working days in the page's language
(93,5% in Vietnamese, 93.5% in English), a dash where a ratio has no denominator."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django import template
from django.utils import formats

register = template.Library()
DASH = "–"


def rounded(value: Decimal | Fraction | float | int, places: int) -> Decimal:
    """Half up to `places` decimals (Django's number_format would cut the digits off)."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@register.filter
def percent(value: Decimal | Fraction | float | None, places: int = 1) -> str:
    if value is None:
        return DASH
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return formats.number_format(rounded(Decimal(value) * 100, int(places)), int(places)) + "%"


@register.filter
def decimal(value: Decimal | Fraction | float | None, places: int = 1) -> str:
    if value is None:
        return DASH
    return formats.number_format(rounded(value, int(places)), int(places))


@register.simple_tag
def query(base: str, **extra) -> str:
    """`base` (an encoded query string) with `extra` parameters set: for links that keep the
    period and the filters."""
    from urllib.parse import parse_qsl, urlencode

    params = dict(parse_qsl(base, keep_blank_values=False))
    for name, value in extra.items():
        if value in (None, ""):
            params.pop(name, None)
        else:
            params[name] = str(value)
    return urlencode(params)


@register.filter
def get(mapping: dict, key):
    """`mapping[key]`, or None (templates cannot index a dict by a variable)."""
    return mapping.get(key) if mapping else None
