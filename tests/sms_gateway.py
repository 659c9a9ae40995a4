"""A small SMS gateway on loopback for tests: a real HTTP server (http.server, in a thread) that
speaks the contract of notifications/sms.py, records every request it gets and answers the
statuses a test scripts (then 200), optionally after a delay (to make a client time out or to
hold a request while others race for the same message)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class GatewayRequest:
    path: str
    headers: dict[str, str]
    body: dict


class Gateway:
    def __init__(self, answers: list[int] | None = None, delay: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._answers = list(answers or [])
        self.delay = delay
        self.requests: list[GatewayRequest] = []
        self.url = ""

    def take(self, request: GatewayRequest) -> int:
        """Record the request; the status to answer it with."""
        with self._lock:
            self.requests.append(request)
            return self._answers.pop(0) if self._answers else 200

    def answer_next(self, *statuses: int) -> None:
        with self._lock:
            self._answers.extend(statuses)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            body = {"unparsable": raw.decode("utf-8", "replace")}
        gateway = self.server.gateway
        status = gateway.take(GatewayRequest(self.path, dict(self.headers.items()), body))
        if gateway.delay:
            time.sleep(gateway.delay)
        payload = {"id": f"sms-{len(gateway.requests)}"} if status < 300 else {"error": status}
        data = json.dumps(payload).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
            pass

    def log_message(self, format: str, *args) -> None:  # quiet test output
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    gateway: Gateway


@contextmanager
def sms_gateway(answers: list[int] | None = None, delay: float = 0.0) -> Iterator[Gateway]:
    """Serve a gateway on 127.0.0.1 (a free port) for the duration of the block."""
    gateway = Gateway(answers, delay)
    server = _Server(("127.0.0.1", 0), _Handler)
    server.gateway = gateway
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/sms/send"
    thread = threading.Thread(target=server.serve_forever, name="sms-gateway", daemon=True)
    thread.start()
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
