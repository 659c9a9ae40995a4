"""Tokens and request signatures of the intake API (pure functions, no database).

The signature is HMAC-SHA256 with the system's secret over `<timestamp>.<raw body>`: binding
the timestamp into the signature means an old request cannot be replayed with a fresh
timestamp, and signing the raw bytes means no one has to agree on a JSON canonical form.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_HEADER = "Authorization"
TIMESTAMP_HEADER = "X-Motcua-Timestamp"
SIGNATURE_HEADER = "X-Motcua-Signature"
SIGNATURE_PREFIX = "sha256="


def new_token() -> str:
    return "mct_" + secrets.token_urlsafe(32)


def new_secret() -> str:
    return secrets.token_hex(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of `timestamp` + "." + body, keyed with the secret's UTF-8 bytes."""
    message = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: str, body: bytes) -> str:
    return SIGNATURE_PREFIX + signature(secret, timestamp, body)


def signature_matches(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """Constant-time comparison; accepts the value with or without the `sha256=` prefix."""
    given = header.strip().removeprefix(SIGNATURE_PREFIX).lower()
    return hmac.compare_digest(given, signature(secret, timestamp, body))
