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
"""

from __future__ import annotations

import threading

_local = threading.local()


def font_config():
    """This thread's WeasyPrint font configuration, made on first use."""
    config = getattr(_local, "font_config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration  # loads Pango: only when needed

        config = _local.font_config = FontConfiguration()
    return config


def html_to_pdf(html: str) -> bytes:
    """The PDF of a complete HTML document (its styles inline or in <style>)."""
    from weasyprint import HTML  # imported late: it loads fonts and Pango on first use
    from weasyprint.urls import URLFetcher

    # WeasyPrint's own fetcher, for `data:` alone: any other address is refused, with a
    # warning in the log, and the document is made without it.
    inline_only = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, url_fetcher=inline_only).write_pdf(font_config=font_config())
