"""SMS through an HTTP gateway (P10): one JSON POST per message.

The contract, kept small so that an adapter in front of any Vietnamese SMS provider can speak it:

    POST <MOTCUA_SMS_URL>
    <MOTCUA_SMS_TOKEN_HEADER>: <MOTCUA_SMS_TOKEN>      (default header: Authorization)
    Content-Type: application/json
    {"to": "+84905123456", "text": "...", "reference": "motcua-<outbox row id>"}

A 2xx answer means accepted. A 4xx answer (other than 408 and 429) is a refusal that a retry
would not change (a bad number, a text the gateway rejects): the row fails at once. Anything
else (5xx, 408, 429, a timeout, a refused connection) is retried by the outbox. `reference` is
the same on every attempt, so a gateway can drop a repeat when our first attempt reached it but
its answer did not reach us.

The text: Vietnamese gateways often accept unaccented text only, and unaccented text fits 160
characters in one GSM-7 segment (70 in UCS-2 with accents). With MOTCUA_SMS_UNACCENTED (on by
default) the text is unaccented by `motcua.text.unaccent` (the accent step of `fold`, keeping
case and punctuation, which a code and a time need) and limited to MOTCUA_SMS_MAX_CHARS (160).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

from django.conf import settings

from motcua.text import unaccent

_SEPARATORS = re.compile(r"[\s.\-()]")
_MOBILE = re.compile(r"0[35789][0-9]{8}")
_SPACES = re.compile(r"\s+")
RETRYABLE_CLIENT_ERRORS = frozenset({408, 429})


class SmsError(Exception):
    """The gateway did not accept the message; `permanent` when retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def enabled() -> bool:
    """SMS are queued only when a gateway is configured."""
    return bool(settings.MOTCUA["SMS_URL"])


def mobile_number(phone: str) -> str | None:
    """'0905 123 456' or '+84905123456' -> '+84905123456'; None for a landline (11 digits,
    02x) or anything that is not a Vietnamese mobile number: SMS go to mobiles only."""
    digits = _SEPARATORS.sub("", phone or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    return "+84" + digits[1:] if _MOBILE.fullmatch(digits) else None


def compose(sentence: str, link: str = "") -> str:
    """The text to send: one line, unaccented if so configured, the tracking link appended
    when it still fits within the limit (the sentence itself carries the dossier code)."""
    text = _SPACES.sub(" ", sentence).strip()
    if settings.MOTCUA["SMS_UNACCENTED"]:
        text = unaccent(text)
    limit = settings.MOTCUA["SMS_MAX_CHARS"]
    if link and len(text) + 1 + len(link) <= limit:
        return f"{text} {link}"
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect would resend the token elsewhere (and turn the POST into a GET): refuse."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def send(*, to: str, text: str, reference: str) -> None:
    """POST one message to the gateway; raises SmsError unless it answers 2xx."""
    config = settings.MOTCUA
    body = json.dumps({"to": to, "text": text, "reference": reference}, ensure_ascii=False)
    request = urllib.request.Request(
        config["SMS_URL"], data=body.encode("utf-8"), method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"},
    )  # fmt: skip
    if config["SMS_TOKEN"]:
        request.add_header(config["SMS_TOKEN_HEADER"], config["SMS_TOKEN"])
    try:
        with _opener.open(request, timeout=config["SMS_TIMEOUT"]) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        permanent = 400 <= exc.code < 500 and exc.code not in RETRYABLE_CLIENT_ERRORS
        raise SmsError(f"SMS gateway answered {exc.code}", permanent=permanent) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise SmsError(f"SMS gateway unreachable: {exc}") from None
