"""HTML to PDF with WeasyPrint, for the forms (`paperwork`) and the reports (`oversight`).

Two rules hold for every PDF the system makes:

- Nothing is fetched: WeasyPrint's fetcher is allowed inline `data:` URLs alone, so no request
  leaves the server while a PDF is made (no CDN, and no link a dossier's text might hold),
  and the portal works on an offline intranet. (The former fetchers, plain functions that
  raised, made WeasyPrint 70 fail with an AttributeError instead of leaving the resource out.)
- One font configuration per thread, reused for every document. WeasyPrint makes a new one
  per document by default, and each built a fontconfig configuration and a Pango font map
  that were never freed (Pango 1.50, Debian 12): the task worker, which renders the receipt of
  every reception email, grew by about 250 KB a document, from 159 to 307 MB over 2,200
  deliveries, past the 250 MB a worker may use. Pango's font maps are not thread-safe, hence
  one per thread (one per process under gunicorn's sync workers and in the task worker). The
  templates declare no `@font-face`, so the configuration holds the system fonts alone and
  nothing accumulates in it from one document to the next.

A process may also choose to make its PDFs in a thread of its own at a lower CPU priority
(`render_at_priority`): the task worker does (decision 0018), so that the receipts of a burst of
receptions yield the cores to pages and moves, while the worker's short database writes keep
their priority. Only the drawing moves to that thread: the caller renders the HTML, with every
database read it needs, and waits for the PDF.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

_local = threading.local()
_renderer: ThreadPoolExecutor | None = None


def font_config():
    """This thread's WeasyPrint font configuration, made on first use."""
    config = getattr(_local, "font_config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration  # loads Pango: only when needed

        config = _local.font_config = FontConfiguration()
    return config


def render_at_priority(nice: int) -> int:
    """From now on, draw this process's PDFs in one thread of its own at nice `nice` (Linux
    gives each thread its own nice value); returns the value in force there, never below the
    process's own (lowering a nice value needs privileges). Calling it again changes nothing.
    Where threads have no nice value of their own (not Linux), PDFs stay in the caller's
    thread and the process's value is returned."""
    global _renderer
    if _renderer is None:
        renderer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="motcua-pdf")
        try:
            renderer.submit(_lower_this_thread, nice).result()
        except OSError:
            renderer.shutdown()
            return os.nice(0)
        _renderer = renderer
    return _renderer.submit(thread_nice).result()


def render_inline() -> None:
    """Draw PDFs in the calling thread again (the default), ending the PDF thread if any."""
    global _renderer
    if _renderer is not None:
        _renderer.shutdown(wait=True)
        _renderer = None


def thread_nice() -> int:
    """The nice value of the calling thread, as the kernel holds it."""
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def _lower_this_thread(nice: int) -> None:
    if nice > thread_nice():
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)


def html_to_pdf(html: str) -> bytes:
    """The PDF of a complete HTML document (its styles inline or in <style>), drawn in the PDF
    thread when the process has one (`render_at_priority`)."""
    if _renderer is None:
        return _draw(html)
    return _renderer.submit(_draw, html).result()


def _draw(html: str) -> bytes:
    from weasyprint import HTML  # imported late: it loads fonts and Pango on first use
    from weasyprint.urls import URLFetcher

    # WeasyPrint's own fetcher, for `data:` alone: any other address is refused, with a
    # warning in the log, and the document is made without it.
    inline_only = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, url_fetcher=inline_only).write_pdf(font_config=font_config())
