"""Account emails (verification, password reset, invitations), sent through Django's mail backend.

They are sent at once, not through the notification outbox: a link to reset a password must not
sit in a database table. A mail server that fails is logged and the page answers as if the
message had gone, so the answer never tells whether an address has an account.
"""

from __future__ import annotations

import logging
import smtplib

from django.core.mail import send_mail
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def send_account_mail(kind: str, to: str, context: dict) -> bool:
    """Render citizens/email/<kind>_subject.txt and _body.txt and send them to one address."""
    subject = " ".join(render_to_string(f"citizens/email/{kind}_subject.txt", context).split())
    body = render_to_string(f"citizens/email/{kind}_body.txt", context)
    try:
        send_mail(subject, body, None, [to])
    except (OSError, smtplib.SMTPException):
        logger.exception("account mail %s could not be sent", kind)
        return False
    return True
