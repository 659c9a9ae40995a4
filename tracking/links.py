"""The public address of a dossier's tracking page: one place for emails, SMS and receipts."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse


def tracking_path(code: str) -> str:
    """`/tra-cuu/?ma=<code>`: the page that shows the dossier's progress without signing in."""
    return f"{reverse('tracking:track')}?{urlencode({'ma': code})}"


def tracking_url(code: str) -> str:
    """The absolute address, for messages read outside the site (email, SMS, QR codes)."""
    return settings.MOTCUA["SITE_URL"] + tracking_path(code)
