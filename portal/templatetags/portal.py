"""Template filters for the public pages."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def money(value: int | None) -> str:
    """An amount in đồng with the reader's thousands separator: 20.000 (vi), 20,000 (en)."""
    if value is None:
        return ""
    grouped = f"{int(value):,}"
    return grouped if get_language() == "en" else grouped.replace(",", ".")
