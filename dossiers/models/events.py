"""The append-only, hash-chained event log of every dossier (the audit trail, B7).

Each event stores the hash of the previous event of its dossier and its own hash over its
content, so any edit or deletion breaks the chain and `manage.py verify_events` finds it. The
code has no path that updates or deletes an event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventQuerySet(models.QuerySet):
    """Bulk update and delete refuse to run: the log is append-only."""

    def update(self, **kwargs):
        raise TypeError("dossier events are append-only")

    def delete(self):
        raise TypeError("dossier events are append-only")


class Event(models.Model):
    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField(_("số thứ tự"))
    action = models.CharField(_("hành động"), max_length=60)
    actor = models.ForeignKey(
        "org.Official", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("người thực hiện"),
    )  # fmt: skip
    actor_label = models.CharField(_("người thực hiện (tên)"), max_length=255)
    # The actor's unit when they acted: an official moved later keeps their earlier acts with
    # the unit (and agency) where they made them, in the counts and in a rebuild. A record of
    # fact, never followed as a relation: no index and no database constraint on the largest
    # table (each insert would check it); the ORM still refuses to delete a unit it names.
    actor_unit = models.ForeignKey(
        "org.OrgUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False, db_constraint=False, verbose_name=_("đơn vị của người thực hiện"),
    )  # fmt: skip
    on_behalf_of = models.ForeignKey(
        "org.Official", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("thay mặt"),
    )  # fmt: skip
    role = models.CharField(_("vai trò"), max_length=20, blank=True)
    at = models.DateTimeField(_("thời điểm"))
    status_before = models.CharField(max_length=24, blank=True)
    status_after = models.CharField(max_length=24)
    note = models.TextField(_("ghi chú"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("sự kiện")
        verbose_name_plural = _("sự kiện")
        ordering = ["dossier", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "seq"], name="event_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}#{self.seq} {self.action}"

    # The override below only refuses to rewrite a row: motcua.compiled_sql.insert_row, which
    # inserts new rows only, may write events without calling it.
    PLAIN_INSERTS = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise TypeError("dossier events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("dossier events are append-only")

    def content(self) -> dict:
        """What the hash covers: everything but the row id and the hash itself. The actor's
        unit only when recorded, so events written before it existed keep their hashes."""
        return {
            "dossier": self.dossier_id,
            "seq": self.seq,
            "action": self.action,
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            **({"actor_unit": self.actor_unit_id} if self.actor_unit_id is not None else {}),
            "on_behalf_of": self.on_behalf_of_id,
            "role": self.role,
            "at": self.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "status_before": self.status_before,
            "status_after": self.status_after,
            "note": self.note,
            "data": self.data,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        payload = json.dumps(self.content(), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()
