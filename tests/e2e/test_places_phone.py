"""Browser test on a phone: find a meeting room for a given afternoon across the network, book it,
see it in "Mes réservations", cancel it, and see the hold released (the account's held amount back
to what it was). Screenshots of the map and of the week go to /tmp/h3-*.png."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from places.models import Booking
from tests.conftest import PASSWORD
from tests.e2e.conftest import go_to, log_in, no_horizontal_scroll
from tests.factories import MemberFactory, account_of, fund
from tests.places.conftest import network  # noqa: F401  (the fixture: Le Bocal, the fablab, a hidden café)

pytestmark = pytest.mark.e2e


def afternoon() -> dt.date:
    day = timezone.localdate() + dt.timedelta(days=3)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


@pytest.mark.django_db(transaction=True)
def test_find_book_see_and_cancel_a_meeting_room_on_a_phone(live_server, page, network):  # noqa: F811
    alice = MemberFactory(username="alice", display_name="Alice Martin")
    fund(account_of(alice, "ACH"), "100.00")
    account = account_of(alice, "ACH")
    held_before = account.held
    day = afternoon()

    log_in(page, live_server, "alice", PASSWORD)
    go_to(page, "Lieux", "Tiers-lieux")
    page.wait_for_url(f"{live_server.url}/places/")
    page.wait_for_selector("#places-map .places-marker")
    assert page.locator("#places-map .places-marker").count() == 2
    assert page.locator("#places-map .places-commune-label").count() == 2
    assert no_horizontal_scroll(page)
    page.screenshot(path="/tmp/h3-map.png", full_page=True)

    page.locator("[data-testid=place-results] a", has_text="Le Bocal").click()
    assert page.locator("[data-testid=opening-hours]").inner_text().startswith("Lundi")
    assert no_horizontal_scroll(page)
    page.screenshot(path="/tmp/h3-place.png", full_page=True)

    page.goto(f"{live_server.url}/places/")
    page.click("text=Trouver une salle ou un poste libre")
    page.fill("#id_date", day.isoformat())
    page.fill("#id_start", "14:00")
    page.fill("#id_end", "18:00")
    page.fill("#id_seats", "6")  # a meeting room for 6 people
    page.select_option("#id_kind", "meeting_room")
    page.click("#place-search-submit")
    results = page.locator("[data-testid=search-results] > li")
    assert results.count() == 1
    assert "Salle de réunion" in results.first.inner_text()
    assert no_horizontal_scroll(page)
    results.first.locator("a[data-book]").click()

    assert page.locator("#id_seats").input_value() == "6"
    # Booked whole: the room's price, whatever the people.
    assert page.locator("[data-testid=booking-price]").inner_text().replace("\u202f", " ") == "80,00 ACH"
    assert "Annulation gratuite jusqu’au" in page.locator("[data-testid=cancel-rule]").inner_text()
    assert no_horizontal_scroll(page)
    page.click("#booking-confirm")
    page.wait_for_url(f"{live_server.url}/me/bookings/")
    booking = Booking.objects.get()
    assert (booking.seats, booking.exclusive) == (6, True)
    assert page.locator(f"[data-booking='{booking.pk}']").is_visible()
    assert "Salle de réunion" in page.locator("[data-testid=upcoming-bookings]").inner_text()
    account.refresh_from_db()
    assert account.held == held_before + 8000

    page.locator(f"[data-booking='{booking.pk}'] a.button").click()
    assert page.locator("[data-testid=fee-now]").inner_text().replace("\u202f", " ") == "0,00 ACH"
    page.click("#cancel-confirm")
    page.wait_for_url(f"{live_server.url}/me/bookings/")
    assert "Les 80,00" in page.locator(".messages").inner_text()
    booking.refresh_from_db()
    account.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert account.held == held_before

    page.goto(f"{live_server.url}/places/{network.coworking.pk}/week/?date={day.isoformat()}")
    assert page.locator("[data-testid=week-days]").is_visible()
    assert no_horizontal_scroll(page)
    page.screenshot(path="/tmp/h3-week.png", full_page=True)

    # On a wide screen the same week is a grid of resources × days.
    page.set_viewport_size({"width": 1280, "height": 900})
    assert page.locator("table.week-table").is_visible() and not page.locator("[data-testid=week-days]").is_visible()
    page.screenshot(path="/tmp/h3-week-wide.png", full_page=True)
