"""From a template to PDF bytes: always in Vietnamese, never fetching anything.

The forms are legal documents whose wording the circular prescribes, so they are rendered with
the Vietnamese catalogue whatever language the official's screen is in. The PDF is made by
`motcua.pdf`, which fetches nothing from outside.
"""

from __future__ import annotations

import base64
import io
from urllib.parse import urlencode

import qrcode
import qrcode.image.pil
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from motcua.pdf import html_to_pdf

FORM_LANGUAGE = "vi"


def tracking_url(code: str) -> str:
    """The public tracking page of a dossier, as printed (and encoded in the receipt's QR):
    the same address as `tracking.links.tracking_url` builds for emails and SMS."""
    return f"{settings.MOTCUA['SITE_URL']}/tra-cuu/?{urlencode({'ma': code})}"


def qr_png(text: str) -> str:
    """A QR code as a `data:` URI of a small PNG, four pixels a module, for an `<img>` drawn
    with `image-rendering: pixelated` (the PDF then says not to smooth it, so the modules stay
    sharp at any print size). Medium error correction survives a worn paper receipt.

    Why not SVG: WeasyPrint parses an SVG path in Python, one command per run of modules; the
    QR took 24 of the 139 ms a receipt took, the PNG costs almost nothing to place."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
        box_size=4,
        image_factory=qrcode.image.pil.PilImage,
    )
    code.add_data(text)
    code.make(fit=True)
    png = io.BytesIO()
    code.make_image().save(png, format="PNG")
    return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")


def render_html(template: str, context: dict) -> str:
    with translation.override(FORM_LANGUAGE):
        return render_to_string(template, context)


def render_pdf(template: str, context: dict) -> bytes:
    """Render `template` with `context` in Vietnamese and return the PDF."""
    return html_to_pdf(render_html(template, context))
