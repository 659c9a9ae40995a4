"""Notifications to the applicant (P10): SMS through an HTTP gateway and the message templates.

The gateway is a real HTTP server on loopback (tests/sms_gateway.py) that records what it is
sent and answers errors on demand: retries, permanent refusals, timeouts, and one message per
event however many times the delivery task runs. Templates: every event the applicant is told
about gives a short SMS (unaccented, within 160 characters by default) and an email in the
applicant's language, with the tracking link; the reception email carries the receipt PDF once
the paperwork app provides `paperwork.forms.receipt_pdf`.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import threading
import types
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext
from django_tasks_db.models import DBTaskResult

from dossiers.models import Applicant
from dossiers.services import (
    assign_step,
    hand_over_step,
    issue_apology,
    pause_for_payment,
    receive_dossier,
    record_result,
    start_step,
)
from motcua.env import env_url
from notifications import services, sms
from notifications.models import Notification
from notifications.services import APPLICANT_EVENTS
from notifications.tasks import deliver_notification
from tests.personas import actor, applicant, components, local
from tests.sms_gateway import Gateway, sms_gateway
from tests.smtp_server import free_port

SMS = Notification.Channel.SMS
EMAIL = Notification.Channel.EMAIL
RECEIVED_AT = local(2026, 11, 2, 9, 0)  # Monday; due 10 working days later: 09:00 16/11/2026
SITE = "https://dichvucong.danang.gov.vn"
TOKEN = "Bearer sms-test-token"


@pytest.fixture
def site(settings):
    settings.MOTCUA = {**settings.MOTCUA, "SITE_URL": SITE}


@pytest.fixture
def gateway(settings, site) -> Iterator[Gateway]:
    """A recording gateway, with this process's SMS settings pointed at it."""
    with sms_gateway() as gw:
        settings.MOTCUA = {
            **settings.MOTCUA, "SMS_URL": gw.url, "SMS_TOKEN": TOKEN, "SMS_TIMEOUT": 2,
            "SMS_TOKEN_HEADER": "Authorization",
        }  # fmt: skip
        yield gw


def _receive(province, **person):
    return receive_dossier(
        actor=actor(province.officer), procedure=province.procedure,
        applicant=dataclasses.replace(applicant(), **person), components=components(province),
        at=RECEIVED_AT,
    )  # fmt: skip


def _sms_row(dossier, kind: str = "dossier.received") -> Notification:
    return Notification.objects.get(dossier=dossier, kind=kind, channel=SMS)


def _english_is_compiled() -> bool:
    """The English of this branch's strings is merged into the catalogue by scripts/messages."""
    msgid = "Hồ sơ %(code)s đã trả kết quả."
    with translation.override("en"):
        return gettext(msgid) != msgid


# ---------------------------------------------------------------- phone numbers


@pytest.mark.parametrize(
    ("phone", "expected"),
    [("0905123456", "+84905123456"), ("0905 123 456", "+84905123456"),
     ("+84 905-123-456", "+84905123456"), ("0389.123.456", "+84389123456"),
     ("02363822123", None), ("0236 3822 123", None), ("0205123456", None), ("", None),
     ("090512345", None), ("not a number", None)],
)  # fmt: skip
def test_sms_go_to_vietnamese_mobiles_only(phone, expected):
    assert sms.mobile_number(phone) == expected


# ---------------------------------------------------------------- queuing


def test_reception_queues_a_short_unaccented_sms_beside_the_email(province, gateway):
    dossier = _receive(province)
    row = _sms_row(dossier)
    assert row.recipient == "+84905123456" and row.language == "vi"
    link = f"{SITE}/tra-cuu/?ma={quote(dossier.code)}"
    assert row.body == (
        f"Ho so {dossier.code} da duoc tiep nhan, hen tra ket qua 09:00 16/11/2026. {link}"
    )
    assert row.body.isascii() and len(row.body) <= 160
    assert Notification.objects.filter(dossier=dossier, channel=EMAIL).count() == 1
    tasks = DBTaskResult.objects.filter(task_path="notifications.tasks.deliver_notification")
    assert {t.args_kwargs["args"][0] for t in tasks} == set(
        Notification.objects.values_list("pk", flat=True)
    )


def test_no_gateway_no_sms(province, settings):
    settings.MOTCUA = {**settings.MOTCUA, "SMS_URL": ""}
    dossier = _receive(province)
    assert not Notification.objects.filter(dossier=dossier, channel=SMS).exists()


def test_a_landline_gets_no_sms_and_no_email_address_gets_no_email(province, gateway):
    dossier = _receive(province, phone="02363822123")
    assert not Notification.objects.filter(dossier=dossier, channel=SMS).exists()
    other = _receive(province, personal_id="048200000002", email="")
    assert list(Notification.objects.filter(dossier=other).values_list("channel", flat=True)) == [
        SMS
    ]


def test_queuing_the_same_event_twice_keeps_one_sms_and_one_task(province, gateway):
    dossier = _receive(province)
    event = dossier.events.get()
    services.notify_applicant(event)
    services.notify_applicant(event)
    row = _sms_row(dossier)
    assert Notification.objects.filter(dossier=dossier, channel=SMS).count() == 1
    assert DBTaskResult.objects.filter(args_kwargs={"args": [row.pk], "kwargs": {}}).count() == 1


# ---------------------------------------------------------------- delivery through the gateway


def test_the_gateway_gets_one_json_post_with_the_token(province, gateway):
    row = _sms_row(_receive(province))
    assert services.deliver(row.pk) == "sent"
    [request] = gateway.requests
    assert request.path == "/sms/send"
    assert request.headers["Authorization"] == TOKEN
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.body == {"to": "+84905123456", "text": row.body, "reference": f"motcua-{row.pk}"}
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT and row.sent_at is not None


def test_a_custom_token_header(province, gateway, settings):
    settings.MOTCUA = {**settings.MOTCUA, "SMS_TOKEN_HEADER": "X-Api-Key", "SMS_TOKEN": "k-1"}
    services.deliver(_sms_row(_receive(province)).pk)
    assert gateway.requests[0].headers["X-Api-Key"] == "k-1"
    assert "Authorization" not in gateway.requests[0].headers


def test_the_task_run_twice_sends_one_sms(province, gateway):
    row = _sms_row(_receive(province))
    assert deliver_notification.call(row.pk) == "sent"
    assert deliver_notification.call(row.pk) == "skipped"
    assert len(gateway.requests) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 408, 429])
def test_a_gateway_error_is_retried_with_the_same_reference(province, gateway, status):
    row = _sms_row(_receive(province))
    gateway.answer_next(status)
    assert services.deliver(row.pk) == "retry"
    row.refresh_from_db()
    assert row.status == Notification.Status.PENDING and str(status) in row.last_error
    assert services.unsent_ids() == [r.pk for r in Notification.objects.order_by("created_at")]
    assert services.deliver(row.pk) == "sent"
    assert [r.body["reference"] for r in gateway.requests] == [f"motcua-{row.pk}"] * 2
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT and row.attempts == 2


@pytest.mark.parametrize("status", [400, 401, 403, 422])
def test_a_refusal_fails_at_once(province, gateway, status):
    row = _sms_row(_receive(province))
    gateway.answer_next(status)
    assert services.deliver(row.pk) == "failed"
    row.refresh_from_db()
    assert row.status == Notification.Status.FAILED and row.attempts == 1
    assert services.deliver(row.pk) == "skipped"
    assert len(gateway.requests) == 1


def test_a_slow_gateway_times_out_and_is_retried(province, gateway, settings):
    settings.MOTCUA = {**settings.MOTCUA, "SMS_TIMEOUT": 1}
    row = _sms_row(_receive(province))
    gateway.delay = 2.0
    assert services.deliver(row.pk) == "retry"
    gateway.delay = 0.0
    assert services.deliver(row.pk) == "sent"


def test_an_unreachable_gateway_is_retried_then_fails(province, settings, site):
    settings.MOTCUA = {
        **settings.MOTCUA, "SMS_URL": f"http://127.0.0.1:{free_port()}/sms",
        "OUTBOX_MAX_ATTEMPTS": 2,
    }  # fmt: skip
    row = _sms_row(_receive(province))
    assert [services.deliver(row.pk) for _ in range(3)] == ["retry", "failed", "skipped"]
    row.refresh_from_db()
    assert row.status == Notification.Status.FAILED and "unreachable" in row.last_error


def test_a_redirect_is_not_followed(province, gateway):
    row = _sms_row(_receive(province))
    gateway.answer_next(302)
    assert services.deliver(row.pk) == "retry"
    assert len(gateway.requests) == 1


@pytest.mark.django_db(transaction=True)
def test_deliveries_racing_for_one_sms_send_one(province, gateway):
    row = _sms_row(_receive(province))
    gateway.delay = 0.3  # the first sender is still waiting when the others try
    racers = 4
    barrier, results, lock = threading.Barrier(racers), [], threading.Lock()

    def race() -> None:
        try:
            barrier.wait(10)
            outcome = services.deliver(row.pk)
        except Exception as exc:  # reported by the assertion below
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=race) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results) == ["sent"] + ["skipped"] * (racers - 1)
    assert len(gateway.requests) == 1


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgresql://{auth}@{db['HOST'] or 'localhost'}{port}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_the_worker_configured_from_the_environment_sends_each_sms_once(
    province, gateway, tmp_path
):
    """The real worker process, its gateway settings read by motcua/env.py, runs every queued
    delivery task plus a duplicate of the SMS one: the gateway gets the SMS once."""
    dossier = _receive(province)
    row = _sms_row(dossier)
    deliver_notification.enqueue(row.pk)  # the same task queued twice
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "motcua.settings",
        "DATABASE_URL": _database_url(), "MOTCUA_SMS_URL": gateway.url,
        "MOTCUA_SMS_TOKEN": TOKEN, "MOTCUA_SMS_TIMEOUT": "5", "MOTCUA_SITE_URL": SITE,
        "MOTCUA_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }  # fmt: skip
    worker = [sys.executable, "manage.py", "db_worker", "--batch", "--queue-name", "*"]
    worker += ["--no-startup-delay", "--no-reload"]
    done = subprocess.run(
        worker, cwd=django_settings.BASE_DIR, env=env, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert [r.body["text"] for r in gateway.requests] == [row.body]
    outcomes = DBTaskResult.objects.filter(args_kwargs={"args": [row.pk], "kwargs": {}})
    assert sorted(r.return_value for r in outcomes) == ["sent", "skipped"]
    assert Notification.objects.filter(status=Notification.Status.SENT).count() == 2


# ---------------------------------------------------------------- SMS text


KIND_CONTEXT = {"amount": 1_250_000}


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("kind", sorted(APPLICANT_EVENTS))
def test_every_sms_fits_one_segment_with_a_real_length_code(province, site, kind, language):
    province.centre.exchange_code = "000.00.12.H17"  # the real shape: 25-character codes
    province.centre.save(update_fields=["exchange_code"])
    dossier = _receive(province)
    assert len(dossier.code) == 25
    context = {
        "kind": kind, "dossier": dossier, "event": dossier.events.get(), **KIND_CONTEXT,
        "tracking_url": f"{SITE}/tra-cuu/?ma={dossier.code}",
    }  # fmt: skip
    _subject, text = services._render(SMS, context, language)
    assert dossier.code in text
    assert text.isascii() and "\n" not in text
    assert len(text) <= 160, text
    assert "có thông báo mới" not in text and "co thong bao moi" not in text  # each kind says
    if kind in {"dossier.received", "dossier.apology_issued"}:
        assert "09:00 16/11/2026" in text


def test_accents_are_kept_when_the_gateway_takes_unicode(province, gateway, settings):
    settings.MOTCUA = {**settings.MOTCUA, "SMS_UNACCENTED": False, "SMS_MAX_CHARS": 300}
    row = _sms_row(_receive(province))
    assert row.body.startswith(f"Hồ sơ {row.dossier.code} đã được tiếp nhận")


def test_a_long_text_loses_the_link_first_then_is_cut(settings):
    settings.MOTCUA = {**settings.MOTCUA, "SMS_MAX_CHARS": 80, "SMS_UNACCENTED": True}
    assert sms.compose("Hồ sơ X đã có kết quả.", "https://a.example/" + "x" * 60) == (
        "Ho so X da co ket qua."
    )
    long = sms.compose("Hồ sơ " + "rất dài " * 20)
    assert len(long) == 80 and long.endswith("...")


def test_payment_sms_states_the_amount(province, gateway):
    dossier = _receive(province)
    at = local(2026, 11, 2, 10, 0)
    hand_over_step(actor=actor(province.officer), dossier=dossier, at=at)
    assign_step(actor=actor(province.head), dossier=dossier, assignee=province.specialist, at=at)
    start_step(actor=actor(province.specialist), dossier=dossier, at=at)
    pause_for_payment(
        actor=actor(province.specialist), dossier=dossier, amount=1_250_000,
        reason="Lệ phí trước bạ", at=local(2026, 11, 3, 9, 0),
    )  # fmt: skip
    row = _sms_row(dossier, "dossier.payment_requested")
    assert f"Ho so {dossier.code}: xin nop 1.250.000 dong nghia vu tai chinh" in row.body
    email = Notification.objects.get(dossier=dossier, kind=row.kind, channel=EMAIL)
    assert "Số tiền phải nộp: 1.250.000 đồng" in email.body
    assert "Ghi chú: Lệ phí trước bạ" in email.body


# ---------------------------------------------------------------- email templates


def test_the_reception_email_links_to_the_tracking_page(province, site, client):
    dossier = _receive(province)
    email = Notification.objects.get(dossier=dossier, channel=EMAIL)
    link = f"{SITE}/tra-cuu/?ma={quote(dossier.code)}"
    assert link in email.body.splitlines()
    page = client.get(link.removeprefix(SITE))
    assert page.status_code == 200 and dossier.code in page.content.decode()


def test_text_emails_are_not_html_escaped(province, site):
    province.procedure.name = "Cấp phép “A & B” <tạm>"
    province.procedure.save(update_fields=["name"])
    email = Notification.objects.get(dossier=_receive(province), channel=EMAIL)
    assert "Thủ tục: Cấp phép “A & B” <tạm>" in email.body
    assert "&amp;" not in email.body and "&lt;" not in email.body


def test_apology_and_result_emails_give_the_dates_and_the_delivery(province, site):
    dossier = _receive(province)
    at = local(2026, 11, 2, 10, 0)
    hand_over_step(actor=actor(province.officer), dossier=dossier, at=at)
    assign_step(actor=actor(province.head), dossier=dossier, assignee=province.specialist, at=at)
    start_step(actor=actor(province.specialist), dossier=dossier, at=at)
    hand_over_step(actor=actor(province.specialist), dossier=dossier, to=province.head, at=at)
    hand_over_step(actor=actor(province.head), dossier=dossier, to=province.leader, at=at)
    issue_apology(
        actor=actor(province.leader), dossier=dossier, reason="Chờ ý kiến liên ngành",
        new_due_at=local(2026, 11, 23, 17, 0), at=local(2026, 11, 13, 9, 0),
    )  # fmt: skip
    record_result(actor=actor(province.leader), dossier=dossier, at=local(2026, 11, 20, 9, 0))
    rows = {r.kind: r for r in Notification.objects.filter(dossier=dossier, channel=EMAIL)}
    apology = rows["dossier.apology_issued"]
    assert apology.subject == f"Thư xin lỗi và hẹn lại ngày trả kết quả – {dossier.code}"
    assert "Hẹn trả kết quả: 17:00 23/11/2026" in apology.body
    assert "Hạn trả kết quả trước đây: 09:00 16/11/2026" in apology.body
    assert "Ghi chú: Chờ ý kiến liên ngành" in apology.body
    result = rows["dossier.result_recorded"]
    assert result.subject == f"Hồ sơ đã có kết quả – {dossier.code}"
    assert "Hình thức nhận kết quả đã chọn: Nhận tại bộ phận một cửa" in result.body


def test_an_applicant_who_chose_english_gets_english(province, gateway):
    Applicant.objects.create(
        kind="person", name="John Smith", personal_id="048200000001",
        birth_date=applicant().birth_date, language="en", email="john@example.test",
    )  # fmt: skip
    dossier = _receive(province)  # same ID number: the stored applicant, who chose English
    rows = Notification.objects.filter(dossier=dossier)
    assert {(r.channel, r.language) for r in rows} == {(EMAIL, "en"), (SMS, "en")}
    if not _english_is_compiled():
        pytest.skip("locale/en not compiled with the pending translations (scripts/messages)")
    email = rows.get(channel=EMAIL)
    assert not email.subject.startswith("Giấy tiếp nhận")
    assert "Kính gửi" not in email.body and "Mã hồ sơ" not in email.body
    text = rows.get(channel=SMS).body
    assert text.startswith(f"Dossier {dossier.code}") and "Ho so" not in text


def test_an_unsupported_language_falls_back_to_vietnamese(province, gateway):
    person = Applicant(language="fr")
    assert services.applicant_language(person) == "vi"


# ---------------------------------------------------------------- the receipt hook


def _delivered_email(province, mailoutbox):
    row = Notification.objects.get(dossier=_receive(province), channel=EMAIL)
    assert services.deliver(row.pk) == "sent"
    [message] = mailoutbox
    return row, message


def test_without_the_paperwork_form_the_receipt_email_has_the_link_only(
    province, site, mailoutbox, monkeypatch
):
    monkeypatch.setitem(sys.modules, services.RECEIPT_HOOK_MODULE, None)  # not built yet
    assert services.receipt_pdf_hook() is None
    _row, message = _delivered_email(province, mailoutbox)
    assert message.attachments == []
    assert f"{SITE}/tra-cuu/?ma=" in message.body


def test_the_receipt_pdf_is_attached_once_paperwork_provides_it(
    province, site, mailoutbox, monkeypatch
):
    """The contract the paperwork app implements: receipt_pdf(dossier) -> PDF bytes."""
    calls = []
    forms = types.ModuleType(services.RECEIPT_HOOK_MODULE)

    def receipt_pdf(dossier) -> bytes:
        calls.append(dossier.code)
        return b"%PDF-1.7 receipt of " + dossier.code.encode()

    forms.receipt_pdf = receipt_pdf
    monkeypatch.setitem(sys.modules, services.RECEIPT_HOOK_MODULE, forms)
    row, message = _delivered_email(province, mailoutbox)
    code = row.dossier.code
    assert message.attachments == [
        (f"giay-tiep-nhan-{code}.pdf", b"%PDF-1.7 receipt of " + code.encode(), "application/pdf")
    ]
    assert calls == [code]


# ---------------------------------------------------------------- settings


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, ""), ("", ""), ("https://sms.example.vn/api/send/", "https://sms.example.vn/api/send"),
     ("http://127.0.0.1:9000/sms", "http://127.0.0.1:9000/sms")],
)  # fmt: skip
def test_the_gateway_address_is_read_strictly(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("MOTCUA_SMS_URL", raising=False)
    else:
        monkeypatch.setenv("MOTCUA_SMS_URL", value)
    assert env_url("MOTCUA_SMS_URL", "", required=False) == expected


@pytest.mark.parametrize("value", ["sms.example.vn/send", "ftp://sms.example.vn", "https://"])
def test_a_bad_gateway_address_stops_start_up_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("MOTCUA_SMS_URL", value)
    with pytest.raises(ImproperlyConfigured, match="MOTCUA_SMS_URL"):
        env_url("MOTCUA_SMS_URL", "", required=False)


def test_the_sms_timeout_must_stay_below_the_stale_claim_limit(tmp_path):
    """Else a send still waiting on the gateway would look abandoned and be sent twice."""
    from tests.test_settings_env import manage_check

    result = manage_check(
        tmp_path, MOTCUA_SMS_URL="http://127.0.0.1:9/sms", MOTCUA_SMS_TIMEOUT="200",
        MOTCUA_OUTBOX_STALE_SECONDS="120",
    )  # fmt: skip
    assert result.returncode != 0 and "MOTCUA_SMS_TIMEOUT" in result.stderr
