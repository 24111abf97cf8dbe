"""The calendars: a member's private feed behind a token (only its digest stored; a new link kills
the old one) and a resource's public busy times, which name nobody. Both parse back with icalendar."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from members import tokens
from places.models import Booking, CalendarFeed
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def day_ahead() -> dt.date:
    day = timezone.localdate() + dt.timedelta(days=3)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def events(body: bytes) -> list:
    return [c for c in Calendar.from_ical(body).walk() if c.name == "VEVENT"]


@pytest.fixture
def booked(network, make_booking, booker):
    day = day_ahead()
    kept = make_booking(network.meeting_room, at(day, 10), at(day, 12))
    cancelled = make_booking(network.meeting_room, at(day, 14), at(day, 15), status=Booking.Status.CANCELLED)
    return kept, cancelled


def test_a_member_makes_a_private_link_and_a_new_one_kills_the_old(network, booked, booker):
    kept, cancelled = booked
    client = Client()
    client.force_login(booker.user)
    page = client.post("/me/bookings/calendar/", follow=True)
    first = page.context["feed_url"]
    assert first.startswith("http://testserver/calendar/") and first.endswith(".ics")
    token = first.rsplit("/", 1)[1].removesuffix(".ics")
    assert CalendarFeed.objects.get(member=booker).digest == tokens.key_digest(token)  # never the token itself
    assert client.get("/me/bookings/").context["feed_url"] is None  # shown once

    response = Client().get(f"/calendar/{token}.ics")
    assert response.status_code == 200 and response["Content-Type"] == "text/calendar; charset=utf-8"
    found = {str(event["uid"]): event for event in events(response.content)}
    assert set(found) == {f"booking-{kept.pk}@bocage.localhost", f"booking-{cancelled.pk}@bocage.localhost"}
    event = found[f"booking-{kept.pk}@bocage.localhost"]
    assert event.decoded("dtstart") == kept.start.astimezone(dt.UTC)
    assert event.decoded("dtend") == kept.end.astimezone(dt.UTC)
    assert str(event["summary"]) == "Salle de réunion — Le Bocal"
    assert str(event["status"]) == "CONFIRMED"
    assert str(found[f"booking-{cancelled.pk}@bocage.localhost"]["status"]) == "CANCELLED"

    second = client.post("/me/bookings/calendar/", follow=True).context["feed_url"]
    assert second != first
    assert Client().get(f"/calendar/{token}.ics").status_code == 404
    assert Client().get(second.removeprefix("http://testserver")).status_code == 200
    assert CalendarFeed.objects.count() == 1
    assert Client().get("/calendar/nothing.ics").status_code == 404


def test_a_resource_busy_times_name_nobody_and_leave_out_cancelled_bookings(network, booked, booker):
    kept, _ = booked
    response = Client().get(f"/places/resources/{network.meeting_room.pk}/busy.ics")
    assert response.status_code == 200
    found = events(response.content)
    assert [str(event["uid"]) for event in found] == [f"booking-{kept.pk}@bocage.localhost"]
    assert str(found[0]["summary"]) == "Réservé"
    assert found[0].decoded("dtstart") == kept.start.astimezone(dt.UTC)
    assert found[0].get("dtstamp") is not None
    body = response.content.decode()
    for personal in (booker.display_name, booker.user.username):
        assert personal not in body
    assert Client().get(f"/places/resources/{network.hidden_room.pk}/busy.ics").status_code == 404


def test_a_member_who_leaves_loses_the_link(network, booked, booker):
    from places.calendar import PERSONAL_DATA_SECTIONS, calendar_feed_member, calendar_feed_renew

    token = calendar_feed_renew(member=booker, actor=booker.user)
    assert calendar_feed_member(token) == booker
    assert PERSONAL_DATA_SECTIONS[0].erase(booker) == 1
    assert calendar_feed_member(token) is None
    assert calendar_feed_member(calendar_feed_renew(member=MemberFactory(username="autre"), actor=None)) is not None
