"""Sending a stored file back to its owner: the type sniffed at upload, shown inline only for
PDF and images, never guessed by the browser, never cached (personal data)."""

from __future__ import annotations

from django.http import FileResponse

from applications.models import StagedFile
from dossiers.models import Document

PREVIEWABLE = {"application/pdf", "image/jpeg", "image/png"}
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def serve_file(stored: StagedFile | Document, *, inline: bool = False) -> FileResponse:
    previewable = stored.content_type in PREVIEWABLE
    extension = EXTENSIONS.get(stored.content_type, "bin")
    response = FileResponse(
        stored.file.open("rb"),
        as_attachment=not (inline and previewable),
        filename=stored.original_name or f"{stored.pk}.{extension}",
        content_type=stored.content_type if previewable else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
