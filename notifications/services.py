"""Queue notifications for dossier events (inside the caller's transaction) and deliver them."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from notifications.models import Notification

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


def _queue(*, key: str, kind: str, recipient: str, context: dict, event=None, dossier=None):
    """Create the outbox row and its delivery task in the current transaction (once per key)."""
    language = context.get("language", settings.LANGUAGE_CODE)
    with translation.override(language):
        subject = render_to_string("notifications/subject.txt", context).strip()
        body = render_to_string("notifications/body.txt", context)
    row, created = Notification.objects.get_or_create(
        key=key,
        defaults={
            "event": event, "dossier": dossier, "kind": kind,
            "channel": Notification.Channel.EMAIL, "recipient": recipient,
            "language": language, "subject": subject[:255], "body": body,
        },
    )  # fmt: skip
    if created:
        from notifications.tasks import deliver_notification

        deliver_notification.enqueue(row.pk)
    return row


def _digest(text: str) -> str:
    """A short fixed-length stand-in, so keys stay within their column and hold no address."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def notify_applicant(event) -> Notification | None:
    """Email the applicant about this event, if it is one they are told about and they gave
    an email address (data minimisation: no address, no message)."""
    if event.action not in APPLICANT_EVENTS:
        return None
    dossier = event.dossier
    email = dossier.applicant.email
    if not email:
        return None
    context = {"kind": event.action, "dossier": dossier, "event": event}
    return _queue(
        key=f"event:{event.pk}:email:{_digest(email)}", kind=event.action, recipient=email,
        context=context, event=event, dossier=dossier,
    )  # fmt: skip


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


def deliver(notification_id: int) -> str:
    """Send one outbox row at most once per successful claim."""
    if not claim(notification_id):
        return "skipped"
    row = Notification.objects.get(pk=notification_id)
    message = EmailMessage(
        subject=row.subject, body=row.body, to=[row.recipient],
        headers={"Message-ID": f"<notification.{row.pk}@{DNS_NAME}>"},
    )  # fmt: skip
    try:
        message.send()
    except Exception as exc:  # any transport error: retry later
        failed = row.attempts >= settings.MOTCUA["OUTBOX_MAX_ATTEMPTS"]
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
    qs = Notification.objects.filter(
        Q(status=Notification.Status.PENDING)
        | Q(status=Notification.Status.SENDING, claimed_at__lt=stale_before())
    )
    return list(qs.order_by("created_at").values_list("pk", flat=True)[:limit])
