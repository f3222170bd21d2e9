"""Dates as notes write them: YAML dates, datetimes, or ISO text."""

from __future__ import annotations

import datetime as dt
from typing import Any


def as_moment(value: Any) -> dt.date | None:
    """A frontmatter date or datetime (or ISO string) as a date or naive datetime; else None.

    A datetime with an offset is converted to this machine's local time (the time zone
    naive times are taken to be in), so that moments written in different zones compare
    as the moments they are and show as the person's own clock time.
    """
    if isinstance(value, dt.datetime):
        return _naive(value)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return dt.date.fromisoformat(text)
            return _naive(dt.datetime.fromisoformat(text))
        except ValueError:
            return None
    return None


def _naive(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment
    try:
        return moment.astimezone().replace(tzinfo=None)
    except OverflowError:  # year 1 or 9999 shifted past the calendar's ends
        return moment.replace(tzinfo=None)


def day_of(moment: dt.date) -> dt.date:
    return moment.date() if isinstance(moment, dt.datetime) else moment


def days_between(earlier: dt.date, later: dt.date) -> int:
    return (day_of(later) - day_of(earlier)).days
