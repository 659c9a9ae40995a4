"""Ratings in the summary tables (stats): the three levels the statistics keep.

The five-point scale maps onto the levels the service index and the public statistics use:
5 is "very satisfied", 3 and 4 "satisfied" (a neutral answer is not a complaint), 1 and 2
"dissatisfied" (ratings.criteria.DISSATISFIED_AT_MOST).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from django.utils import timezone

from ratings.criteria import DISSATISFIED_AT_MOST
from ratings.models import Rating


def level_of(overall: int) -> str:
    if overall <= DISSATISFIED_AT_MOST:
        return "dissatisfied"
    return "very_satisfied" if overall == 5 else "satisfied"


def count_rating(rating: Rating) -> None:
    """Add a new rating to the summary tables (inside the transaction that stores it)."""
    from stats.recording import on_rating

    on_rating(rating.dossier, level_of(rating.overall), rating.rated_at)


def rebuild_source() -> Iterator[tuple]:
    """Every rating as (model, key, counts) for `stats_rebuild`, grouped by table key."""
    from stats.models import DossierCount
    from stats.recording import RATING_COLUMNS

    tally: Counter = Counter()
    rows = Rating.objects.values_list(
        "rated_at", "overall", "dossier__processing_agency_id", "dossier__procedure_id",
        "dossier__channel",
    )  # fmt: skip
    for rated_at, overall, agency, procedure, channel in rows.iterator():
        day = timezone.localdate(rated_at)
        tally[(day, agency, procedure, channel, RATING_COLUMNS[level_of(overall)])] += 1
    for (*key, column), n in tally.items():
        yield DossierCount, tuple(key), {column: n}
