"""Opening hours in Paris wall time: both daylight-saving changes, their nights, closures, seasons."""

from __future__ import annotations

import datetime as dt

from places.models import OpeningException, OpeningRule
from places.openings import Interval, is_open_at, opening_intervals
from places.selectors.catalogue import (
    is_open_now,
    open_place_ids,
    opening_hours,
    opening_summary,
    upcoming_exceptions,
)
from tests.places.conftest import PARIS, local

UTC = dt.UTC


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def day_of(place, year, month, day, resource=None):
    return opening_intervals(place, local(year, month, day), local(year, month, day + 1), resource=resource)


def test_spring_change_keeps_nine_to_six_on_the_wall_clock(network):
    # Clocks go forward on Sunday 2026-03-29: Friday is +01:00, Monday +02:00.
    friday, monday = day_of(network.coworking, 2026, 3, 27), day_of(network.coworking, 2026, 3, 30)
    assert friday == [Interval(utc(2026, 3, 27, 8), utc(2026, 3, 27, 17))]
    assert monday == [Interval(utc(2026, 3, 30, 7), utc(2026, 3, 30, 16))]
    assert friday[0].start == local(2026, 3, 27, 9) and monday[0].start == local(2026, 3, 30, 9)
    assert friday[0].minutes == monday[0].minutes == 9 * 60


def test_autumn_change_keeps_nine_to_six_on_the_wall_clock(network):
    # Clocks go back on Sunday 2026-10-25: Friday is +02:00, Monday +01:00.
    friday, monday = day_of(network.coworking, 2026, 10, 23), day_of(network.coworking, 2026, 10, 26)
    assert friday == [Interval(utc(2026, 10, 23, 7), utc(2026, 10, 23, 16))]
    assert monday == [Interval(utc(2026, 10, 26, 8), utc(2026, 10, 26, 17))]


def test_the_whole_week_across_the_change_reads_every_day_in_its_own_offset(network):
    week = opening_intervals(network.coworking, local(2026, 3, 23), local(2026, 4, 4))
    assert [(i.start.astimezone(PARIS).hour, i.minutes) for i in week] == [(9, 540)] * 10


def test_a_night_opening_is_five_hours_in_spring_and_seven_in_autumn(network):
    OpeningRule.objects.create(place=network.coworking, weekday=6, opens=dt.time(0), closes=dt.time(6))
    spring = day_of(network.coworking, 2026, 3, 29)
    autumn = day_of(network.coworking, 2026, 10, 25)
    assert spring == [Interval(utc(2026, 3, 28, 23), utc(2026, 3, 29, 4))]
    assert autumn == [Interval(utc(2026, 10, 24, 22), utc(2026, 10, 25, 5))]
    assert (spring[0].minutes, autumn[0].minutes) == (5 * 60, 7 * 60)


def test_a_whole_day_closure_closes_the_place_and_its_resources(network):
    OpeningException.objects.create(place=network.coworking, date=dt.date(2027, 1, 14), kind="closure")
    assert day_of(network.coworking, 2027, 1, 14) == []
    assert day_of(network.coworking, 2027, 1, 14, resource=network.meeting_room) == []
    assert day_of(network.coworking, 2027, 1, 15) == [Interval(local(2027, 1, 15, 9), local(2027, 1, 15, 18))]


def test_a_closure_of_part_of_the_day_splits_the_opening(network):
    OpeningException.objects.create(
        place=network.coworking, date=dt.date(2027, 1, 14), kind="closure", opens=dt.time(12), closes=dt.time(14)
    )
    assert day_of(network.coworking, 2027, 1, 14) == [
        Interval(local(2027, 1, 14, 9), local(2027, 1, 14, 12)),
        Interval(local(2027, 1, 14, 14), local(2027, 1, 14, 18)),
    ]


def test_a_closure_of_one_resource_leaves_the_place_and_the_others_open(network):
    OpeningException.objects.create(
        place=network.fablab, resource=network.laser, date=dt.date(2027, 1, 14), kind="closure", reason="Entretien"
    )
    open_day = [Interval(local(2027, 1, 14, 10), local(2027, 1, 14, 19))]
    assert day_of(network.fablab, 2027, 1, 14, resource=network.laser) == []
    assert day_of(network.fablab, 2027, 1, 14, resource=network.workshop) == open_day
    assert day_of(network.fablab, 2027, 1, 14) == open_day


def test_an_exceptional_opening_adds_to_the_rules_and_a_closure_wins_over_it(network):
    # Sunday 2027-01-17: the coworking is closed on Sundays, open exceptionally 10:00–16:00, closed 12:00–13:00.
    OpeningException.objects.create(
        place=network.coworking, date=dt.date(2027, 1, 17), kind="opening", opens=dt.time(10), closes=dt.time(16)
    )
    OpeningException.objects.create(
        place=network.coworking, date=dt.date(2027, 1, 17), kind="closure", opens=dt.time(12), closes=dt.time(13)
    )
    assert day_of(network.coworking, 2027, 1, 17) == [
        Interval(local(2027, 1, 17, 10), local(2027, 1, 17, 12)),
        Interval(local(2027, 1, 17, 13), local(2027, 1, 17, 16)),
    ]


def test_seasons_apply_between_their_dates_inclusive(network):
    # The fablab opens late on Thursdays in summer only (2027-06-01 to 2027-08-31).
    OpeningRule.objects.create(
        place=network.fablab,
        weekday=3,
        opens=dt.time(19),
        closes=dt.time(22),
        valid_from=dt.date(2027, 6, 3),
        valid_until=dt.date(2027, 8, 26),
    )
    assert day_of(network.fablab, 2027, 6, 3) == [Interval(local(2027, 6, 3, 10), local(2027, 6, 3, 22))]
    assert day_of(network.fablab, 2027, 8, 26)[0].end == local(2027, 8, 26, 22)
    assert day_of(network.fablab, 2027, 5, 27) == [Interval(local(2027, 5, 27, 10), local(2027, 5, 27, 19))]
    assert day_of(network.fablab, 2027, 9, 2) == [Interval(local(2027, 9, 2, 10), local(2027, 9, 2, 19))]
    # Shown while it is current or to come; left out once it is over.
    assert len(opening_hours(network.fablab, today=dt.date(2027, 8, 26))) == 6
    assert len(opening_hours(network.fablab, today=dt.date(2027, 8, 27))) == 5


def test_opening_hours_for_display_are_by_weekday_in_wall_time(network):
    hours = opening_hours(network.coworking, today=dt.date(2027, 1, 1))
    assert [(h.weekday, h.opens, h.closes, h.valid_from, h.valid_until) for h in hours] == [
        (day, dt.time(9), dt.time(18), None, None) for day in range(5)
    ]


def test_open_now_follows_the_wall_clock_and_the_closures(network):
    assert is_open_at(network.coworking, local(2026, 3, 30, 9)) is True
    assert is_open_at(network.coworking, local(2026, 3, 30, 8, 59)) is False
    assert is_open_now(network.coworking, now=local(2026, 3, 30, 17, 59)) is True
    assert is_open_now(network.coworking, now=local(2026, 3, 30, 18)) is False
    OpeningException.objects.create(place=network.coworking, date=dt.date(2026, 3, 31), kind="closure")
    places = [network.coworking, network.fablab]
    assert open_place_ids(places, now=local(2026, 3, 31, 11)) == {network.fablab.pk}
    assert open_place_ids(places, now=local(2026, 4, 1, 11)) == {network.coworking.pk, network.fablab.pk}


def test_the_place_pages_summary_agrees_with_is_open_now_and_upcoming_exceptions_in_two_queries(
    network, django_assert_num_queries
):
    """The place's page reads its rules and exceptions once (opening_summary) for what three selectors
    answered apart: open now (a night opening from the day before, a closure of one resource that does
    not close the place), and the exceptions to come."""
    coworking, fablab = network.coworking, network.fablab
    OpeningRule.objects.create(place=coworking, weekday=0, opens=dt.time(22), closes=dt.time(23, 59))
    OpeningRule.objects.create(place=coworking, weekday=1, opens=dt.time(0), closes=dt.time(2))
    OpeningException.objects.create(
        place=coworking, date=dt.date(2026, 3, 30), kind="closure", opens=dt.time(12), closes=dt.time(14)
    )
    OpeningException.objects.create(place=coworking, date=dt.date(2026, 4, 2), kind="closure", reason="Inventaire")
    OpeningException.objects.create(place=fablab, resource=network.laser, date=dt.date(2026, 3, 31), kind="closure")
    moments = [
        local(2026, 3, 30, 11),
        local(2026, 3, 30, 13),
        local(2026, 3, 31, 1),
        local(2026, 3, 31, 3),
        local(2026, 4, 2, 10),
    ]
    for place in (coworking, fablab):
        for moment in moments:
            fresh = type(place).objects.get(pk=place.pk)
            with django_assert_num_queries(2):
                summary = opening_summary(fresh, now=moment)
            expected = (is_open_now(place, now=moment), upcoming_exceptions(place, today=moment.date()))
            assert summary == expected, (place.name, moment)
            hours = opening_hours(place, today=moment.date())
            with django_assert_num_queries(0):
                assert opening_hours(fresh, today=moment.date()) == hours
    assert opening_summary(coworking, now=local(2026, 3, 30, 13))[0] is False
    assert opening_summary(coworking, now=local(2026, 3, 31, 1))[0] is True
    assert opening_summary(fablab, now=local(2026, 3, 31, 11)) == (
        True,
        list(OpeningException.objects.filter(place=fablab)),
    )
