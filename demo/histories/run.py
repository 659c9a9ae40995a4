"""The whole run: prepare the demo province, deal the plans, run the stories chunk by chunk."""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import models, transaction
from django.utils import timezone
from tqdm import tqdm

from demo.histories.bulk_engine import BulkEngine
from demo.histories.bulk_rows import _highest_id
from demo.histories.caches import Catalog
from demo.histories.constants import CHUNK, DEFAULT_SEED
from demo.histories.plans import Plan, Planner, Setup
from demo.histories.routes import load_routes
from demo.histories.service_engine import ServiceEngine
from demo.histories.staff import Staff, ensure_staff, staff_needs
from demo.histories.story import Context, Story
from dossiers.lifecycle import Status
from dossiers.models import Dossier, Event
from org.models import AdministrativeUnit, Agency


def prepare() -> Setup:
    """Routes, the demo officials they need (created when missing), calendars and places."""
    catalog = Catalog()
    routes = load_routes(catalog)
    if not routes:
        raise LookupError(
            "Chưa có thủ tục nào có quy trình nội bộ mẫu: hãy chạy `manage.py demo` trước. / "
            "No procedure with a demo internal process: run `manage.py demo` first."
        )
    targets = sorted(
        {r.processing for r in routes if r.processing.kind != Agency.Kind.PEOPLES_COMMITTEE},
        key=lambda a: a.code,
    )
    if len(targets) < 2:
        raise LookupError("the demo needs at least two departments with demo processes")
    needs = staff_needs(routes, targets)
    ensure_staff(needs)
    places = list(
        AdministrativeUnit.objects.filter(
            parent__isnull=False, valid_to__isnull=True, agencies__in=list(needs)
        )
        .distinct()
        .order_by("code")
        .values_list("name", flat=True)
    )
    return Setup(
        routes=routes, targets=targets, catalog=catalog, staff=Staff(list(needs)),
        places=[f"{p}, thành phố Đà Nẵng" for p in places] or ["thành phố Đà Nẵng"],
    )  # fmt: skip


@dataclass
class Report:
    via: str
    requested: int
    dossiers: int = 0
    events: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process's CPU time: comparable on a busy machine
    statuses: Counter = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.requested / self.seconds if self.seconds else 0.0


def generate(
    count: int, *, seed: int = DEFAULT_SEED, now: dt.datetime | None = None,
    via: str = "bulk", progress: bool = False, chunk: int | None = None,
) -> Report:  # fmt: skip
    """Add `count` demo dossiers received over the twelve months before `now`.

    `via="bulk"` writes the rows in bulk (fast); `via="services"` makes every move through the
    service functions (the reference path: some 10 dossiers a second against 250 on a small
    machine). One transaction per chunk of dossiers.
    """
    if via not in CHUNK:
        raise ValueError(f"via must be one of {sorted(CHUNK)}, not {via!r}")
    chunk = chunk or CHUNK[via]
    started, cpu = time.monotonic(), time.process_time()
    now = now or timezone.now()
    setup = prepare()
    engine = BulkEngine(setup.catalog) if via == "bulk" else ServiceEngine()
    ctx = Context(setup=setup, engine=engine, now=now)
    planner = Planner(setup, seed, count, now)
    first_dossier, first_event = _highest_id(Dossier), _highest_id(Event)
    bar = tqdm(total=count, unit=" hồ sơ", disable=not progress, file=sys.stderr)
    with bar:
        for begin in range(0, count, chunk):
            plans = _run_chunk(ctx, planner, range(begin, min(count, begin + chunk)))
            bar.update(len(plans))
    report = Report(via=via, requested=count, seconds=time.monotonic() - started)
    report.cpu_seconds = time.process_time() - cpu
    added = Dossier.objects.filter(pk__gt=first_dossier)
    report.dossiers = added.count()
    report.events = Event.objects.filter(pk__gt=first_event).count()
    report.statuses = Counter(dict(added.values_list("status").annotate(n=models.Count("pk"))))
    return report


def _run_chunk(ctx: Context, planner: Planner, indices: range) -> list[Plan]:
    with transaction.atomic():
        ctx.engine.begin_chunk()
        plans = [planner.plan(i) for i in indices]
        ctx.engine.prepare(plans)
        for plan in plans:
            Story(ctx, plan).run()
        ctx.engine.flush()
    return plans


def iter_statuses(report: Report) -> Iterator[tuple[str, int]]:
    """(status label, count), most frequent first, for the command's summary."""
    for status, n in report.statuses.most_common():
        yield str(Status(status).label), n
