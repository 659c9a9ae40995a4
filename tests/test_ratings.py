"""Satisfaction ratings (P6): one per dossier after its result, by email link or at the kiosk;
a dissatisfied rating reaches the agency's leaders."""

from __future__ import annotations

import re

import pytest

from dossiers.services import (
    RuleViolation,
    assign_step,
    hand_over_step,
    receive_dossier,
    record_result,
    start_step,
)
from notifications.models import Notification
from ratings.models import Rating
from ratings.services import rate_dossier, rating_link_token
from tests.personas import actor, applicant, components, local
from tests.signin import sign_in


def _with_result(province):
    at = local(2026, 11, 2, 9, 0)
    dossier = receive_dossier(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(),
        components=components(province), at=at,
    )  # fmt: skip
    hand_over_step(actor=actor(province.officer), dossier=dossier, at=at)
    assign_step(actor=actor(province.head), dossier=dossier, assignee=province.specialist, at=at)
    start_step(actor=actor(province.specialist), dossier=dossier, at=at)
    hand_over_step(actor=actor(province.specialist), dossier=dossier, to=province.head, at=at)
    hand_over_step(actor=actor(province.head), dossier=dossier, to=province.leader, at=at)
    record_result(actor=actor(province.leader), dossier=dossier, number="1/GP", at=at)
    dossier.refresh_from_db()
    return dossier


@pytest.fixture
def finished(province):
    return _with_result(province)


def _answers(overall: int, **more) -> dict:
    return {"overall": str(overall), "comment": "Cán bộ nhiệt tình", **more}


def test_the_link_in_the_result_email_rates_the_dossier_once(client, finished):
    url = f"/danh-gia/{rating_link_token(finished)}/"
    page = client.get(url).content.decode()
    assert finished.code in page and "Mức độ hài lòng chung" in page
    assert "Nguyễn Văn An" not in page  # no personal data on the rating page
    response = client.post(url, _answers(5, attitude="4", online=""))
    assert response.status_code == 200 and "Cảm ơn bạn đã đánh giá" in response.content.decode()
    rating = Rating.objects.get(dossier=finished)
    assert (rating.overall, rating.scores, rating.channel) == (5, {"attitude": 4}, "email_link")
    again = client.post(url, _answers(1))
    assert "đã được đánh giá" in again.content.decode()
    assert Rating.objects.get(dossier=finished).overall == 5


def test_a_forged_or_altered_link_is_not_found(client, finished):
    token = rating_link_token(finished)
    assert client.get(f"/danh-gia/{token[:-2]}xx/").status_code == 404
    assert client.get(f"/danh-gia/{finished.code}/").status_code == 404


def test_the_overall_score_is_required_and_what_was_ticked_is_kept(client, finished):
    url = f"/danh-gia/{rating_link_token(finished)}/"
    response = client.post(url, {"attitude": "2", "comment": "Chờ lâu"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Hãy chọn mức độ hài lòng chung." in page
    assert "Chờ lâu" in page
    assert re.search(r'name="attitude" value="2"[^>]*checked', page)
    assert not Rating.objects.exists()
    assert 'aria-describedby="comment-error"' not in page  # the comment itself was fine


def test_a_comment_too_long_says_so_next_to_its_box(client, finished):
    url = f"/danh-gia/{rating_link_token(finished)}/"
    response = client.post(url, _answers(4) | {"comment": "x" * 2001})
    page = response.content.decode()
    assert response.status_code == 400 and not Rating.objects.exists()
    box = re.search(r"<textarea[^>]*>", page).group(0)
    assert 'aria-describedby="comment-error"' in box and 'aria-invalid="true"' in box
    assert re.search(r'id="comment-error">[^<]*2000', page)


def test_a_dossier_without_its_result_cannot_be_rated(province):
    dossier = receive_dossier(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(),
        components=components(province), at=local(2026, 11, 2, 9, 0),
    )  # fmt: skip
    with pytest.raises(RuleViolation, match="đã có kết quả"):
        rate_dossier(dossier=dossier, overall=4, channel=Rating.Channel.PORTAL)


def test_a_dissatisfied_rating_notifies_the_leaders_of_the_processing_agency(province, finished):
    rate_dossier(dossier=finished, overall=2, channel=Rating.Channel.PORTAL, comment="Chậm")
    sent = Notification.objects.filter(kind="rating_dissatisfied")
    assert list(sent.values_list("recipient", flat=True)) == [province.leader.user.email]


def test_a_satisfied_rating_notifies_nobody(finished):
    rate_dossier(dossier=finished, overall=4, channel=Rating.Channel.PORTAL)
    assert not Notification.objects.filter(kind="rating_dissatisfied").exists()


def test_the_kiosk_is_opened_by_a_counter_officer_of_the_dossier_only(client, province, finished):
    url = f"/danh-gia/quay/{finished.code}/"
    assert client.get(url).status_code == 302  # signed out: to the sign-in
    sign_in(client, province.outsider)
    assert client.get(url).status_code == 404
    sign_in(client, province.specialist)
    assert client.get(url).status_code == 404  # not a counter officer
    sign_in(client, province.officer)
    assert client.get(url).status_code == 200
    client.post(url, _answers(3))
    rating = Rating.objects.get(dossier=finished)
    assert (rating.channel, rating.kiosk_official) == ("kiosk", province.officer)


def test_the_result_email_carries_a_working_rating_link(client, finished):
    email = Notification.objects.get(dossier=finished, kind="dossier.result_recorded")
    link = next(line for line in email.body.splitlines() if "/danh-gia/" in line).strip()
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert client.get(f"/{path}").status_code == 200
    assert "Người dân không hài lòng" not in email.subject


def test_ratings_count_in_the_statistics_and_the_rebuild_finds_the_same(finished):
    from django.core.management import call_command

    from stats.models import DossierCount

    rate_dossier(dossier=finished, overall=2, channel=Rating.Channel.PORTAL)

    def tally():
        rows = DossierCount.objects.filter(agency=finished.processing_agency)
        return [
            sum(rows.values_list(c, flat=True))
            for c in ("rated_very_satisfied", "rated_satisfied", "rated_dissatisfied")
        ]

    assert tally() == [0, 0, 1]
    call_command("stats_rebuild", verbosity=0)
    assert tally() == [0, 0, 1]


def test_a_rating_counts_once_for_each_unit_that_held_a_step_or_recorded_the_result(province):
    """The accountability table per unit (O3): the counter, the division (the specialist's and
    the head's steps, one rating all the same) and the leadership (its step and the result)."""
    import datetime as dt

    from oversight.accountability import by_official, by_unit
    from service_index.periods import Period

    for overall in (4, 2):
        rate_dossier(dossier=_with_result(province), overall=overall, channel="kiosk",
                     at=local(2026, 11, 3, 9, 0))  # fmt: skip
    units = {r.name: (r.ratings, r.average_rating) for r in by_unit(
        Period.month(2026, 11), dt.date(2026, 11, 30), None)}  # fmt: skip
    assert units == {
        "Bộ phận một cửa": (2, 3), "Phòng chuyên môn": (2, 3), "Lãnh đạo": (2, 3),
    }  # fmt: skip
    # The leader held the last step and signed: each rating once for them too.
    people = {r.name: (r.ratings, r.average_rating) for r in by_official(
        Period.month(2026, 11), dt.date(2026, 11, 30), None)}  # fmt: skip
    assert people["Leader"] == (2, 3) and people["Specialist"] == (2, 3)
