"""The goals of issue 6, section 4, as data: what is measured, against which floor, and the
limit. The pages are probed first: a 404 means "not built yet" and the row says so; once the
URL exists, the next run measures it without any change here (unless its address differs from
the one below: then change the path, nothing else)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Floor:
    key: str
    label: str
    paths: str  # name of a fixtures paths file


FLOORS = [
    Floor("F0", "F0 trivial view", "f0"),
    Floor("F1", "F1 one row by primary key", "f1"),
    Floor("F2", "F2 one precomputed summary row", "f2"),
]


@dataclass(frozen=True)
class Page:
    """A page measured under load: throughput against F0, or p95 latency against F2."""

    key: str
    label: str
    paths: str | tuple[str, ...]  # a fixtures paths file, or the literal paths
    cookie: str = ""  # "official" or "overseer": which signed-in session to send
    metric: str = "rps"  # "rps": at least limit x F0 req/s; "p95": at most limit x F2 p95
    limit: float = 1.0
    max_queries: int | None = None
    same_queries: tuple[str, str] | None = None  # two paths that must cost the same queries
    connections: int = 8
    # The page keeps each path's result (tracking, decision 0010) and the load requests many
    # paths, mostly once: count the queries of a path's first request, not of a repeat.
    first_request: bool = False

    @property
    def floor(self) -> str:
        return "F0" if self.metric == "rps" else "F2"


PAGES = [
    Page(
        "tracking",
        "public tracking by code",
        "tracking",
        limit=0.5,
        max_queries=3,
        first_request=True,
    ),
    Page(
        "queue",
        "official's queue, page of 50",
        ("/can-bo/?per=50",),
        cookie="official",
        limit=0.3,
        same_queries=("/can-bo/?per=10", "/can-bo/?per=50"),
    ),
    Page(
        "dashboard",
        "oversight dashboard",
        ("/giam-sat/",),
        cookie="overseer",
        metric="p95",
        limit=3.0,
    ),
    Page(
        "service_index",
        "service index, province-year",
        ("/giam-sat/chi-so/",),
        cookie="overseer",
        metric="p95",
        limit=3.0,
    ),
]

# Online submission with one small file, at concurrency 4 (no "database is locked" on SQLite).
SUBMISSION = Page("submission", "online submission, one small file", "submit", limit=0.2,
                  connections=4)  # fmt: skip

# Absolute goals.
LIFECYCLES_PER_SECOND = 37.0  # on 2 cores with 2M dossiers stored
GENERATION_SECONDS_2M = 30 * 60  # 2M dossiers with histories, PostgreSQL
STATS_REBUILD_SECONDS_2M = 60.0  # a province-year, PostgreSQL
SCALING_2M_200K = 1.5  # dashboard and service index: t(2M) / t(200k)
WORKER_MB = 250.0  # each gunicorn worker and the task worker
RUN_MB = 1024.0  # `make run` as a whole
FULL_SIZE = 2_000_000


def page_ratio(page: Page, result: dict, floors: dict) -> float | None:
    """The page's figure over its floor's: req/s over F0 req/s, or p95 over F2 p95."""
    if result.get("state") != "measured":
        return None
    if page.metric == "rps":
        return result["rps"] / floors["F0"]["rps"]
    return result["p95_ms"] / floors["F2"]["p95_ms"]


def page_verdict(page: Page, result: dict, floors: dict) -> bool | None:
    """True met, False missed, None not measured. Every part of the goal must hold: the
    ratio, the query limit, the equal query counts, no failed request, no locked database."""
    ratio = page_ratio(page, result, floors)
    if ratio is None:
        return None
    checks = [ratio >= page.limit if page.metric == "rps" else ratio <= page.limit]
    checks.append(result.get("bad_status", 0) == 0 and result.get("socket_errors", 0) == 0)
    if page.max_queries is not None and "queries" in result:
        checks.append(result["queries"] <= page.max_queries)
    if page.same_queries and "queries_by_path" in result:
        checks.append(len(set(result["queries_by_path"].values())) == 1)
    checks.append(result.get("locked", 0) == 0)
    return all(checks)
