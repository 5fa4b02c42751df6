"""Service months: the one parser of a month the user gives, and the arithmetic on months.

A month is given as 'YYYY-MM' (also 'YYYY-M', or a full 'YYYY-MM-DD' date, whose month is meant), or
as a date. Anything else is an InputError with one sentence (never a ValueError): the CLI, the pages
and the notebooks all pass user text through here.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from audits.errors import InputError

_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})(?:-(\d{1,2}))?\s*$")

MonthLike = str | dt.date


def month_start(month: MonthLike) -> dt.date:
    """The first day of the month: 'YYYY-MM', 'YYYY-MM-DD' or a date (datetime and Timestamp too)."""
    if isinstance(month, dt.datetime):
        month = month.date()
    if isinstance(month, dt.date):
        return month.replace(day=1)
    match = _MONTH.match(str(month))
    if match:
        year, number = int(match.group(1)), int(match.group(2))
        if 1 <= number <= 12 and (
            match.group(3) is None or 1 <= int(match.group(3)) <= calendar.monthrange(year, number)[1]
        ):
            return dt.date(year, number, 1)
    raise InputError(f"'{str(month).strip()}' is not a month - give it as YYYY-MM, e.g. 2026-10.")


def month_end(month: MonthLike) -> dt.date:
    """The last day of the month."""
    start = month_start(month)
    return start.replace(day=calendar.monthrange(start.year, start.month)[1])


def month_bounds(month: MonthLike) -> tuple[dt.date, dt.date]:
    """(first day, last day) of the month."""
    return month_start(month), month_end(month)


def month_label(month: MonthLike) -> str:
    """'YYYY-MM'."""
    return month_start(month).strftime("%Y-%m")


def add_months(month: MonthLike, count: int) -> dt.date:
    """The first day of the month `count` months after (before, when negative) the given one."""
    start = month_start(month)
    index = start.year * 12 + start.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def last_full_month(today: dt.date | None = None) -> dt.date:
    """The first day of the last month that has ended before today."""
    return add_months(today or dt.date.today(), -1)
