"""The calendar of standing orders: when each period falls due, and its key. Pure functions, no database.

Due dates are local dates (Europe/Paris): a period due on the 1st is due all day long on the 1st,
whatever the UTC instant the beat runs at, so a daylight-saving night changes nothing.

- weekly: `day` is the ISO weekday (1 Monday … 7 Sunday); the key is the ISO week, `2026-W49`;
- monthly: `day` 1–31, clamped to the month's last day (31 → 28 or 29 February, 30 April); `2026-12`;
- yearly: in the start's month, `day` clamped the same way; `2026`.

The first due date is the first one on or after the start; the last is on or before the end, and
there are at most `count` of them.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

WEEKLY = "weekly"
MONTHLY = "monthly"
YEARLY = "yearly"
PERIODS = (WEEKLY, MONTHLY, YEARLY)


def day_is_valid(period: str, day: int) -> bool:
    """Whether `day` means something for `period` (1–7 weekly, 1–31 monthly and yearly)."""
    if period == WEEKLY:
        return 1 <= day <= 7
    if period in (MONTHLY, YEARLY):
        return 1 <= day <= 31
    return False


def period_key(period: str, due: date) -> str:
    """The period a due date belongs to: monthly `2026-12`, weekly ISO `2026-W49`, yearly `2026`."""
    if period == WEEKLY:
        iso = due.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if period == MONTHLY:
        return f"{due.year}-{due.month:02d}"
    if period == YEARLY:
        return f"{due.year}"
    raise ValueError(f"unknown period {period!r}")


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _candidates(period: str, day: int, start: date) -> Iterator[date]:
    """Every due date of the calendar from `start` on, without end."""
    if period == WEEKLY:
        current = start + timedelta(days=(day - start.isoweekday()) % 7)
        while True:
            yield current
            current += timedelta(days=7)
    elif period == MONTHLY:
        year, month = start.year, start.month
        while True:
            due = _clamped(year, month, day)
            if due >= start:
                yield due
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    elif period == YEARLY:
        year = start.year
        while True:
            due = _clamped(year, start.month, day)
            if due >= start:
                yield due
            year += 1
    else:
        raise ValueError(f"unknown period {period!r}")


def _schedule(order_like: Any) -> Iterator[date]:
    """The order's due dates in order, honouring its end and count."""
    end: date | None = getattr(order_like, "end", None)
    count: int | None = getattr(order_like, "count", None)
    for number, due in enumerate(_candidates(order_like.period, order_like.day, order_like.start), start=1):
        if (end is not None and due > end) or (count is not None and number > count):
            return
        yield due


def due_dates(order_like: Any, *, after: date | None, until: date) -> list[date]:
    """The due dates in (after, until], from the start, clamped days, honouring end and count.

    `order_like` has `period`, `day`, `start` and optionally `end` and `count` (an order, or any
    object with those attributes)."""
    dates = []
    for due in _schedule(order_like):
        if due > until:
            break
        if after is None or due > after:
            dates.append(due)
    return dates


def next_due_date(order_like: Any, *, after: date | None) -> date | None:
    """The first due date after `after` (from the start when None); None when the order is over."""
    for due in _schedule(order_like):
        if after is None or due > after:
            return due
    return None


def next_calendar_date(order_like: Any, *, after: date) -> date:
    """The calendar's first due date after `after`, whether or not the order's end or count stops it
    there: the day after the last day of the period due on `after` (a plan's paid days end then)."""
    return next(due for due in _candidates(order_like.period, order_like.day, order_like.start) if due > after)
