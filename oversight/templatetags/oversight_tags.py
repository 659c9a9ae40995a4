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


@register.simple_tag
def options(choices, selected) -> str:
    """The <option>s of a select, `selected` marked: one string join in Python, where a
    template loop over two hundred agencies costs more than the rest of a page."""
    from html import escape

    from django.utils.safestring import mark_safe

    parts = [
        f'<option value="{escape(str(value))}"{" selected" if value == selected else ""}>'
        f"{escape(str(label))}</option>"
        for value, label in choices
    ]
    return mark_safe("".join(parts))  # every value and label is escaped above


FORM_VERSION = 1  # bump when the form's markup changes, so no cache serves the old one


@register.simple_tag
def period_fields(form) -> str:
    """The period form's fields rendered, cached: the markup is a pure function of the query
    string (a bound form: its values and errors) or of the initial period (which follows the
    day), and of the language, so the key holds exactly those and can never be stale."""
    import hashlib
    import json

    from django.core.cache import cache
    from django.template.loader import render_to_string
    from django.utils.translation import get_language

    from oversight.choosing import form_state

    state = form_state(form.data if form.is_bound else {}, form.initial)
    material = json.dumps([FORM_VERSION, get_language(), state], sort_keys=True)
    key = "oversight:period-form:" + hashlib.sha256(material.encode()).hexdigest()
    html = cache.get(key)
    if html is None:
        html = render_to_string("oversight/_period_fields.html", {"form": form})
        cache.set(key, html, 24 * 3600)
    return html
