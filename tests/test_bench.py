"""The benchmark's own parts: bench views only when switched on, floors and the submission
view answering as the bench expects, the signed-in session it forges, one full lifecycle as
the lifecycle workers run it, and the table's verdicts."""

from __future__ import annotations

import importlib
import random

import pytest
from django.test import RequestFactory
from django.urls import clear_url_caches

import motcua.urls
from bench import fixtures, lifecycle, report, targets
from dossiers.integrity import verify_all
from dossiers.lifecycle import Move, Status
from dossiers.models import Dossier, DossierCounter, Event
from tests.personas import actor, applicant, components


@pytest.fixture
def bench_on(settings):
    """MOTCUA_BENCH=1 as the bench servers see it: the setting on, the URL map re-read."""
    old = settings.MOTCUA
    settings.MOTCUA = {**old, "BENCH": True}
    importlib.reload(motcua.urls)
    clear_url_caches()
    yield
    settings.MOTCUA = old
    importlib.reload(motcua.urls)
    clear_url_caches()


@pytest.fixture
def received(province):
    from dossiers.services import receive_dossier

    return receive_dossier(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(),
        components=components(province),
    )  # fmt: skip


@pytest.mark.django_db
def test_bench_views_are_not_served_by_default(client):
    assert client.get("/bench/f0/").status_code == 404


def test_floors_answer_when_switched_on(bench_on, client, received):
    assert client.get("/bench/f0/").content == b"ok"
    one = client.get(f"/bench/f1/{received.pk}/")
    assert one.content.decode() == f"{Status.RECEIVED} 1"  # no code, no name: no personal data
    counter = DossierCounter.objects.get()
    two = client.get(f"/bench/f2/{counter.agency_id}/{counter.day.isoformat()}/")
    assert two.content == b"1"
    assert client.get(f"/bench/f1/{received.pk + 1000}/").status_code == 404


def test_lookups_time_first_and_repeated_tracking_lookups(bench_on, province, settings):
    """`python -m bench.lookups`: every lookup it times found the dossier (a 404 or 429 would
    stop it), first lookups with an empty cache, then the same codes again."""
    from bench import lookups
    from dossiers.services import receive_dossier
    from tracking.links import tracking_path

    codes = [
        receive_dossier(
            actor=actor(province.officer), procedure=province.procedure,
            applicant=applicant(), components=components(province),
        ).code
        for _ in range(3)
    ]  # fmt: skip
    settings.MOTCUA = {**settings.MOTCUA, "TRACKING_LOOKUPS_PER_MINUTE": 10**9}
    paths = [tracking_path(code) for code in codes] * 10
    rounds = lookups.measure(paths, rounds=2, first=4, repeated=6)
    assert len(rounds) == 2 and all(ms > 0 for row in rounds for ms in row)
    with pytest.raises(SystemExit, match="need 1020 codes"):
        lookups.measure(paths, rounds=2)
    paths[21] = tracking_path("KHONG-CO-0001")
    with pytest.raises(SystemExit, match="did not answer 200"):
        lookups.measure(paths, rounds=1, first=4, repeated=6)


def test_tracking_queries_are_counted_for_a_first_lookup(province):
    """The tracking leg looks up many codes, mostly once: its query count is a first lookup's
    (the process warmed on another code), not a repeat's, which the cache serves in one."""
    from bench import inprocess
    from dossiers.services import receive_dossier
    from tracking.links import tracking_path

    first, other = (
        tracking_path(receive_dossier(
            actor=actor(province.officer), procedure=province.procedure,
            applicant=applicant(), components=components(province),
        ).code)
        for _ in range(2)
    )  # fmt: skip
    assert inprocess.query_count(first, warm=other) == (200, 2)
    assert inprocess.query_count(first) == (200, 1)


def test_bench_views_answer_loopback_only(bench_on, client, db):
    assert client.get("/bench/f0/", REMOTE_ADDR="203.0.113.9").status_code == 403


def test_submission_view_makes_an_online_dossier_with_its_file(bench_on, client, province):
    boundary = "benchtest"
    body = fixtures.submission_body(province.procedure.pk, province.centre.pk, boundary)
    response = client.post(
        "/bench/nop/", data=body.replace(b"@SERIAL@", b"000123"),
        content_type=f"multipart/form-data; boundary={boundary}",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    dossier = Dossier.objects.get(code=response.content.decode())
    assert dossier.status == Status.SUBMITTED and dossier.channel == "online"
    assert dossier.applicant.personal_id == "095085000123"
    files = [d for d in dossier.documents.all() if d.file]
    assert len(files) == 1 and files[0].file.read().startswith(b"%PDF")


def test_submission_carries_one_file_even_without_unconditional_components(
    bench_on, client, province
):
    province.procedure.documents.update(condition="Nếu có")
    boundary = "benchtest"
    body = fixtures.submission_body(province.procedure.pk, province.centre.pk, boundary)
    response = client.post(
        "/bench/nop/", data=body.replace(b"@SERIAL@", b"000124"),
        content_type=f"multipart/form-data; boundary={boundary}",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    dossier = Dossier.objects.get(code=response.content.decode())
    assert [bool(d.file) for d in dossier.documents.all()] == [True]


def test_forged_session_passes_both_factors(province):
    from django.contrib.auth.middleware import AuthenticationMiddleware
    from django.contrib.sessions.middleware import SessionMiddleware

    from access.middleware import OTPMiddleware

    cookie = fixtures.signed_in_cookie(province.specialist)
    name, _, key = cookie.partition("=")
    request = RequestFactory().get("/", HTTP_COOKIE=f"{name}={key}")
    for middleware in (SessionMiddleware, AuthenticationMiddleware, OTPMiddleware):
        middleware(lambda r: None)(request)
    assert request.user == province.specialist.user
    assert request.user.is_verified()


@pytest.mark.django_db
def test_queue_parts_split_a_page_into_its_counts_rows_and_the_rest(received, province):
    """`bench.queue_parts`: the counter officer's queue (the received dossier's first step is
    theirs) read twice; each part is measured, and the parts fit in the page's time."""
    from bench import queue_parts

    parts = queue_parts.measure(fixtures.signed_in_cookie(province.officer), pages=2)
    assert parts.counts > 0 and parts.rows > 0 and parts.other_queries > 0
    assert parts.python > 0
    assert parts.page == pytest.approx(
        parts.counts + parts.rows + parts.other_queries + parts.python
    )


def test_queue_parts_refuses_a_page_that_does_not_answer(province):
    """A signed-out client is sent to the sign-in page: no figure is printed for it."""
    from bench import queue_parts

    with pytest.raises(SystemExit, match="did not answer 200"):
        queue_parts.measure("", pages=1)


def test_one_lifecycle_goes_from_submission_to_returned_result(province):
    from demo.histories.routes import Route
    from demo.histories.staff import Staff

    route = Route(
        procedure=province.procedure, receiving=province.centre, processing=province.department,
        auto_processing=province.department, documents=tuple(province.procedure.documents.all()),
    )  # fmt: skip
    setup = lifecycle.Setup(routes=[route], staff=Staff([province.centre, province.department]))
    dossier = lifecycle.one_lifecycle(setup, route, random.Random(1), "000001")
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED
    actions = Event.objects.filter(dossier=dossier).order_by("seq").values_list("action")
    assert [a.removeprefix("dossier.") for (a,) in actions] == [
        Move.SUBMIT, Move.RECEIVE, Move.HAND_OVER, Move.HAND_OVER, Move.HAND_OVER,
        Move.RECORD_RESULT, Move.RETURN_RESULT,
    ]  # fmt: skip
    assert verify_all()[1] == []


def _leg(tracking: dict, queue: dict | None = None) -> dict:
    floor = {"rps": 1000.0, "p50_ms": 2.0, "p95_ms": 4.0, "bad_status": 0, "socket_errors": 0}
    measured = {"state": "measured", "path": "/x", "p95_ms": 9.0, "bad_status": 0,
                "socket_errors": 0, "connections": 8}  # fmt: skip
    return {
        "floors": {"F0": floor, "F1": floor, "F2": floor},
        "tracking": {**measured, **tracking},
        "queue": {**measured, **(queue or {"rps": 400.0, "queries": 5})},
    }


@pytest.mark.parametrize(
    ("tracking", "verdict"),
    [
        ({"rps": 600.0, "queries": 3}, "met"),
        ({"rps": 400.0, "queries": 3}, "**missed**"),  # 0.4 x F0 < 0.5
        ({"rps": 600.0, "queries": 4}, "**missed**"),  # one query too many
        ({"rps": 600.0, "queries": 3, "bad_status": 2}, "**missed**"),  # failed requests
    ],
)
def test_table_verdicts_hold_every_part_of_a_goal(tracking, verdict):
    leg = _leg(tracking)
    row = report.page_row(targets.PAGES[0], leg["tracking"], leg["floors"])
    assert row[-1] == verdict
    assert row[3] == f"{tracking['rps'] / 1000:.2f} × F0"


def test_queue_needs_the_same_queries_for_10_and_50_rows():
    queue_page = next(p for p in targets.PAGES if p.key == "queue")
    same = _leg({}, {"rps": 400.0, "queries_by_path": {"a": 6, "b": 6}})
    more = _leg({}, {"rps": 400.0, "queries_by_path": {"a": 6, "b": 8}})
    assert report.page_row(queue_page, same["queue"], same["floors"])[-1] == "met"
    assert report.page_row(queue_page, more["queue"], more["floors"])[-1] == "**missed**"


def test_a_page_not_built_yet_is_said_so():
    row = report.page_row(targets.PAGES[0], {"state": "not built", "path": "/tra-cuu/"}, {})
    assert row[-1] == "not built" and "404" in row[1]
