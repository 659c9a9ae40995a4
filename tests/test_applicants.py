"""Applicant details typed at the counter or on the portal: Vietnamese identification numbers,
phone and email are checked before anything is stored, with messages in Vietnamese (and in
English once the catalogue is translated); a known ID number updates the same applicant."""

from __future__ import annotations

import dataclasses
import re
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext

from dossiers.models import Applicant, Dossier
from dossiers.services import ApplicantData, receive_dossier
from dossiers.services.reception import find_or_create_applicant
from tests.personas import actor, applicant, components, local

AT = local(2026, 11, 2, 9, 0)
MSG_ID_FORMAT = "Số định danh cá nhân phải gồm đúng 12 chữ số."
MSG_ID_PROVINCE = "Ba chữ số đầu của số định danh (mã tỉnh) phải từ 001 đến 096."
MSG_ID_BIRTH = "Số định danh không khớp năm sinh %(year)s (chữ số thứ 4-6 mã hóa năm sinh)."
MSG_TAX = "Mã số thuế phải gồm 10 chữ số, hoặc 13 chữ số với đơn vị phụ thuộc."
MSG_PHONE = "Số điện thoại phải gồm 10 hoặc 11 chữ số, bắt đầu bằng 0 (hoặc +84)."
MSG_REQUIRED = "Không được để trống."
VIETNAMESE_LETTERS = re.compile(r"[ăâđêôơưĂÂĐÊÔƠƯà-ỹÀ-Ỹ]")


def person(**changes) -> ApplicantData:
    return dataclasses.replace(applicant(1), **changes)


def organisation(**changes) -> ApplicantData:
    data = ApplicantData(
        kind="organisation", name="Công ty TNHH Thử Nghiệm", tax_code="0401234567",
        representative="Trần Thị Bình", address="Sơn Trà", phone="0905 111 222",
        email="congty@example.test",
    )  # fmt: skip
    return dataclasses.replace(data, **changes)


def _receive(province, data: ApplicantData, at=AT) -> Dossier:
    return receive_dossier(
        actor=actor(province.officer), procedure=province.procedure, applicant=data,
        components=components(province), at=at,
    )  # fmt: skip


def _errors(data: ApplicantData) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        find_or_create_applicant(data)
    return refused.value.message_dict


# ---------------------------------------------------------------- valid data


@pytest.mark.parametrize(
    "data",
    [
        person(),
        person(personal_id="001200012345"),  # lowest province code
        person(personal_id="096200012345"),  # highest province code
        person(personal_id="048085000001", birth_date=local(1985, 3, 1).date()),  # 1900s, male
        person(personal_id="048185000001", birth_date=local(1985, 3, 1).date()),  # 1900s, female
        person(personal_id="048305000001", birth_date=local(2005, 3, 1).date()),  # 2000s, female
        person(birth_date=None),
        person(phone="+84905123456"),
        person(phone="0905.123.456"),
        person(phone="", email=""),
        organisation(),
        organisation(tax_code="0401234567001"),
    ],
    ids=lambda d: f"{d.kind}-{d.personal_id or d.tax_code}-{d.phone or 'nophone'}",
)
def test_valid_applicants_are_received(province, data):
    dossier = _receive(province, data)
    stored = Applicant.objects.get(pk=dossier.applicant_id)
    assert stored.name == data.name
    if data.kind == "organisation":
        assert stored.tax_code == data.tax_code
        assert stored.personal_id == ""
    else:
        assert stored.personal_id == data.personal_id


# ---------------------------------------------------------------- invalid data (Vietnamese)


INVALID = [
    ("id-short", person(personal_id="04820001234"), "personal_id", MSG_ID_FORMAT),
    ("id-long", person(personal_id="0482000123456"), "personal_id", MSG_ID_FORMAT),
    ("id-letter", person(personal_id="04820001234A"), "personal_id", MSG_ID_FORMAT),
    ("id-spaces", person(personal_id="048 200 0123"), "personal_id", MSG_ID_FORMAT),
    ("id-missing", person(personal_id=""), "personal_id", MSG_ID_FORMAT),
    ("id-province-000", person(personal_id="000200012345"), "personal_id", MSG_ID_PROVINCE),
    ("id-province-097", person(personal_id="097200012345"), "personal_id", MSG_ID_PROVINCE),
    ("id-birth-year", person(birth_date=local(1999, 5, 1).date()), "personal_id",
     MSG_ID_BIRTH % {"year": 1999}),
    ("id-birth-century", person(personal_id="048000000001", birth_date=local(2000, 1, 1).date()),
     "personal_id", MSG_ID_BIRTH % {"year": 2000}),
    ("tax-9", organisation(tax_code="040123456"), "tax_code", MSG_TAX),
    ("tax-11", organisation(tax_code="04012345678"), "tax_code", MSG_TAX),
    ("tax-12-hyphen", organisation(tax_code="0401234567-01"), "tax_code", MSG_TAX),
    ("tax-letters", organisation(tax_code="04012345AB"), "tax_code", MSG_TAX),
    ("tax-missing", organisation(tax_code=""), "tax_code", MSG_TAX),
    ("phone-9", person(phone="090512345"), "phone", MSG_PHONE),
    ("phone-no-zero", person(phone="1905123456"), "phone", MSG_PHONE),
    ("phone-letters", person(phone="09051234ab"), "phone", MSG_PHONE),
    ("phone-plus-84-short", person(phone="+8490512345"), "phone", MSG_PHONE),
    ("email", person(email="dan@"), "email", "Nhập địa chỉ email."),
    ("email-spaces", person(email="dan an@example.test"), "email", "Nhập địa chỉ email."),
    ("name", person(name="   "), "name", MSG_REQUIRED),
]  # fmt: skip


@pytest.mark.parametrize(("data", "field", "message"), [c[1:] for c in INVALID],
                         ids=[c[0] for c in INVALID])  # fmt: skip
def test_invalid_details_are_refused_in_vietnamese(province, data, field, message):
    with translation.override("vi"):
        errors = _errors(data)
    assert message in errors[field]
    assert VIETNAMESE_LETTERS.search(message)
    assert not Applicant.objects.exists()


def test_a_wrong_email_is_reported_once(province):
    with translation.override("vi"):
        errors = _errors(person(email="dan@"))
    assert errors == {"email": ["Nhập địa chỉ email."]}


def test_a_dependent_unit_tax_code_with_hyphen_is_accepted(province):
    first = _receive(province, organisation(tax_code="0401234567001"))
    second = _receive(province, organisation(tax_code="0401234567-001", address="Liên Chiểu"))
    assert first.applicant_id == second.applicant_id
    assert Applicant.objects.get().address == "Liên Chiểu"


@pytest.mark.parametrize("phone", ["0236 3822 222", "024 3825 3536", "+84 236 3822 222"])
def test_a_landline_number_is_accepted(province, phone):
    dossier = _receive(province, organisation(phone=phone))
    assert Applicant.objects.get(pk=dossier.applicant_id).phone == phone


@pytest.mark.parametrize("phone", ["09051234567", "+849051234567", "01234567890"])
def test_an_eleven_digit_number_must_be_a_landline(province, phone):
    assert set(_errors(person(phone=phone))) == {"phone"}


def test_every_wrong_field_is_reported_at_once(province):
    with translation.override("vi"):
        errors = _errors(person(personal_id="1234", phone="12", email="x", name=""))
    assert set(errors) == {"personal_id", "phone", "email", "name"}


def test_a_refused_applicant_leaves_no_dossier_and_no_code_used(province):
    with pytest.raises(ValidationError):
        _receive(province, person(personal_id="000200012345"))
    assert not Dossier.objects.exists() and not Applicant.objects.exists()
    assert _receive(province, person()).code.endswith("-0001")


@pytest.mark.parametrize(
    ("data", "vietnamese", "numbers"),
    [
        (person(personal_id="1"), MSG_ID_FORMAT, ["12"]),
        (person(personal_id="097200012345"), MSG_ID_PROVINCE, ["001", "096"]),
        (organisation(tax_code="1"), MSG_TAX, ["10", "13"]),
        (person(phone="1"), MSG_PHONE, ["10", "+84"]),
        (person(name=""), MSG_REQUIRED, []),
    ],
    ids=["id", "province", "tax", "phone", "required"],
)
def test_messages_in_english_once_translated(province, data, vietnamese, numbers):
    with translation.override("en"):
        if gettext(vietnamese) == vietnamese:
            pytest.skip(
                "locale/en/LC_MESSAGES has no English translation of "
                f"{vietnamese!r} yet (empty msgstr or no compiled .mo)"
            )
        errors = _errors(data)
    message = next(m for messages in errors.values() for m in messages)
    assert message != vietnamese
    assert not VIETNAMESE_LETTERS.search(message)
    assert all(n in message for n in numbers)


# ---------------------------------------------------------------- masking and re-use


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Nguyễn Văn An", "Ng*** V*** A**"),
        ("Lê Thị Minh Khai", "L** T*** Mi*** Kh***"),
        ("  Trần   Bình  ", "Tr*** Bì***"),
        ("Y", "Y**"),
    ],
)
def test_masked_name_shows_only_initial_letters(name, masked):
    assert Applicant(name=name).masked_name() == masked


def test_masked_name_does_not_depend_on_unicode_normalisation(province):
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn An")
    dossier = _receive(province, person(name=decomposed))
    stored = Applicant.objects.get(pk=dossier.applicant_id)
    assert stored.name == "Nguyễn Văn An"
    assert stored.masked_name() == "Ng*** V*** A**"


def test_reusing_an_id_updates_the_same_applicant(province):
    first = _receive(province, person())
    second = _receive(
        province, person(address="Thanh Khê", phone="0912345678", email=""),
        at=local(2026, 11, 3, 9, 0),
    )  # fmt: skip
    assert first.applicant_id == second.applicant_id
    stored = Applicant.objects.get()
    assert (stored.address, stored.phone) == ("Thanh Khê", "0912345678")
    assert stored.email == "dan@example.test"  # a blank detail does not erase a stored one
    assert stored.dossiers.count() == 2


WIDE = str.maketrans("0123456789", "０１２３４５６７８９")


def test_numbers_typed_in_full_width_digits_name_the_same_applicant(province):
    """Some phone keyboards type "０７９…": the number on the card all the same."""
    first = _receive(province, person())
    typed = person(personal_id=person().personal_id.translate(WIDE),
                   phone="０９１２ ３４５ ６７８")  # fmt: skip
    second = _receive(province, typed, at=local(2026, 11, 3, 9, 0))
    assert first.applicant_id == second.applicant_id
    stored = Applicant.objects.get()
    assert (stored.personal_id, stored.phone) == (person().personal_id, "0912 345 678")
    company = _receive(province, organisation(tax_code="０４０１２３４５６７-００１"))
    assert company.applicant.tax_code == "0401234567001"


def test_reusing_a_tax_code_updates_the_same_organisation(province):
    first = _receive(province, organisation(tax_code="0401234567001"))
    second = _receive(province, organisation(tax_code="0401234567001", address="Liên Chiểu"))
    assert first.applicant_id == second.applicant_id
    assert Applicant.objects.get().address == "Liên Chiểu"


def test_a_refused_update_keeps_the_stored_details(province):
    _receive(province, person())
    with pytest.raises(ValidationError):
        _receive(province, person(address="Ngũ Hành Sơn", birth_date=local(1990, 1, 1).date()))
    assert Applicant.objects.get().address == "Hải Châu"
    assert Dossier.objects.count() == 1
