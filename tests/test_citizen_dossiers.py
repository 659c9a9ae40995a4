"""A signed-in citizen's dossiers through HTTP (P5, P9, P6): the list and full detail, the
online supplement, results to download once handed back, the rating, the document store reused
in a new application, and the log of who in the agencies read their personal data."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from access.models import AccessLog
from applications.models import StagedFile
from citizens.models import CitizenAccount
from dossiers.lifecycle import Status
from dossiers.models import Document, Event
from dossiers.services import (
    ComponentData,
    guide_supplement_at_reception,
    receive_dossier,
    receive_submitted,
    return_result,
)
from ratings.models import Rating
from tests.applying import (
    BASE,
    PDF,
    PNG,
    apply_online,
    ask_supplement,
    attach,
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
    to_result,
    to_specialist,
)
from tests.personas import actor, applicant, components
from tests.signin import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def binh(province, client):
    online(province.procedure)
    return signed_in(client, citizen())


@pytest.fixture
def submitted(province, binh):
    return apply_online(binh, province)


def page_of(client, dossier) -> str:
    response = client.get(f"{BASE}/ho-so-cua-toi/{dossier.code}/")
    assert response.status_code == 200
    return response.content.decode()


# ---------------------------------------------------------------- the list and the detail


def test_my_dossiers_are_the_ones_i_submitted_and_those_under_my_verified_id(province, binh):
    mine = apply_online(binh, province)
    at_counter = receive_dossier(
        actor=actor(province.officer), procedure=province.procedure,
        applicant=applicant(n=7), components=components(province),
    )  # fmt: skip
    someone_else = receive_dossier(
        actor=actor(province.officer), procedure=province.procedure,
        applicant=applicant(n=8), components=components(province),
    )  # fmt: skip
    listing = binh.get(f"{BASE}/ho-so-cua-toi/").content.decode()
    assert mine.code in listing
    assert at_counter.code not in listing and someone_else.code not in listing
    # The identity provider vouches for the number of the counter dossier: it appears.
    account = CitizenAccount.objects.get(email="binh@example.test")
    account.personal_id, account.id_verified = at_counter.applicant.personal_id, True
    account.save()
    listing = binh.get(f"{BASE}/ho-so-cua-toi/").content.decode()
    assert mine.code in listing and at_counter.code in listing
    assert someone_else.code not in listing
    assert binh.get(f"{BASE}/ho-so-cua-toi/{someone_else.code}/").status_code == 404


def test_the_dossier_page_shows_status_due_timeline_and_components(province, binh, submitted):
    page = page_of(binh, submitted)
    assert "Mới đăng ký" in page and "Có sau khi hồ sơ được tiếp nhận" in page
    receive_submitted(actor=actor(province.officer), dossier=submitted)
    submitted.refresh_from_db()
    page = page_of(binh, submitted)
    assert "Đã tiếp nhận" in page
    assert f"{timezone.localtime(submitted.due_at):%H:%M %d/%m/%Y}" in page
    assert "Bước 1: Tiếp nhận" in page and "Nộp trực tuyến" in page
    for document in submitted.documents.all():
        url = f"{BASE}/ho-so-cua-toi/{submitted.code}/giay-to/{document.pk}/"
        assert url in page
        assert b"".join(binh.get(url).streaming_content) in (PDF, PNG)
    # Who did what inside the agency is not on the citizen's page.
    assert province.officer.user.get_full_name() not in page


def test_a_supplement_is_sent_online_with_exactly_the_listed_items(province, binh, submitted):
    dossier = ask_supplement(province, to_specialist(province, submitted), province.docs[1])
    page = page_of(binh, dossier)
    assert "Cơ quan yêu cầu bổ sung hồ sơ" in page and "Bản vẽ chưa có dấu" in page
    assert page.count('type="file"') == 1 and 'name="file_i0"' in page
    url = f"{BASE}/ho-so-cua-toi/{dossier.code}/bo-sung/"
    refused = binh.post(url, {"file_i0": not_a_pdf(), "send": ""})
    assert refused.status_code == 400
    assert "không phải PDF, JPEG hoặc PNG" in refused.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == Status.AWAITING_SUPPLEMENT
    response = binh.post(url, {"file_i0": png("ban-ve-co-dau.png"), "send": ""})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
    assert dossier.supplement.fulfilled_at is not None
    assert not dossier.pauses.filter(ended_at__isnull=True).exists()
    given = dossier.documents.get(role=Document.Role.SUPPLEMENT)
    assert (given.original_name, given.required_document_id) == (
        "ban-ve-co-dau.png", province.docs[1].pk,
    )  # fmt: skip
    event = Event.objects.get(dossier=dossier, action="dossier.supplement_provided")
    assert event.role == "applicant" and event.actor is None
    assert not StagedFile.objects.exists()
    assert "Cơ quan yêu cầu bổ sung hồ sơ" not in page_of(binh, dossier)


def test_a_supplement_with_one_bad_file_keeps_the_good_one(province, binh, submitted):
    dossier = ask_supplement(
        province, to_specialist(province, submitted), province.docs[0], province.docs[1]
    )
    url = f"{BASE}/ho-so-cua-toi/{dossier.code}/bo-sung/"
    response = binh.post(url, {"file_i0": pdf("don-moi.pdf"), "file_i1": not_a_pdf(), "send": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert '<span class="error" id="file_i1-error">' in page and "don-moi.pdf" in page
    assert [s.slot for s in StagedFile.objects.filter(dossier=dossier)] == ["i0"]
    dossier.refresh_from_db()
    assert dossier.status == Status.AWAITING_SUPPLEMENT
    # Sending without the second file names it; then the second file completes it.
    missing = binh.post(url, {"send": ""})
    assert missing.status_code == 400 and "Chưa đính kèm giấy tờ này." in missing.content.decode()
    assert binh.post(url, {"file_i1": png(), "send": ""}).status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
    assert dossier.documents.filter(role=Document.Role.SUPPLEMENT).count() == 2


def test_guidance_at_reception_lists_the_items_for_the_counter(province, binh, submitted):
    guide_supplement_at_reception(
        actor=actor(province.officer), dossier=submitted, reason="Thiếu bản vẽ",
        items=[{"name": "Bản vẽ", "required_document_id": province.docs[1].pk}],
    )  # fmt: skip
    page = page_of(binh, submitted)
    assert "Thiếu bản vẽ" in page and "bộ phận một cửa" in page
    assert 'type="file"' not in page
    url = f"{BASE}/ho-so-cua-toi/{submitted.code}/bo-sung/"
    assert binh.post(url, {"file_i0": png(), "send": ""}).status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.AWAITING_SUPPLEMENT


# ---------------------------------------------------------------- results and rating


def test_the_result_is_downloaded_once_handed_back_then_rated(province, binh, submitted):
    dossier = to_result(province, submitted)
    result_file = dossier.documents.get(role=Document.Role.RESULT)
    url = f"{BASE}/ho-so-cua-toi/{dossier.code}/giay-to/{result_file.pk}/"
    page = page_of(binh, dossier)
    assert "Kết quả đã có" in page and url not in page
    assert binh.get(url).status_code == 404
    return_result(actor=actor(province.officer), dossier=dossier, channel="online")
    page = page_of(binh, dossier)
    assert url in page and "7/GP" in page
    assert b"".join(binh.get(url).streaming_content) == PDF + b"% result"

    rate_url = f"{BASE}/ho-so-cua-toi/{dossier.code}/danh-gia/"
    assert rate_url in page
    assert binh.post(rate_url, {"comment": "Nhanh"}).status_code == 400
    response = binh.post(rate_url, {"overall": "5", "timeliness": "4", "comment": "Nhanh"})
    assert response.status_code == 302
    rating = Rating.objects.get(dossier=dossier)
    assert (rating.overall, rating.channel, rating.citizen.citizen.email) == (
        5, Rating.Channel.PORTAL, "binh@example.test",
    )  # fmt: skip
    assert "Bạn đã đánh giá hồ sơ này: 5/5" in page_of(binh, dossier)
    assert binh.post(rate_url, {"overall": "1"}).status_code == 302
    assert Rating.objects.get(dossier=dossier).overall == 5


def test_rating_waits_for_the_result(province, binh, submitted):
    rate_url = f"{BASE}/ho-so-cua-toi/{submitted.code}/danh-gia/"
    assert binh.post(rate_url, {"overall": "5"}).status_code == 302
    assert not Rating.objects.exists()


# ---------------------------------------------------------------- the document store


def test_the_store_holds_results_and_received_components_for_reuse(province, binh, submitted):
    dossier = to_result(province, submitted)
    return_result(actor=actor(province.officer), dossier=dossier, channel="online")
    store = binh.get(f"{BASE}/kho-giay-to/").content.decode()
    result = dossier.documents.get(role=Document.Role.RESULT)
    drawing = dossier.documents.get(required_document=province.docs[1])
    assert "Giấy phép" in store and "Bản vẽ" in store

    pk = start(binh, province.procedure)
    choose_applicant(binh, pk, province.centre)
    form = binh.get(draft_url(pk, "thanh-phan")).content.decode()
    assert re.search(rf'<option value="{drawing.pk}">Bản vẽ', form)
    response = attach(
        binh, pk, province.docs, [pdf(), None], **{f"store_d{province.docs[1].pk}": drawing.pk}
    )
    assert response.status_code == 302
    choose_delivery(binh, pk)
    again = submit(binh, pk)
    code = again["Location"].rstrip("/").split("/")[-2]
    reused = Document.objects.get(dossier__code=code, required_document=province.docs[1])
    assert reused.reused_from == drawing and reused.sha256 == drawing.sha256
    assert reused.file.read() == PNG and reused.file.name != drawing.file.name
    assert result.pk != reused.pk


def test_a_document_outside_my_store_cannot_be_reused(province, binh):
    stranger = receive_dossier(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(n=9),
        components=[
            ComponentData(name=d.name, kind="original", required_document_id=d.pk,
                          file=SimpleUploadedFile("x.pdf", PDF, "application/pdf"))
            for d in province.docs
        ],
    )  # fmt: skip
    theirs = stranger.documents.first()
    pk = start(binh, province.procedure)
    choose_applicant(binh, pk, province.centre)
    response = attach(
        binh, pk, province.docs, [pdf(), None], **{f"store_d{province.docs[1].pk}": theirs.pk}
    )
    assert response.status_code == 400
    assert not StagedFile.objects.filter(reused_from=theirs).exists()


# ---------------------------------------------------------------- who read my data


def test_the_access_log_shows_who_read_my_personal_data(province, binh, submitted):
    other = receive_dossier(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(n=5),
        components=components(province),
    )  # fmt: skip
    # Officials open the dossiers in the back office, which records each read.
    for dossier, official in ((submitted, province.officer), (other, province.officer2)):
        response = sign_in(Client(), official).get(f"/can-bo/ho-so/{dossier.code}/")
        assert response.status_code == 200
    assert AccessLog.objects.count() == 2
    page = binh.get(f"{BASE}/nhat-ky-truy-cap/").content.decode()
    assert province.officer.user.get_full_name() in page and province.centre.name in page
    assert submitted.code in page and "Trang hồ sơ" in page
    assert other.code not in page and province.officer2.user.get_full_name() not in page
    stranger = signed_in(Client(), citizen("chi@example.test", pid="079300054321", name="Lê Chi"))
    assert submitted.code not in stranger.get(f"{BASE}/nhat-ky-truy-cap/").content.decode()


# ---------------------------------------------------------------- letters


def test_the_letters_follow_what_happened(province, binh, submitted):
    """Form 01 once received, Form 02 once a supplement was asked; each a PDF of its own."""
    receipt = f"{BASE}/ho-so-cua-toi/{submitted.code}/mau/01/"
    guidance = f"{BASE}/ho-so-cua-toi/{submitted.code}/mau/02/"
    assert receipt not in page_of(binh, submitted)
    assert binh.get(receipt).status_code == 404
    dossier = ask_supplement(province, to_specialist(province, submitted), province.docs[1])
    page = page_of(binh, dossier)
    assert receipt in page and guidance in page
    assert f"{BASE}/ho-so-cua-toi/{submitted.code}/mau/03/" not in page
    for url in (receipt, guidance):
        response = binh.get(url)
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        assert response["Cache-Control"] == "private, no-store"
    assert binh.get(f"{BASE}/ho-so-cua-toi/{submitted.code}/mau/04/").status_code == 404
    assert binh.get(f"{BASE}/ho-so-cua-toi/{submitted.code}/mau/05/").status_code == 404
    other = signed_in(Client(), citizen("chi@example.test", pid="079300054321", name="Lê Chi"))
    assert other.get(receipt).status_code == 404
