"""Full lifecycles through the real services, in parallel worker processes.

One lifecycle is what the issue names: online submission, reception, three step hand-overs
(counter officer to specialist, specialist to head, head to leader), the leader's result and
its return at the counter; seven service calls, each its own transaction with its event and
notifications, exactly as the pages will call them (tests/test_dossier_walkthrough.py and the
demo stories follow the same moves). The applicant gives an email address, so the outbox and
the task queue get their rows too.

`python -m bench.lifecycle --index I --seconds S --routes FILE` loads the routes the driver
chose (procedure, receiving centre, processing agency) and their officials, prints "ready",
waits for a line on stdin so that every worker starts together, runs lifecycles for S seconds
and prints one JSON line. `run_workers` starts and collects them.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def choose_routes(count: int = 20) -> list[list[int]]:
    """(procedure, receiving, processing) keys of up to `count` demo routes that an online
    submission can take by itself (the services pick the processing agency the route names)
    and that have unconditional mandatory components (the file goes to the first), spread
    over the catalogue. Runs once, in the driver: loading every route is slow."""
    from demo.histories import prepare

    usable = [r for r in prepare().routes if r.auto and components(r)]
    if not usable:
        raise LookupError("no demo route takes online submissions")
    step = max(1, len(usable) // count)
    return [[r.procedure.pk, r.receiving.pk, r.processing.pk] for r in usable[::step][:count]]


@dataclass
class Setup:
    """The routes of the run and the officials who act on them."""

    routes: list
    staff: object


def load_setup(keys: list[list[int]]) -> Setup:
    from catalog.models import Procedure
    from demo.histories.routes import Route
    from demo.histories.staff import Staff
    from org.models import Agency

    procedures = Procedure.objects.prefetch_related("documents").in_bulk({k[0] for k in keys})
    agencies = Agency.objects.select_related("calendar").in_bulk({pk for k in keys for pk in k[1:]})
    routes = [
        Route(procedure=procedures[p], receiving=agencies[r], processing=agencies[q],
              auto_processing=agencies[q], documents=tuple(procedures[p].documents.all()))
        for p, r, q in keys
    ]  # fmt: skip
    return Setup(routes=routes, staff=Staff(list(agencies.values())))


def components(route) -> list:
    from dossiers.models import Document
    from dossiers.services import ComponentData

    kinds = set(Document.Kind.values)
    return [
        ComponentData(name=d.name, kind=d.kind if d.kind in kinds else Document.Kind.COPY,
                      count=d.count or 1, required_document_id=d.pk)
        for d in route.documents
        if d.mandatory and not d.condition
    ]  # fmt: skip


def one_lifecycle(setup: Setup, route, rng: random.Random, serial: str):
    """Submit, receive, three hand-overs, result, return: seven transactions; the dossier."""
    from dossiers import services
    from dossiers.models.dossier import Delivery
    from dossiers.services import Actor, ApplicantData
    from org.models import Role

    staff = setup.staff
    counter = staff.pick(rng, route.receiving, Role.COUNTER_OFFICER)
    specialist = staff.pick(rng, route.processing, Role.SPECIALIST)
    head = staff.pick(rng, route.processing, Role.HEAD)
    leader = staff.pick(rng, route.processing, Role.LEADER)
    person = ApplicantData(
        kind="person", name="Trần Thị Thử", personal_id=f"095186{serial}",
        email="nguoinop@example.test",
    )  # fmt: skip
    dossier = services.submit_online(
        actor=Actor.applicant(person.name), procedure=route.procedure, applicant=person,
        receiving_agency=route.receiving, components=components(route),
        delivery=Delivery.COUNTER,
    )  # fmt: skip
    at_counter = staff.actor(counter, Role.COUNTER_OFFICER)
    services.receive_submitted(actor=at_counter, dossier=dossier)
    services.hand_over_step(actor=at_counter, dossier=dossier, to=specialist)
    services.hand_over_step(
        actor=staff.actor(specialist, Role.SPECIALIST), dossier=dossier, to=head
    )
    services.hand_over_step(actor=staff.actor(head, Role.HEAD), dossier=dossier, to=leader)
    services.record_result(
        actor=staff.actor(leader, Role.LEADER), dossier=dossier, number=f"{serial}/BENCH"
    )
    return services.return_result(actor=at_counter, dossier=dossier, channel=Delivery.COUNTER)


def worker(index: int, seconds: float, routes_file: Path) -> dict:
    """Run lifecycles for `seconds`; errors are counted by kind, never hidden."""
    import django

    django.setup()
    setup = load_setup(json.loads(routes_file.read_text()))
    routes = setup.routes
    rng = random.Random(index)
    print("ready", flush=True)
    sys.stdin.readline()
    done, errors = 0, Counter()
    started, cpu = time.monotonic(), time.process_time()
    while time.monotonic() - started < seconds:
        serial = f"{index % 10}{(done + sum(errors.values())) % 100_000:05d}"
        try:
            one_lifecycle(setup, rng.choice(routes), rng, serial)
            done += 1
        except Exception as exc:  # counted and reported: a failed lifecycle is not a success
            errors[f"{type(exc).__name__}: {str(exc)[:80]}"] += 1
    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu
    return {"index": index, "done": done, "seconds": elapsed, "cpu_seconds": cpu,
            "errors": dict(errors)}  # fmt: skip


def run_workers(env: dict, processes: int, seconds: float, routes_file: Path) -> dict:
    """Start `processes` workers, let them start together, sum their lifecycles per second."""
    command = [
        sys.executable, "-m", "bench.lifecycle", "--seconds", str(seconds),
        "--routes", str(routes_file), "--index",
    ]  # fmt: skip
    procs = [
        subprocess.Popen([*command, str(i)], cwd=ROOT, env=env, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
        for i in range(processes)
    ]  # fmt: skip
    for proc in procs:
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("a lifecycle worker failed to prepare")
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = [json.loads(proc.communicate()[0].strip().splitlines()[-1]) for proc in procs]
    errors: Counter = Counter()
    for r in results:
        errors.update(r["errors"])
    return {
        "processes": processes,
        "lifecycles": sum(r["done"] for r in results),
        "per_second": sum(r["done"] / r["seconds"] for r in results),
        "seconds": max(r["seconds"] for r in results),
        # Lifecycles per second of the workers' own CPU: what 2 cores would give if nothing
        # else ran (the database server's CPU, PostgreSQL's, is not in it).
        "per_cpu_second": sum(r["done"] for r in results)
        / max(1e-9, sum(r["cpu_seconds"] for r in results)),
        "errors": dict(errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--routes", type=Path, required=True, help="JSON list of route keys")
    args = parser.parse_args()
    print(json.dumps(worker(args.index, args.seconds, args.routes)), flush=True)


if __name__ == "__main__":
    main()
