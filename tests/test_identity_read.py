"""The user, official and TOTP devices of a signed-in request, read in one query
(`access.identity`, `access.backends`): the same objects Django's, django-otp's and the
back office's own reads give, for officials, admins and inactive accounts; changes show at the
next request; and a signed-in request no longer reads them one by one."""

from __future__ import annotations

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.contrib.auth.backends import ModelBackend
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from access import identity
from access.backends import AccountBackend
from access.scope import official_of
from org.models import Official, OfficialRole, Role
from tests.signin import sign_in
from tests.sql_sent import sql_sent

QUEUE = "/can-bo/"


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def _official_facts(official: Official | None):
    if official is None:
        return None
    return (
        _fields(official), _fields(official.unit), _fields(official.unit.agency),
        sorted(official.role_codes()),
    )  # fmt: skip


@pytest.mark.parametrize("who", ["officer", "head", "overseer"])
def test_the_user_and_official_are_those_the_orm_reads(province, who):
    user = getattr(province, who).user
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    TOTPDevice.objects.create(user=user, name="new phone", confirmed=False)
    ours = AccountBackend().get_user(user.pk)
    theirs = ModelBackend().get_user(user.pk)
    assert _fields(ours) == _fields(theirs)
    expected = _official_facts(official_of(theirs))  # the read without the joined row
    assert sql_sent(lambda: official_of(ours)) == []  # carried by the user: no query
    assert _official_facts(official_of(ours)) == expected
    assert ours.official.pk == theirs.official.pk  # the reverse accessor, without a query
    devices = getattr(ours, identity.DEVICES_ATTRIBUTE)
    expected_devices = {d.pk: _fields(d) for d in TOTPDevice.objects.filter(user=user)}
    assert {pk: _fields(d) for pk, d in devices.items()} == expected_devices
    assert len(expected_devices) == 2


def test_several_roles_and_several_devices_are_each_read_once(province):
    user = province.head.user
    OfficialRole.objects.create(official=province.head, role=Role.LEADER)
    for n in range(3):
        TOTPDevice.objects.create(user=user, name=f"d{n}", confirmed=True)
    official = official_of(AccountBackend().get_user(user.pk))
    assert [r.role for r in official.roles.all()] == list(
        OfficialRole.objects.filter(official=province.head)
        .order_by("pk")
        .values_list("role", flat=True)
    )
    assert len(getattr(official.user, identity.DEVICES_ATTRIBUTE)) == 3


def test_an_account_without_an_official_and_an_inactive_official(province, admin_user):
    admin = AccountBackend().get_user(admin_user.pk)
    assert admin == admin_user and official_of(admin) is None
    assert getattr(admin, identity.DEVICES_ATTRIBUTE) == {}
    Official.objects.filter(pk=province.officer.pk).update(is_active=False)
    user = AccountBackend().get_user(province.officer.user_id)
    assert user is not None and official_of(user) is None
    assert user.official.pk == province.officer.pk  # still the account's official record


def test_an_inactive_or_unknown_user_is_none(province):
    user = province.officer.user
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert AccountBackend().get_user(user.pk) is None
    assert ModelBackend().get_user(user.pk) is None
    assert AccountBackend().get_user(987_654_321) is None


def test_one_read_for_user_official_roles_and_device(province):
    client = sign_in(Client(), province.officer)
    client.get(QUEUE)  # compile the shapes
    tables = " ".join(sql_sent(lambda: client.get(QUEUE)))
    assert tables.count('"auth_user"."password"') == 1
    assert '"org_officialrole"' in tables and '"otp_totp_totpdevice"' in tables
    for separate in ('FROM "otp_totp_totpdevice"', 'FROM "org_officialrole"',
                     'FROM "org_official"'):  # fmt: skip
        assert separate not in tables, separate


def test_changes_show_at_the_next_request(province):
    client = sign_in(Client(), province.officer)
    assert client.get(QUEUE).status_code == 200
    OfficialRole.objects.filter(official=province.officer).delete()
    OfficialRole.objects.create(official=province.officer, role=Role.OVERSEER)
    assert "Cán bộ giám sát không có hàng việc xử lý" in client.get(QUEUE).content.decode()
    Official.objects.filter(pk=province.officer.pk).update(is_active=False)
    assert client.get(QUEUE).status_code == 403
    Official.objects.filter(pk=province.officer.pk).update(is_active=True)
    TOTPDevice.objects.filter(user=province.officer.user).delete()
    assert client.get(QUEUE).status_code == 302  # the second factor is gone: sign in again
    client = sign_in(Client(), province.officer)
    get_user_model().objects.filter(pk=province.officer.user_id).update(is_active=False)
    assert client.get(QUEUE).status_code == 302


def test_a_password_change_ends_other_sessions(province):
    client = sign_in(Client(), province.officer)
    assert client.get(QUEUE).status_code == 200
    user = province.officer.user
    user.set_password("a-new-password-2026")
    user.save()
    assert client.get(QUEUE).status_code == 302


def test_a_session_of_the_former_backend_path_must_sign_in_again(province):
    """As the CHANGELOG says: sessions made with Django's own ModelBackend path before this
    backend came in are signed out, once."""
    client = sign_in(Client(), province.officer)
    session = client.session
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session.save()
    assert client.get(QUEUE).status_code == 302
