"""A real SMTP server on loopback for tests (aiosmtpd), recording the messages it accepts.

A message counts as accepted only when the server answers 250 to its DATA: if the client goes
away while the server is still deciding (a held message, a killed worker), aiosmtpd cancels the
handler and nothing is recorded, as a real relay would not take responsibility for it.
"""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from email.header import decode_header, make_header

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    message_id: str
    mail_from: str
    recipients: tuple[str, ...]
    subject: str
    body: str
    attachments: tuple[str, ...] = ()


class RecordingHandler:
    """Records accepted messages; holds the first `hold_first` ones for `hold_seconds` before
    answering, so a test can kill the sender while the server waits (`held` is set then)."""

    def __init__(self, *, hold_first: int = 0, hold_seconds: float = 30.0) -> None:
        self._lock = threading.Lock()
        self._to_hold = hold_first
        self.hold_seconds = hold_seconds
        self.messages: list[Received] = []
        self.held = threading.Event()
        self.abandoned = threading.Event()

    def _take_hold(self) -> bool:
        with self._lock:
            if self._to_hold <= 0:
                return False
            self._to_hold -= 1
            return True

    async def handle_DATA(self, server, session, envelope) -> str:
        if self._take_hold():
            self.held.set()
            try:
                await asyncio.sleep(self.hold_seconds)
            except asyncio.CancelledError:  # the client hung up before our answer
                self.abandoned.set()
                raise
        parsed = email.message_from_bytes(envelope.content, policy=policy.compat32)
        subject = str(make_header(decode_header(parsed["Subject"])))
        text = next(
            (part for part in parsed.walk() if part.get_content_type() == "text/plain"), parsed
        )
        payload = text.get_payload(decode=True) or b""
        received = Received(
            message_id=str(parsed["Message-ID"]),
            mail_from=envelope.mail_from,
            recipients=tuple(envelope.rcpt_tos),
            subject=subject,
            body=payload.decode(text.get_content_charset() or "utf-8"),
            attachments=tuple(part.get_filename() for part in parsed.walk() if part.get_filename()),
        )
        with self._lock:
            self.messages.append(received)
        return "250 Message accepted for delivery"

    def received(self) -> list[Received]:
        with self._lock:
            return list(self.messages)

    def count_by_message_id(self) -> Counter[str]:
        return Counter(m.message_id for m in self.received())


def free_port() -> int:
    """A loopback port nobody listens on right now (also used for "no server there")."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_server(handler: RecordingHandler) -> Iterator[int]:
    """Run an SMTP server with `handler` on a free loopback port; yields the port."""
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), ready_timeout=10)
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()
