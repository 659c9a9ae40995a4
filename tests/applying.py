"""Helpers of the online-application tests: citizens, files, and the four steps through HTTP.

The files are tiny but real as far as content sniffing goes (the magic bytes of PDF and PNG),
so they pass `dossiers.files` the way a citizen's scans do; a text file renamed .pdf does not.
"""

from __future__ import annotations

import re

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import OnlineLevel
from citizens import services as accounts
from citizens.models import BusinessAccount, BusinessMembership, CitizenAccount, MemberRole
from dossiers.models import Dossier
from dossiers.services import (
    ComponentData,
    assign_step,
    hand_over_step,
    receive_submitted,
    record_result,
    request_supplement,
    start_step,
)
from tests.personas import actor

PASSWORD = "mua-thu-Ha-Noi-2026"
SITE = "http://testserver/"
BASE = "/nop-truc-tuyen"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def citizen(
    email: str = "binh@example.test", *, pid: str = "079200012345", name: str = "Trần Thị Bình"
) -> CitizenAccount:
    """A citizen who signed up and confirmed the address (ID number declared, not verified)."""
    data = accounts.SignUp(
        full_name=name, personal_id=pid, email=email, phone="", password=PASSWORD
    )
    accounts.sign_up(data, site=SITE)
    account = CitizenAccount.objects.get(email=email)
    accounts.confirm_sign_up(account.user)
    mail.outbox.clear()
    return account


def signed_in(client, account: CitizenAccount):
    client.force_login(account.user, backend="citizens.backends.CitizenPasswordBackend")
    return client


def business_of(account: CitizenAccount, *, verified: bool = True, tax_code="0401234567"):
    from django.utils import timezone

    business = BusinessAccount.objects.create(
        tax_code=tax_code, name="Công ty TNHH Sông Hàn", address="12 Bạch Đằng, Hải Châu",
        verified_at=timezone.now() if verified else None,
    )  # fmt: skip
    BusinessMembership.objects.create(
        business=business, citizen=account, role=MemberRole.LEGAL_REPRESENTATIVE
    )
    return business


def pdf(name: str = "don-de-nghi.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def png(name: str = "ban-ve.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def not_a_pdf(name: str = "ban-ve.pdf") -> SimpleUploadedFile:
    """A text file dressed as a PDF: the name and the browser's claim say PDF, the bytes not."""
    return SimpleUploadedFile(name, b"Hello, I am not a PDF", content_type="application/pdf")


def online(procedure):
    procedure.online_level = OnlineLevel.FULL
    procedure.save()
    return procedure


def draft_url(pk: int, step: str = "") -> str:
    return f"{BASE}/ho-so-nhap/{pk}/" + (f"{step}/" if step else "")


def start(client, procedure) -> int:
    """Begin a draft from the procedure's online-application page; its id."""
    response = client.post(f"{BASE}/thu-tuc/{procedure.national_code}/")
    assert response.status_code == 302, response.content.decode()[:500]
    return int(re.search(r"/ho-so-nhap/(\d+)/", response["Location"]).group(1))


def choose_applicant(client, pk: int, receiving, *, applicant: str = "person", **more):
    data = {"applicant": applicant, "receiving_agency": receiving.pk, "phone": "0905123456",
            "address": "45 Lê Duẩn, Hải Châu", "next": "", **more}  # fmt: skip
    return client.post(draft_url(pk, "nguoi-nop"), data)


def attach(client, pk: int, docs, files: list, *, save: bool = False, **more):
    """Post the components step: files[i] for docs[i] (None leaves the slot alone)."""
    data = {f"file_d{d.pk}": f for d, f in zip(docs, files, strict=True) if f is not None}
    data.update({"save" if save else "next": "", **more})
    return client.post(draft_url(pk, "thanh-phan"), data)


def choose_delivery(client, pk: int, delivery: str = "online", address: str = ""):
    data = {"delivery": delivery, "delivery_address": address, "next": ""}
    return client.post(draft_url(pk, "nhan-ket-qua"), data)


def submit(client, pk: int):
    return client.post(draft_url(pk, "xac-nhan"))


def apply_online(client, province, files=None) -> Dossier:
    """The whole application through HTTP, two files; the submitted dossier."""
    pk = start(client, province.procedure)
    assert choose_applicant(client, pk, province.centre).status_code == 302
    files = files or [pdf(), png()]
    assert attach(client, pk, province.docs, files).status_code == 302
    assert choose_delivery(client, pk).status_code == 302
    response = submit(client, pk)
    assert response.status_code == 302, response.content.decode()[:2000]
    code = response["Location"].rstrip("/").split("/")[-2]
    return Dossier.objects.get(code=code)


# ---------------------------------------------------------------- officials' moves


def to_specialist(province, dossier):
    receive_submitted(actor=actor(province.officer), dossier=dossier)
    hand_over_step(actor=actor(province.officer), dossier=dossier)
    assign_step(actor=actor(province.head), dossier=dossier, assignee=province.specialist)
    start_step(actor=actor(province.specialist), dossier=dossier)
    dossier.refresh_from_db()
    return dossier


def to_result(province, dossier):
    to_specialist(province, dossier)
    hand_over_step(actor=actor(province.specialist), dossier=dossier, to=province.head)
    hand_over_step(actor=actor(province.head), dossier=dossier, to=province.leader)
    result = ComponentData(
        name="Giấy phép", kind="electronic",
        file=SimpleUploadedFile("giay-phep.pdf", PDF + b"% result", "application/pdf"),
    )  # fmt: skip
    record_result(actor=actor(province.leader), dossier=dossier, number="7/GP", files=[result])
    dossier.refresh_from_db()
    return dossier


def ask_supplement(province, dossier, *docs):
    items = [{"name": d.name, "kind": "original", "count": 1, "required_document_id": d.pk}
             for d in docs]  # fmt: skip
    request_supplement(
        actor=actor(province.specialist), dossier=dossier, items=items,
        reason="Bản vẽ chưa có dấu của đơn vị thiết kế",
    )  # fmt: skip
    dossier.refresh_from_db()
    return dossier
