"""The measurements of a leg, with the servers up: floors, pages, online submission, full
lifecycles, memory; then query counts, stats_rebuild and profiles of missed goals.
Imported after django.setup() (bench.leg)."""

from __future__ import annotations

import json
import random
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.core.management import get_commands
from django.db import connection, connections

from bench import fixtures, inprocess, lifecycle, targets
from bench.load import Load, probe, wrk
from bench.servers import MemorySampler, Servers


def step(name: str, what: str) -> None:
    """A progress line, so a long run shows where it is."""
    print(f"bench {name}: {time.strftime('%H:%M:%S')} {what}", file=sys.stderr, flush=True)


def everything(opts, env: dict) -> dict:
    """Every figure of the leg, in the order the table shows them."""
    database_version = _database_version()
    step(opts.name, "fixtures (sample codes and keys, sessions, submission body)")
    fx = fixtures.build(opts.folder)
    routes_file = opts.folder / "routes.json"
    routes_file.write_text(json.dumps(lifecycle.choose_routes()))
    setup = lifecycle.load_setup(json.loads(routes_file.read_text()))
    route = setup.routes[0]
    fixtures.add_submission(fx, route.procedure.pk, route.receiving.pk)
    connections.close_all()
    servers = Servers(env, logs=opts.folder, workers=opts.web_workers)
    load = Load(opts.seconds)
    sampler = MemorySampler(servers)
    try:
        step(opts.name, f"starting gunicorn ({opts.web_workers} workers), task worker, scheduler")
        servers.start()
        sampler.start()
        step(opts.name, "floors F0, F1, F2")
        floors_before = measure_floors(servers, fx, load)
        pages = {}
        for page in [*targets.PAGES]:
            step(opts.name, page.label)
            pages[page.key] = measure_page(page, servers, fx, load)
        step(opts.name, targets.SUBMISSION.label)
        pages["submission"] = measure_submission(servers, fx, load)
        step(opts.name, "floors F0, F1, F2 again")
        floors = mean_floors(floors_before, measure_floors(servers, fx, load))
        step(opts.name, f"full lifecycles in {opts.processes} processes")
        flows = lifecycle.run_workers(env, opts.processes, opts.lifecycle_seconds, routes_file)
        step(opts.name, "the task worker delivers what the lifecycles queued")
        flows["deliveries"] = wait_for_deliveries()
    finally:
        memory = sampler.finish() if sampler.is_alive() else {}
        locked = servers.log_text().count("database is locked")
        servers.stop()
    step(opts.name, "query counts, stats_rebuild, profiles of missed goals")
    count_queries(pages, fx)
    result = {
        "floors": floors, "pages": pages, "lifecycle": flows, "memory": memory,
        "locked_in_logs": locked, "stats_rebuild": stats_rebuild(env), "fixtures": fx.notes,
        "web_workers": opts.web_workers, "load": load.__dict__,
        "database_version": database_version,
    }  # fmt: skip
    result["profiles"] = profile_misses(result, fx, opts.folder, setup, route)
    return result


def wait_for_deliveries(limit: float = 600, every: float = 1.0) -> dict:
    """How long the task worker takes, after the lifecycles stop, to deliver the emails they
    queued (each reception email renders its PDF receipt). During the lifecycles the worker
    mostly waits (on PostgreSQL at a lower CPU priority, on SQLite behind the write lock):
    this is the work the lifecycles/s figure leaves to afterwards, measured, and the next leg
    starts with an empty outbox."""
    from bench.schema import undelivered

    started, left = time.monotonic(), undelivered()
    waiting = left
    while waiting and time.monotonic() - started < limit:
        time.sleep(every)
        waiting = undelivered()
    return {"left": left, "seconds": time.monotonic() - started, "still_waiting": waiting}


def _database_version() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        return f"{connection.vendor} {cursor.fetchone()[0]}"


def measure_floors(servers: Servers, fx, load: Load) -> dict:
    return {f.key: wrk(servers.base, fx.paths[f.paths], load) for f in targets.FLOORS}


def mean_floors(before: dict, after: dict) -> dict:
    """Floors measured before and after the pages, averaged: on a shared machine the load of
    other work drifts, and a floor taken at one end only would tilt every ratio. Both runs
    are kept, so the drift shows."""
    merged = {}
    for key, first in before.items():
        second = after[key]
        merged[key] = {
            **{k: (first[k] + second[k]) / 2 for k in ("rps", "p50_ms", "p95_ms", "p99_ms")},
            **{k: first[k] + second[k] for k in ("requests", "bad_status", "socket_errors")},
            "connections": first["connections"],
            "runs": [first, second],
        }
    return merged


def _paths(page: targets.Page, fx) -> Path:
    if isinstance(page.paths, str):
        return fx.paths[page.paths]
    return fx.write_paths(page.key, list(page.paths))


def measure_page(page: targets.Page, servers: Servers, fx, load: Load) -> dict:
    """Probe, then load. 404: not built yet (measured by a later run once it exists)."""
    paths = _paths(page, fx)
    first = paths.read_text(encoding="utf-8").splitlines()[0]
    cookie = fx.cookies.get(page.cookie, "") if page.cookie else ""
    if page.cookie and not cookie:
        return {"state": "no session", "detail": f"no {page.cookie} in the demo data"}
    status = probe(servers.base + first, cookie)
    if status == 404:
        return {"state": "not built", "path": first}
    if status != 200:
        return {"state": "error", "path": first, "status": status}
    page_load = Load(load.seconds, load.threads, page.connections, load.warmup)
    figures = wrk(servers.base, paths, page_load, cookie=cookie)
    return {"state": "measured", "path": first, **figures}


def measure_submission(servers: Servers, fx, load: Load) -> dict:
    """The thin bench view over submit_online, at concurrency 4; counts "database is locked"
    in the server logs written meanwhile."""
    page = targets.SUBMISSION
    status, text = post_once(servers.base + "/bench/nop/", fx)
    if status != 201:
        return {"state": "error", "status": status, "detail": text[:300]}
    page_load = Load(load.seconds, load.threads, page.connections, load.warmup)
    before = servers.log_text().count("database is locked")
    figures = wrk(servers.base, fx.paths["submit"], page_load, body=fx.body,
                  boundary=fx.boundary)  # fmt: skip
    locked = servers.log_text().count("database is locked") - before
    return {"state": "measured", "path": "/bench/nop/", "locked": locked, **figures}


def post_once(url: str, fx) -> tuple[int, str]:
    body = fx.body.read_bytes().replace(b"@SERIAL@", b"999999")
    headers = {"Content-Type": f"multipart/form-data; boundary={fx.boundary}"}
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def count_queries(pages: dict, fx) -> None:
    """SQL queries per request of each measured page (and of both page sizes of the queue)."""
    for page in targets.PAGES:
        result = pages[page.key]
        if result.get("state") != "measured":
            continue
        cookie = fx.cookies.get(page.cookie, "") if page.cookie else ""
        warm = _other_path(page, fx, result["path"]) if page.first_request else ""
        result["queries"] = inprocess.query_count(result["path"], cookie, warm)[1]
        if page.first_request:
            result["queries_first_request"] = True
        if page.same_queries:
            result["queries_by_path"] = {
                path: inprocess.query_count(path, cookie)[1] for path in page.same_queries
            }


def _other_path(page: targets.Page, fx, path: str) -> str:
    """A path of the page other than `path` (the warm-up of a first request's count)."""
    others = [p for p in _paths(page, fx).read_text(encoding="utf-8").split() if p != path]
    return others[0] if others else ""


def stats_rebuild(env: dict) -> dict:
    """Time `manage.py stats_rebuild` once it exists (built by the statistics work)."""
    if "stats_rebuild" not in get_commands():
        return {"state": "not built"}
    from bench.leg import manage

    _out, seconds = manage(env, "stats_rebuild")
    return {"state": "measured", "seconds": round(seconds, 2)}


def profile_misses(result: dict, fx, folder: Path, setup, route) -> dict:
    """A cProfile of every page that missed its goal, and of the lifecycle if it did."""
    written = {}
    for page in targets.PAGES:
        page_result = result["pages"][page.key]
        if targets.page_verdict(page, page_result, result["floors"]) is not False:
            continue
        cookie = fx.cookies.get(page.cookie, "") if page.cookie else ""
        text = inprocess.profile_page(page_result["path"], cookie)
        written[page.key] = _write(folder / f"profile-{page.key}.txt", text)
    submission = targets.SUBMISSION
    if targets.page_verdict(submission, result["pages"]["submission"], result["floors"]) is False:
        content_type = f"multipart/form-data; boundary={fx.boundary}"
        text = inprocess.profile_post("/bench/nop/", fx.body.read_bytes(), content_type)
        written["submission"] = _write(folder / "profile-submission.txt", text)
    if result["lifecycle"]["per_second"] < targets.LIFECYCLES_PER_SECOND:
        rng, serials = random.Random(7), iter(range(10**6))

        def once() -> None:
            lifecycle.one_lifecycle(setup, route, rng, f"9{next(serials) % 100_000:05d}")

        text = "cProfile of 20 full lifecycles in-process\n" + inprocess.profile(once, 20)
        written["lifecycle"] = _write(folder / "profile-lifecycle.txt", text)
    return written


def _write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)
