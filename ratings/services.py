"""Recording a rating: the one place that checks when and how a dossier may be rated."""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from dossiers.lifecycle import Status
from dossiers.models import Dossier
from dossiers.services.core import RuleViolation, lock, now_or
from org.models import Official, Role
from ratings.counting import count_rating
from ratings.criteria import CODES, OVERALL
from ratings.models import Rating

RATEABLE = {Status.RESULT_READY, Status.RETURNED}
LINK_SALT = "motcua.ratings.link"
LINK_MAX_AGE = 180 * 24 * 3600  # a result email's link stays usable for about six months


def _clean_scores(scores: dict[str, int]) -> dict[str, int]:
    clean = {}
    for code, value in scores.items():
        if code not in CODES or code == OVERALL:
            raise RuleViolation(_("Tiêu chí đánh giá không có trong danh sách."))
        if value is None:
            continue
        if not 1 <= int(value) <= 5:
            raise RuleViolation(_("Mỗi tiêu chí chấm từ 1 đến 5."))
        clean[code] = int(value)
    return clean


def rate_dossier(
    *,
    dossier: Dossier,
    overall: int,
    channel: str,
    scores: dict[str, int] | None = None,
    comment: str = "",
    citizen=None,
    kiosk_official: Official | None = None,
    at: dt.datetime | None = None,
) -> Rating:
    """Record the one rating of `dossier`; a dissatisfied one is sent to the agency's leaders.

    Only a dossier that has its result may be rated (the citizen judges the whole handling).
    """
    at = now_or(at)
    if not 1 <= int(overall) <= 5:
        raise RuleViolation(_("Mức độ hài lòng chung chấm từ 1 đến 5."))
    clean = _clean_scores(scores or {})
    with transaction.atomic():
        dossier = lock(dossier)
        if dossier.status not in RATEABLE:
            raise RuleViolation(_("Chỉ đánh giá được hồ sơ đã có kết quả."))
        try:
            with transaction.atomic():
                rating = Rating.objects.create(
                    dossier=dossier, overall=int(overall), scores=clean,
                    comment=comment.strip()[:2000], channel=channel, rated_at=at,
                    citizen=citizen, kiosk_official=kiosk_official,
                )  # fmt: skip
        except IntegrityError:
            raise RuleViolation(
                _("Hồ sơ này đã được đánh giá; mỗi hồ sơ chỉ đánh giá một lần.")
            ) from None
        count_rating(rating)
        if rating.dissatisfied:
            _tell_leaders(dossier, rating)
    return rating


def _tell_leaders(dossier: Dossier, rating: Rating) -> None:
    from notifications.services import notify_officials

    leaders = Official.objects.filter(
        unit__agency_id=dossier.processing_agency_id, is_active=True, roles__role=Role.LEADER
    ).select_related("user")
    notify_officials(dossier, leaders, "rating_dissatisfied", slot=f"rating{rating.pk}")


def rating_link_token(dossier: Dossier) -> str:
    """The token of the rating link in the result email (signed: the code alone is not enough)."""
    return signing.dumps({"d": dossier.pk}, salt=LINK_SALT, compress=True)


def rating_url(dossier: Dossier) -> str:
    """The absolute address of the rating page for the result email."""
    from django.conf import settings
    from django.urls import reverse

    path = reverse("ratings:by_link", args=[rating_link_token(dossier)])
    return settings.MOTCUA["SITE_URL"] + path


def dossier_from_link(token: str) -> Dossier | None:
    """The dossier a rating link was made for, or None if the link is forged or too old."""
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    return (
        Dossier.objects.select_related("procedure", "processing_agency")
        .filter(pk=data.get("d"))
        .first()
    )
