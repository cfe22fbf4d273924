"""Bounded types for what a request names: row ids and version numbers in paths and queries, calendar days
and moments in paths, queries and bodies. A value out of range is refused with 422 naming the parameter
before it reaches the database (an integer beyond 64 bits does not fit a BIGINT, nor SQLite's INTEGER) or
date arithmetic (a day near year 1 or 9999 has no neighbour, nor a UTC moment in every zone).

    def get_version(version_id: RowId, ...)                    # /lists/versions/{version_id}
    from_id: Annotated[int, Query(alias="from", ge=1, le=MAX_ROW_ID)]
    effective_date: Day                                         # a body field or a query/path parameter
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import Path
from pydantic import AfterValidator, BeforeValidator

# The largest value of a signed 64-bit integer: PostgreSQL's BIGINT, SQLite's INTEGER.
MAX_ROW_ID = 2**63 - 1

# A row id or a version number in a path: ≥ 1 and within 64 bits.
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]

# The days the platform has any business with: registries' birth dates, licences valid for decades, the
# working-day calendar. Far enough from year 1 and 9999 that a day ± a year, or a local day as a UTC
# moment, never leaves the range of `datetime`.
EARLIEST_DAY = dt.date(1900, 1, 1)
LATEST_DAY = dt.date(2199, 12, 31)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _written_as_text(value: Any) -> Any:
    # pydantic (lax) takes a number for a date or a moment as Unix time: {"effective_date": 0} or ?from=0
    # would be 1970-01-01. A date is text that starts with YYYY-MM-DD (a moment goes on in ISO 8601).
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not _ISO_DAY.match(value):
        raise ValueError("a date is written as text, YYYY-MM-DD")
    return value


def _day_in_range(value: dt.date) -> dt.date:
    day = value.date() if isinstance(value, dt.datetime) else value
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValueError(f"a date between {EARLIEST_DAY} and {LATEST_DAY}")
    return value


# A calendar day written YYYY-MM-DD, within [EARLIEST_DAY, LATEST_DAY].
Day = Annotated[dt.date, BeforeValidator(_written_as_text), AfterValidator(_day_in_range)]
# A moment written in ISO 8601, on a day within [EARLIEST_DAY, LATEST_DAY].
Moment = Annotated[dt.datetime, BeforeValidator(_written_as_text), AfterValidator(_day_in_range)]
