"""Online application (P3) through HTTP: from the procedure page, step by step, with drafts
that keep every good file, to a submitted dossier in the receiving counter's check queue."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from access.scope import readable_dossiers
from applications import services
from applications.models import Draft, OnlineSubmission, StagedFile
from citizens.models import CitizenAccount
from dossiers.lifecycle import NATIONAL_CODES, Status
from dossiers.models import Applicant, Document
from tests.applying import (
    BASE,
    PDF,
    apply_online,
    attach,
    business_of,
    choose_applicant,
    choose_delivery,
    citizen,
    draft_url,
    not_a_pdf,
    online,
    pdf,
    png,
    signed_in,
    start,
    submit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def binh(province, client):
    online(province.procedure)
    return signed_in(client, citizen())


def test_the_procedure_page_offers_online_application_only_for_online_services(client, province):
    page = f"/thu-tuc/{province.procedure.national_code}/"
    assert "Nộp hồ sơ trực tuyến" not in client.get(page).content.decode()
    online(province.procedure)
    html = client.get(page).content.decode()
    assert f'href="{BASE}/thu-tuc/{province.procedure.national_code}/"' in html


def test_applying_needs_a_citizen_account(client, province):
    online(province.procedure)
    response = client.get(f"{BASE}/thu-tuc/{province.procedure.national_code}/")
    assert response.status_code == 302 and response["Location"].startswith("/tai-khoan/dang-nhap/")


def test_a_procedure_without_online_service_cannot_be_applied_for(client, province):
    signed_in(client, citizen())
    url = f"{BASE}/thu-tuc/{province.procedure.national_code}/"
    assert client.post(url).status_code == 404
    assert not Draft.objects.exists()


def test_each_step_sends_back_to_the_first_unmet_condition(client, province, binh):
    pk = start(client, province.procedure)
    # Only one place receives online dossiers here: it is chosen already, the applicant is not.
    response = client.get(draft_url(pk, "xac-nhan"))
    assert response["Location"] == draft_url(pk, "nguoi-nop")
    assert client.get(draft_url(pk, "thanh-phan"))["Location"] == draft_url(pk, "nguoi-nop")
    choose_applicant(client, pk, province.centre)
    response = client.get(draft_url(pk, "nhan-ket-qua"), follow=True)
    assert response.redirect_chain[-1][0] == draft_url(pk, "thanh-phan")
    assert "Hãy đính kèm đủ các thành phần hồ sơ bắt buộc." in response.content.decode()
    attach(client, pk, province.docs, [pdf(), png()])
    assert client.get(draft_url(pk, "xac-nhan"))["Location"] == draft_url(pk, "nhan-ket-qua")
    choose_delivery(client, pk)
    assert client.get(draft_url(pk, "xac-nhan")).status_code == 200


def test_a_draft_is_saved_and_resumed_another_day(province, binh):
    pk = start(binh, province.procedure)
    choose_applicant(binh, pk, province.centre)
    response = attach(binh, pk, province.docs, [pdf("don.pdf"), None], save=True)
    assert response.status_code == 302 and response["Location"] == draft_url(pk, "thanh-phan")
    binh.logout()

    later = signed_in(Client(), Draft.objects.get(pk=pk).citizen)
    listing = later.get(f"{BASE}/ho-so-nhap/").content.decode()
    assert province.procedure.name in listing and "Thành phần hồ sơ" in listing
    resumed = later.get(draft_url(pk), follow=True)
    assert resumed.redirect_chain[-1][0] == draft_url(pk, "thanh-phan")
    page = resumed.content.decode()
    assert "Đã đính kèm" in page and "don.pdf" in page
    # The phone and address typed in the first step are still there.
    assert 'value="45 Lê Duẩn, Hải Châu"' in later.get(draft_url(pk, "nguoi-nop")).content.decode()


def test_one_bad_file_keeps_the_good_one_and_is_named_next_to_its_field(province, binh):
    pk = start(binh, province.procedure)
    choose_applicant(binh, pk, province.centre)
    response = attach(binh, pk, province.docs, [pdf("don.pdf"), not_a_pdf("ban-ve.pdf")])
    assert response.status_code == 400
    page = response.content.decode()
    error = f'<span class="error" id="file_d{province.docs[1].pk}-error">'
    assert error in page and "không phải PDF, JPEG hoặc PNG" in page
    assert f'aria-describedby="file_d{province.docs[1].pk}-error' in page
    kept = StagedFile.objects.get(draft_id=pk)
    assert (kept.slot, kept.original_name, kept.content_type) == (
        f"d{province.docs[0].pk}",
        "don.pdf",
        "application/pdf",
    )
    assert kept.file.read() == PDF
    assert "Đã đính kèm" in page and "don.pdf" in page
    # Sending only the missing file completes the step.
    assert attach(binh, pk, province.docs, [None, png()]).status_code == 302


def test_an_attached_file_can_be_removed_and_is_then_missing(province, binh):
    pk = start(binh, province.procedure)
    choose_applicant(binh, pk, province.centre)
    attach(binh, pk, province.docs, [pdf(), png()], save=True)
    drawing = f"d{province.docs[1].pk}"
    response = attach(binh, pk, province.docs, [None, None], **{f"remove_{drawing}": "on"})
    assert response.status_code == 400
    assert f'<span class="error" id="file_{drawing}-error">Chưa đính kèm giấy tờ này.' in (
        response.content.decode()
    )
    assert [f.slot for f in StagedFile.objects.filter(draft_id=pk)] == [f"d{province.docs[0].pk}"]


def test_a_file_over_the_size_limit_is_refused_alone(province, binh, settings):
    settings.MOTCUA = {**settings.MOTCUA, "MAX_UPLOAD_BYTES": 1024}
    pk = start(binh, province.procedure)
    choose_applicant(binh, pk, province.centre)
    big = SimpleUploadedFile("lon.pdf", PDF + b"0" * 2000, content_type="application/pdf")
    response = attach(binh, pk, province.docs, [big, png()])
    assert response.status_code == 400
    assert "lớn hơn giới hạn" in response.content.decode()
    assert [f.original_name for f in StagedFile.objects.filter(draft_id=pk)] == ["ban-ve.png"]


def test_typed_details_are_kept_when_one_is_wrong(province, binh):
    pk = start(binh, province.procedure)
    response = choose_applicant(binh, pk, province.centre, phone="12345", address="7 Trần Phú")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="7 Trần Phú"' in page and 'value="12345"' in page
    assert "Số điện thoại phải gồm" in page
    attach_page = binh.get(draft_url(pk, "thanh-phan"))
    assert attach_page["Location"] == draft_url(pk, "nguoi-nop")


def test_delivery_by_post_needs_an_address(province, binh):
    pk = start(binh, province.procedure)
    choose_applicant(binh, pk, province.centre)
    attach(binh, pk, province.docs, [pdf(), png()])
    response = choose_delivery(binh, pk, "post")
    assert response.status_code == 400
    assert "Hãy ghi địa chỉ để cơ quan gửi kết quả qua bưu chính." in response.content.decode()
    assert choose_delivery(binh, pk, "post", "9 Hùng Vương").status_code == 302
    assert Draft.objects.get(pk=pk).delivery_address == "9 Hùng Vương"


def test_submission_creates_one_dossier_in_the_counters_check_queue(province, binh):
    dossier = apply_online(binh, province)
    assert dossier.status == Status.SUBMITTED and NATIONAL_CODES[Status(dossier.status)] == 1
    assert dossier.channel == "online" and dossier.delivery == "online"
    assert dossier.receiving_agency == province.centre
    assert dossier.processing_agency == province.department
    assert dossier.applicant.name == "Trần Thị Bình"
    assert dossier.applicant.personal_id == "079200012345"
    components = list(dossier.documents.order_by("pk"))
    assert [(d.required_document_id, d.original_name) for d in components] == [
        (province.docs[0].pk, "don-de-nghi.pdf"),
        (province.docs[1].pk, "ban-ve.png"),
    ]
    assert components[0].file.read() == PDF and components[0].digitised
    assert readable_dossiers(province.officer).filter(pk=dossier.pk).exists()
    assert not readable_dossiers(province.outsider).filter(pk=dossier.pk).exists()
    assert OnlineSubmission.objects.get(dossier=dossier).citizen.email == "binh@example.test"
    assert not Draft.objects.exists() and not StagedFile.objects.exists()
    page = binh.get(f"{BASE}/ho-so-cua-toi/{dossier.code}/da-nop/").content.decode()
    assert dossier.code in page and province.centre.name in page


def test_submitting_twice_makes_no_second_dossier(province, binh):
    pk = start(binh, province.procedure)
    choose_applicant(binh, pk, province.centre)
    attach(binh, pk, province.docs, [pdf(), png()])
    choose_delivery(binh, pk)
    assert submit(binh, pk).status_code == 302
    assert submit(binh, pk).status_code == 404
    assert OnlineSubmission.objects.count() == 1


def test_another_citizen_sees_nothing_of_a_draft_or_a_dossier(province, binh):
    pk = start(binh, province.procedure)
    choose_applicant(binh, pk, province.centre)
    attach(binh, pk, province.docs, [pdf(), None], save=True)
    staged = StagedFile.objects.get(draft_id=pk)
    dossier = apply_online(binh, province)
    document = dossier.documents.first()

    other = signed_in(Client(), citizen("chi@example.test", pid="079300054321", name="Lê Chi"))
    for url in [
        draft_url(pk), draft_url(pk, "nguoi-nop"), draft_url(pk, "thanh-phan"),
        draft_url(pk, "nhan-ket-qua"), draft_url(pk, "xac-nhan"),
        f"{BASE}/ho-so-nhap/{pk}/tep/{staged.pk}/",
        f"{BASE}/ho-so-cua-toi/{dossier.code}/",
        f"{BASE}/ho-so-cua-toi/{dossier.code}/da-nop/",
        f"{BASE}/ho-so-cua-toi/{dossier.code}/giay-to/{document.pk}/",
        f"{BASE}/ho-so-cua-toi/{dossier.code}/danh-gia/",
    ]:  # fmt: skip
        assert other.get(url).status_code == 404, url
    assert other.post(draft_url(pk, "xac-nhan")).status_code == 404
    assert other.post(f"{BASE}/ho-so-nhap/{pk}/xoa/").status_code == 404
    assert Draft.objects.filter(pk=pk).exists()
    assert dossier.code not in other.get(f"{BASE}/ho-so-cua-toi/").content.decode()
    # The owner gets the file they uploaded.
    response = binh.get(f"{BASE}/ho-so-nhap/{pk}/tep/{staged.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Cache-Control"] == "private, no-store"


def test_a_citizen_applies_for_a_verified_business_they_act_for(province, binh):
    business = business_of(CitizenAccount.objects.get(email="binh@example.test"))
    pk = start(binh, province.procedure)
    chosen = choose_applicant(binh, pk, province.centre, applicant=f"b{business.pk}")
    assert chosen.status_code == 302
    attach(binh, pk, province.docs, [pdf(), png()])
    choose_delivery(binh, pk, "counter")
    code = submit(binh, pk)["Location"].rstrip("/").split("/")[-2]
    submission = OnlineSubmission.objects.select_related("dossier__applicant").get()
    applicant = submission.dossier.applicant
    assert (applicant.kind, applicant.tax_code, applicant.representative) == (
        Applicant.Kind.ORGANISATION, "0401234567", "Trần Thị Bình",
    )  # fmt: skip
    assert submission.business == business and submission.dossier.code == code
    # Another representative of the same business follows the dossier too.
    colleague = citizen("dung@example.test", pid="079200099999", name="Phạm Dũng")
    business.memberships.create(citizen=colleague, role="authorised")
    assert signed_in(Client(), colleague).get(f"{BASE}/ho-so-cua-toi/{code}/").status_code == 200


def test_an_unverified_business_cannot_be_the_applicant(province, binh):
    me = CitizenAccount.objects.get(email="binh@example.test")
    business = business_of(me, verified=False)
    pk = start(binh, province.procedure)
    response = choose_applicant(binh, pk, province.centre, applicant=f"b{business.pk}")
    assert response.status_code == 400
    assert Draft.objects.get(pk=pk).applicant_kind == ""


def test_a_draft_can_be_deleted_with_its_files(province, binh, django_capture_on_commit_callbacks):
    pk = start(binh, province.procedure)
    choose_applicant(binh, pk, province.centre)
    attach(binh, pk, province.docs, [pdf(), None], save=True)
    stored = StagedFile.objects.get(draft_id=pk).file
    storage, name = stored.storage, stored.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        response = binh.post(f"{BASE}/ho-so-nhap/{pk}/xoa/")
    assert response.status_code == 302
    assert not Draft.objects.exists() and not StagedFile.objects.exists()
    assert not storage.exists(name)


def test_components_become_documents_with_their_checksums(province, binh):
    dossier = apply_online(binh, province)
    for document in Document.objects.filter(dossier=dossier):
        assert len(document.sha256) == 64 and document.size > 0
        assert document.uploaded_by is None  # given by the applicant, not an official


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_submit_clicks_at_once_make_one_dossier(province, client):
    """Both requests meet at the draft's row lock: one submits, the other finds it gone."""
    from tests.test_concurrency_postgres import race

    online(province.procedure)
    signed_in(client, citizen())
    pk = start(client, province.procedure)
    choose_applicant(client, pk, province.centre)
    attach(client, pk, province.docs, [pdf(), png()])
    choose_delivery(client, pk)
    draft = Draft.objects.get(pk=pk)
    outcomes = race(lambda: services.submit_draft(draft), lambda: services.submit_draft(draft))
    assert sorted(type(o).__name__ for o in outcomes) == ["Dossier", "DraftGone"]
    assert OnlineSubmission.objects.count() == 1
    assert not Draft.objects.exists()
