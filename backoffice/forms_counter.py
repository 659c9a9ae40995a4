"""Forms of the counter (bộ phận một cửa): applicant, components handed in, and the outcome.

They only check what was typed (formats, required fields, the files' real type and size); the
rules of reception (complete or not, who may receive, the due moment) stay in
`dossiers.services.reception`, whose `DossierError` the view shows next to the form.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from catalog.models import RequiredDocument
from dossiers.files import inspect_upload
from dossiers.models import Applicant, Document
from dossiers.models.dossier import Delivery
from dossiers.services import ApplicantData, ComponentData
from dossiers.validators import normalise_personal_id, normalise_tax_code

# What a counter officer can hand back: the paper kinds of Circular 01/2018's receipt.
PAPER_KINDS = [
    (Document.Kind.ORIGINAL, Document.Kind.ORIGINAL.label),
    (Document.Kind.CERTIFIED_COPY, Document.Kind.CERTIFIED_COPY.label),
    (Document.Kind.COPY, Document.Kind.COPY.label),
]
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class Accessible:
    """After validation, mark each field in error (aria-invalid) and point it at its message,
    so a screen reader reads the error with the field."""

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{self[name].auto_id}_error"


class ApplicantLookupForm(forms.Form):
    """Find a known applicant by the number on the papers shown (GET, exact match only)."""

    loai = forms.ChoiceField(
        label=_("Loại người nộp"), choices=Applicant.Kind.choices, initial=Applicant.Kind.PERSON,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Hãy chọn cá nhân hoặc tổ chức, doanh nghiệp.")},
    )  # fmt: skip
    so = forms.CharField(
        label=_("Số định danh cá nhân hoặc mã số thuế"), max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )  # fmt: skip

    def key(self) -> dict[str, str]:
        """The lookup filter, or {} when the form is not valid."""
        if not self.is_valid():
            return {}
        number = self.cleaned_data["so"]
        if self.cleaned_data["loai"] == Applicant.Kind.PERSON:
            return {"personal_id": normalise_personal_id(number)}
        return {"tax_code": normalise_tax_code(number)}

    def find(self) -> Applicant | None:
        key = self.key()
        return Applicant.objects.filter(**key).first() if key else None


class ApplicantForm(Accessible, forms.Form):
    """The applicant as the papers show them; checked with the model's own rules."""

    anchor = "applicant"

    kind = forms.ChoiceField(
        label=_("Loại người nộp"), choices=Applicant.Kind.choices, widget=forms.RadioSelect,
        initial=Applicant.Kind.PERSON,
    )  # fmt: skip
    name = forms.CharField(label=_("Họ tên / tên tổ chức"), max_length=255, required=False)
    personal_id = forms.CharField(
        label=_("Số định danh cá nhân (12 số)"), max_length=12, required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )  # fmt: skip
    birth_date = forms.DateField(
        label=_("Ngày sinh (ngày/tháng/năm)"), required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}),
    )  # fmt: skip
    tax_code = forms.CharField(
        label=_("Mã số thuế (tổ chức)"), max_length=16, required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )  # fmt: skip
    representative = forms.CharField(
        label=_("Người đại diện (tổ chức)"), max_length=255, required=False
    )
    address = forms.CharField(label=_("Địa chỉ"), max_length=500, required=False)
    phone = forms.CharField(
        label=_("Điện thoại"), max_length=20, required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )  # fmt: skip
    email = forms.EmailField(label=_("Thư điện tử"), required=False)

    def clean(self) -> dict:
        """Run the applicant model's checks (ID format, birth year, tax code, phone) and put
        each message next to its field."""
        data = super().clean()
        if self.errors:
            return data
        candidate = Applicant(**self.applicant_data().__dict__)
        try:
            candidate.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                target = field if field in self.fields else None
                for message in messages:
                    self.add_error(target, message)
        return data

    def applicant_data(self) -> ApplicantData:
        d = self.cleaned_data
        person = d.get("kind") == Applicant.Kind.PERSON
        return ApplicantData(
            kind=d.get("kind", ""), name=d.get("name", ""),
            personal_id=d.get("personal_id", "").strip() if person else "",
            birth_date=d.get("birth_date") if person else None,
            tax_code="" if person else d.get("tax_code", ""),
            representative="" if person else d.get("representative", ""),
            address=d.get("address", ""), phone=d.get("phone", ""), email=d.get("email", ""),
        )  # fmt: skip

    @staticmethod
    def initial_from(applicant: Applicant | None, lookup: ApplicantLookupForm) -> dict:
        """Pre-fill from a known applicant, or at least the number that was looked up."""
        if applicant is not None:
            fields = ApplicantForm.base_fields
            return {name: getattr(applicant, name) for name in fields}
        key = lookup.key()
        if not key:
            return {}
        kind = Applicant.Kind.PERSON if "personal_id" in key else Applicant.Kind.ORGANISATION
        return {"kind": kind, **key}


@dataclass
class ComponentRow:
    """One line of the procedure's component list, with its bound fields for the template."""

    document: RequiredDocument
    held: Document | None
    received: forms.BoundField | None
    kind: forms.BoundField | None
    count: forms.BoundField | None
    file: forms.BoundField | None
    need: forms.BoundField

    @property
    def mandatory(self) -> bool:
        return self.document.mandatory and not self.document.condition


class ComponentsForm(Accessible, forms.Form):
    """Tick what was handed in (kind, count, optional scan) from the procedure's own list.

    `held` maps a component already in the dossier (submitted online) to its document: those
    rows can only be marked as needing a fix. `action` is the outcome chosen, since what must be
    given depends on it (files matter only for a receipt).
    """

    anchor = "components"

    def __init__(self, *args, documents, held=None, action: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.documents = list(documents)
        self.held = held or {}
        self.action = action
        for doc in self.documents:
            self._add_fields(doc)

    def _add_fields(self, doc: RequiredDocument) -> None:
        p = f"d{doc.pk}"
        self.fields[f"{p}_need"] = forms.BooleanField(
            label=_("Cần bổ sung, sửa đổi"), required=False
        )
        if doc.pk in self.held:
            return
        kinds = {k for k, _label in PAPER_KINDS}
        self.fields[f"{p}_received"] = forms.BooleanField(label=_("Đã nhận"), required=False)
        self.fields[f"{p}_kind"] = forms.ChoiceField(
            label=_("Loại bản"), choices=PAPER_KINDS, required=False,
            initial=doc.kind if doc.kind in kinds else Document.Kind.ORIGINAL,
        )  # fmt: skip
        self.fields[f"{p}_count"] = forms.IntegerField(
            label=_("Số lượng"), min_value=1, max_value=99, initial=doc.count or 1, required=False,
            widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        )  # fmt: skip
        self.fields[f"{p}_file"] = forms.FileField(
            label=_("Bản quét (PDF, JPEG, PNG; không bắt buộc)"), required=False,
            widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        )  # fmt: skip

    def _bound(self, name: str) -> forms.BoundField | None:
        return self[name] if name in self.fields else None

    def rows(self) -> list[ComponentRow]:
        return [
            ComponentRow(
                document=doc,
                held=self.held.get(doc.pk),
                received=self._bound(f"d{doc.pk}_received"),
                kind=self._bound(f"d{doc.pk}_kind"),
                count=self._bound(f"d{doc.pk}_count"),
                file=self._bound(f"d{doc.pk}_file"),
                need=self[f"d{doc.pk}_need"],
            )
            for doc in self.documents
        ]

    def _received(self, doc: RequiredDocument) -> bool:
        return bool(self.cleaned_data.get(f"d{doc.pk}_received"))

    def clean(self) -> dict:
        data = super().clean()
        for doc in self.documents:
            self._check_file(doc)
            if self._received(doc) and not data.get(f"d{doc.pk}_count"):
                self.add_error(f"d{doc.pk}_count", _("Nhập số bản đã nhận."))
        if (
            self.action == "receive"
            and not self.held
            and not any(map(self._received, self.documents))
        ):
            raise ValidationError(_("Chưa đánh dấu thành phần nào đã nhận."), code="nothing_ticked")
        return data

    def _check_file(self, doc: RequiredDocument) -> None:
        name = f"d{doc.pk}_file"
        upload = self.cleaned_data.get(name)
        if not upload or self.action != "receive":
            return
        if not self._received(doc):
            self.add_error(name, _("Hãy đánh dấu “Đã nhận” cho giấy tờ có kèm bản quét."))
            return
        try:
            self.cleaned_data[f"{name}_inspected"] = inspect_upload(upload)
        except ValidationError as exc:
            self.add_error(name, exc)

    def components(self) -> list[ComponentData]:
        """What was ticked as received, with its checked scan, for the reception services."""
        d = self.cleaned_data
        return [
            ComponentData(
                name=doc.name,
                kind=d[f"d{doc.pk}_kind"] or Document.Kind.ORIGINAL,
                count=d[f"d{doc.pk}_count"] or 1,
                required_document_id=doc.pk,
                file=d.get(f"d{doc.pk}_file") or None,
                inspected=d.get(f"d{doc.pk}_file_inspected") or {},
            )
            for doc in self.documents
            if self._received(doc)
        ]

    def guidance_items(self) -> list[dict]:
        """Every item the guidance (Form 02) must list at once: the components marked as
        needing a fix, and every unconditional mandatory one neither held nor handed in."""
        d = self.cleaned_data
        items = []
        for doc in self.documents:
            missing = doc.mandatory and not doc.condition and doc.pk not in self.held
            if d.get(f"d{doc.pk}_need") or (missing and not self._received(doc)):
                kind = doc.kind if doc.kind != RequiredDocument.Kind.UNSPECIFIED else ""
                items.append(
                    {"name": doc.name, "kind": kind, "count": doc.count or 1,
                     "required_document_id": doc.pk}
                )  # fmt: skip
        return items

    def has_files(self) -> bool:
        return any(name.endswith("_file") and f for name, f in self.files.items())


class OutcomeForm(Accessible, forms.Form):
    """The officer's decision on the check: receipt, guidance or refusal, explicitly chosen
    (no default), so pressing Enter in a field can never issue a receipt by accident."""

    anchor = "outcome"

    ACTIONS = [
        ("receive", _("Đủ hồ sơ: tiếp nhận và lập giấy tiếp nhận, hẹn trả kết quả (Mẫu 01)")),
        ("guide", _("Chưa đủ hoặc chưa đúng: hướng dẫn bổ sung, hoàn thiện (Mẫu 02)")),
        ("refuse", _("Không đủ điều kiện hoặc không thuộc thẩm quyền: từ chối (Mẫu 03)")),
    ]

    action = forms.ChoiceField(
        label=_("Kết quả kiểm tra hồ sơ"), choices=ACTIONS, widget=forms.RadioSelect,
        error_messages={"required": _("Hãy chọn một kết quả kiểm tra.")},
    )  # fmt: skip
    reason = forms.CharField(
        label=_("Lý do (bắt buộc khi hướng dẫn bổ sung hoặc từ chối)"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
    )  # fmt: skip
    competent_agency = forms.CharField(
        label=_("Cơ quan có thẩm quyền (khi hồ sơ không thuộc thẩm quyền)"), required=False,
        max_length=255,
    )  # fmt: skip

    def clean(self) -> dict:
        data = super().clean()
        if data.get("action") in ("guide", "refuse") and not data.get("reason", "").strip():
            self.add_error("reason", _("Phải nêu lý do."))
        return data


class DeliveryForm(Accessible, forms.Form):
    """How the applicant wants the result (printed on the receipt)."""

    anchor = "delivery"

    delivery = forms.ChoiceField(
        label=_("Hình thức nhận kết quả"), choices=Delivery.choices, initial=Delivery.COUNTER,
        widget=forms.RadioSelect,
    )  # fmt: skip
    delivery_address = forms.CharField(
        label=_("Địa chỉ nhận kết quả qua bưu chính"), required=False, max_length=500
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("delivery") == Delivery.POST and not data.get("delivery_address", "").strip():
            self.add_error("delivery_address", _("Cần địa chỉ để gửi kết quả qua bưu chính."))
        return data
