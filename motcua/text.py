"""Text helpers shared by every search in motcua.

Vietnamese text arrives in NFC or NFD, with old ("hoà") or new ("hòa") tone placement, typed with
or without accents. Search compares folded forms: no accents, "đ" as "d", lower case, single spaces.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w\s.\-/]")


def nfc(text: str) -> str:
    """Canonical composed form, so stored text compares equal whatever the source produced."""
    return unicodedata.normalize("NFC", text or "")


def ascii_digits(text: str) -> str:
    """Digits of any script as ASCII digits ("０７９" -> "079"). Some phone keyboards and input
    methods type full-width digits: a number on a card must be stored, found and checked in
    one form, whatever typed it."""
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def unaccent(text: str) -> str:
    """Remove the accents and keep everything else: 'Đất đai, HOÀ: 09:00' -> 'Dat dai, HOA:
    09:00'. The accent step of `fold`, for text people read unaccented (SMS, codes typed on a
    Vietnamese keyboard), where case and punctuation must stay."""
    decomposed = unicodedata.normalize("NFD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("đ", "d").replace("Đ", "D")


def fold(text: str) -> str:
    """Fold for accent-insensitive search: 'Đất đai HOÀ' -> 'dat dai hoa'."""
    stripped = _NON_WORD.sub(" ", unaccent(text).lower())
    return _SPACES.sub(" ", stripped).strip()


def search_terms(query: str) -> list[str]:
    """The folded words of a query, without duplicates, longest first (most selective)."""
    words = dict.fromkeys(fold(query).split())
    return sorted(words, key=len, reverse=True)
