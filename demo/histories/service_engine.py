"""The services engine: the reference path through the application's service functions."""

from __future__ import annotations

import datetime as dt

from demo.histories.plans import Plan
from dossiers import services
from dossiers.models import Dossier


class ServiceEngine:
    """The reference path: every move is the application's own service function."""

    def begin_chunk(self) -> None:
        """Nothing to prepare: the services allocate ids and codes themselves."""

    def prepare(self, plans: list[Plan]) -> None:
        """Nothing to preload."""

    def flush(self) -> None:
        """Every move is already written."""

    def do(self, move: str, **kwargs):
        return getattr(services, move)(**kwargs)

    def state(self, pk: int) -> tuple[str, dt.datetime | None]:
        return Dossier.objects.filter(pk=pk).values_list("status", "due_at").get()
