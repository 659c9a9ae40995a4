"""The machine and software a run used, and how busy the machine was with other work."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import time
from pathlib import Path


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def ram_gb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


def _cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies over all cores, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def busy_share(seconds: float = 2.0) -> float:
    """Share of all cores busy over `seconds` (before the bench starts its own processes, this
    is other people's work: the figures that follow are then pessimistic)."""
    busy0, total0 = _cpu_times()
    time.sleep(seconds)
    busy1, total1 = _cpu_times()
    return (busy1 - busy0) / max(1, total1 - total0)


def wrk_version() -> str:
    done = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    text = (done.stdout or done.stderr).strip().splitlines()
    return text[0].split()[1] if text and len(text[0].split()) > 1 else "unknown"


def describe() -> dict:
    import django
    import gunicorn

    return {
        "cores": os.cpu_count(),
        "ram_gb": round(ram_gb(), 1),
        "cpu": cpu_model(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "sqlite": sqlite3.sqlite_version,
        "wrk": wrk_version(),
    }
