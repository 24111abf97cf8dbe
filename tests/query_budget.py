"""Counting a page's queries, and growing what the pages list (tests/config/test_query_budgets.py).

The routes and the world are the access matrix's (tests/proofs/test_access_matrix.py: `all_routes`,
`classify`, `urls_for` and its `world` of two members with the same estate): every GET route, filled
with B's objects, is read by whoever that page is for (B for its own and the public pages, a place's
manager, a comptoir's clerk, staff, the auditor), and once more after `grow` gave each list five more
rows. A page whose count grew runs a query per row.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from djmoney.money import Money

from cooperative.services import requests as coop_requests
from crowdfunding.services.pledges import pledge_create
from crowdfunding.services.updates import campaign_update_post
from currency.services.conversions import conversion_create
from currency.services.payments import payment_request_create
from exchange.services.reviews import exchange_message_post
from ledger.export_requests import export_request
from ledger.services import hold_create, standing_order_create, transfer_create
from members.models import Member
from places.models import OpeningRule, PlaceManager, ResourcePrice
from places.services import booking_create
from tests.cooperative.helpers import share_class, shareholder_with_shares
from tests.crowdfunding.helpers import live_campaign
from tests.exchange.test_exchange_support import listing_of, propose
from tests.factories import MemberFactory, account_of, fund
from tests.places.booking_setup import booking_day, local, make_place
from timebank.services import service_record_create

# How many rows `grow` adds to each list: fewer than any page's page size, so a page showing them
# all shows five more rows, and its count of queries must not move.
MORE = 5


@dataclass(frozen=True)
class Measure:
    url: str
    viewer: str
    status: int
    queries: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.queries)


def measure(client: Client, url: str, viewer: str) -> Measure:
    """The queries of one GET (the caller's client has read a page before: its caches are warm)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return Measure(url, viewer, response.status_code, tuple(query["sql"] for query in captured.captured_queries))


def listing(queries: tuple[str, ...] | list[str], limit: int = 400) -> str:
    """The queries, the same statement counted once with its repeats (a query per row shows as ×N)."""
    counted = Counter(" ".join(sql.split())[:limit] for sql in queries)
    return "\n".join(f"  {'×' + str(n) if n > 1 else '  '} {sql}" for sql, n in counted.items())


def unbounded_reads(queries: tuple[str, ...], table: str) -> list[str]:
    """The reads of `table`'s rows with no LIMIT: what grows with the table. Counts, sums and
    distinct values aside, and the rows of a page's ids (`…_id" IN (1, 2, 3)`)."""
    return [
        sql
        for sql in queries
        if sql.lstrip().upper().startswith("SELECT")
        and f'FROM "{table}"' in sql
        and " LIMIT " not in sql
        and not any(word in sql for word in ("COUNT(", "SUM(", "EXISTS(", "SELECT DISTINCT"))
        and not re.search(r'id" IN \(\d', sql)
    ]


def clerk_of(world: Any) -> User:
    """A clerk of the world's comptoir (no staff rights: the comptoir's pages are theirs)."""
    clerk = User.objects.create_user("guichetiere", password="x")
    world.comptoir.staff.add(clerk)
    return clerk


def place_ready(world: Any) -> Member:
    """The public place of the world opened every day, its resource priced, booked once, and a
    manager of it; B's campaign backed once."""
    for weekday in range(7):
        OpeningRule.objects.create(place=world.place, weekday=weekday, opens=datetime.time(8), closes=datetime.time(20))
    ResourcePrice.objects.create(resource=world.resource, unit="ACH", amount=300)
    manager = MemberFactory(username="gerante", display_name="Gérante du Bocal")
    PlaceManager.objects.create(place=world.place, member=manager)
    guest = MemberFactory(username="hote", display_name="Hôte")
    fund(account_of(guest, "ACH"), "50")
    # One backer of B's campaign already: every list the pages show has a row before it grows.
    pledge_create(campaign=world.b.objects["campaign"], backer=guest, amount=Money("5", "ACH"), actor=guest.user)
    booking_create(
        resource=world.resource,
        member=guest,
        start=local(booking_day(3), 8),
        end=local(booking_day(3), 9),
        actor=guest.user,
    )
    return manager


def grow(world: Any, more: int = MORE) -> None:
    """`more` rows more in every list a page of the world shows (B's, the public ones, staff's)."""
    b = world.b.objects
    member = world.b.member
    b_ach = b["account"]
    room = b["booking"].resource
    for index in range(more):
        other = MemberFactory(username=f"grown{index}", display_name=f"Voisine {index}")
        fund(account_of(other, "ACH"), "100")
        other_ach = account_of(other, "ACH")
        transfer_create(
            from_account=other_ach, to_account=b_ach, amount=Money("1", "ACH"), memo="Pain", actor=other.user
        )
        transfer_create(
            from_account=b_ach, to_account=other_ach, amount=Money("1", "ACH"), memo="Œufs", actor=member.user
        )
        hold_create(
            from_account=b_ach, to_account=other_ach, amount=Money("1", "ACH"), memo="Acompte", actor=member.user
        )
        propose(b["listing"], other)
        exchange_message_post(exchange=b["exchange"], body=f"Message {index}", actor=member.user)
        pledge_create(campaign=b["campaign"], backer=other, amount=Money("5", "ACH"), actor=other.user)
        pledge_create(campaign=b["pledged_campaign"], backer=other, amount=Money("5", "ACH"), actor=other.user)
        campaign_update_post(campaign=b["campaign"], title=f"Nouvelles {index}", body="Ça avance.", actor=member.user)
        listing_of(other, title=f"Confiture {index}")
        live_campaign(other, title=f"Projet {index}")
        service_record_create(
            provider=member, receiver=other, hours=Money("0.5", "HRS"), description="Taille", actor=member.user
        )
        payment_request_create(
            payee_account=b_ach, amount=Money("1", "ACH"), memo=f"Facture {index}", actor=member.user
        )
        standing_order_create(
            from_account=b_ach,
            to_account=other_ach,
            amount=Money("1", "ACH"),
            period="monthly",
            day=1,
            start=timezone.localdate() + datetime.timedelta(days=1),
            memo="Loyer",
            actor=member.user,
        )
        day = booking_day(5)
        booking_create(
            resource=room,
            member=member,
            start=local(day, 8 + 2 * index),
            end=local(day, 9 + 2 * index),
            actor=member.user,
        )
        booking_create(
            resource=world.resource,
            member=other,
            start=local(booking_day(3), 10 + 2 * index),
            end=local(booking_day(3), 11 + 2 * index),
            actor=other.user,
        )
        conversion_create(
            comptoir=world.comptoir, member=other, amount=Money("20", "EUR"), payment_method="cash", actor=world.staff
        )
        shareholder_with_shares(world.cooperative, other)
        coop_requests.subscription_request_create(
            cooperative=world.cooperative,
            share_class=share_class(world.cooperative, "B"),
            quantity=1,
            actor=other.user,
        )
        export_request(kind="fec", parameters={"year": timezone.localdate().year - index - 1}, actor=world.auditor)
        make_place(f"Tiers-lieu {index}")
