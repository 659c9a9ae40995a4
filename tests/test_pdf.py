"""Every PDF (forms, reports) goes through `motcua.pdf`: it fetches nothing from outside, and a
long-running process can make PDF after PDF without its memory growing.

Why the memory test: each document made with a new WeasyPrint font configuration left a
fontconfig configuration and a Pango font map behind (about 250 KB a document with Pango 1.50),
and the task worker renders a receipt for every reception email: it grew from 159 to 307 MB
over 2,200 deliveries. The test makes documents in a fresh process and reads its resident
memory, so nothing else the test run holds is counted.
"""

from __future__ import annotations

import http.server
import subprocess
import sys
import textwrap
import threading

from motcua import pdf
from tests.test_paperwork import (
    _poppler_and_zbar,  # noqa: F401 (autouse fixture: pdftotext)
    pdf_text,
)

PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8Bg"
    "AAIEAQAAZQAAxwAAAABJRU5ErkJggg=="
)


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self) -> None:
        self.seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"p { color: red }")

    def log_message(self, *args) -> None:
        pass


def test_a_pdf_fetches_nothing_from_outside_but_keeps_inline_images():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        made = pdf.html_to_pdf(
            f'<html><head><link rel="stylesheet" href="{base}/style.css"></head><body>'
            f'<p>Giấy tiếp nhận hồ sơ</p><img src="{base}/logo.png"><img src="{PIXEL}">'
            "</body></html>"
        )
    finally:
        server.shutdown()
        server.server_close()
    assert _Recorder.seen == []
    assert "Giấy tiếp nhận hồ sơ" in pdf_text(made)
    assert b"/Subtype /Image" in made  # the inline pixel (the outside one was never asked for)


def test_each_thread_keeps_its_own_font_configuration():
    mine = pdf.font_config()
    assert pdf.font_config() is mine
    theirs = []
    worker = threading.Thread(target=lambda: theirs.append(pdf.font_config()))
    worker.start()
    worker.join()
    assert theirs[0] is not mine


MAKE_MANY = textwrap.dedent(
    """
    import os
    from motcua.pdf import html_to_pdf

    def rss_kb():
        with open(f"/proc/{os.getpid()}/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))

    page = "<html><body><h1>Giấy tiếp nhận</h1><p>Hồ sơ số %d</p></body></html>"
    for n in range(20):
        html_to_pdf(page % n)
    before = rss_kb()
    for n in range(80):
        html_to_pdf(page % n)
    print(rss_kb() - before)
    """
)


def test_making_many_pdfs_does_not_grow_the_process():
    done = subprocess.run(
        [sys.executable, "-c", MAKE_MANY], capture_output=True, text=True, check=True
    )
    grown_kb = int(done.stdout.split()[-1])
    # 80 documents grew the process by about 20 MB when each made its own configuration.
    assert grown_kb < 5_000, f"{grown_kb} KB more after 80 PDFs"
