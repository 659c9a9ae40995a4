"""Numbers read from a query string or a form value that a view uses as an id or a size.

`str.isdigit()` is true for "²" (which `int()` refuses) and for other scripts' digits (which
`int()` reads), and `int()` refuses more than 4,300 digits: a view that checked `isdigit()`
and called `int()` answered 500 to such values. A number here is 1 to 18 ASCII digits, so it
also fits the 64-bit ids of every database (SQLite refuses larger integers with an error).
"""

from __future__ import annotations

MAX_DIGITS = 18


def number(value: str | None) -> int | None:
    """The non-negative number `value` spells in ASCII digits, or None for anything else."""
    text = value or ""
    if 0 < len(text) <= MAX_DIGITS and text.isascii() and text.isdigit():
        return int(text)
    return None
