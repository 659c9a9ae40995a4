"""Queue notifications for dossier events (inside the caller's transaction) and deliver them.

The applicant is told by email (when they gave an address) and by SMS (when they gave a mobile
number and a gateway is configured), in their language (`Applicant.language`). Each message is
one outbox row with a unique key per event, channel and recipient, so queuing twice writes one
row, and a claim before sending makes running the delivery task twice send once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from motcua.compiled_sql import PreparedInstances, insert_row
from motcua.indexed import one_of
from notifications import sms
from notifications.models import Notification
from tracking.links import tracking_url

# Events whose email invites the applicant to rate the handling (P6): the result is there.
RATING_INVITED = {"dossier.result_recorded", "dossier.result_returned"}

# Event actions that tell the applicant something (P10).
APPLICANT_EVENTS = {
    "dossier.submitted",
    "dossier.received",
    "dossier.reception_supplement_guided",
    "dossier.reception_refused",
    "dossier.supplement_requested",
    "dossier.payment_requested",
    "dossier.apology_issued",
    "dossier.result_recorded",
    "dossier.refused",
    "dossier.stopped",
    "dossier.withdrawn",
    "dossier.result_returned",
}


def _render(channel: str, context: dict, language: str) -> tuple[str, str]:
    """Subject and body in the recipient's language; an SMS is one short line (sms.compose)."""
    with translation.override(language):
        subject = render_to_string("notifications/subject.txt", context).strip()
        if channel == Notification.Channel.SMS:
            sentence = render_to_string("notifications/sms.txt", context)
            return subject, sms.compose(sentence, context.get("tracking_url", ""))
        return subject, render_to_string("notifications/body.txt", context)


def _queue(
    *, key: str, kind: str, recipient: str, context: dict, event=None, dossier=None,
    channel: str = Notification.Channel.EMAIL,
) -> Notification:  # fmt: skip
    """Create the outbox row and its delivery task in the current transaction (once per key).

    What `get_or_create` does, with the look-up compiled once per process (every move that
    tells the applicant asks): a row already queued under the key is returned as it is. A
    key without an event (officials' warnings) may be written by two workers at once: the
    loser's insert fails inside a savepoint and it returns the winner's row. An event's key
    is as new as the event, written in this very transaction, so no one else can write it:
    no savepoint, which on PostgreSQL would cost two round trips per notification."""
    queued = QUEUED.first(key=key)
    if queued is not None:
        return queued
    language = context.get("language", settings.LANGUAGE_CODE)
    subject, body = _render(channel, context, language)
    try:
        with transaction.atomic(savepoint=event is None):
            row = Notification(
                key=key, event=event, dossier=dossier, kind=kind, channel=channel,
                recipient=recipient, language=language, subject=subject[:255], body=body,
            )  # fmt: skip
            insert_row(row)
    except IntegrityError:
        queued = QUEUED.first(key=key) if event is None else None
        if queued is None:
            raise  # not a concurrent writer of the key: the insert's own error
        return queued
    from notifications.tasks import deliver_notification

    deliver_notification.enqueue(row.pk)
    return row


QUEUED = PreparedInstances(
    "notifications.queued",
    lambda key: Notification.objects.filter(key=key).order_by(),
    key="\x00no-key\x00",
)


def _digest(text: str) -> str:
    """A short fixed-length stand-in, so keys stay within their column and hold no address."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def applicant_language(applicant) -> str:
    """The applicant's chosen language if we speak it, else the default (Vietnamese)."""
    supported = {code for code, _name in settings.LANGUAGES}
    chosen = getattr(applicant, "language", "")
    return chosen if chosen in supported else settings.LANGUAGE_CODE


def _event_context(event) -> dict:
    """What the templates need about the event, with the data stored as text made typed."""
    dossier = event.dossier
    context = {
        "kind": event.action, "dossier": dossier, "event": event,
        "language": applicant_language(dossier.applicant),
        "tracking_url": tracking_url(dossier.code),
    }  # fmt: skip
    if event.action == "dossier.apology_issued" and event.data.get("old_due_at"):
        context["old_due_at"] = dt.datetime.fromisoformat(event.data["old_due_at"])
    if event.action == "dossier.payment_requested":
        context["amount"] = event.data.get("amount")
    if event.action in RATING_INVITED:
        from ratings.services import rating_url  # ratings builds on dossiers, which call us

        context["rating_url"] = rating_url(dossier)
    return context


def notify_applicant(event) -> Notification | None:
    """Tell the applicant about this event, if it is one they are told about: by email when
    they gave an address, by SMS when they gave a mobile number and a gateway is configured
    (data minimisation: no address, no message). Returns the email row, if any."""
    if event.action not in APPLICANT_EVENTS:
        return None
    dossier, applicant = event.dossier, event.dossier.applicant
    context = _event_context(event)
    email_row = None
    if applicant.email:
        email_row = _queue(
            key=f"event:{event.pk}:email:{_digest(applicant.email)}", kind=event.action,
            recipient=applicant.email, context=context, event=event, dossier=dossier,
        )  # fmt: skip
    phone = sms.mobile_number(applicant.phone)
    if phone and sms.enabled():
        _queue(
            key=f"event:{event.pk}:sms:{_digest(phone)}", kind=event.action, recipient=phone,
            context=context, event=event, dossier=dossier, channel=Notification.Channel.SMS,
        )  # fmt: skip
    return email_row


def notify_officials(dossier, officials, kind: str, slot: str = "") -> list[Notification]:
    """Email officials (step arrivals, deadline warnings); `slot` makes a repeat idempotent."""
    rows = []
    for official in officials:
        email = official.user.email
        if not email:
            continue
        context = {"kind": kind, "dossier": dossier, "official": official}
        key = f"{kind}:{dossier.pk}:{official.pk}:{slot or dossier.last_event_seq}"
        rows.append(_queue(key=key, kind=kind, recipient=email, context=context, dossier=dossier))
    return rows


def stale_before() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.MOTCUA["OUTBOX_STALE_SECONDS"])


def claim(notification_id: int) -> bool:
    """Take the row for sending; False when it is sent, failed, or held by a live claim."""
    claimable = Q(status=Notification.Status.PENDING) | Q(
        status=Notification.Status.SENDING, claimed_at__lt=stale_before()
    )
    changed = Notification.objects.filter(claimable, pk=notification_id).update(
        status=Notification.Status.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
    return changed == 1


RECEIPT_HOOK_MODULE = "paperwork.forms"


def receipt_pdf_hook() -> Callable | None:
    """`paperwork.forms.receipt_pdf(dossier) -> bytes` (Form 01 with its QR code), once the
    paperwork app provides it; until then the reception email carries the tracking link only.
    A paperwork module that exists but fails to import is an error, not a missing hook."""
    try:
        module = importlib.import_module(RECEIPT_HOOK_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != RECEIPT_HOOK_MODULE:
            raise
        return None
    return getattr(module, "receipt_pdf", None)


def _attach_receipt(message: EmailMessage, row: Notification) -> None:
    """The receipt (Form 01) goes with the reception email, rendered at sending time (after
    the reception committed, outside its transaction)."""
    if row.kind != "dossier.received" or row.dossier_id is None:
        return
    make_pdf = receipt_pdf_hook()
    if make_pdf is None:
        return
    dossier = row.dossier
    message.attach(f"giay-tiep-nhan-{dossier.code}.pdf", make_pdf(dossier), "application/pdf")


def _send(row: Notification) -> None:
    """Hand the message to its transport; raises on any failure."""
    if row.channel == Notification.Channel.SMS:
        sms.send(to=row.recipient, text=row.body, reference=f"motcua-{row.pk}")
        return
    message = EmailMessage(
        subject=row.subject, body=row.body, to=[row.recipient],
        headers={"Message-ID": f"<notification.{row.pk}@{DNS_NAME}>"},
    )  # fmt: skip
    _attach_receipt(message, row)
    message.send()


def deliver(notification_id: int) -> str:
    """Send one outbox row at most once per successful claim."""
    if not claim(notification_id):
        return "skipped"
    row = Notification.objects.get(pk=notification_id)
    try:
        _send(row)
    except Exception as exc:  # any transport error: retry later, unless it cannot help
        permanent = isinstance(exc, sms.SmsError) and exc.permanent
        failed = permanent or row.attempts >= settings.MOTCUA["OUTBOX_MAX_ATTEMPTS"]
        Notification.objects.filter(pk=row.pk, claimed_at=row.claimed_at).update(
            status=Notification.Status.FAILED if failed else Notification.Status.PENDING,
            last_error=str(exc)[:2000],
        )
        return "failed" if failed else "retry"
    # Only the claim that sent it marks it sent (a slower, superseded claim must not).
    Notification.objects.filter(pk=row.pk, claimed_at=row.claimed_at).update(
        status=Notification.Status.SENT, sent_at=timezone.now()
    )
    return "sent"


def unsent_ids(limit: int = 500) -> list[int]:
    """Rows to (re)queue: pending ones and claims gone stale (a worker died mid-task)."""
    unsent = [Notification.Status.PENDING, Notification.Status.SENDING]
    qs = Notification.objects.filter(
        Q(status=Notification.Status.PENDING)
        | Q(status=Notification.Status.SENDING, claimed_at__lt=stale_before()),
        one_of("status", unsent),  # the index of the unsent rows (motcua.indexed)
    )
    return list(qs.order_by("created_at").values_list("pk", flat=True)[:limit])
