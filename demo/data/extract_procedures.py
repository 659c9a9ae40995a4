"""Extract the province- and commune-level procedures of the national portal dump.

Usage: python demo/data/extract_procedures.py SOURCE.jsonl.gz [OUTPUT.jsonl.gz]

The demo must set itself up from files inside the repository, so this script copies the subset
it needs out of the shared dump. Each selected line is written back byte for byte (the raw
record, unchanged, NFD accents included), so the parser is tested on what the portal published.
The output is reproducible: records sorted by national code, gzip header without a file name
and with mtime 0, so running it twice gives the same bytes.
"""

from __future__ import annotations

import gzip
import json
import sys
import unicodedata
from pathlib import Path

# Spellings of `cap_thuc_hien` in the 2026 dump (after NFC): "Cấp bộ", "Cấp tỉnh", "Cấp xã",
# "Cơ quan khác", comma-separated. Compared case-insensitively in case the portal changes case.
WANTED_LEVELS = {"cấp tỉnh", "cấp xã"}
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "procedures-province-commune.jsonl.gz"


def levels_of(record: dict) -> set[str]:
    """The record's levels, NFC and lower case, so that NFD records are not missed."""
    text = unicodedata.normalize("NFC", record.get("cap_thuc_hien") or "")
    return {part.strip().lower() for part in text.split(",") if part.strip()}


def select_lines(source: Path) -> list[tuple[str, bytes]]:
    """(national code, raw line) of every wanted record, sorted by code."""
    selected = []
    with gzip.open(source, "rb") as handle:
        for line in handle:
            if not line.strip():
                continue
            record = json.loads(line)
            if levels_of(record) & WANTED_LEVELS:
                selected.append((record["ma_thu_tuc"], line.rstrip(b"\r\n") + b"\n"))
    selected.sort(key=lambda item: item[0])
    codes = [code for code, _line in selected]
    if len(codes) != len(set(codes)):
        raise SystemExit("duplicate ma_thu_tuc in the source: the sort would not be deterministic")
    return selected


def write_gzip(lines: list[bytes], output: Path) -> None:
    """Gzip with a fixed header (no name, mtime 0) so the file is byte-for-byte reproducible."""
    with (
        output.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as handle,
    ):
        for line in lines:
            handle.write(line)


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    source = Path(argv[1])
    output = Path(argv[2]) if len(argv) == 3 else DEFAULT_OUTPUT
    selected = select_lines(source)
    write_gzip([line for _code, line in selected], output)
    print(f"{len(selected)} records -> {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
