"""What else makes the cached oversight figures and tracking pages change: edits of the rows
they are labelled and grouped by. Moves and ratings change the cache keys by themselves (a new
event or rating id), and the overdue job bumps the summary generation (stats.overdue); an edit
of an agency, a level, a field or a procedure (its name, level, field, online level, the
agencies that decide it), and of a unit or a process step (names on the public tracking
timeline, `tracking.rendered`) bumps it here, in the edit's transaction, through the model
signals, together with the names' number (`stats.generation.NAMES`) that the tracking page
keys on. These edits are rare, so the cached entries they make unreadable cost little.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save


def _bump(sender, **kwargs) -> None:
    from stats.generation import NAMES, ROW, bump

    if kwargs.get("raw"):  # fixtures loaded as they are: no cache to invalidate yet
        return
    bump(ROW, NAMES)


def _bump_m2m(sender, action: str, **kwargs) -> None:
    if action.startswith("post_"):
        _bump(sender, **kwargs)


def connect() -> None:
    from catalog.models import Field, Procedure, ProcessStep
    from org.models import AdministrativeLevel, Agency, OrgUnit

    for model in (Agency, AdministrativeLevel, Field, Procedure, OrgUnit, ProcessStep):
        uid = f"oversight-generation-{model._meta.label_lower}"
        post_save.connect(_bump, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(_bump, sender=model, dispatch_uid=uid + "-delete")
    m2m_changed.connect(
        _bump_m2m, sender=Procedure.agencies.through, dispatch_uid="oversight-generation-m2m"
    )
