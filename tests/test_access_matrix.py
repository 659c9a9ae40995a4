"""Who may read and act on which dossier, through HTTP: every role against a dossier inside its
scope and one outside it, for the dossier page, a component download and one action.

Two dossiers wait at their second step, assigned and not started:
- "ours": received by the service centre, decided by the department (step 2 in its division,
  assigned to `specialist`);
- "theirs": received and decided by the other agency (step 2 in its division, assigned to
  `outsider`).
The action tried is "start the step" (no input), so its answer is the rule's: 302 for the
assignee, 403 for anyone else who may act on the dossier (the service refuses) or who only
reads it (overseers), 404 when the dossier is not theirs to see, the same 404 as an unknown
code. Every read of personal data writes one access-log row; refused requests write none.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from access.models import AccessLog
from catalog.models import ProcessStep, ProcessTemplate, RequiredDocument, TimeUnit
from dossiers.models import Dossier
from dossiers.services import ComponentData, assign_step, hand_over_step, receive_dossier
from org.models import OrgUnit, Role
from tests import factories
from tests.personas import actor, applicant, local, official
from tests.signin import sign_in

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
T0 = local(2026, 11, 2, 9, 0)
T1 = local(2026, 11, 2, 10, 0)


def _their_procedure(province):
    """A procedure the other agency receives and decides, with a two-step process."""
    procedure = factories.procedure("Thủ tục của sở khác", legal_time_amount=Decimal(5))
    procedure.agencies.set([province.other])
    RequiredDocument.objects.create(procedure=procedure, position=1, name="Tờ khai",
                                    kind="original", count=1)  # fmt: skip
    process = ProcessTemplate.objects.create(procedure=procedure, name="Quy trình sở khác")
    plan = [(OrgUnit.Kind.COUNTER, Role.COUNTER_OFFICER), (OrgUnit.Kind.DIVISION, Role.SPECIALIST)]
    for n, (kind, role) in enumerate(plan, 1):
        ProcessStep.objects.create(
            template=process, position=n, name=f"Bước {n}", acting_level=factories.level(),
            acting_unit_kind=kind, role=role, allotment=Decimal(8),
            allotment_unit=TimeUnit.WORKING_HOURS,
        )  # fmt: skip
    return procedure


def _with_scan(procedure) -> list[ComponentData]:
    return [
        ComponentData(
            name=d.name,
            kind="original",
            required_document_id=d.pk,
            file=SimpleUploadedFile("to-khai.pdf", PDF),
        )
        for d in procedure.documents.all()
    ]


def _at_step_two(officer, procedure, head, assignee, n: int) -> Dossier:
    dossier = receive_dossier(
        actor=actor(officer), procedure=procedure, applicant=applicant(n),
        components=_with_scan(procedure), at=T0,
    )  # fmt: skip
    hand_over_step(actor=actor(officer), dossier=dossier, at=T1)
    assign_step(actor=actor(head), dossier=dossier, assignee=assignee, at=T1)
    return dossier


@pytest.fixture
def world(province):
    ns = province
    counter = OrgUnit.objects.create(agency=ns.other, code="counter", name="Một cửa",
                                     kind=OrgUnit.Kind.COUNTER)  # fmt: skip
    ns.other_officer = official("otherofficer", counter, Role.COUNTER_OFFICER)
    ns.admin_official = official("adminonly", ns.specialist.unit, Role.ADMIN)
    ns.admin_staff = get_user_model().objects.create_user(
        "quantri", password="x-quantri", is_staff=True, is_superuser=True
    )
    ns.ours = _at_step_two(ns.officer, ns.procedure, ns.head, ns.specialist, 1)
    ns.theirs = _at_step_two(ns.other_officer, _their_procedure(ns), ns.outsider, ns.outsider, 2)
    return ns


OK, DONE, FORBIDDEN, MISSING = 200, 302, 403, 404
# persona -> dossier -> (page, file download, start-step POST)
MATRIX = {
    "officer": {"ours": (OK, OK, FORBIDDEN), "theirs": (MISSING,) * 3},
    "specialist": {"ours": (OK, OK, DONE), "theirs": (MISSING,) * 3},
    "specialist2": {"ours": (OK, OK, FORBIDDEN), "theirs": (MISSING,) * 3},
    "deputy": {"ours": (MISSING,) * 3, "theirs": (MISSING,) * 3},  # specialist, other unit
    "head": {"ours": (OK, OK, FORBIDDEN), "theirs": (MISSING,) * 3},
    "leader": {"ours": (OK, OK, FORBIDDEN), "theirs": (MISSING,) * 3},
    "overseer": {"ours": (OK, OK, FORBIDDEN), "theirs": (OK, OK, FORBIDDEN)},
    "outsider": {"ours": (MISSING,) * 3, "theirs": (OK, OK, DONE)},
    "other_officer": {"ours": (MISSING,) * 3, "theirs": (OK, OK, FORBIDDEN)},
    "other_leader": {"ours": (MISSING,) * 3, "theirs": (OK, OK, FORBIDDEN)},
    "admin_official": {"ours": (MISSING,) * 3, "theirs": (MISSING,) * 3},
    "admin_staff": {"ours": (FORBIDDEN,) * 3, "theirs": (FORBIDDEN,) * 3},
}
CASES = [(who, which) for who, row in MATRIX.items() for which in row]


def _urls(dossier: Dossier) -> tuple[str, str, str]:
    document = dossier.documents.order_by("pk").first()
    return (
        reverse("backoffice:dossier", args=[dossier.code]),
        reverse("backoffice:document", args=[dossier.code, document.pk]),
        reverse("backoffice:action", args=[dossier.code, "bat-dau"]),
    )


def _answers(client: Client, dossier: Dossier) -> tuple[int, int, int]:
    page, download, start = _urls(dossier)
    return (
        client.get(page).status_code,
        client.get(download).status_code,
        client.post(start).status_code,
    )


@pytest.mark.parametrize(("who", "which"), CASES)
def test_each_role_against_a_dossier_in_and_out_of_scope(world, who, which):
    dossier, person = getattr(world, which), getattr(world, who)
    client = sign_in(Client(), person)
    answers = _answers(client, dossier)
    assert answers == MATRIX[who][which]
    # One row per read of personal data: the page (except an overseer's, where the applicant is
    # masked) and the file; nothing for refused requests or the action.
    page_read = answers[0] == OK and who != "overseer"
    expected = int(page_read) + int(answers[1] == OK)
    logs = AccessLog.objects.filter(dossier=dossier)
    assert logs.count() == expected
    assert {log.user for log in logs} <= {getattr(person, "user", person)}
    dossier.refresh_from_db()
    assert (dossier.current_step.started_at is not None) == (answers[2] == DONE)


def _page_but_its_address(response) -> str:
    """The page without what every page varies by: the address asked for (the language form
    returns to it) and the form's CSRF token (masked afresh on every page)."""
    page = response.content.decode().replace(response.wsgi_request.get_full_path(), "ADDRESS")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def test_forbidden_and_unknown_dossiers_get_the_same_404(world):
    client = sign_in(Client(), world.outsider)
    forbidden = client.get(reverse("backoffice:dossier", args=[world.ours.code]))
    unknown = client.get(reverse("backoffice:dossier", args=[world.ours.code + "9"]))
    assert forbidden.status_code == unknown.status_code == 404
    assert _page_but_its_address(forbidden) == _page_but_its_address(unknown)
    document = world.ours.documents.order_by("pk").first()
    forbidden_file = client.get(reverse("backoffice:document", args=[world.ours.code, document.pk]))
    unknown_file = client.get(reverse("backoffice:document", args=[world.ours.code, 999999]))
    assert forbidden_file.status_code == unknown_file.status_code == 404
    assert _page_but_its_address(forbidden_file) == _page_but_its_address(unknown_file)
    assert not AccessLog.objects.exists()


def test_an_overseer_reads_every_dossier_and_every_action_is_refused(world):
    client = sign_in(Client(), world.overseer)
    for slug in ("bat-dau", "chuyen-buoc", "phan-cong", "ky-ket-qua", "rut-ho-so", "xin-loi"):
        url = reverse("backoffice:action", args=[world.ours.code, slug])
        response = client.post(url, {f"{slug}-reason": "x", f"{slug}-number": "1"})
        assert response.status_code == 403, slug
        assert "Bạn chỉ được xem hồ sơ này" in response.content.decode()
    assert world.ours.events.count() == Dossier.objects.get(pk=world.ours.pk).last_event_seq == 3
    assert not AccessLog.objects.exists()


def test_a_consulted_agency_sees_the_dossier_it_was_asked_about(world):
    client = sign_in(Client(), world.outsider)
    page = reverse("backoffice:dossier", args=[world.ours.code])
    assert client.get(page).status_code == 404
    specialist = sign_in(Client(), world.specialist)
    consult = reverse("backoffice:action", args=[world.ours.code, "xin-y-kien"])
    response = specialist.post(
        consult, {"xin-y-kien-agency": world.other.pk, "xin-y-kien-question": "Ý kiến?"}
    )
    assert response.status_code == 302
    assert client.get(page).status_code == 200


def test_signed_out_and_second_factor_missing_go_to_the_sign_in(world):
    half = Client()
    half.force_login(world.specialist.user)  # password only, no TOTP step
    for client in (Client(), half):
        for url in _urls(world.ours):
            method = client.post if url.endswith("/bat-dau/") else client.get
            response = method(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("access:sign_in"))
    assert not AccessLog.objects.exists()
