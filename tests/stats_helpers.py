"""Helpers for the stats tests: the rows of the summary tables, to compare two ways of
computing them (incremental against rebuild)."""

from __future__ import annotations

from stats.models import DossierCount, DossierTiming, MonthCount, OfficialCount, counter_names


def _rows(model, exclude=("id",)) -> list[tuple]:
    names = [f.attname for f in model._meta.concrete_fields if f.attname not in exclude]
    return sorted(model.objects.values_list(*names))


def summary_rows() -> dict[str, list[tuple]]:
    return {
        "DossierCount": _rows(DossierCount),
        "OfficialCount": _rows(OfficialCount),
        "MonthCount": _rows(MonthCount),
        "DossierTiming": _rows(DossierTiming, exclude=()),
    }


def month_rows_from_days() -> list[tuple]:
    """The month rows as they must be: the day rows summed per month, agency, the procedure's
    field and channel, computed here in Python (in MonthCount's column order)."""
    from collections import defaultdict

    from catalog.models import Procedure

    field_of = dict(Procedure.objects.values_list("pk", "field_id"))
    names = counter_names(DossierCount)
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(names))
    for day, agency, procedure, channel, *values in DossierCount.objects.values_list(
        "day", "agency_id", "procedure_id", "channel", *names
    ):
        key = (day.replace(day=1), agency, field_of[procedure], channel)
        sums[key] = [a + b for a, b in zip(sums[key], values, strict=True)]
    columns = [f.attname for f in MonthCount._meta.concrete_fields if f.attname != "id"]
    order = {name: i for i, name in enumerate(columns)}
    rows = []
    for (month, agency, field, channel), values in sums.items():
        row = [None] * len(columns)
        row[order["month"]], row[order["agency_id"]] = month, agency
        row[order["field_id"]], row[order["channel"]] = field, channel
        for name, value in zip(names, values, strict=True):
            row[order[name]] = value
        rows.append(tuple(row))
    return sorted(rows)


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
