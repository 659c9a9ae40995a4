"""Forms of the online application. Files are checked per field (content and size, by
`dossiers.files`), so one refused file marks its own field and the others are kept."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import StagedFile
from citizens.models import BusinessAccount
from dossiers.files import inspect_upload
from dossiers.models import Document
from dossiers.models.dossier import Delivery
from dossiers.validators import clean_phone_input
from org.models import Agency

ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
PERSON = "person"


def _checked_upload(upload) -> None:
    inspect_upload(upload)  # raises ValidationError naming the file and what is wrong


class ApplicantForm(forms.Form):
    """Step 1: who applies and where the dossier is sent."""

    applicant = forms.ChoiceField(label=_("Ai nộp hồ sơ"), widget=forms.RadioSelect)
    receiving_agency = forms.ModelChoiceField(
        label=_("Nơi tiếp nhận hồ sơ"), queryset=Agency.objects.none(),
        empty_label=_("— Chọn nơi tiếp nhận —"),
        help_text=_("Bộ phận một cửa của nơi này kiểm tra và tiếp nhận hồ sơ."),
    )  # fmt: skip
    phone = forms.CharField(
        label=_("Điện thoại liên hệ"), max_length=20, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )  # fmt: skip
    address = forms.CharField(
        label=_("Địa chỉ liên hệ"), max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )  # fmt: skip

    def __init__(self, *args, citizen, businesses: list[BusinessAccount], agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.businesses = {f"b{b.pk}": b for b in businesses}
        organisations = [
            (key, _("Tổ chức: %(name)s") % {"name": b.name}) for key, b in self.businesses.items()
        ]
        self.fields["applicant"].choices = [
            (PERSON, _("Bản thân tôi (%(name)s)") % {"name": citizen.full_name}),
            *organisations,
        ]
        self.fields["receiving_agency"].queryset = Agency.objects.filter(
            pk__in=[a.pk for a in agencies]
        )
        self.fields["receiving_agency"].choices = [
            ("", self.fields["receiving_agency"].empty_label),
            *[(a.pk, a.name) for a in agencies],
        ]

    def clean_phone(self) -> str:
        return clean_phone_input(self.cleaned_data["phone"])

    def business(self) -> BusinessAccount | None:
        return self.businesses.get(self.cleaned_data["applicant"])


class DeliveryForm(forms.Form):
    """Step 3: how the result is received."""

    delivery = forms.ChoiceField(
        label=_("Cách nhận kết quả"), widget=forms.RadioSelect,
        choices=[(d.value, d.label) for d in (Delivery.ONLINE, Delivery.COUNTER, Delivery.POST)],
        error_messages={"required": _("Hãy chọn cách nhận kết quả.")},
    )  # fmt: skip
    delivery_address = forms.CharField(
        label=_("Địa chỉ nhận kết quả qua bưu chính"), max_length=500, required=False,
        help_text=_("Chỉ cần khi chọn nhận qua dịch vụ bưu chính."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )  # fmt: skip

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("delivery") == Delivery.POST and not cleaned.get("delivery_address"):
            self.add_error(
                "delivery_address", _("Hãy ghi địa chỉ để cơ quan gửi kết quả qua bưu chính.")
            )
        return cleaned


@dataclass
class Slot:
    """One place for a file on a form: a component of the procedure, or a supplement item."""

    key: str
    name: str
    required: bool
    details: str = ""
    staged: StagedFile | None = None

    @property
    def file_field(self) -> str:
        return f"file_{self.key}"

    @property
    def store_field(self) -> str:
        return f"store_{self.key}"

    @property
    def remove_field(self) -> str:
        return f"remove_{self.key}"


class SlotsForm(forms.Form):
    """A file, or a document from the personal store, for each slot; a tick removes a file."""

    def __init__(self, *args, slots: list[Slot], store: list[Document], **kwargs):
        super().__init__(*args, **kwargs)
        self.slots = slots
        limit = filesizeformat(settings.MOTCUA["MAX_UPLOAD_BYTES"])
        choices = [("", _("— Không chọn —"))] + [(d.pk, _store_label(d)) for d in store]
        for slot in slots:
            self.fields[slot.file_field] = forms.FileField(
                label=_("Tải tệp lên"), required=False, validators=[_checked_upload],
                help_text=_("PDF, JPEG hoặc PNG, tối đa %(limit)s.") % {"limit": limit},
                widget=forms.FileInput(attrs={"accept": ACCEPT}),
            )  # fmt: skip
            self.fields[slot.file_field].slot_name = slot.name
            if store:
                self.fields[slot.store_field] = forms.TypedChoiceField(
                    label=_("Hoặc dùng giấy tờ trong kho của bạn"), choices=choices,
                    coerce=int, required=False, empty_value=None,
                )  # fmt: skip
                self.fields[slot.store_field].slot_name = slot.name
            if slot.staged is not None:
                self.fields[slot.remove_field] = forms.BooleanField(
                    label=_("Gỡ tệp đã đính kèm"), required=False
                )

    def clean(self) -> dict:
        cleaned = super().clean()
        for slot in self.slots:
            if cleaned.get(slot.file_field) and cleaned.get(slot.store_field):
                self.add_error(
                    slot.store_field,
                    _("Chọn một trong hai: tải tệp lên hoặc dùng giấy tờ trong kho."),
                )
        return cleaned

    def slot_has_error(self, slot: Slot) -> bool:
        return any(
            name in self.errors for name in (slot.file_field, slot.store_field, slot.remove_field)
        )

    def describe_errors(self) -> None:
        """Tie each error to its field for screen readers (aria-describedby, aria-invalid)."""
        for name in self.errors:
            if name in self.fields:
                described = [f"{name}-error"]
                if self.fields[name].help_text:
                    described.append(f"{self[name].auto_id}_helptext")
                self.fields[name].widget.attrs.update(
                    {"aria-describedby": " ".join(described), "aria-invalid": "true"}
                )

    def rows(self) -> list[dict]:
        """What the template shows per slot: the slot and its bound fields."""
        return [
            {
                "slot": slot,
                "file": self[slot.file_field],
                "store": self[slot.store_field] if slot.store_field in self.fields else None,
                "remove": self[slot.remove_field] if slot.remove_field in self.fields else None,
                "invalid": self.slot_has_error(slot),
            }
            for slot in self.slots
        ]


def _store_label(document: Document) -> str:
    day = timezone.localtime(document.uploaded_at)
    return f"{document.name[:80]} ({document.dossier.code}, {day:%d/%m/%Y})"
