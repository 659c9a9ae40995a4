"""The upstream intake API over HTTP: signed pushes, idempotency, refusals, OpenAPI, push-back.

Requests are signed here with hmac/hashlib directly (not with intake.signing), following the
recipe of docs/intake-api.md, so a change to our signing code that breaks integrators fails.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from dossiers.lifecycle import Status
from dossiers.models import Applicant, Document, Dossier
from dossiers.models.dossier import Channel
from dossiers.services import receive_dossier, receive_submitted
from intake.models import SeenSignature, StatusUpdate, UpstreamSubmission, UpstreamSystem
from tests.personas import actor, applicant, components

URL = "/api/intake/dossiers"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 64


class Upstream:
    """An upstream portal as an integrator would write it: token, secret, sign, post."""

    def __init__(self, token: str, secret: str, client: Client | None = None):
        self.token, self.secret = token, secret
        self.client = client or Client()

    def headers(self, body: bytes, *, timestamp: int | None = None, secret: str | None = None):
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        mac = hmac.new(
            (secret or self.secret).encode(), stamp.encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        return {
            "Authorization": f"Bearer {self.token}",
            "X-Motcua-Timestamp": stamp,
            "X-Motcua-Signature": f"sha256={mac}",
        }

    def post(self, body: bytes, headers: dict):
        return self.client.post(URL, data=body, content_type="application/json", headers=headers)

    def push(self, payload: dict, **sign):
        body = json.dumps(payload).encode()
        return self.post(body, self.headers(body, **sign))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def register(name: str = "Cổng DVC quốc gia", **extra) -> tuple[UpstreamSystem, str, str]:
    system = UpstreamSystem(name=name, **extra)
    token, secret = system.issue_credentials()
    system.save()
    return system, token, secret


@pytest.fixture
def upstream(province) -> Upstream:
    _system, token, secret = register()
    return Upstream(token, secret)


def payload(province, reference: str = "G22-260301-000123", files=(PDF, PNG)) -> dict:
    person = applicant()
    return {
        "reference": reference,
        "procedure_code": province.procedure.national_code,
        "receiving_agency": province.centre.exchange_code,
        "applicant": {
            "kind": "person",
            "name": person.name,
            "personal_id": person.personal_id,
            "birth_date": person.birth_date.isoformat(),
            "email": person.email,
        },
        "delivery": "online",
        "components": [
            {
                "position": doc.position,
                "file": {"name": f"tep-{doc.position}", "content_base64": b64(f)},
            }
            for doc, f in zip(province.docs, files, strict=True)
        ],
    }


def stored_files() -> list[Path]:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def assert_refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["message"]
    return body


def assert_nothing_written() -> None:
    assert not Dossier.objects.exists()
    assert not Document.objects.exists()
    assert not UpstreamSubmission.objects.exists()
    assert not Applicant.objects.exists()


# ---------------------------------------------------------------- accepted pushes


def test_a_push_becomes_a_submitted_online_dossier_at_the_receiving_agency(province, upstream):
    response = upstream.push(payload(province))
    assert response.status_code == 201, response.content
    answer = response.json()
    dossier = Dossier.objects.get()
    assert answer == {
        "code": dossier.code, "reference": "G22-260301-000123", "status": "submitted",
        "status_label": "Mới đăng ký", "national_status": 1, "created": True,
    }  # fmt: skip
    assert dossier.status == Status.SUBMITTED and dossier.channel == Channel.ONLINE
    assert dossier.receiving_agency == province.centre and dossier.received_at is None
    assert dossier.code.startswith(province.centre.exchange_code)
    documents = {d.required_document_id: d for d in dossier.documents.all()}
    assert documents[province.docs[0].pk].content_type == "application/pdf"
    assert documents[province.docs[1].pk].file.read() == PNG
    event = dossier.events.get()
    assert (event.role, event.actor_label) == ("upstream", "Cổng DVC quốc gia")


def test_the_same_push_twice_creates_one_dossier(province, upstream):
    now = int(time.time())
    first = upstream.push(payload(province), timestamp=now)
    again = upstream.push(payload(province), timestamp=now + 1)  # a retry is signed again
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["code"] == first.json()["code"] and again.json()["created"] is False
    assert Dossier.objects.count() == 1 and Document.objects.count() == 2
    assert UpstreamSubmission.objects.count() == 1


def test_a_reference_reused_with_other_content_is_a_conflict(province, upstream):
    assert upstream.push(payload(province)).status_code == 201
    changed = payload(province, files=(PDF, PDF))
    body = assert_refused(
        upstream.push(changed, timestamp=int(time.time()) + 1), 409, "reference_conflict"
    )
    assert Dossier.objects.get().code in body["message"]
    assert Dossier.objects.count() == 1


def test_another_system_may_use_the_same_reference(province, upstream):
    _other, token, secret = register("Hệ thống khác")
    assert upstream.push(payload(province)).status_code == 201
    assert Upstream(token, secret).push(payload(province)).status_code == 201
    assert Dossier.objects.count() == 2


# ---------------------------------------------------------------- authentication refused


def test_a_bad_signature_is_refused(province, upstream):
    assert_refused(upstream.push(payload(province), secret="not-the-secret"), 401, "bad_signature")
    body = json.dumps(payload(province)).encode()
    headers = upstream.headers(body)
    tampered = body.replace(b"G22-260301-000123", b"G22-260301-999999")
    assert_refused(upstream.post(tampered, headers), 401, "bad_signature")
    assert_nothing_written()


@pytest.mark.parametrize("skew", [-360, 360])
def test_a_timestamp_outside_the_window_is_refused(province, upstream, skew):
    response = upstream.push(payload(province), timestamp=int(time.time()) + skew)
    body = assert_refused(response, 401, "stale_timestamp")
    assert "300 giây" in body["message"]
    assert_nothing_written()


def test_the_window_is_a_setting(province, upstream, settings):
    settings.MOTCUA = {**settings.MOTCUA, "INTAKE_WINDOW_SECONDS": 30}
    response = upstream.push(payload(province), timestamp=int(time.time()) - 60)
    assert_refused(response, 401, "stale_timestamp")


def test_a_replayed_request_is_refused(province, upstream):
    body = json.dumps(payload(province)).encode()
    headers = upstream.headers(body)
    assert upstream.post(body, headers).status_code == 201
    assert_refused(upstream.post(body, headers), 409, "replayed_request")
    assert Dossier.objects.count() == 1


def test_seen_signatures_are_forgotten_once_out_of_the_window(province, upstream):
    system = UpstreamSystem.objects.get()
    expired = timezone.now() - dt.timedelta(seconds=1)
    SeenSignature.objects.create(system=system, signature="0" * 64, expires_at=expired)
    assert upstream.push(payload(province)).status_code == 201
    kept = SeenSignature.objects.get()
    assert kept.signature != "0" * 64 and kept.expires_at > timezone.now()


def test_unknown_missing_or_disabled_tokens_are_refused(province, upstream):
    guess = Upstream("mct_guess", upstream.secret)
    assert_refused(guess.push(payload(province)), 401, "unknown_token")
    body = json.dumps(payload(province)).encode()
    headers = upstream.headers(body)
    del headers["Authorization"]
    assert_refused(upstream.post(body, headers), 401, "missing_token")
    UpstreamSystem.objects.update(is_active=False)
    assert_refused(upstream.push(payload(province)), 401, "unknown_token")
    assert_nothing_written()


def test_missing_signature_headers_are_refused(province, upstream):
    body = json.dumps(payload(province)).encode()
    headers = upstream.headers(body)
    del headers["X-Motcua-Signature"]
    assert_refused(upstream.post(body, headers), 401, "missing_signature")
    assert_nothing_written()


@pytest.mark.parametrize("stamp", ["²⁰²⁶", "１７００００００００", "1e9", "-5", "9" * 40])
def test_a_timestamp_that_is_not_ascii_seconds_is_refused(province, upstream, stamp):
    """Digits of other scripts pass `str.isdigit()`; they are refused like any other text,
    not answered with a server error."""
    body = json.dumps(payload(province)).encode()
    headers = {**upstream.headers(body), "X-Motcua-Timestamp": stamp}
    assert_refused(upstream.post(body, headers), 401, "bad_timestamp")
    assert_nothing_written()


# ---------------------------------------------------------------- content refused


def test_a_bad_file_is_refused_and_nothing_is_written(province, upstream):
    before = stored_files()
    body = assert_refused(upstream.push(payload(province, files=(PDF, EXE))), 422, "file_type")
    assert body["details"] == [{"component": 1, "code": "file_type", "message": body["message"]}]
    assert "tep-2" in body["message"]
    assert_nothing_written()
    assert stored_files() == before


def test_a_file_over_the_size_limit_is_refused(province, upstream, settings):
    settings.MOTCUA = {**settings.MOTCUA, "MAX_UPLOAD_BYTES": 1024}
    big = PDF + b"0" * 2048
    assert_refused(upstream.push(payload(province, files=(big, PNG))), 422, "file_size")
    assert_nothing_written()


def test_content_that_is_not_base64_is_refused(province, upstream):
    bad = payload(province)
    bad["components"][0]["file"]["content_base64"] = "not base64!"
    assert_refused(upstream.push(bad), 422, "bad_base64")
    assert_nothing_written()


def test_an_unknown_procedure_is_refused(province, upstream):
    bad = payload(province)
    bad["procedure_code"] = "0.000000"
    body = assert_refused(upstream.push(bad), 422, "unknown_procedure")
    assert "0.000000" in body["message"]


def test_a_missing_mandatory_component_is_refused(province, upstream):
    short = payload(province)
    short["components"] = short["components"][:1]
    body = assert_refused(upstream.push(short), 422, "missing_component")
    assert body["details"] == [province.docs[1].name]
    assert_nothing_written()


def test_an_unknown_component_number_is_refused(province, upstream):
    bad = payload(province)
    bad["components"][1]["position"] = 9
    assert_refused(upstream.push(bad), 422, "unknown_component")


def test_an_invalid_applicant_is_refused_with_the_portal_rules(province, upstream):
    bad = payload(province)
    bad["applicant"]["personal_id"] = "123"
    body = assert_refused(upstream.push(bad), 422, "invalid_applicant")
    assert body["details"][0]["field"] == "personal_id"
    assert_nothing_written()


def test_a_body_off_the_schema_is_refused_in_the_same_shape(province, upstream):
    bad = payload(province)
    del bad["reference"]
    body = assert_refused(upstream.push(bad), 422, "invalid_payload")
    assert any("reference" in d["loc"] for d in body["details"])
    raw = b"{not json"
    assert_refused(upstream.post(raw, upstream.headers(raw)), 400, "invalid_json")


def test_a_system_registered_for_one_agency_cannot_push_to_another(province):
    _system, token, secret = register(agency=province.department)
    assert_refused(Upstream(token, secret).push(payload(province)), 403, "agency_not_allowed")
    implied = payload(province)
    del implied["receiving_agency"]
    response = Upstream(token, secret).push(implied)
    assert response.status_code == 201
    assert Dossier.objects.get().receiving_agency == province.department


# ---------------------------------------------------------------- schema and push-back


def test_the_openapi_schema_documents_the_endpoint(client, db):
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"][URL]["post"]
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert {"X-Motcua-Timestamp", "X-Motcua-Signature"} <= headers
    body_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body_ref.endswith("/PushIn")
    assert {"200", "201", "401", "409", "422"} <= set(operation["responses"])
    assert operation["security"] and "HMAC-SHA256" in operation["description"]
    push_in = schema["components"]["schemas"]["PushIn"]
    assert {"reference", "procedure_code", "applicant", "components"} <= set(push_in["required"])
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and b"/static/ninja/swagger-ui-bundle" in docs.content
    assert b"https://" not in docs.content  # no CDN


def test_a_status_change_after_reception_is_recorded_for_push_back(province, upstream):
    code = upstream.push(payload(province)).json()["code"]
    assert not StatusUpdate.objects.exists()  # "submitted" travels in the answer
    dossier = Dossier.objects.get(code=code)
    receive_submitted(actor=actor(province.officer), dossier=dossier)
    update = StatusUpdate.objects.get()
    assert (update.submission.reference, update.status, update.national_code) == (
        "G22-260301-000123", "received", 2,
    )  # fmt: skip
    assert update.event == dossier.events.get(seq=2) and update.pushed_at is None


def test_dossiers_from_other_channels_record_nothing_to_push_back(province):
    receive_dossier(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(),
        components=components(province),
    )  # fmt: skip
    assert not StatusUpdate.objects.exists()


def test_an_admin_registers_a_system_and_sees_its_token_once(province, client):
    admin = get_user_model().objects.create_superuser("quantri", "q@example.test", "x")
    client.force_login(admin)
    # The admin asks for the second factor (OTPAdminSite): a verified TOTP device in the session.
    device = TOTPDevice.objects.create(user=admin, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    response = client.post(
        "/quan-tri/intake/upstreamsystem/add/", {"name": "Cổng tỉnh bạn", "is_active": "on"}
    )
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    token = response.context["issued"][0][1]
    secret = response.context["issued"][0][2]
    system = UpstreamSystem.objects.get(name="Cổng tỉnh bạn")
    assert token not in system.token_hash and token.encode() in response.content
    assert Upstream(token, secret).push(payload(province)).status_code == 201


# ---------------------------------------------------------------- concurrency (PostgreSQL)


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_copies_pushed_at_once_create_one_dossier(province):
    _system, token, secret = register()
    for round_ in range(3):
        reference = f"RACE-{round_}"
        now = int(time.time())
        barrier = threading.Barrier(2)
        answers: list = [None, None]

        def send(index: int, reference=reference, now=now, barrier=barrier, answers=answers):
            try:
                portal = Upstream(token, secret)
                body = json.dumps(payload(province, reference)).encode()
                headers = portal.headers(body, timestamp=now + index)  # two genuine requests
                barrier.wait(10)
                answers[index] = portal.post(body, headers)
            finally:
                connection.close()

        threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(a.status_code for a in answers) == [200, 201], [a.content for a in answers]
        assert answers[0].json()["code"] == answers[1].json()["code"]
        assert Dossier.objects.filter(upstream__reference=reference).count() == 1
    assert Dossier.objects.count() == 3 and UpstreamSubmission.objects.count() == 3
