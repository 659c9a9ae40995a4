"""Helpers for the stats tests: the rows of the summary tables, to compare two ways of
computing them (incremental against rebuild)."""

from __future__ import annotations

from stats.models import DossierCount, DossierTiming, OfficialCount


def _rows(model, exclude=("id",)) -> list[tuple]:
    names = [f.attname for f in model._meta.concrete_fields if f.attname not in exclude]
    return sorted(model.objects.values_list(*names))


def summary_rows() -> dict[str, list[tuple]]:
    return {
        "DossierCount": _rows(DossierCount),
        "OfficialCount": _rows(OfficialCount),
        "DossierTiming": _rows(DossierTiming, exclude=()),
    }


def dossier_counts(**filters) -> dict:
    """Counter name -> total over the DossierCount rows matching `filters` (zeros left out)."""
    from django.db.models import Sum

    from stats.models import counter_names

    names = counter_names(DossierCount)
    sums = DossierCount.objects.filter(**filters).aggregate(**{n: Sum(n) for n in names})
    return {name: value for name, value in sums.items() if value}


def official_counts(official, **filters) -> dict:
    from django.db.models import Sum

    from stats.models import counter_names

    names = counter_names(OfficialCount)
    rows = OfficialCount.objects.filter(official_id=official.pk, **filters)
    sums = rows.aggregate(**{n: Sum(n) for n in names})
    return {name: value for name, value in sums.items() if value}
