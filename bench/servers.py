"""The processes `make run` starts (gunicorn, the task worker, the scheduler), started the same
way for the bench, and a sampler of their resident memory while the loads run."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Servers:
    """gunicorn with `workers` sync workers, `run_worker` and `run_scheduler`, as in scripts/run
    (without the access log, which would otherwise be written once per request)."""

    def __init__(self, env: dict, logs: Path, workers: int = 2) -> None:
        self.env, self.logs, self.workers = env, logs, workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self) -> None:
        gunicorn = str(ROOT / ".venv" / "bin" / "gunicorn")
        self._spawn("web", [
            gunicorn, "motcua.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.workers), "--error-logfile", "-", "--log-level", "warning",
        ])  # fmt: skip
        self._spawn("task worker", [PY, "manage.py", "run_worker", "--queue-name", "*",
                                    "--no-reload"])  # fmt: skip
        self._spawn("scheduler", [PY, "manage.py", "run_scheduler"])
        self._wait_ready()

    def _spawn(self, name: str, command: list[str]) -> None:
        log = (self.logs / f"{name.replace(' ', '-')}.log").open("ab")
        self.procs[name] = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def _wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base}/bench/f0/", timeout=5):
                    return
            except OSError:  # refused, reset or timed out: still booting
                time.sleep(0.5)
        raise RuntimeError(f"gunicorn did not answer within {timeout} s (see {self.logs})")

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def roles(self) -> dict[str, list[int]]:
        """pid lists by role: the gunicorn master, its workers, the task worker, the scheduler."""
        web = self.procs["web"].pid
        worker, scheduler = self.procs["task worker"].pid, self.procs["scheduler"].pid
        return {
            "web master": [web],
            "web worker": children(web),
            "task worker": [worker, *children(worker)],
            "scheduler": [scheduler, *children(scheduler)],
        }

    def log_text(self) -> str:
        return "".join(p.read_text(errors="replace") for p in sorted(self.logs.glob("*.log")))


def children(pid: int) -> list[int]:
    """Direct children of `pid`, read from /proc (no psutil needed)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces: the parent pid is the 2nd field after the ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry))
    return found


def rss_mb(pid: int) -> float:
    """Resident memory (VmRSS) of a process in MB, 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class MemorySampler(threading.Thread):
    """Every `interval` seconds: the largest VmRSS per role and the largest sum over all
    processes (what `make run` as a whole holds). RSS counts shared pages in every process,
    so the sum overstates the whole: the figure errs on the safe side."""

    def __init__(self, servers: Servers, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.servers, self.interval = servers, interval
        self.peak: dict[str, float] = {}
        self.peak_total = 0.0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.interval)

    def sample(self) -> None:
        total = 0.0
        for role, pids in self.servers.roles().items():
            sizes = [rss_mb(pid) for pid in pids]
            total += sum(sizes)
            self.peak[role] = max(self.peak.get(role, 0.0), *sizes, 0.0)
        self.peak_total = max(self.peak_total, total)

    def finish(self) -> dict:
        self._halt.set()
        self.join()
        return {
            **{f"{role} MB": round(mb, 1) for role, mb in self.peak.items()},
            "all MB": round(self.peak_total, 1),
        }
