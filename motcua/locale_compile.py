"""Compile locale/*/LC_MESSAGES/*.po into .mo files without GNU gettext.

`make install` runs this, so a fresh machine needs no system package for translations; the
.mo files are build output and are not committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def compile_all(locale_dir: Path = LOCALE_DIR) -> int:
    count = 0
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        po = polib.pofile(str(po_path))
        po.save_as_mofile(str(po_path.with_suffix(".mo")))
        count += 1
    return count


if __name__ == "__main__":
    n = compile_all()
    print(f"motcua: compiled {n} translation catalogue(s)", file=sys.stderr)
