"""Template helpers for pages outside the app that link to the online application."""

from django import template

from applications.selectors import offers_online as _offers_online

register = template.Library()


@register.filter
def offers_online(procedure) -> bool:
    """{% if procedure|offers_online %}: the procedure is a public online service."""
    return _offers_online(procedure)
