"""The few SQL spellings that differ between SQLite and PostgreSQL, for the set-based rebuild.

Local days and minutes of the day: PostgreSQL converts with AT TIME ZONE; SQLite stores UTC text
and shifts it by the zone's offset, which must be fixed over the data (Việt Nam has kept UTC+7
since 1975): `fixed_offset_minutes` refuses a zone whose offset changes in the range.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import connection

ZONE_NAME = re.compile(r"^[A-Za-z0-9_+\-/]+$")


def fixed_offset_minutes(zone: ZoneInfo, first_year: int, last_year: int) -> int:
    offsets = {
        dt.datetime(year, month, 1, 12, tzinfo=zone).utcoffset()
        for year in range(first_year, last_year + 1)
        for month in (1, 4, 7, 10)
    }
    if len(offsets) != 1:
        raise RuntimeError(
            f"stats_rebuild on SQLite needs a time zone with a fixed offset; {zone.key} changes"
        )
    return int(offsets.pop().total_seconds() // 60)


@dataclass(frozen=True)
class Dialect:
    """SQL fragments for the connected database, in the zone of the local days."""

    postgres: bool
    zone: str
    offset: int  # minutes east of UTC (SQLite only)

    @classmethod
    def connected(cls, zone: ZoneInfo, first_year: int, last_year: int) -> Dialect:
        if not ZONE_NAME.match(zone.key):
            raise RuntimeError(f"unexpected time zone name {zone.key!r}")
        postgres = connection.vendor == "postgresql"
        offset = 0 if postgres else fixed_offset_minutes(zone, first_year, last_year)
        return cls(postgres=postgres, zone=zone.key, offset=offset)

    def local(self, column: str) -> str:
        return f"(({column}) AT TIME ZONE '{self.zone}')"

    def day(self, column: str) -> str:
        """The local date of a timestamp column."""
        if self.postgres:
            return f"CAST({self.local(column)} AS date)"
        return f"date({column}, '{self.offset:+d} minutes')"

    def minute(self, column: str) -> str:
        """Minutes since local midnight, seconds dropped."""
        if self.postgres:
            local = self.local(column)
            hours, minutes = f"EXTRACT(HOUR FROM {local})", f"EXTRACT(MINUTE FROM {local})"
            return f"CAST({hours} * 60 + {minutes} AS integer)"
        # Django stores UTC as 'YYYY-MM-DD HH:MM:SS[.ffffff]': read the clock time from the
        # text (much cheaper than strftime) and shift it by the fixed offset.
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
        return (
            f"JOIN stats_dayline {line} ON {line}.calendar_id = {calendar} "
            f"AND {line}.day = {self.day(column)}"
        )
