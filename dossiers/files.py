"""Storing a dossier's files: content sniffed (PDF, JPEG, PNG only), size-limited, hashed.

The type is read from the bytes, not from the name or the browser's claim, because a renamed
executable must not become a "PDF" in the archive.
"""

from __future__ import annotations

import hashlib

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

ALLOWED_TYPES = {"application/pdf", "image/jpeg", "image/png"}


def sniff(upload: UploadedFile) -> str:
    """The MIME type read from the first bytes, or ValidationError if not PDF/JPEG/PNG."""
    upload.seek(0)
    head = upload.read(262)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind else ""
    if mime not in ALLOWED_TYPES:
        raise ValidationError(
            _("Tệp “%(name)s” không phải PDF, JPEG hoặc PNG.") % {"name": upload.name},
            code="file_type",
        )
    return mime


def check_size(upload: UploadedFile) -> None:
    limit = settings.MOTCUA["MAX_UPLOAD_BYTES"]
    if upload.size > limit:
        raise ValidationError(
            _("Tệp “%(name)s” lớn hơn giới hạn %(limit)s.")
            % {"name": upload.name, "limit": filesizeformat(limit)},
            code="file_size",
        )
    if upload.size == 0:
        raise ValidationError(_("Tệp “%(name)s” rỗng.") % {"name": upload.name}, code="file_empty")


def sha256_of(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def inspect_upload(upload: UploadedFile) -> dict:
    """Check and describe an upload before anything is written (raises ValidationError)."""
    check_size(upload)
    return {
        "content_type": sniff(upload),
        "sha256": sha256_of(upload),
        "size": upload.size,
        "original_name": (upload.name or "")[:255],
    }
