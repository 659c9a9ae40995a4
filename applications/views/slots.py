"""Saving a form of file slots: every good file is kept at once, every bad one is marked on its
own field, so nothing the citizen gave is lost by another field's mistake."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from applications import services
from applications.forms import Slot, SlotsForm
from applications.models import Draft
from citizens.models import CitizenAccount
from dossiers.models import Document, Dossier


def save_slots(
    citizen: CitizenAccount, owner: Draft | Dossier, form: SlotsForm, store: list[Document]
) -> None:
    """Apply each slot of a bound form that has no error of its own."""
    form.is_valid()  # fills errors per field and cleaned_data for the good ones
    cleaned = getattr(form, "cleaned_data", {})
    for slot in form.slots:
        if form.slot_has_error(slot):
            continue
        try:
            _save_slot(citizen, owner, slot, cleaned, store)
        except ValidationError as error:
            form.add_error(slot.file_field, error)


def _save_slot(citizen, owner, slot: Slot, cleaned: dict, store: list[Document]) -> None:
    upload = cleaned.get(slot.file_field)
    chosen = cleaned.get(slot.store_field)
    if upload:
        services.stage_upload(citizen, owner, slot.key, upload)
    elif chosen:
        document = next((d for d in store if d.pk == chosen), None)
        if document is None:
            raise ValidationError(_("Giấy tờ này không có trong kho của bạn."))
        services.stage_reuse(citizen, owner, slot.key, document)
    elif cleaned.get(slot.remove_field):
        services.unstage(owner, slot.key)


def require_attached(form: SlotsForm, slots: list[Slot]) -> bool:
    """Mark every required slot still without a file; True when none is missing."""
    complete = True
    for slot in slots:
        if slot.required and (slot.staged is None or not slot.staged.attached):
            complete = False
            if not form.slot_has_error(slot):
                form.add_error(slot.file_field, _("Chưa đính kèm giấy tờ này."))
    return complete
