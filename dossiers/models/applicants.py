"""Applicants: a person (by personal ID number) or an organisation (by tax code)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dossiers.validators import (
    check_id_matches_birth,
    normalise_personal_id,
    normalise_phone,
    normalise_tax_code,
    validate_personal_id,
    validate_phone,
    validate_tax_code,
)
from motcua.indexed import not_blank
from motcua.text import nfc


def identified_by(field: str, *values: str) -> Q:
    """Applicants whose `field` ("personal_id" or "tax_code") is one of `values`, in a form
    the database answers from that field's unique index, which leaves blank numbers out
    (`motcua.indexed`): the submission's look-up, the demo loader's and the citizen's."""
    lookup = {field: values[0]} if len(values) == 1 else {f"{field}__in": values}
    return Q(**lookup) & not_blank(field)


class Applicant(models.Model):
    """Who applies. Only what the one-stop forms need is collected (data minimisation)."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Cá nhân")
        ORGANISATION = "organisation", _("Tổ chức, doanh nghiệp")

    kind = models.CharField(_("loại"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("họ tên / tên tổ chức"), max_length=255)
    personal_id = models.CharField(_("số định danh cá nhân"), max_length=12, blank=True)
    birth_date = models.DateField(_("ngày sinh"), null=True, blank=True)
    tax_code = models.CharField(_("mã số thuế"), max_length=13, blank=True)
    representative = models.CharField(_("người đại diện"), max_length=255, blank=True)
    address = models.CharField(_("địa chỉ"), max_length=500, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    # The language of the emails and SMS sent to the applicant (P10); Vietnamese unless chosen.
    language = models.CharField(
        _("ngôn ngữ nhận thông báo"), max_length=8, choices=settings.LANGUAGES, default="vi"
    )

    class Meta:
        verbose_name = _("người nộp hồ sơ")
        verbose_name_plural = _("người nộp hồ sơ")
        constraints = [
            models.UniqueConstraint(
                fields=["personal_id"],
                condition=~Q(personal_id=""),
                name="applicant_personal_id_unique",
            ),
            models.UniqueConstraint(
                fields=["tax_code"], condition=~Q(tax_code=""), name="applicant_tax_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean_fields(self, exclude=None) -> None:
        """Normalise before the field checks: a hyphenated 13-digit tax code is 14 characters
        as typed, some keyboards type full-width digits, and names typed on some keyboards
        arrive decomposed (NFD)."""
        self.tax_code = normalise_tax_code(self.tax_code)
        self.personal_id = normalise_personal_id(self.personal_id)
        self.phone = normalise_phone(self.phone)
        for name in ("name", "representative", "address"):
            setattr(self, name, nfc(getattr(self, name) or "").strip())
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        errors: dict[str, list] = {}
        checks = [("name", lambda v: _required(v))]
        if self.kind == self.Kind.PERSON:
            checks += [
                ("personal_id", validate_personal_id),
                ("personal_id", lambda v: check_id_matches_birth(v, self.birth_date)),
            ]
        else:
            checks += [("tax_code", validate_tax_code)]
        if self.phone:
            checks.append(("phone", validate_phone))
        for field, check in checks:
            try:
                check(getattr(self, field))
            except ValidationError as exc:
                errors.setdefault(field, []).extend(exc.messages)
        if errors:
            raise ValidationError(errors)

    def masked_name(self) -> str:
        """'Nguyễn Văn An' -> 'Ng*** V*** A**': what public pages may show."""
        return " ".join(_mask_word(w) for w in nfc(self.name).split())


def _required(value: str) -> None:
    if not (value or "").strip():
        raise ValidationError(_("Không được để trống."), code="required")


def _mask_word(word: str) -> str:
    """Show one or two letters; the number of stars does not reveal the word's length."""
    keep = 2 if len(word) > 3 else 1
    return word[:keep] + ("***" if len(word) > 2 else "**")
