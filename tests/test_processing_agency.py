"""Which agency decides an online or counter dossier (Decree 118/2025: any centre may receive),
chosen in one query whatever the number of agencies that handle the procedure."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossiers.services.reception import processing_agency_for
from tests import factories

pytestmark = pytest.mark.django_db


def _decides(procedure, receiving):
    with CaptureQueriesContext(connection) as queries:
        agency = processing_agency_for(procedure, receiving, None)
    assert len(queries) == 1
    return agency


def test_a_centre_that_handles_the_procedure_decides_itself():
    centre, other = factories.agency("Trung tâm"), factories.agency("Sở khác")
    procedure = factories.procedure()
    procedure.agencies.set([other, centre])
    assert _decides(procedure, centre) == centre


def test_a_procedure_with_no_listed_handler_stays_with_the_receiving_centre():
    centre = factories.agency("Trung tâm")
    assert _decides(factories.procedure(), centre) == centre


def test_the_handler_of_the_centres_own_area_decides_before_the_others():
    centre = factories.agency("Trung tâm")
    far = factories.agency("A. Ủy ban xã xa")
    local = factories.agency("B. Ủy ban xã gần", territory=centre.territory)
    procedure = factories.procedure()
    procedure.agencies.set([far, local])
    assert _decides(procedure, centre) == local


def test_without_a_local_handler_the_first_handler_in_the_agencies_order_decides():
    centre = factories.agency("Trung tâm")
    second, first = factories.agency("B. Sở thứ hai"), factories.agency("A. Sở thứ nhất")
    procedure = factories.procedure()
    procedure.agencies.set([second, first])
    assert _decides(procedure, centre) == first


def test_a_chosen_agency_wins_without_a_query():
    centre, chosen = factories.agency("Trung tâm"), factories.agency("Sở được chọn")
    procedure = factories.procedure()
    procedure.agencies.set([centre])
    with CaptureQueriesContext(connection) as queries:
        assert processing_agency_for(procedure, centre, chosen) == chosen
    assert len(queries) == 0
