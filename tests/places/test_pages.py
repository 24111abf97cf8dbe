"""The places' pages: the directory and its map, a place and its week, the search, booking and
cancelling through the forms (exact held amounts), "Mes réservations", the managers' pages.

The network is tests/places/conftest.py's (Le Bocal, the fablab, a café not public yet). Bookings
are made through the pages on a weekday a few days ahead of the real clock (the ledger's holds
compare their expiry with it).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from ledger.models import Hold
from members.models import Member
from places.errors import CheckInNotAllowed, OutsideOpeningHours, QualificationRequired
from places.models import Booking, PlaceManager
from places.selectors.bookings import place_account
from tests.factories import MemberFactory, account_of, fund

pytestmark = pytest.mark.django_db


def weekday_ahead(days: int = 3) -> dt.date:
    """A Monday-to-Friday day at least `days` ahead (Le Bocal is open then, 09:00–18:00)."""
    day = timezone.localdate() + dt.timedelta(days=days)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def client_for(member: Member | None) -> Client:
    client = Client()
    if member is not None:
        client.force_login(member.user)
    return client


@pytest.fixture
def alice(db) -> Member:
    member = MemberFactory(username="alice", display_name="Alice Martin")
    fund(account_of(member, "ACH"), "100.00")
    return member


@pytest.fixture
def bocal_manager(network) -> Member:
    member = MemberFactory(username="gerante", display_name="Gérante du Bocal")
    PlaceManager.objects.create(place=network.coworking, member=member)
    return member


def held(member: Member) -> tuple[int, int]:
    account = account_of(member, "ACH")
    return account.balance, account.held


def book(client: Client, resource, day: dt.date, start: str, end: str, **extra) -> tuple[object, object]:
    """Price the booking (the preview), then confirm it as the page's button does."""
    url = f"/places/resources/{resource.pk}/book/"
    data = {"idempotency_key": "k-" + start + end, "date": day.isoformat(), "start": start, "end": end, "seats": 1}
    data.update(extra)
    preview = client.post(url, data)
    signature = preview.context["preview"]["signature"] if preview.context and preview.context["preview"] else ""
    return preview, client.post(url, {**data, "confirm": signature})


# --- the directory, a place, its week ----------------------------------------------------------


def test_the_directory_lists_public_places_with_their_map_data_and_filters(network):
    client = Client()
    response = client.get("/places/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Le Bocal" in text and "Fablab du Bocage" in text and "Café en travaux" not in text
    data = json.loads(text.split('id="places-map-data" type="application/json">')[1].split("</script>")[0])
    assert [place["name"] for place in data["places"]] == ["Fablab du Bocage", "Le Bocal"]
    assert (
        data["places"][1]["lat"] == pytest.approx(46.6167)
        and data["places"][1]["url"] == f"/places/{network.coworking.pk}/"
    )
    assert {commune["name"] for commune in data["communes"]} == {"Les Achards", "Martinet"}
    assert "vendor/leaflet/leaflet.js" in text

    fablabs = client.get("/places/", {"kind": "fablab"}).content.decode()
    assert "Fablab du Bocage" in fablabs and "Le Bocal" not in fablabs
    printers = client.get("/places/", {"service": "printer"}).content.decode()
    assert "Le Bocal" in printers and "Fablab du Bocage" not in printers
    assert client.get("/places/", {"commune": "abc"}).status_code == 400


def test_a_place_page_shows_hours_by_weekday_resources_and_prices(network):
    response = Client().get(f"/places/{network.coworking.pk}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Lundi</dt>\n<dd>09:00–18:00" in text
    assert 'Samedi</dt>\n<dd><span class="muted">Fermé' in text
    assert "Salle de réunion" in text and "10,00" in text and "par tranche de 30 min" in text
    assert f"/places/resources/{network.meeting_room.pk}/book/" in text
    assert response.context["open_now"] in (True, False)


def test_a_place_not_yet_public_is_404_but_for_its_managers_and_the_staff(network, staff_user):
    url = f"/places/{network.hidden.pk}/"
    assert Client().get(url).status_code == 404
    assert client_for(MemberFactory(username="passante")).get(url).status_code == 404
    manager = MemberFactory(username="cafetiere")
    PlaceManager.objects.create(place=network.hidden, member=manager)
    assert client_for(manager).get(url).status_code == 200
    staff = Client()
    staff.force_login(staff_user)
    assert staff.get(url).status_code == 200


def test_the_week_shows_free_intervals_per_day_and_pages_weeks(network, make_booking):
    day = weekday_ahead()
    make_booking(network.meeting_room, *_span(day, "10:00", "12:00"))
    response = Client().get(f"/places/{network.coworking.pk}/week/", {"date": day.isoformat()})
    assert response.status_code == 200
    rows = {row.resource.name: row for row in response.context["rows"]}
    cell = next(cell for cell in rows["Salle de réunion"].cells if cell.day == day)
    # 09:00–18:00 minus 10:00–12:15 (the 15-minute buffer after, and before the next booking)
    assert [
        (
            f.start.astimezone(timezone.get_current_timezone()).strftime("%H:%M"),
            f.end.astimezone(timezone.get_current_timezone()).strftime("%H:%M"),
        )
        for f in cell.free
    ] == [("09:00", "09:45"), ("12:15", "18:00")]
    text = response.content.decode()
    assert "?date=" in text and 'rel="next"' in text
    assert Client().get(f"/places/{network.coworking.pk}/week/", {"date": "31/02/2026"}).status_code == 400


def _span(day: dt.date, start: str, end: str) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    return (
        dt.datetime.combine(day, dt.time.fromisoformat(start), tzinfo=zone),
        dt.datetime.combine(day, dt.time.fromisoformat(end), tzinfo=zone),
    )


# --- the search --------------------------------------------------------------------------------


def test_the_search_finds_free_resources_across_the_network_with_a_prefilled_book_link(network, make_booking):
    day = weekday_ahead()
    make_booking(network.open_space, *_span(day, "14:00", "16:00"), seats=2)
    response = Client().get(
        "/places/search/", {"date": day.isoformat(), "start": "14:00", "end": "18:00", "seats": 5, "kind": ""}
    )
    assert response.status_code == 200
    found = [item["resource"].name for item in response.context["results"]]
    # The open space has 4 desks left until 16:00: not 5 for the whole afternoon, but from 16:00.
    assert "Open space" in found
    assert "Salle de réunion" in found  # a room for 8, booked whole
    link = next(item["book"] for item in response.context["results"] if item["resource"].name == "Open space")
    assert link == f"date={day.isoformat()}&start=16%3A00&end=18%3A00&seats=5"

    rooms = Client().get(
        "/places/search/",
        {"date": day.isoformat(), "start": "14:00", "end": "18:00", "seats": 1, "kind": "meeting_room"},
    )
    assert [item["resource"].name for item in rooms.context["results"]] == ["Salle de réunion"]
    bad = Client().get("/places/search/", {"date": day.isoformat(), "start": "18:00", "end": "14:00", "seats": 1})
    assert bad.status_code == 400 and bad.context["form"].errors["end"] == ["La fin doit venir après le début."]


# --- booking and cancelling through the pages --------------------------------------------------


def test_booking_shows_the_price_and_rule_then_holds_the_price_and_cancelling_releases_it(network, alice):
    day = weekday_ahead()
    client = client_for(alice)
    before = held(alice)
    # From the search's link: priced at once, nothing written until confirmed.
    link = client.get(
        f"/places/resources/{network.meeting_room.pk}/book/",
        {"date": day.isoformat(), "start": "14:00", "end": "16:00"},
    )
    assert link.status_code == 200 and link.context["preview"]["price"] == 4000  # 4 steps of 30 min × 10.00 ACH
    assert "Annulation gratuite jusqu’au" in link.content.decode()
    assert Booking.objects.count() == 0 and held(alice) == before
    preview, confirmed = book(client, network.meeting_room, day, "14:00", "16:00")
    assert preview.status_code == 200 and preview.context["preview"]["price"] == 4000
    assert confirmed.status_code == 302 and confirmed["Location"] == "/me/bookings/"
    booking = Booking.objects.get()
    assert (booking.member, booking.price, booking.unit, booking.status) == (alice, 4000, "ACH", "confirmed")
    assert held(alice) == (before[0], before[1] + 4000)

    page = client.get("/me/bookings/")
    assert page.status_code == 200 and "Salle de réunion" in page.content.decode()
    assert [b.pk for b in page.context["upcoming"]] == [booking.pk]

    confirm_page = client.get(f"/me/bookings/{booking.pk}/cancel/")
    assert confirm_page.status_code == 200 and confirm_page.context["fee"] == 0
    done = client.post(f"/me/bookings/{booking.pk}/cancel/", follow=True)
    assert done.status_code == 200
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.hold.status == Hold.Status.VOIDED
    assert held(alice) == before
    assert "40,00" in done.content.decode()  # "the held 40,00 ACH was released"


def test_a_late_cancellation_from_the_page_keeps_the_fee_shown(network, alice):
    network.meeting_room.cancel_deadline_hours = 24 * 30  # the free time is already over
    network.meeting_room.save()
    day = weekday_ahead()
    client = client_for(alice)
    before = held(alice)
    book(client, network.meeting_room, day, "14:00", "15:00")
    booking = Booking.objects.get()
    assert client.get(f"/me/bookings/{booking.pk}/cancel/").context["fee"] == 1000  # 50 % of 20.00
    client.post(f"/me/bookings/{booking.pk}/cancel/")
    booking.refresh_from_db()
    assert (booking.status, booking.fee) == ("cancelled", 1000)
    assert held(alice) == (before[0] - 1000, before[1])
    assert place_account(network.coworking, "ACH").balance == 1000


def test_refusals_are_form_errors_and_write_nothing(network, alice):
    client = client_for(alice)
    day = weekday_ahead()
    before = held(alice)
    _, outside = book(client, network.meeting_room, day, "19:00", "20:00")
    assert outside.status_code == 422
    assert outside.context["form"].non_field_errors() == [str(OutsideOpeningHours.default_message)]
    url = f"/places/resources/{network.meeting_room.pk}/book/"
    bad_date = client.post(url, {"idempotency_key": "x", "date": "31/02/2026", "start": "14:00", "end": "15:00"})
    assert bad_date.status_code == 400 and bad_date.context["form"].errors["date"]
    _, not_trained = book(client, network.laser, weekday_ahead() + dt.timedelta(days=1), "10:00", "11:00")
    assert not_trained.status_code == 422
    assert not_trained.context["form"].non_field_errors() == [str(QualificationRequired.default_message)]
    assert Booking.objects.count() == 0 and Hold.objects.filter(debit_account=account_of(alice, "ACH")).count() == 0
    assert held(alice) == before


def test_the_booking_form_needs_a_login_and_the_hidden_place_stays_hidden(network, alice):
    response = Client().get(f"/places/resources/{network.meeting_room.pk}/book/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client_for(alice).get(f"/places/resources/{network.hidden_room.pk}/book/").status_code == 404
    assert Client().get("/me/bookings/").status_code == 302


def test_another_member_cannot_open_the_cancel_page_of_a_booking(network, alice):
    book(client_for(alice), network.meeting_room, weekday_ahead(), "14:00", "15:00")
    booking = Booking.objects.get()
    other = client_for(MemberFactory(username="bob"))
    assert other.get(f"/me/bookings/{booking.pk}/cancel/").status_code == 404
    assert other.post(f"/me/bookings/{booking.pk}/cancel/").status_code == 404
    booking.refresh_from_db()
    assert booking.status == "confirmed"


# --- the managers' pages -----------------------------------------------------------------------


def test_managers_see_their_place_day_with_names_and_cancel_with_a_reason(network, alice, bocal_manager, staff_user):
    day = weekday_ahead()
    book(client_for(alice), network.meeting_room, day, "14:00", "15:00")
    booking = Booking.objects.get()
    manager = client_for(bocal_manager)
    page = manager.get(f"/places/{network.coworking.pk}/manage/", {"date": day.isoformat()})
    assert page.status_code == 200 and "Alice Martin" in page.content.decode()
    week = manager.get(f"/places/{network.coworking.pk}/manage/", {"date": day.isoformat(), "view": "week"})
    assert [b.pk for b in week.context["bookings"]] == [booking.pk]

    fablab_manager = MemberFactory(username="fabmanager")
    PlaceManager.objects.create(place=network.fablab, member=fablab_manager)
    other = client_for(fablab_manager)
    assert other.get(f"/places/{network.coworking.pk}/manage/").status_code == 404
    assert other.post(f"/places/{network.coworking.pk}/manage/bookings/{booking.pk}/cancel/").status_code == 404
    assert other.post(f"/places/{network.fablab.pk}/manage/bookings/{booking.pk}/cancel/").status_code == 404
    assert client_for(alice).get(f"/places/{network.coworking.pk}/manage/").status_code == 404
    staff = Client()
    staff.force_login(staff_user)
    assert staff.get(f"/places/{network.coworking.pk}/manage/").status_code == 200

    too_early = manager.post(f"/places/{network.coworking.pk}/manage/bookings/{booking.pk}/check-in/", follow=True)
    assert [str(m) for m in too_early.context["messages"]] == [str(CheckInNotAllowed.default_message)]
    booking.refresh_from_db()
    assert booking.status == "confirmed"

    before = held(alice)
    manager.post(f"/places/{network.coworking.pk}/manage/bookings/{booking.pk}/cancel/", {"reason": "Dégât des eaux"})
    booking.refresh_from_db()
    assert (booking.status, booking.fee, booking.cancel_reason) == ("cancelled", 0, "Dégât des eaux")
    assert held(alice) == (before[0], before[1] - 2000)


def test_managers_record_and_withdraw_trainings_with_the_member_picker(network, alice):
    fab = MemberFactory(username="fabmanager")
    PlaceManager.objects.create(place=network.fablab, member=fab)
    client = client_for(fab)
    url = f"/places/{network.fablab.pk}/qualifications/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"qualification": network.laser_training.pk, "member": "Alice Martin"})
    assert response.status_code == 302
    holder = network.laser_training.holders.get()
    assert holder.member == alice and holder.revoked_at is None
    assert "Alice Martin" in client.get(url).content.decode()
    client.post(f"/places/{network.fablab.pk}/qualifications/{holder.pk}/revoke/")
    holder.refresh_from_db()
    assert holder.revoked_at is not None
    assert client_for(alice).get(url).status_code == 404
    assert (
        client_for(alice).post(url, {"qualification": network.laser_training.pk, "member": "alice"}).status_code == 404
    )


def test_the_menu_offers_the_network_to_all_bookings_to_members_and_managing_to_managers(network, alice, bocal_manager):
    anonymous = Client().get("/places/").content.decode()
    assert 'href="/places/"' in anonymous and 'href="/me/bookings/"' not in anonymous
    member_page = client_for(alice).get("/places/").content.decode()
    assert 'href="/me/bookings/"' in member_page and 'href="/places/manage/"' not in member_page
    manager_page = client_for(bocal_manager).get("/places/").content.decode()
    assert 'href="/places/manage/"' in manager_page
    assert client_for(bocal_manager).get("/places/manage/")["Location"] == f"/places/{network.coworking.pk}/manage/"


def test_without_tiles_no_outside_host_and_with_tiles_their_host_in_the_csp(network, settings):
    import os
    import subprocess
    import sys

    page = Client().get("/places/")
    assert page.context["map_config"] == {"tiles": "", "attribution": ""}
    settings.BOCAGE_MAP_TILES_URL = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    settings.BOCAGE_MAP_TILES_ATTRIBUTION = "© contributeurs OpenStreetMap"
    assert Client().get("/places/").context["map_config"]["tiles"] == settings.BOCAGE_MAP_TILES_URL
    # The CSP is built when the settings are read: read them again with a tile server named.
    script = "from django.conf import settings; print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'])"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "BOCAGE_MAP_TILES_URL": settings.BOCAGE_MAP_TILES_URL,
    }
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True).stdout
    assert "https://*.tile.example.org" in out
    env["BOCAGE_MAP_TILES_URL"] = ""
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[\"'self'\", 'data:']"


def test_the_pages_read_in_english_too(network, settings):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = client.get(f"/places/{network.coworking.pk}/").content.decode()
    assert "Monday</dt>\n<dd>09:00–18:00" in text and "What can be booked" in text
    assert "The network of tiers-lieux" in client.get("/places/").content.decode()
