"""`python -m bench.report DIR [--write docs/performance.md]`: one table from the legs' JSON
files in DIR, every figure with its ratio to its floor and its goal, printed, and written
between the markers of docs/performance.md together with the machine it ran on."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from bench import targets

START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"
HEADER = ["database", "N", "measure", "figure", "floor", "ratio", "goal", "result"]
DB_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _n(x: float, digits: int = 0) -> str:
    return f"{x:,.{digits}f}"


def _verdict(ok: bool | None, *, projected: bool = False) -> str:
    if ok is None:
        return "not measured"
    word = "met" if ok else "**missed**"
    return f"{word} (projected)" if projected else word


def floor_rows(leg: dict) -> list[list[str]]:
    floors, rows = leg["floors"], []
    for floor in targets.FLOORS:
        f = floors[floor.key]
        ratio = "1" if floor.key == "F0" else f"{f['rps'] / floors['F0']['rps']:.2f} × F0"
        figure = f"{_n(f['rps'])} req/s, p50 {f['p50_ms']:.1f} ms, p95 {f['p95_ms']:.1f} ms"
        if "runs" in f:
            figure += " (mean of " + " and ".join(_n(r["rps"]) for r in f["runs"]) + " req/s)"
        rows.append([floor.label, figure, "—" if floor.key == "F0" else "F0", ratio, "—", "floor"])
    return rows


def _page_figure(page: targets.Page, r: dict) -> str:
    figure = f"{_n(r['rps'])} req/s, p95 {r['p95_ms']:.1f} ms"
    if "queries_by_path" in r:
        figure += ", queries " + " / ".join(
            f"{p.split('per=')[-1]} rows: {q}" for p, q in r["queries_by_path"].items()
        )
    elif "queries" in r:
        first = " (first request of a path)" if r.get("queries_first_request") else ""
        figure += f", {r['queries']} SQL queries{first}"
    if "locked" in r:
        figure += f", {r['locked']} 'database is locked'"
    if r.get("bad_status") or r.get("socket_errors"):
        figure += f", {r['bad_status']} bad status, {r['socket_errors']} socket errors"
    return figure + f" (c={r['connections']})"


def _page_goal(page: targets.Page) -> str:
    goal = f"≥ {page.limit} × F0" if page.metric == "rps" else f"p95 ≤ {page.limit} × F2"
    if page.max_queries is not None:
        goal += f", ≤ {page.max_queries} queries"
    if page.same_queries:
        goal += ", same queries for 10 and 50"
    if page is targets.SUBMISSION:
        goal += ", no 'database is locked'"
    return goal


def page_row(page: targets.Page, r: dict, floors: dict) -> list[str]:
    goal = _page_goal(page)
    if r.get("state") == "not built":
        return [page.label, f"not built yet ({r['path']} answers 404)", "—", "—", goal,
                "not built"]  # fmt: skip
    if r.get("state") != "measured":
        detail = r.get("detail") or f"HTTP {r.get('status')} at {r.get('path')}"
        return [page.label, f"error: {detail}", "—", "—", goal, "**error**"]
    ratio = targets.page_ratio(page, r, floors)
    if page.metric == "rps":
        floor = f"F0 {_n(floors['F0']['rps'])} req/s"
        shown = f"{ratio:.2f} × F0"
    else:
        floor = f"F2 p95 {floors['F2']['p95_ms']:.1f} ms"
        shown = f"{ratio:.2f} × F2"
    ok = targets.page_verdict(page, r, floors)
    return [page.label, _page_figure(page, r), floor, shown, goal, _verdict(ok)]


def lifecycle_row(leg: dict) -> list[str]:
    life = leg["lifecycle"]
    figure = (
        f"{life['per_second']:.1f} lifecycles/s ({life['lifecycles']} in "
        f"{life['seconds']:.0f} s, {life['processes']} processes)"
    )
    if "per_cpu_second" in life:
        figure += f"; {life['per_cpu_second']:.1f} per second of the workers' CPU"
    if life["errors"]:
        figure += f", {sum(life['errors'].values())} failed: {next(iter(life['errors']))}"
    figure += _deliveries(life.get("deliveries"))
    ok = life["per_second"] >= targets.LIFECYCLES_PER_SECOND and not life["errors"]
    full = leg["dossiers"] >= targets.FULL_SIZE
    verdict = _verdict(ok) if full or not ok else "met at this N (goal is at 2M)"
    goal = f"≥ {targets.LIFECYCLES_PER_SECOND:.0f}/s with 2M stored"
    return ["full lifecycle (7 moves)", figure, "—", "—", goal, verdict]


def _deliveries(after: dict | None) -> str:
    """What the task worker had left to deliver when the lifecycles stopped, and how long it
    took: the lifecycles' emails, the reception ones each with its PDF receipt."""
    if not after or not after["left"]:
        return ""
    told = f"; then {_n(after['left'])} notifications waited for the task worker"
    if after["still_waiting"]:
        return told + f", {_n(after['still_waiting'])} still after {after['seconds']:.0f} s"
    return told + f", delivered in {after['seconds']:.0f} s"


def generation_row(leg: dict) -> list[str]:
    gen = leg["generation"]
    goal = "2M in < 30 min (PostgreSQL)"
    if "seconds" not in gen:
        return ["generation (demo --dossiers N)", "reused an earlier database", "—", "—", goal,
                "—"]  # fmt: skip
    rate = leg["dossiers"] / gen["seconds"] if gen["seconds"] else 0.0
    minutes_2m = targets.FULL_SIZE / rate / 60 if rate else float("inf")
    figure = (
        f"{_n(gen['dossiers'])} dossiers, {_n(gen['events'])} events in {gen['seconds']:.0f} s "
        f"(generator's CPU {gen['cpu_seconds']:.0f} s), {_n(rate)}/s; 2M ≈ {minutes_2m:.0f} min"
    )
    ok = minutes_2m * 60 <= targets.GENERATION_SECONDS_2M
    projected = leg["dossiers"] < targets.FULL_SIZE
    verdict = _verdict(ok, projected=projected) if leg["database"] == "postgresql" else "—"
    return ["generation (demo --dossiers N)", figure, "—", "—", goal, verdict]


def stats_row(leg: dict) -> list[str]:
    rebuild = leg["stats_rebuild"]
    goal = "province-year (2M) < 60 s (PostgreSQL)"
    if rebuild.get("state") != "measured":
        return ["stats_rebuild", "not built yet", "—", "—", goal, "not built"]
    seconds = rebuild["seconds"]
    at_2m = seconds * targets.FULL_SIZE / leg["dossiers"]
    figure = f"{seconds:.1f} s (2M ≈ {at_2m:.0f} s if linear)"
    ok = at_2m <= targets.STATS_REBUILD_SECONDS_2M
    projected = leg["dossiers"] < targets.FULL_SIZE
    verdict = _verdict(ok, projected=projected) if leg["database"] == "postgresql" else "—"
    return ["stats_rebuild", figure, "—", "—", goal, verdict]


def memory_rows(leg: dict) -> list[list[str]]:
    mem = leg["memory"]
    worst = max(mem.get("web worker MB", 0), mem.get("task worker MB", 0))
    each = (
        f"web worker {mem.get('web worker MB', 0):.0f} MB, task worker "
        f"{mem.get('task worker MB', 0):.0f} MB (peak VmRSS)"
    )
    whole = (
        f"{mem.get('all MB', 0):.0f} MB (sum of peak VmRSS: master, {leg['web_workers']} "
        "workers, task worker, scheduler)"
    )
    return [
        ["memory per process", each, "—", "—", f"< {targets.WORKER_MB:.0f} MB each",
         _verdict(worst < targets.WORKER_MB)],
        ["memory, `make run` as a whole", whole, "—", "—", "< 1 GB",
         _verdict(mem.get("all MB", 0) < targets.RUN_MB)],
    ]  # fmt: skip


def leg_rows(leg: dict) -> list[list[str]]:
    rows = floor_rows(leg)
    for page in [*targets.PAGES, targets.SUBMISSION]:
        rows.append(page_row(page, leg["pages"][page.key], leg["floors"]))
    rows += [lifecycle_row(leg), generation_row(leg), stats_row(leg), *memory_rows(leg)]
    name = DB_NAMES.get(leg["database"], leg["database"])
    return [[name, _n(leg["dossiers"]), *row] for row in rows]


def scaling_rows(legs: list[dict]) -> list[list[str]]:
    """t(2M) / t(200k) of the latency goals, where both sizes ran on one database."""
    rows = []
    by_key = {(leg["database"], leg["dossiers"]): leg for leg in legs}
    for (database, n), big in sorted(by_key.items()):
        small = by_key.get((database, n // 10))
        if n != targets.FULL_SIZE or small is None:
            continue
        for page in targets.PAGES:
            if page.metric != "p95":
                continue
            a, b = small["pages"][page.key], big["pages"][page.key]
            if a.get("state") != "measured" or b.get("state") != "measured":
                continue
            ratio = b["p95_ms"] / a["p95_ms"]
            rows.append([
                DB_NAMES[database], "2M / 200k", f"{page.label}: scaling",
                f"p95 {b['p95_ms']:.1f} ms / {a['p95_ms']:.1f} ms", "—", f"{ratio:.2f}",
                f"≤ {targets.SCALING_2M_200K}", _verdict(ratio <= targets.SCALING_2M_200K),
            ])  # fmt: skip
    return rows


def table(legs: list[dict]) -> str:
    rows = [row for leg in legs for row in leg_rows(leg)] + scaling_rows(legs)
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def machine(legs: list[dict]) -> str:
    m = legs[0]["machine"]
    versions = sorted({leg["database_version"] for leg in legs})
    lines = [
        f'- Machine: {m["cores"]} cores, {m["ram_gb"]:.0f} GB RAM, CPU "{m["cpu"]}" '
        f"(/proc/cpuinfo), Linux {m['kernel']}",
        f"- Software: Python {m['python']}, Django {m['django']}, gunicorn {m['gunicorn']} "
        f"(sync, {legs[0]['web_workers']} workers), {', '.join(versions)}, wrk {m['wrk']} "
        f"(-t{legs[0]['load']['threads']} -c{legs[0]['load']['connections']} "
        f"-d{legs[0]['load']['seconds']}s after a {legs[0]['load']['warmup']} s warm-up)",
    ]
    for leg in legs:
        lines.append(
            f"- {DB_NAMES[leg['database']]}, N = {_n(leg['dossiers'])}: the cores were "
            f"{leg['busy_before']:.0%} busy with other work just before the leg started "
            f"(load average {leg['loadavg_before'][0]:.1f})"
        )
    for leg in legs:
        if leg.get("missing_indexes"):
            lines.append(
                f"- **{DB_NAMES[leg['database']]}, N = {_n(leg['dossiers'])}: the database "
                "lacked indexes its migrations create** "
                f"({', '.join(leg['missing_indexes'])}): its figures do not measure motcua "
                "as deployed."
            )
    for leg in legs:
        if leg.get("undelivered_before"):
            lines.append(
                f"- **{DB_NAMES[leg['database']]}, N = {_n(leg['dossiers'])}: the database "
                f"held {leg['undelivered_before']:,} undelivered notifications when the leg "
                "started**: the task worker delivered them during the loads, on the same "
                "cores, so every figure of this leg is pessimistic."
            )
    if max(leg["busy_before"] for leg in legs) > 0.1:
        lines.append(
            "- **Other processes shared the machine during this run** (other test suites): "
            "every figure here is pessimistic, the floors included; the ratios are the "
            "meaningful part, and even they are noisy."
        )
    return "\n".join(lines)


def block(legs: list[dict], mode: str) -> str:
    when = dt.datetime.fromtimestamp(legs[0]["started"]).strftime("%Y-%m-%d %H:%M")
    return "\n\n".join([
        START,
        f"Last run: `{mode}`, {when}.",
        machine(legs),
        table(legs),
        END,
    ])  # fmt: skip


def write(doc: Path, text: str) -> None:
    """Replace the block between the markers (or append it) and keep the rest by hand."""
    old = doc.read_text(encoding="utf-8") if doc.exists() else "# Performance\n\n"
    if START in old and END in old:
        head, rest = old.split(START, 1)
        new = head + text + rest.split(END, 1)[1]
    else:
        new = old.rstrip() + "\n\n" + text + "\n"
    doc.write_text(new, encoding="utf-8")


def load_legs(folder: Path) -> list[dict]:
    legs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]
    return sorted(legs, key=lambda leg: (leg["database"] != "sqlite", leg["dossiers"]))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__)
    parser.add_argument("folder", type=Path, help="the run's results folder")
    parser.add_argument("--write", type=Path, help="the document to update")
    parser.add_argument("--mode", default="make bench")
    args = parser.parse_args()
    legs = load_legs(args.folder)
    if not legs:
        raise SystemExit(f"bench.report: no results in {args.folder}")
    text = block(legs, args.mode)
    print(text)
    if args.write:
        write(args.write, text)


if __name__ == "__main__":
    main()
