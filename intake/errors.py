"""Errors of the intake API: an HTTP status, a stable machine code and a Vietnamese message.

Integrators branch on `code` (it never changes with the language); `message` is for people.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse


class IntakeError(Exception):
    """A refused push. Raised by the authentication and the service; turned into JSON once."""

    def __init__(self, status: int, code: str, message: str, details: list | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = str(message)
        self.details = details or []


def error_body(code: str, message: str, details: list | None = None) -> dict:
    return {"code": code, "message": str(message), "details": details or []}


def intake_error_response(request: HttpRequest, exc: IntakeError) -> JsonResponse:
    """Registered on the NinjaAPI (motcua/api.py) for IntakeError."""
    return JsonResponse(error_body(exc.code, exc.message, exc.details), status=exc.status)
