"""Calendars (iCalendar, RFC 5545) of bookings: a member's private feed and a resource's busy times.

A member's feed is read by a calendar app without a session, at `/calendar/<token>.ics`: the token
is the only secret, so only its SHA-256 is stored (members.tokens, as API tokens). Making a new link
replaces the digest: the old link answers 404 at once.

A resource's busy feed is public for a public place and names nobody: each event says « Réservé »
(in the site's language), its times in UTC, its UID stable per booking.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from icalendar import Calendar, Event

from core.audit import audit_record
from core.typing import Actor
from members import tokens
from members.models import Member
from members.personal_data import Section
from places.models import Booking, CalendarFeed, Resource

PRODUCT_ID = "-//Bocage//Tiers-lieux//FR"
# How far back and ahead the feeds reach: a calendar app needs recent past and the coming months.
PAST_DAYS = 60
AHEAD_DAYS = 400


def calendar_feed_renew(*, member: Member, actor: Actor) -> str:
    """Make `member`'s private calendar link (replacing any former one); returns the token, shown once."""
    token = tokens.new_key()
    with transaction.atomic(durable=True):
        feed, created = CalendarFeed.objects.update_or_create(
            member=member, defaults={"digest": tokens.key_digest(token), "created_at": timezone.now()}
        )
        audit_record(actor=actor, action="calendar_feed_renew", target=feed, renewed=not created)
    return token


def calendar_feed_member(token: str) -> Member | None:
    """The member whose live calendar link is `token`, or None (unknown, replaced, or the member left)."""
    if not token or len(token) > 128:
        return None
    feed = (
        CalendarFeed.objects.filter(digest=tokens.key_digest(token), member__status=Member.Status.ACTIVE)
        .select_related("member")
        .first()
    )
    return None if feed is None else feed.member


def _window(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    return now - dt.timedelta(days=PAST_DAYS), now + dt.timedelta(days=AHEAD_DAYS)


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    return calendar


def _event(booking: Booking, *, summary: str, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", f"booking-{booking.pk}@{settings.BOCAGE_CALENDAR_UID_DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("dtstart", booking.start.astimezone(dt.UTC))
    event.add("dtend", booking.end.astimezone(dt.UTC))
    event.add("summary", summary)
    return event


def member_calendar(member: Member, *, now: dt.datetime | None = None) -> bytes:
    """The member's bookings (cancelled ones marked CANCELLED, so calendar apps remove them)."""
    now = now or timezone.now()
    since, until = _window(now)
    bookings = (
        Booking.objects.filter(member=member, end__gt=since, start__lt=until)
        .select_related("resource__place__commune")
        .order_by("start", "pk")
    )
    with translation.override(member.mail_language):
        calendar = _calendar(_("My bookings — Bocage"))
        for booking in bookings:
            resource = booking.resource
            event = _event(booking, summary=f"{resource.name} — {resource.place.name}", stamp=now)
            event.add("location", f"{resource.place.address}, {resource.place.commune.name}")
            if booking.seats > 1:
                event.add("description", _("%(seats)s seats") % {"seats": booking.seats})
            event.add("status", "CANCELLED" if booking.status == Booking.Status.CANCELLED else "CONFIRMED")
            calendar.add_component(event)
    return calendar.to_ical()


def busy_calendar(resource: Resource, *, now: dt.datetime | None = None) -> bytes:
    """When `resource` is taken: one event per active booking, named by nobody."""
    now = now or timezone.now()
    since, until = _window(now)
    bookings: Iterable[Booking] = (
        Booking.objects.filter(resource=resource, end__gt=since, start__lt=until)
        .exclude(status=Booking.Status.CANCELLED)
        .only("pk", "start", "end")
        .order_by("start", "pk")
    )
    with translation.override(settings.LANGUAGE_CODE):
        calendar = _calendar(f"{resource.name} — {resource.place.name}")
        summary = _("Booked")
        for booking in bookings:
            event = _event(booking, summary=summary, stamp=now)
            event.add("transp", "OPAQUE")
            calendar.add_component(event)
    return calendar.to_ical()


def _feeds_erase(member: Member) -> int:
    return CalendarFeed.objects.filter(member=member).delete()[0]


# The member's part of a personal data export (members.personal_data): when their calendar link was
# made (never the digest: a secret field). Leaving deletes it, so the link stops answering.
PERSONAL_DATA_SECTIONS = (
    Section(
        "places/calendar_feed",
        gettext_lazy("Your calendar link"),
        CalendarFeed,
        lambda member: CalendarFeed.objects.filter(member=member).order_by("pk"),
        fields=("id", "created_at"),
        erase=_feeds_erase,
    ),
)
