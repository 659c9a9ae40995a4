"""English must stay complete: every string of the UI has a translation, none fuzzy.

`make messages` refreshes the catalogue from the code; this test then fails until the new
strings are translated.
"""

from __future__ import annotations

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _missing(po: polib.POFile) -> list[str]:
    return [e.msgid for e in po.untranslated_entries() + po.fuzzy_entries()]


def test_committed_english_catalogue_is_complete():
    assert _missing(polib.pofile(str(PO))) == []
