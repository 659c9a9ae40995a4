"""The rating form: the overall score required, the other criteria optional."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ratings.criteria import CRITERIA, OVERALL, SCALE


class RatingForm(forms.Form):
    comment = forms.CharField(
        label=_("Góp ý thêm (không bắt buộc)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        fields = {}
        for code, label in CRITERIA:
            required = code == OVERALL
            choices = SCALE if required else [*SCALE, ("", _("Không đánh giá"))]
            fields[code] = forms.TypedChoiceField(
                label=label, choices=choices, coerce=int, required=required,
                empty_value=None, widget=forms.RadioSelect,
                error_messages={"required": _("Hãy chọn mức độ hài lòng chung.")},
            )  # fmt: skip
        self.fields = {**fields, "comment": self.fields["comment"]}

    def comment_widget(self) -> str:
        """The comment box, tied to its error message when it has one (a screen reader reads
        the message with the box, as it does for the scores' fieldsets)."""
        field = self["comment"]
        attrs = {"aria-describedby": "comment-error", "aria-invalid": "true"}
        return field.as_widget(attrs=attrs if field.errors else None)

    def scores(self) -> dict[str, int]:
        return {
            code: self.cleaned_data[code]
            for code, _label in CRITERIA
            if code != OVERALL and self.cleaned_data.get(code) is not None
        }
