"""The few SQL spellings that differ between SQLite and PostgreSQL, for the set-based rebuild.

Local days and minutes of the day. Where the zone's offset is fixed over the data (Việt Nam has
kept UTC+7 since 1975), both databases shift UTC by it with plain arithmetic: on PostgreSQL the
epoch in seconds (much cheaper than AT TIME ZONE on millions of rows), on SQLite the stored UTC
text ('YYYY-MM-DD HH:MM:SS[.ffffff]', Django's format). A zone whose offset changes falls back
to AT TIME ZONE on PostgreSQL and is refused on SQLite.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import connection

ZONE_NAME = re.compile(r"^[A-Za-z0-9_+\-/]+$")
EPOCH = dt.date(1970, 1, 1)


def fixed_offset_minutes(zone: ZoneInfo, first_year: int, last_year: int) -> int | None:
    """The zone's offset east of UTC if it does not change over the years, else None."""
    offsets = {
        dt.datetime(year, month, 1, 12, tzinfo=zone).utcoffset()
        for year in range(first_year, last_year + 1)
        for month in (1, 4, 7, 10)
    }
    return int(offsets.pop().total_seconds() // 60) if len(offsets) == 1 else None


@dataclass(frozen=True)
class Dialect:
    """SQL fragments for the connected database, in the zone of the local days."""

    postgres: bool
    zone: str
    offset: int | None  # minutes east of UTC, when fixed over the data

    @classmethod
    def connected(cls, zone: ZoneInfo, first_year: int, last_year: int) -> Dialect:
        if not ZONE_NAME.match(zone.key):
            raise RuntimeError(f"unexpected time zone name {zone.key!r}")
        postgres = connection.vendor == "postgresql"
        offset = fixed_offset_minutes(zone, first_year, last_year)
        if offset is None and not postgres:
            raise RuntimeError(
                f"stats_rebuild on SQLite needs a time zone with a fixed offset; {zone.key} changes"
            )
        return cls(postgres=postgres, zone=zone.key, offset=offset)

    @property
    def arithmetic(self) -> bool:
        """PostgreSQL with a fixed offset: local days and minutes from the epoch."""
        return self.postgres and self.offset is not None

    def _epoch_minutes(self, column: str) -> str:
        return f"FLOOR((date_part('epoch', {column}) + {self.offset * 60}) / 60)"

    def dayno(self, column: str) -> str:
        """Local days since 1 January 1970 (PostgreSQL with a fixed offset)."""
        return f"CAST(FLOOR({self._epoch_minutes(column)} / 1440) AS integer)"

    def day(self, column: str) -> str:
        """The local date of a timestamp column."""
        if self.arithmetic:
            return f"(DATE '1970-01-01' + {self.dayno(column)})"
        if self.postgres:
            return f"CAST((({column}) AT TIME ZONE '{self.zone}') AS date)"
        return f"date({column}, '{self.offset:+d} minutes')"

    def minute(self, column: str) -> str:
        """Minutes since local midnight, seconds dropped."""
        if self.arithmetic:
            return f"CAST(MOD(CAST({self._epoch_minutes(column)} AS bigint), 1440) AS integer)"
        if self.postgres:
            local = f"(({column}) AT TIME ZONE '{self.zone}')"
            hours, minutes = f"EXTRACT(HOUR FROM {local})", f"EXTRACT(MINUTE FROM {local})"
            return f"CAST({hours} * 60 + {minutes} AS integer)"
        hours = f"CAST(substr({column}, 12, 2) AS integer)"
        minutes = f"CAST(substr({column}, 15, 2) AS integer)"
        return f"(({hours} * 60 + {minutes} + {self.offset % 1440}) % 1440)"

    def greatest(self, *terms: str) -> str:
        return f"{'GREATEST' if self.postgres else 'MAX'}({', '.join(terms)})"

    def least(self, *terms: str) -> str:
        return f"{'LEAST' if self.postgres else 'MIN'}({', '.join(terms)})"

    def position(self, column: str, line: str) -> str:
        """Working-minute position of a timestamp, its day's row of the day line as `line`
        (the same expression as stats.worktime.position)."""
        m = self.minute(column)
        parts = [
            f"{self.least(self.greatest(f'{m} - {line}.s{i}', '0'), f'{line}.e{i} - {line}.s{i}')}"
            for i in (1, 2)
        ]
        return f"({line}.mins + {' + '.join(parts)})"

    def join_line(self, column: str, line: str, calendar: str) -> str:
        """Join the day line's row of a timestamp's local day, for a calendar id column."""
        if self.arithmetic:
            match = f"{line}.dayno = {self.dayno(column)}"
        else:
            match = f"{line}.day = {self.day(column)}"
        return f"JOIN stats_dayline {line} ON {line}.calendar_id = {calendar} AND {match}"
