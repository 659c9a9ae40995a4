"""Forms of the step actions on the dossier page (/can-bo/ho-so/<code>/...).

A form only checks the shape of the input (required fields, numbers, dates, the choices on
offer) and turns it into the arguments of a `dossiers.services` move; the service alone decides
whether the move is allowed. Choice lists are narrowed to what makes sense for the dossier now
(the officials of the step's unit holding the step's role, the other agencies...), so a
keyboard user picks from a short list.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import RequiredDocument
from dossiers.models import Consultation, Document, SupplementRequest
from dossiers.models.dossier import Delivery
from dossiers.services import ComponentData
from motcua.params import number
from org.models import Agency, Official

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _text(label, *, required: bool = True, rows: int = 3, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=4000, help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )  # fmt: skip


def official_label(official: Official) -> str:
    """'Name (3 hồ sơ đang xử lý)' when the queryset counted open step runs, so a head sees
    each person's load while choosing."""
    load = getattr(official, "open_runs", None)
    if load is None:
        return str(official)
    return _("%(name)s (%(count)s hồ sơ đang xử lý)") % {"name": official, "count": load}


class OfficialChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Official) -> str:
        return official_label(obj)


class EmptyForm(forms.Form):
    """An action without input (start the step): the button is the whole form."""


class AssignForm(forms.Form):
    assignee = OfficialChoiceField(
        label=_("Giao cho"),
        queryset=Official.objects.none(),
        error_messages={
            "invalid_choice": _("Hãy chọn một cán bộ của đơn vị xử lý bước này trong danh sách.")
        },
    )

    def __init__(self, *args, candidates: QuerySet[Official], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = candidates


class HandOverForm(forms.Form):
    to = OfficialChoiceField(
        label=_("Người nhận ở bước tiếp theo"),
        queryset=Official.objects.none(),
        required=False,
        empty_label=_("— Chuyển cho đơn vị, trưởng đơn vị phân công —"),
        error_messages={
            "invalid_choice": _("Hãy chọn người nhận trong danh sách cán bộ của bước tiếp theo.")
        },
    )
    note = _text(_("Ghi chú kết quả xử lý bước này"), required=False, rows=2)

    def __init__(self, *args, candidates: QuerySet[Official], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = candidates


class SendBackForm(forms.Form):
    reason = _text(_("Lý do trả lại"))


class ConsultForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=_("Cơ quan được xin ý kiến"),
        queryset=Agency.objects.none(),
        error_messages={"invalid_choice": _("Hãy chọn một cơ quan khác trong danh sách.")},
    )
    question = _text(_("Nội dung xin ý kiến"), rows=4)

    def __init__(self, *args, agencies: QuerySet[Agency], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies


class ConsultationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Consultation) -> str:
        question = obj.question if len(obj.question) <= 80 else obj.question[:79] + "…"
        return _("Gửi %(day)s: %(question)s") % {
            "day": f"{timezone.localtime(obj.asked_at):%d/%m/%Y}",
            "question": question,
        }


class AnswerForm(forms.Form):
    consultation = ConsultationChoiceField(
        label=_("Yêu cầu xin ý kiến"),
        queryset=Consultation.objects.none(),
        error_messages={
            "invalid_choice": _("Yêu cầu xin ý kiến này không còn chờ cơ quan bạn trả lời.")
        },
    )
    answer = _text(_("Nội dung trả lời"), rows=4)

    def __init__(self, *args, consultations: QuerySet[Consultation], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consultation"].queryset = consultations
        if len(consultations) == 1:
            self.fields["consultation"].initial = consultations[0].pk
            self.fields["consultation"].empty_label = None


class DocumentsField(forms.ModelMultipleChoiceField):
    """Documents of the published list, by id. Why not the plain field: it looks each value up
    in the database, and SQLite refuses to bind an integer past 64 bits (OverflowError, a 500).
    A value that is not an id names no document: refused as an unknown one, before any read."""

    def _check_values(self, value):
        for pk in value:
            if number(str(pk)) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                    params={"pk": str(pk)[:20]},
                )  # fmt: skip
        return super()._check_values(value)


class RequestSupplementForm(forms.Form):
    """Form 02 during processing: every missing item at once, from the published list; an item
    outside it needs its own reason (the service refuses it otherwise)."""

    documents = DocumentsField(
        label=_("Giấy tờ cần bổ sung (theo thành phần hồ sơ đã công bố)"),
        queryset=RequiredDocument.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_pk_value": _("“%(pk)s” không phải là giấy tờ trong danh mục của thủ tục."),
            "invalid_choice": _("“%(value)s” không phải là giấy tờ trong danh mục của thủ tục."),
        },
    )
    other_name = forms.CharField(
        label=_("Giấy tờ khác (ngoài danh mục)"), required=False, max_length=500
    )
    other_reason = forms.CharField(
        label=_("Lý do yêu cầu giấy tờ ngoài danh mục"), required=False, max_length=2000
    )
    reason = _text(_("Lý do yêu cầu bổ sung"))

    def __init__(self, *args, published, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["documents"].queryset = published

    def items(self) -> list[dict]:
        data = self.cleaned_data
        items = [
            {"name": d.name, "kind": d.kind, "count": d.count, "required_document_id": d.pk}
            for d in data["documents"]
        ]
        if data["other_name"].strip():
            items.append(
                {"name": data["other_name"].strip(), "kind": Document.Kind.ORIGINAL, "count": 1,
                 "required_document_id": None, "reason": data["other_reason"].strip()}
            )  # fmt: skip
        return items


class ProvideSupplementForm(forms.Form):
    """The counter ticks each requested item as received (all of them: the supplement must be
    complete to restart the clock) and may attach its scan."""

    def __init__(self, *args, supplement: SupplementRequest | None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.requested = list(supplement.items) if supplement else []
        for i, item in enumerate(self.requested):
            self.fields[f"got_{i}"] = forms.BooleanField(
                label=_("Đã nhận: %(name)s") % {"name": item.get("name", "")}, required=False
            )
            self.fields[f"file_{i}"] = forms.FileField(
                label=_("Bản quét (PDF, JPEG, PNG): %(name)s") % {"name": item.get("name", "")},
                required=False,
            )

    def clean(self) -> dict:
        data = super().clean()
        missing = [
            item.get("name", "")
            for i, item in enumerate(self.requested)
            if not data.get(f"got_{i}")
        ]
        if missing:
            raise forms.ValidationError(
                _("Hồ sơ bổ sung phải đủ mọi giấy tờ đã yêu cầu; còn thiếu: %(items)s.")
                % {"items": "; ".join(missing)}
            )
        return data

    def components(self) -> list[ComponentData]:
        return [self._component(i, item) for i, item in enumerate(self.requested)]

    def _component(self, i: int, item: dict) -> ComponentData:
        return ComponentData(
            name=item.get("name") or "", kind=_document_kind(item.get("kind")),
            count=item.get("count") or 1, required_document_id=item.get("required_document_id"),
            file=self.cleaned_data.get(f"file_{i}"),
        )  # fmt: skip


def _document_kind(kind: str | None) -> str:
    """A requested item's kind as a file kind ('not stated' in the catalogue: original)."""
    return kind if kind in Document.Kind.values else Document.Kind.ORIGINAL


class PaymentForm(forms.Form):
    amount = forms.IntegerField(label=_("Số tiền (đồng)"), min_value=1)  # at most: the service
    reason = _text(_("Căn cứ, nội dung nghĩa vụ tài chính"))


class NoteForm(forms.Form):
    note = _text(_("Ghi chú"), required=False, rows=2)


class TransferForm(forms.Form):
    to_agency = forms.ModelChoiceField(
        label=_("Chuyển liên thông đến cơ quan"),
        queryset=Agency.objects.none(),
        error_messages={"invalid_choice": _("Hãy chọn một cơ quan khác trong danh sách.")},
    )
    note = _text(_("Nội dung chuyển liên thông"))

    def __init__(self, *args, agencies: QuerySet[Agency], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].queryset = agencies


class ResultForm(forms.Form):
    number = forms.CharField(label=_("Số văn bản kết quả"), required=False, max_length=60)
    issued_on = forms.DateField(
        label=_("Ngày ký"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Để trống là hôm nay."),
    )  # fmt: skip
    file = forms.FileField(label=_("Kết quả điện tử (PDF, JPEG, PNG)"), required=False)
    note = _text(_("Ghi chú"), required=False, rows=2)

    def result_files(self) -> list[ComponentData]:
        upload = self.cleaned_data.get("file")
        if upload is None:
            return []
        name = self.cleaned_data["number"] or str(_("Kết quả giải quyết"))
        return [ComponentData(name=name, kind=Document.Kind.ELECTRONIC, file=upload)]


class ReasonForm(forms.Form):
    reason = _text(_("Lý do"))


class ApologyForm(forms.Form):
    reason = _text(_("Lý do quá hạn"))
    new_due_at = forms.DateTimeField(
        label=_("Ngày giờ hẹn trả mới"),
        input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text=_("Trong giờ làm việc của một ngày làm việc."),
    )


class ReturnForm(forms.Form):
    channel = forms.ChoiceField(label=_("Trả kết quả qua"), choices=Delivery.choices)
    post_tracking = forms.CharField(
        label=_("Số vận đơn bưu chính"), required=False, max_length=60,
        help_text=_("Bắt buộc khi trả qua bưu chính."),
    )  # fmt: skip

    def __init__(self, *args, delivery: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].initial = delivery
