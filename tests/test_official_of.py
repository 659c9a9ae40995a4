"""The official behind a signed-in user (access.scope.official_of), read by every back-office
request through two compiled queries: the same official the ORM would give, with unit, agency
and roles loaded, and every change seen at the next request."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access.scope import official_of
from org.models import Official, OfficialRole, Role

pytestmark = pytest.mark.django_db


def test_the_official_comes_with_unit_agency_and_roles_and_no_further_query(province):
    head = province.head
    found = official_of(head.user)
    expected = Official.objects.select_related("unit__agency").get(pk=head.pk)
    assert found == expected
    with CaptureQueriesContext(connection) as queries:
        assert found.unit == expected.unit and found.unit.name == expected.unit.name
        assert found.agency == province.department and found.agency.name == expected.agency.name
        assert found.role_codes() == {Role.HEAD} and found.has_role(Role.HEAD)
        assert found.is_active is True and found.position == expected.position
        assert found.user is head.user
    assert len(queries) == 0


def test_changes_show_at_the_next_request(province):
    specialist = province.specialist
    assert official_of(specialist.user).role_codes() == {Role.SPECIALIST}
    OfficialRole.objects.create(official=specialist, role=Role.HEAD)
    assert official_of(specialist.user).role_codes() == {Role.SPECIALIST, Role.HEAD}
    Official.objects.filter(pk=specialist.pk).update(is_active=False)
    assert official_of(specialist.user) is None


def test_no_official_for_an_anonymous_user_or_an_account_without_one(province, django_user_model):
    assert official_of(AnonymousUser()) is None
    citizen = django_user_model.objects.create_user(username="dan", password="x")
    assert official_of(citizen) is None
