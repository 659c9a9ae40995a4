"""From a template to PDF bytes: always in Vietnamese, never fetching anything.

The forms are legal documents whose wording the circular prescribes, so they are rendered with
the Vietnamese catalogue whatever language the official's screen is in. The PDF is made by
`motcua.pdf`, which fetches nothing from outside.
"""

from __future__ import annotations

from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from motcua.pdf import html_to_pdf

FORM_LANGUAGE = "vi"


def tracking_url(code: str) -> str:
    """The public tracking page of a dossier, as printed (and encoded in the receipt's QR):
    the same address as `tracking.links.tracking_url` builds for emails and SMS."""
    return f"{settings.MOTCUA['SITE_URL']}/tra-cuu/?{urlencode({'ma': code})}"


def qr_svg(text: str) -> SafeString:
    """An inline SVG QR code (medium error correction survives a worn paper receipt)."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
        image_factory=qrcode.image.svg.SvgPathImage,
    )
    code.add_data(text)
    code.make(fit=True)
    # The SVG is made of our own path data only (the text is not embedded): safe to inline.
    return mark_safe(code.make_image().to_string(encoding="unicode"))


def render_html(template: str, context: dict) -> str:
    with translation.override(FORM_LANGUAGE):
        return render_to_string(template, context)


def render_pdf(template: str, context: dict) -> bytes:
    """Render `template` with `context` in Vietnamese and return the PDF."""
    return html_to_pdf(render_html(template, context))
