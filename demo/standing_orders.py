"""The demo's standing order: Association La Ruche pays Le Cowork des Achards 40 ACH on the 1st of
each month, for its room, since three months; the past periods are paid on the demo's clock.

Running it again adds nothing: the order has an idempotency key, and each period its ledger key."""

from __future__ import annotations

import contextlib
import datetime as dt

from django.utils import timezone
from djmoney.money import Money

from core.errors import ApplicationError
from currency.models import Comptoir
from demo.currency import convert
from demo.places import demo_clock
from ledger.selectors import member_account
from ledger.selectors_standing_orders import standing_order_with_key
from ledger.services import standing_order_create, standing_order_run
from ledger.standing_order_periods import due_dates
from members.models import Member
from places.models import Place
from places.selectors.bookings import place_account

ORDER_KEY = "demo:standing-order:laruche-cowork"
MONTHS_BACK = 3


def _paris(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_default_timezone())


def seed_standing_order(*, members: dict[str, Member], comptoirs: list[Comptoir], now: dt.datetime) -> None:
    """La Ruche's monthly payment to the Cowork (once), its past periods paid on their day."""
    if standing_order_with_key(ORDER_KEY) is not None:
        return
    place = Place.objects.filter(name="Le Cowork des Achards").first()
    association = members.get("laruche")
    if place is None or association is None:
        return
    today = timezone.localdate(now)
    first = today.replace(day=1)
    for _ in range(MONTHS_BACK):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    agreed = _paris(first - dt.timedelta(days=3), 10)
    comptoir = comptoirs[0]
    with contextlib.suppress(ApplicationError):
        # Euros changed for the room's rent, so that every past month was paid.
        convert(
            comptoir=comptoir,
            member=association,
            euros=Money(40 * (MONTHS_BACK + 1), "EUR"),
            staff=comptoir.staff.order_by("pk").first(),
            key="demo:standing-order:top-up",
            at=agreed,
        )
    with demo_clock(agreed):
        order = standing_order_create(
            from_account=member_account(association, "ACH"),
            to_account=place_account(place, "ACH"),
            amount=Money(40, "ACH"),
            period="monthly",
            day=1,
            start=first,
            memo="Salle de réunion du Cowork, chaque mois",
            actor=association.user,
            idempotency_key=ORDER_KEY,
            today=agreed.date(),
        )
    for due in due_dates(order, after=None, until=today):
        moment = min(_paris(due, 6), now)
        with demo_clock(moment):
            standing_order_run(order.pk, now=moment)
