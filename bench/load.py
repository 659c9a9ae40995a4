"""Load from wrk: throughput and latency of one URL (or a list of paths) on the bench server."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

LUA = Path(__file__).with_name("load.lua")


@dataclass(frozen=True)
class Load:
    """How hard and how long to push: wrk threads, open connections, seconds."""

    seconds: int
    threads: int = 2
    connections: int = 8
    warmup: int = 1


def wrk(base: str, paths: Path, load: Load, *, cookie: str = "", body: Path | None = None,
        boundary: str = "") -> dict:  # fmt: skip
    """Run wrk against `base` walking `paths`; returns requests/s, latency percentiles (ms)
    and error counts. A short warm-up run comes first, so templates and connections are warm."""
    env = {
        **os.environ, "BENCH_PATHS": str(paths), "BENCH_COOKIE": cookie,
        "BENCH_BODY": str(body or ""), "BENCH_BOUNDARY": boundary,
    }  # fmt: skip
    if load.warmup:
        _run(base, env, load.threads, load.connections, load.warmup)
    raw = _run(base, env, load.threads, load.connections, load.seconds)
    seconds = raw["duration_us"] / 1e6
    errors = sum(raw[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    return {
        "rps": raw["requests"] / seconds if seconds else 0.0,
        "requests": raw["requests"],
        "seconds": round(seconds, 2),
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "bad_status": raw["status_errors"],
        "socket_errors": errors,
        "connections": load.connections,
    }


def _run(base: str, env: dict, threads: int, connections: int, seconds: int) -> dict:
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
        "-s", str(LUA), base,
    ]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON "))
    raise RuntimeError(f"wrk printed no figures:\n{done.stdout}\n{done.stderr}")


def probe(url: str, cookie: str = "") -> int:
    """The HTTP status of one GET, redirects not followed (a 404 means: not built yet)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
