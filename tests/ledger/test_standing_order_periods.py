"""The calendar of standing orders: clamped days across month ends, ISO weeks, end and count."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from ledger.standing_order_periods import due_dates, next_calendar_date, next_due_date, period_key


def order(period: str, day: int, start: date, end: date | None = None, count: int | None = None) -> SimpleNamespace:
    return SimpleNamespace(period=period, day=day, start=start, end=end, count=count)


def test_the_31st_falls_on_each_months_last_day():
    monthly = order("monthly", 31, date(2027, 1, 1))
    assert due_dates(monthly, after=None, until=date(2027, 5, 31)) == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
        date(2027, 5, 31),
    ]
    leap = order("monthly", 30, date(2028, 2, 1))
    assert due_dates(leap, after=None, until=date(2028, 3, 31)) == [date(2028, 2, 29), date(2028, 3, 30)]


def test_the_first_due_date_is_the_first_on_or_after_the_start_and_after_is_excluded():
    monthly = order("monthly", 5, date(2026, 12, 10))
    assert due_dates(monthly, after=None, until=date(2027, 2, 5)) == [date(2027, 1, 5), date(2027, 2, 5)]
    assert due_dates(monthly, after=date(2027, 1, 5), until=date(2027, 2, 5)) == [date(2027, 2, 5)]


def test_weekly_on_an_iso_weekday_and_its_iso_week_key():
    weekly = order("weekly", 2, date(2026, 12, 24))  # a Thursday; Tuesdays from the 29th
    assert due_dates(weekly, after=None, until=date(2027, 1, 12)) == [
        date(2026, 12, 29),
        date(2027, 1, 5),
        date(2027, 1, 12),
    ]
    assert [period_key("weekly", day) for day in (date(2026, 12, 29), date(2027, 1, 5))] == ["2026-W53", "2027-W01"]


def test_yearly_keeps_the_starts_month_with_a_clamped_day():
    yearly = order("yearly", 29, date(2028, 2, 1))
    assert due_dates(yearly, after=None, until=date(2030, 12, 31)) == [
        date(2028, 2, 29),
        date(2029, 2, 28),
        date(2030, 2, 28),
    ]
    assert period_key("yearly", date(2029, 2, 28)) == "2029"
    assert period_key("monthly", date(2029, 2, 28)) == "2029-02"


def test_end_and_count_stop_the_calendar():
    assert due_dates(
        order("monthly", 1, date(2027, 1, 1), end=date(2027, 3, 1)), after=None, until=date(2028, 1, 1)
    ) == [
        date(2027, 1, 1),
        date(2027, 2, 1),
        date(2027, 3, 1),
    ]
    counted = order("monthly", 1, date(2027, 1, 1), count=2)
    assert due_dates(counted, after=None, until=date(2028, 1, 1)) == [date(2027, 1, 1), date(2027, 2, 1)]
    assert next_due_date(counted, after=date(2027, 2, 1)) is None


def test_a_periods_last_day_comes_from_the_calendar_even_when_the_order_stops():
    last = order("monthly", 31, date(2027, 1, 31), count=1)
    assert next_due_date(last, after=date(2027, 1, 31)) is None  # no further payment
    assert next_calendar_date(last, after=date(2027, 1, 31)) == date(2027, 2, 28)  # paid until 27 February
    assert next_calendar_date(order("weekly", 1, date(2026, 12, 7)), after=date(2026, 12, 7)) == date(2026, 12, 14)
    assert next_calendar_date(order("yearly", 29, date(2028, 2, 29)), after=date(2028, 2, 29)) == date(2029, 2, 28)
