"""The whole run: prepare the demo province, deal the plans, run the stories chunk by chunk."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import resource
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connection, connections, models, transaction
from django.utils import timezone
from tqdm import tqdm

from demo.histories.bulk_engine import BulkEngine
from demo.histories.bulk_rows import _highest_id, _Ids
from demo.histories.caches import Catalog
from demo.histories.constants import CHUNK, DEFAULT_SEED
from demo.histories.plans import Plan, Planner, Setup
from demo.histories.routes import load_routes
from demo.histories.service_engine import ServiceEngine
from demo.histories.staff import Staff, ensure_staff, staff_needs
from demo.histories.story import Context, Story
from dossiers.lifecycle import Status
from dossiers.models import Applicant, Consultation, Dossier, Event, StepRun
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
    cpu_seconds: float = 0.0  # the generator's CPU (all its processes): for a busy machine
    processes: int = 1
    statuses: Counter = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.requested / self.seconds if self.seconds else 0.0


def generate(
    count: int, *, seed: int = DEFAULT_SEED, now: dt.datetime | None = None,
    via: str = "bulk", progress: bool = False, chunk: int | None = None, processes: int = 1,
) -> Report:  # fmt: skip
    """Add `count` demo dossiers received over the twelve months before `now`.

    `via="bulk"` writes the rows in bulk (fast); `via="services"` makes every move through the
    service functions (the reference path: some 10 dossiers a second against 250 on a small
    machine). One transaction per chunk of dossiers. `processes` > 1 (bulk, PostgreSQL only)
    shares the work among that many processes (`_run_in_processes`); the histories are the
    same, but ids, and the order of codes on a day two processes both wrote, depend on timing.
    Inside a transaction it is one process: the others could not see what this one wrote.
    """
    if via not in CHUNK:
        raise ValueError(f"via must be one of {sorted(CHUNK)}, not {via!r}")
    chunk = chunk or CHUNK[via]
    shareable = via == "bulk" and connection.vendor == "postgresql"
    processes = processes if shareable and not connection.in_atomic_block else 1
    started, cpu = time.monotonic(), _cpu_seconds()
    now = now or timezone.now()
    setup = prepare()
    planner = Planner(setup, seed, count, now)
    first_dossier, first_event = _highest_id(Dossier), _highest_id(Event)
    bar = tqdm(total=count, unit=" hồ sơ", disable=not progress, file=sys.stderr, delay=1)
    if processes > 1:
        _run_in_processes(
            setup, planner, now, _parts(count, chunk, processes), chunk, processes, bar
        )
    else:
        engine = BulkEngine(setup.catalog) if via == "bulk" else ServiceEngine()
        ctx = Context(setup=setup, engine=engine, now=now)
        for begin in range(0, count, chunk):
            plans = _run_chunk(ctx, planner, range(begin, min(count, begin + chunk)))
            bar.update(len(plans))
    bar.close()
    report = Report(via=via, requested=count, seconds=time.monotonic() - started)
    report.cpu_seconds, report.processes = _cpu_seconds() - cpu, processes
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


class GenerationFailed(RuntimeError):
    """One of the generator's processes ended with an error (it printed it)."""


# Parts of the year per process: a process that is done takes the next part nobody has
# taken, so the processes end within one part of each other.
PARTS_PER_PROCESS = 8


def _parts(count: int, chunk: int, processes: int) -> list[range]:
    """Consecutive ranges of plan indices, whole chunks each (but the last)."""
    size = max(chunk, -(-count // (processes * PARTS_PER_PROCESS * chunk)) * chunk)
    return [range(start, min(count, start + size)) for start in range(0, count, size)]


def _run_in_processes(
    setup: Setup, planner: Planner, now: dt.datetime, parts: list[range], chunk: int,
    processes: int, bar: tqdm,
) -> None:  # fmt: skip
    """Several processes (fork), each with its own connection and engine (`shared=True`), each
    taking the next part of the year nobody has taken and passing over the others' draws
    (`Planner.skip`). What they share is settled by PostgreSQL: ids from the sequences, code
    numbers from the counters' atomic upsert, applicants by their unique number."""
    _Ids([Applicant, Dossier, StepRun, Consultation]).sync_sequences()
    connections.close_all()  # each process opens its own
    fork = multiprocessing.get_context("fork")
    done, taken = fork.Value("q", 0), fork.Value("q", 0)
    workers = [
        fork.Process(target=_work, args=(setup, planner, now, parts, chunk, taken, done))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    try:
        while any(w.is_alive() for w in workers):
            if any(w.exitcode for w in workers):
                break
            time.sleep(0.5)
            bar.update(done.value - bar.n)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()
    if any(w.exitcode for w in workers):
        raise GenerationFailed(
            "Một tiến trình sinh hồ sơ mẫu bị lỗi (xem lỗi ở trên); các phần đã ghi vẫn giữ. / "
            "A generator process failed (its error is above); the chunks already written stay."
        )
    bar.update(done.value - bar.n)


def _work(
    setup: Setup, planner: Planner, now: dt.datetime, parts: list[range], chunk: int,
    taken, done,
) -> None:  # fmt: skip
    """One generator process: the parts it takes (in order: its planner only goes forward),
    chunk by chunk."""
    ctx = Context(setup=setup, engine=BulkEngine(setup.catalog, shared=True), now=now)
    made = 0
    while True:
        with taken.get_lock():
            number = taken.value
            taken.value += 1
        if number >= len(parts):
            break
        part = parts[number]
        for index in range(made, part.start):
            planner.skip(index)
        for begin in range(part.start, part.stop, chunk):
            plans = _run_chunk(ctx, planner, range(begin, min(part.stop, begin + chunk)))
            with done.get_lock():
                done.value += len(plans)
        made = part.stop
    connections.close_all()


def _cpu_seconds() -> float:
    """This process's CPU time and that of its finished child processes."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def iter_statuses(report: Report) -> Iterator[tuple[str, int]]:
    """(status label, count), most frequent first, for the command's summary."""
    for status, n in report.statuses.most_common():
        yield str(Status(status).label), n
