"""Files of a dossier: type read from the content, size limited, hashed, stored privately."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers.models import Document, Dossier
from dossiers.services import ComponentData, receive_dossier
from tests.personas import actor, applicant, local

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 64


def _components(province, first: bytes, name: str = "don.pdf") -> list[ComponentData]:
    files = [SimpleUploadedFile(name, first), SimpleUploadedFile("ban-ve.png", PNG)]
    return [
        ComponentData(name=d.name, kind="original", required_document_id=d.pk, file=f)
        for d, f in zip(province.docs, files, strict=True)
    ]


def _receive(province, components):
    return receive_dossier(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(),
        components=components, at=local(2026, 11, 2, 9, 0),
    )  # fmt: skip


def test_files_are_sniffed_hashed_and_stored_under_a_random_name(province):
    dossier = _receive(province, _components(province, PDF))
    pdf = Document.objects.get(dossier=dossier, content_type="application/pdf")
    assert pdf.sha256 == hashlib.sha256(PDF).hexdigest()
    assert pdf.size == len(PDF) and pdf.original_name == "don.pdf" and pdf.digitised
    assert "don" not in pdf.file.name and pdf.file.read() == PDF
    assert Document.objects.get(dossier=dossier, content_type="image/png").size == len(PNG)


def test_a_renamed_executable_is_refused_and_nothing_is_written(province):
    with pytest.raises(ValidationError, match="không phải PDF, JPEG hoặc PNG"):
        _receive(province, _components(province, EXE, name="don.pdf"))
    assert not Dossier.objects.exists() and not Document.objects.exists()


def test_the_size_limit_is_a_setting(province, settings):
    settings.MOTCUA = {**settings.MOTCUA, "MAX_UPLOAD_BYTES": 1024}
    big = PDF + b"0" * 2048
    with pytest.raises(ValidationError, match="lớn hơn giới hạn"):
        _receive(province, _components(province, big))
    assert not Dossier.objects.exists()
