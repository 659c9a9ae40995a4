"""Read what a user reads in a page's tables: the text of each cell, row by row, and the
links in each cell (for drill-downs)."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.links: dict[str, list[list[list[str]]]] = {}
        self._stack: list[str] = []  # ids of the open tables
        self._row: list[str] | None = None
        self._row_links: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._cell_links: list[str] | None = None
        self._skip = 0  # inside <caption>, <svg>

    def handle_starttag(self, tag: str, attrs) -> None:
        attrs = dict(attrs)
        if tag == "table":
            table_id = attrs.get("id") or f"table{len(self.tables)}"
            self._stack.append(table_id)
            self.tables[table_id], self.links[table_id] = [], []
        elif tag == "caption":
            self._skip += 1
        elif tag == "tr" and self._stack:
            self._row, self._row_links = [], []
        elif tag in ("td", "th") and self._row is not None:
            self._cell, self._cell_links = [], []
        elif tag == "a" and self._cell_links is not None:
            self._cell_links.append(attrs.get("href", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._stack:
            self._stack.pop()
        elif tag == "caption":
            self._skip -= 1
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
            self._row_links.append(self._cell_links)
            self._cell = self._cell_links = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._stack[-1]].append(self._row)
            self.links[self._stack[-1]].append(self._row_links)
            self._row = self._row_links = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None and not self._skip:
            self._cell.append(data)


def tables(html: str | bytes) -> _Tables:
    parser = _Tables()
    parser.feed(html.decode() if isinstance(html, bytes) else html)
    return parser


def table(html: str | bytes, table_id: str) -> list[list[str]]:
    return tables(html).tables[table_id]


def row(html: str | bytes, table_id: str, first_cell: str) -> list[str]:
    """The cells of the row whose first cell is `first_cell` (a row label)."""
    found = [r for r in table(html, table_id) if r and r[0] == first_cell]
    assert len(found) == 1, (first_cell, table(html, table_id))
    return found[0]


def row_links(html: str | bytes, table_id: str, first_cell: str) -> list[list[str]]:
    parsed = tables(html)
    for cells, links in zip(parsed.tables[table_id], parsed.links[table_id], strict=True):
        if cells and cells[0] == first_cell:
            return links
    raise AssertionError((first_cell, parsed.tables[table_id]))
