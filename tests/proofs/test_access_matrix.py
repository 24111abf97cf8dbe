"""The access matrix: every route, every method, as a member on another's objects, an auditor, a stranger.

Routes come from the URL resolver (API and pages alike), so a route added later is called without
touching this file; but it must be classified in ROUTES below first, or the first test fails.

The world has two members with the same estate (accounts with money in ACH, HRS and GRN, a transfer,
a hold, an SEL listing with a photo and an exchange, a campaign with its tier, image, news and a
matching pool, a pledge, shares, a subscription and a redemption request, a reconversion, a payment
request, a service record, a conversion at a comptoir), a third member, Céleste, who is the other
side of each of their dealings (so A's and B's data never mention each other), an auditor
(`ledger.audit_ledger`, not staff) with an export, and the staff's own objects (a SEPA export).

Every URL is filled with B's objects and called with GET, POST, PUT, PATCH and DELETE:

- as A: a private object of B answers 403/404 (pages may also redirect), a public one may be read;
  no write succeeds, and not one row of any model changes (a hash of every row of every model,
  before and after each route). The writes a member legitimately makes on someone else's public
  object (pledging to B's campaign, proposing an exchange on B's listing, paying B's payment
  request through its link) are listed in ROUTES as A's own writes and are not called.
- the lists and pages of one's own things, read as A, show A's rows and none of B's.
- as the auditor: every GET of the API and of the audit pages answers 200; every write is refused
  and changes nothing (the exceptions are those of tests/ledger/test_auditor_read_only.py).
- as an anonymous client: the private API answers 401/403, the private pages redirect to login.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from djmoney.money import Money
from PIL import Image
from rest_framework.test import APIClient

from cooperative.models import ShareMovement
from cooperative.services import requests as coop_requests
from core.models import Notification
from crowdfunding.services.campaigns import campaign_image_add
from crowdfunding.services.pledges import pledge_create, pool_create
from crowdfunding.services.updates import campaign_update_post
from currency.models import Comptoir
from currency.services.conversions import conversion_create
from currency.services.payments import payment_request_create
from currency.services.reconversions import reconversion_approve, reconversion_request, sepa_export_create
from exchange.services import exchanges as exchange_services
from exchange.services.listings import listing_photo_add
from exchange.services.reviews import exchange_message_post
from ledger.export_requests import export_request
from ledger.services import hold_create, standing_order_create, transfer_create
from members.models import Commune, Member
from members.services import member_update, personal_data_export_request
from places.models import Place, Resource
from places.services import booking_create, booking_series_create
from tests.conftest import PASSWORD, account_of
from tests.cooperative.helpers import college, found_scic, share_class, shareholder_with_shares
from tests.crowdfunding.helpers import draft_campaign, live_campaign, moderator
from tests.currency.funding import give_ach
from tests.exchange.test_exchange_support import listing_of, propose
from tests.factories import auditor_user
from tests.places.booking_setup import booking_day, local, make_place, make_resource
from timebank.services import service_record_create

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")


# --- the routes -------------------------------------------------------------------------------


def template_of(pattern: str) -> str:
    """`api/^holds/(?P<pk>[^/.]+)/capture/$` → `api/holds/{pk}/capture/`; `<int:pk>` → `{pk}`."""
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern)
    text = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", text)
    return text.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")


def all_routes() -> list[str]:
    """Every URL pattern of the site, from the resolver itself (the Django admin's included)."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[str]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern)

    return sorted({template_of(route) for route in walk(get_resolver().url_patterns, "")})


# --- the world --------------------------------------------------------------------------------


def png() -> SimpleUploadedFile:
    data = io.BytesIO()
    Image.new("RGB", (8, 8), (40, 120, 200)).save(data, format="PNG")
    return SimpleUploadedFile("photo.png", data.getvalue(), content_type="image/png")


def make_auditor(username: str) -> User:
    return auditor_user(username)


@dataclass
class Estate:
    """One member's things, each private or public as the route table says."""

    member: Member
    marker: str  # in every private text of theirs: must never show in another's lists and pages
    objects: dict[str, Any]


def estate(
    member: Member,
    marker: str,
    celeste: Member,
    celeste_campaign: Any,
    cooperative: Any,
    clerk: User,
    room: Any = None,
    booking_hour: int = 10,
) -> Estate:
    """A member's whole estate, every dealing of it with Céleste (never with the other member)."""
    user = member.user
    give_ach(member, "200")
    ach, celeste_ach = account_of(member, "ACH"), account_of(celeste, "ACH")
    transfer = transfer_create(
        from_account=ach, to_account=celeste_ach, amount=Money("7", "ACH"), memo=f"{marker} transfer", actor=user
    )
    hold = hold_create(
        from_account=ach, to_account=celeste_ach, amount=Money("5", "ACH"), memo=f"{marker} hold", actor=user
    )
    listing = listing_of(member, title=f"{marker} listing")
    photo = listing_photo_add(listing=listing, actor=user, upload=png())
    exchange = exchange_services.exchange_accept(exchange=propose(listing, celeste), actor=user)
    exchange_message_post(exchange=exchange, body=f"{marker} message", actor=user)
    campaign = live_campaign(
        member, title=f"{marker} campaign", tiers=[{"title": f"{marker} tier", "minimum": Money("5", "ACH")}]
    )
    image = campaign_image_add(campaign=campaign, upload=png(), alt_text=f"{marker} image", actor=user)
    news = campaign_update_post(campaign=campaign, title=f"{marker} news", body="Ça avance.", actor=user)
    draft = draft_campaign(member, title=f"{marker} draft")
    pledge = pledge_create(campaign=celeste_campaign, backer=member, amount=Money("10", "ACH"), actor=user)
    pool = pool_create(campaign=celeste_campaign, sponsor=member, ratio="1", total_cap=Money("20", "ACH"), actor=user)
    holder = shareholder_with_shares(cooperative, member)
    movement = ShareMovement.objects.filter(cooperative=cooperative, to_shareholder=holder).get()
    subscription = coop_requests.subscription_request_create(
        cooperative=cooperative, share_class=share_class(cooperative, "B"), quantity=2, actor=user
    )
    redemption = coop_requests.redemption_request_create(
        shareholder=holder, share_class=share_class(cooperative, "B"), quantity=1, actor=user
    )
    reconversion = reconversion_request(member=member, amount=Money("10", "ACH"), actor=user)
    payment_request = payment_request_create(
        payee_account=ach, amount=Money("3", "ACH"), memo=f"{marker} payment request", actor=user
    )
    service = service_record_create(
        provider=member, receiver=celeste, hours=Money("1", "HRS"), description=f"{marker} service", actor=user
    )
    comptoir = Comptoir.objects.get()
    conversion = conversion_create(
        comptoir=comptoir, member=member, amount=Money("20", "EUR"), payment_method="cash", actor=clerk
    )
    standing_order = standing_order_create(
        from_account=ach,
        to_account=celeste_ach,
        amount=Money("2", "ACH"),
        period="monthly",
        day=1,
        start=timezone.localdate() + datetime.timedelta(days=1),
        memo=f"{marker} standing order",
        actor=user,
    )
    day = booking_day(3)
    booking = (
        booking_create(
            resource=room,
            member=member,
            start=local(day, booking_hour),
            end=local(day, booking_hour + 1),
            actor=user,
        )
        if room is not None
        else None
    )
    # A weekly series of one occurrence, a week after the booking, two hours later.
    series = (
        booking_series_create(
            resource=room,
            member=member,
            weekday=day.isoweekday(),
            start_time=datetime.time(booking_hour + 2),
            end_time=datetime.time(booking_hour + 3),
            first_date=day + datetime.timedelta(weeks=1),
            last_date=day + datetime.timedelta(weeks=1),
            actor=user,
        ).series
        if room is not None
        else None
    )
    return Estate(
        member=member,
        marker=marker,
        objects={
            "standing_order": standing_order,
            "booking": booking,
            "series": series,
            "account": ach,
            "transfer": transfer,
            "hold": hold,
            "listing": listing,
            "photo": photo,
            "exchange": exchange,
            "campaign": campaign,
            "image": image,
            "news": news,
            "draft": draft,
            "tier": campaign.tiers.get(),
            "pledge": pledge,
            "pool": pool,
            "pledged_campaign": celeste_campaign,
            "holder": holder,
            "movement": movement,
            "subscription": subscription,
            "redemption": redemption,
            "reconversion": reconversion,
            "payment_request": payment_request,
            "service": service,
            "conversion": conversion,
            # Told on the site of Céleste's proposal on the listing (its title carries the marker).
            "notification": Notification.objects.filter(recipient=user, kind="exchange_proposed").get(),
            "personal_data_export": personal_data_export_request(member=member, actor=user),
        },
    )


@dataclass
class World:
    a: Estate
    b: Estate
    celeste: Member
    auditor: User
    staff: User
    cooperative: Any
    comptoir: Comptoir
    export: Any
    sepa_export: Any
    place: Any = None  # a public tiers-lieu of the network and one of its resources (public catalogue)
    resource: Any = None
    # The bodies of body_for, built once per world (they name B's objects, which no route may change).
    bodies: dict[tuple[str, str], Any] | None = None


@pytest.fixture
def world(make_member, staff_user, worker_seen, settings) -> World:
    # A session's last visit (members.UserSession) is written every few minutes by a middleware: the
    # sweep, longer than that, would see it as a write of the route it happened to be on.
    settings.BOCAGE_SESSION_TOUCH_SECONDS = 10**9

    def business(username: str, name: str) -> Member:
        member = make_member(kind=Member.Kind.BUSINESS, username=username, display_name=name)
        return member_update(member=member, actor=None, iban="FR1420041010050500013M02606", bic="PSSTFRPPLIL")

    moderator()
    aurore = business("aurore", "Aurore Alpha")
    basile = business("basile", "Basile Bravo")
    celeste = make_member(username="celeste", display_name="Céleste")
    give_ach(celeste, "100")
    comptoir = Comptoir.objects.create(name="Comptoir des Achards", address="2 rue Michel-Breton, 85150 Les Achards")
    cooperative = found_scic()
    first = live_campaign(celeste, title="Céleste's first campaign")
    second = live_campaign(celeste, title="Céleste's second campaign")
    # A tiers-lieu whose meeting room A and B each booked (its managers are no one of the world).
    room = make_resource(make_place("La Cordée des Achards"), "Salle du conseil")
    a = estate(aurore, "Alphamark", celeste, first, cooperative, staff_user, room=room, booking_hour=10)
    b = estate(basile, "Bravomark", celeste, second, cooperative, staff_user, room=room, booking_hour=14)
    fournil = business("fournil", "Le Fournil")
    give_ach(fournil, "50")
    reconversion_approve(
        reconversion=reconversion_request(member=fournil, amount=Money("10", "ACH"), actor=fournil.user),
        actor=staff_user,
    )
    sepa = sepa_export_create(actor=staff_user)
    auditor = make_auditor("auditrice")
    export = export_request(kind="fec", parameters={"year": timezone.localdate().year}, actor=auditor)
    place = Place.objects.create(
        name="Le Bocal",
        kinds=["coworking"],
        commune=Commune.objects.get(name="Les Achards"),
        address="12 rue Georges-Clemenceau, 85150 Les Achards",
        latitude="46.616700",
        longitude="-1.649200",
        units=["ACH"],
    )
    resource = Resource.objects.create(place=place, name="Salle de réunion", kind="meeting_room")
    return World(
        a=a,
        b=b,
        celeste=celeste,
        auditor=auditor,
        staff=staff_user,
        cooperative=cooperative,
        comptoir=comptoir,
        export=export,
        sepa_export=sepa,
        place=place,
        resource=resource,
    )


# --- filling a route with B's objects ---------------------------------------------------------


def _heads(route: str) -> list[str]:
    return [part for part in route.split("/") if part and not part.startswith("{")]


def urls_for(route: str, world: World) -> list[str]:
    """The route with its parameters naming B's objects (one URL per `{action}` the view knows)."""
    from exchange.views.exchanges import BUTTONS
    from exchange.views.listings import ACTIONS

    b = world.b.objects
    heads = _heads(route.removeprefix("api/"))
    head = heads[0] if heads else ""
    pk: Any = {
        "accounts": b["account"].pk,
        "transactions": b["transfer"].pk,
        "holds": b["hold"].pk,
        "members": world.b.member.pk,
        "listings": b["listing"].pk,
        "marketplace": b["listing"].pk,
        "exchanges": b["exchange"].pk,
        "campaigns": b["campaign"].pk,
        "cooperatives": world.cooperative.pk,
        "reconversions": b["reconversion"].pk,
        "service-records": b["service"].pk,
        "comptoirs": world.comptoir.pk,
        "sepa-exports": world.sepa_export.pk,
        "audit": world.export.pk,
        "notifications": b["notification"].pk,
        "places": world.place.pk,
        "resources": world.resource.pk,
        "bookings": b["booking"].pk,
        "standing-orders": b["standing_order"].pk,
        "booking-series": b["series"].pk,
    }.get(head, 1)
    if head == "campaigns" and ("pledges" in heads or "matching-pools" in heads or "pools" in heads):
        pk = b["pledged_campaign"].pk  # B's pledge and pool are on Céleste's campaign
    if head in ("members", "me") and ("exports" in heads or "data" in heads):
        pk = b["personal_data_export"].pk  # B's copy of their personal data
    if head == "me" and "standing-orders" in heads:
        pk = b["standing_order"].pk  # B's standing order, behind A's "Mes ordres permanents" pages
    if head == "me" and "bookings" in heads:
        pk = b["booking"].pk  # B's booking, behind A's "Mes réservations" cancel page
    if head == "campaigns" and "withdraw" in heads:
        pk = b["pledged_campaign"].pk
    request_id = b["redemption"].pk if ("redemption-requests" in heads or "redemptions" in heads) else None
    values: dict[str, Any] = {
        "pk": pk,
        "account_id": b["account"].pk,
        "photo_id": b["photo"].pk,
        "tier_id": b["tier"].pk,
        "image_id": b["image"].pk,
        "pledge_id": b["pledge"].pk,
        "pool_id": b["pool"].pk,
        "rid": request_id or b["subscription"].pk,
        "request_id": request_id or b["subscription"].pk,
        "number": b["movement"].number,
        "token": b["payment_request"].token,
        "conversion_id": b["conversion"].pk,
        "comptoir_id": world.comptoir.pk,
        "reconversion_id": b["reconversion"].pk,
        "export_id": world.sepa_export.pk,
        "record_id": b["service"].pk,
        "listing_id": b["listing"].pk,
        "resource_id": world.resource.pk,
        "booking_id": b["booking"].pk,
        "holder_id": 1,
        "member_id": world.b.member.pk,
        "uidb64": "MQ",
        "path": "nothing.png",
        # the Django admin's own parameters
        "app_label": "ledger",
        "object_id": b["account"].pk,
        "id": world.b.member.user.pk,
        "content_type_id": 1,
        "url": "nothing",
    }
    if route.startswith("reset/") or route.startswith("accounts/reset/"):
        values["token"] = "set-password"
    if route.startswith("admin/"):
        values["pk"] = 1
    actions = [""]
    if "{action}" in route:
        actions = sorted(ACTIONS) if head == "marketplace" else sorted(BUTTONS)
    query = ""
    if route in ("api/resources/{pk}/availability/", "api/resources/{pk}/quote/"):  # a week from today: required
        today = timezone.now().replace(microsecond=0)
        query = f"?start={today:%Y-%m-%dT%H:%M:%SZ}&end={today + datetime.timedelta(days=7):%Y-%m-%dT%H:%M:%SZ}"
    urls = []
    for action in actions:
        filled = dict(values, action=action)
        urls.append("/" + re.sub(r"\{(\w+)\}", lambda match, filled=filled: str(filled[match.group(1)]), route) + query)
    return urls


# --- the classification -----------------------------------------------------------------------

PUBLIC = "public"  # anyone, anonymous included, may read
MEMBERS = "members"  # any logged-in user may read (the marketplace, profiles, the cooperatives)
OWN = "own"  # the caller's own things: lists, forms, dashboards (never another's rows)
PRIVATE = "private"  # someone's object: its owner or parties only (auditors read the API)
STAFF = "staff"  # staff, moderators, the cooperative's board, comptoir clerks (auditors read)
AUDIT = "audit"  # auditors and staff
LINK = "link"  # a payment request's link: whoever holds it may read it (it is a bearer capability)
SESSION = "session"  # logging in and out, passwords, language: about the caller's session only
ADMIN = "admin"  # the Django admin: staff only, everyone else is sent to its login page
OPS = "ops"  # health checks and metrics: restricted by network address, not by user; read-only


@dataclass(frozen=True)
class Route:
    access: str
    # Unsafe methods by which a member legitimately writes here on their own behalf (publishing a
    # listing, pledging to another's campaign, proposing an exchange on another's listing): not
    # called as A. Every other unsafe method is called as A, naming B's objects, and is refused.
    own_writes: frozenset[str] = frozenset()
    # For OWN routes: the answer lists the caller's rows, so A's marker must show (not only B's not).
    shows_rows: bool = False


def _r(access: str, *own_writes: str, rows: bool = False) -> Route:
    return Route(access, frozenset(own_writes), rows)


ROUTES: dict[str, Route] = {
    # --- API: ledger, members, authentication, schema
    "api/auth/token/": _r(SESSION),
    "api/tokens/": _r(OWN),  # one's own API tokens, never their keys
    "api/tokens/{pk}/": _r(PRIVATE),  # DELETE revokes one's own; another's is 404
    "api/members/me/tokens/": _r(OWN),  # the same list under the members' contract
    "api/members/me/tokens/{pk}/": _r(PRIVATE),  # DELETE revokes one's own; another's is 404
    "api/schema/": _r(PUBLIC),
    "api/docs/": _r(PUBLIC),
    "api/units/": _r(PUBLIC),
    "api/communes/": _r(PUBLIC),
    "api/transfers/": _r(OWN),  # POST from B's account: refused
    "api/accounts/": _r(OWN),  # the ids are checked, accounts carry no text
    "api/accounts/{pk}/": _r(PRIVATE),
    "api/accounts/{pk}/entries/": _r(PRIVATE),
    "api/transactions/{pk}/": _r(PRIVATE),
    "api/transactions/{pk}/reverse/": _r(STAFF),
    "api/holds/": _r(OWN, rows=True),  # POST from B's account: refused
    "api/holds/{pk}/": _r(PRIVATE),
    "api/holds/{pk}/capture/": _r(PRIVATE),
    "api/holds/{pk}/void/": _r(PRIVATE),
    "api/members/": _r(STAFF),
    "api/members/me/": _r(OWN, rows=True),
    "api/members/me/membership/": _r(OWN, "post"),
    "api/members/{pk}/close/": _r(STAFF),
    "api/members/me/close/": _r(OWN, "post"),  # leaving: one's own account only
    "api/audit-log/": _r(AUDIT),
    "api/audit/trial-balance/": _r(AUDIT),
    "api/audit/exports/": _r(AUDIT),
    "api/audit/exports/{pk}/": _r(AUDIT),
    "api/audit/exports/{pk}/file/": _r(AUDIT),
    # --- API: currency
    "api/conversions/": _r(OWN, rows=True),  # one's own conversions; recording one is for clerks
    "api/comptoirs/{pk}/cash-report/": _r(STAFF),
    "api/reconversions/": _r(OWN, "post", rows=True),
    "api/reconversions/{pk}/approve/": _r(STAFF),
    "api/reconversions/{pk}/reject/": _r(STAFF),
    "api/sepa-exports/": _r(STAFF),
    "api/sepa-exports/{pk}/xml": _r(STAFF),
    "api/payment-requests/": _r(OWN, "post", rows=True),
    "api/payment-requests/{token}/": _r(LINK),
    "api/payment-requests/{token}/pay/": _r(LINK),  # POST from B's account: refused
    "api/payment-requests/{token}/cancel/": _r(PRIVATE),
    "api/service-records/": _r(OWN, "post", rows=True),
    "api/service-records/{pk}/": _r(PRIVATE),
    "api/service-records/{pk}/confirm/": _r(PRIVATE),
    "api/service-records/{pk}/decline/": _r(PRIVATE),
    "api/volunteering-rewards/": _r(OWN),  # POST from B's time account: refused
    "api/volunteering-rewards/batch/": _r(OWN),  # POST from B's time account: refused
    "api/directory/": _r(PUBLIC),
    "api/transparency/": _r(PUBLIC),
    # --- API: the network of tiers-lieux (open data)
    "api/places/occupancy/": _r(PUBLIC),
    # --- API: the SEL marketplace
    "api/listings/": _r(MEMBERS, "post"),
    "api/listings/{pk}/": _r(MEMBERS),
    "api/listings/{pk}/pause/": _r(PRIVATE),
    "api/listings/{pk}/resume/": _r(PRIVATE),
    "api/listings/{pk}/close/": _r(PRIVATE),
    "api/listings/{pk}/hide/": _r(STAFF),
    "api/listings/{pk}/photos/": _r(PRIVATE),
    "api/listings/{pk}/photos/{photo_id}/": _r(PRIVATE),
    "api/exchanges/": _r(OWN, "post", rows=True),  # proposing on B's listing is what listings are for
    "api/exchanges/{pk}/": _r(PRIVATE),
    "api/exchanges/{pk}/accept/": _r(PRIVATE),
    "api/exchanges/{pk}/decline/": _r(PRIVATE),
    "api/exchanges/{pk}/cancel/": _r(PRIVATE),
    "api/exchanges/{pk}/deliver/": _r(PRIVATE),
    "api/exchanges/{pk}/confirm/": _r(PRIVATE),
    "api/exchanges/{pk}/dispute/": _r(PRIVATE),
    "api/exchanges/{pk}/resolve/": _r(STAFF),
    "api/exchanges/{pk}/messages/": _r(PRIVATE),
    "api/exchanges/{pk}/reviews/": _r(PRIVATE),
    # --- API: the places' bookings (a member books only for themself; places' managers act on theirs)
    "api/bookings/": _r(OWN, "post", rows=True),
    "api/bookings/counter/": _r(STAFF),  # a place's managers book for a guest who is not a member; staff
    "api/bookings/{pk}/": _r(PRIVATE),
    "api/bookings/{pk}/cancel/": _r(PRIVATE),
    "api/bookings/{pk}/check-in/": _r(PRIVATE),
    "api/bookings/{pk}/no-show/": _r(PRIVATE),
    # --- API: plans and carnets (what is on sale is public; a member subscribes and buys for themself)
    "api/plans/": _r(PUBLIC),
    "api/plans/{pk}/subscribe/": _r(MEMBERS, "post"),
    "api/pass-offers/": _r(PUBLIC),
    "api/passes/": _r(OWN, "post"),
    "api/subscriptions/{pk}/cancel/": _r(PRIVATE),
    # --- API: standing orders (the caller's as payer or payee; only the payer cancels)
    "api/standing-orders/": _r(OWN, rows=True),  # POST from B's account: refused
    "api/standing-orders/{pk}/": _r(PRIVATE),
    "api/standing-orders/{pk}/cancel/": _r(PRIVATE),
    # A weekly series: a member books only for themself; its member, the place's managers, staff read it.
    "api/places/resources/{pk}/series/": _r(MEMBERS, "post"),
    "api/booking-series/{pk}/": _r(PRIVATE),
    "api/booking-series/{pk}/cancel/": _r(PRIVATE),
    # --- API: crowdfunding
    "api/campaigns/": _r(PUBLIC, "post"),
    "api/campaigns/mine/": _r(OWN, rows=True),
    "api/campaigns/moderation/": _r(STAFF),
    "api/campaigns/{pk}/": _r(PUBLIC),
    "api/campaigns/{pk}/submit/": _r(PRIVATE),
    "api/campaigns/{pk}/approve/": _r(STAFF),
    "api/campaigns/{pk}/send-back/": _r(STAFF),
    "api/campaigns/{pk}/cancel/": _r(STAFF),
    "api/campaigns/{pk}/tiers/": _r(PUBLIC),
    "api/campaigns/{pk}/tiers/{tier_id}/": _r(PRIVATE),
    "api/campaigns/{pk}/images/": _r(PRIVATE),
    "api/campaigns/{pk}/images/{image_id}/": _r(PRIVATE),
    "api/campaigns/{pk}/updates/": _r(PUBLIC),
    "api/campaigns/{pk}/pledges/": _r(OWN, "post"),  # backing another's campaign is what campaigns are for
    "api/campaigns/{pk}/pledges/{pledge_id}/": _r(PRIVATE),
    "api/campaigns/{pk}/pledges/{pledge_id}/delivered/": _r(PRIVATE),
    "api/campaigns/{pk}/matching-pools/": _r(PUBLIC),  # POST naming B as the sponsor: refused
    "api/campaigns/{pk}/matching-pools/{pool_id}/close/": _r(PRIVATE),
    # --- API: the cooperative
    "api/cooperatives/": _r(MEMBERS),
    "api/cooperatives/{pk}/": _r(MEMBERS),
    "api/cooperatives/{pk}/register/": _r(STAFF),
    "api/cooperatives/{pk}/holdings/": _r(STAFF),
    "api/cooperatives/{pk}/capital/": _r(STAFF),
    "api/cooperatives/{pk}/colleges/": _r(STAFF),
    "api/cooperatives/{pk}/shareholders/": _r(STAFF),
    "api/cooperatives/{pk}/voters/": _r(STAFF),
    "api/cooperatives/{pk}/assembly/tally/": _r(STAFF),
    "api/cooperatives/{pk}/share-classes/": _r(STAFF),
    "api/cooperatives/{pk}/transfers/": _r(STAFF),
    "api/cooperatives/{pk}/subscriptions/": _r(STAFF),
    "api/cooperatives/{pk}/movements/{number}/cancel/": _r(STAFF),
    "api/cooperatives/{pk}/my-shares/": _r(OWN),
    "api/cooperatives/{pk}/subscription-requests/": _r(OWN, "post", rows=True),
    "api/cooperatives/{pk}/subscription-requests/{rid}/": _r(PRIVATE),
    "api/cooperatives/{pk}/subscription-requests/{rid}/cancel/": _r(PRIVATE),
    "api/cooperatives/{pk}/subscription-requests/{rid}/approve/": _r(STAFF),
    "api/cooperatives/{pk}/subscription-requests/{rid}/reject/": _r(STAFF),
    "api/cooperatives/{pk}/subscription-requests/{rid}/pay/": _r(STAFF),
    "api/cooperatives/{pk}/redemption-requests/": _r(OWN, rows=True),  # POST for B's holding: refused
    "api/cooperatives/{pk}/redemption-requests/{rid}/": _r(PRIVATE),
    "api/cooperatives/{pk}/redemption-requests/{rid}/approve/": _r(STAFF),
    "api/cooperatives/{pk}/redemption-requests/{rid}/reject/": _r(STAFF),
    "api/cooperatives/{pk}/redemption-requests/{rid}/pay/": _r(STAFF),
    # --- API: the network of tiers-lieux (the public catalogue: no personal data)
    "api/places/": _r(PUBLIC),
    "api/places/geojson/": _r(PUBLIC),
    "api/places/{pk}/": _r(PUBLIC),
    "api/resources/": _r(PUBLIC),
    "api/resources/{pk}/": _r(PUBLIC),
    "api/resources/{pk}/availability/": _r(PUBLIC),  # busy times only, never who booked
    "api/resources/{pk}/quote/": _r(OWN),  # what the caller's own credits and money would pay
    # --- pages: session and ledger
    "accounts/login/": _r(SESSION),
    "accounts/logout/": _r(SESSION),
    "accounts/password_change/": _r(SESSION),
    "accounts/password_change/done/": _r(SESSION),
    "accounts/password_reset/": _r(SESSION),
    "accounts/password_reset/done/": _r(SESSION),
    "accounts/reset/{uidb64}/{token}/": _r(SESSION),
    "accounts/reset/done/": _r(SESSION),
    "i18n/setlang/": _r(SESSION),
    # A visitor gets the public home; a logged-in caller their own dashboard (balances, no texts),
    # read as A by the OWN test too (PUBLIC_AND_OWN).
    "": _r(PUBLIC),
    "pay/": _r(OWN, "post"),  # the payer is always the caller
    "accounts/{account_id}/statement/": _r(PRIVATE),
    "accounts/{account_id}/statement.csv": _r(PRIVATE),
    "membership/": _r(OWN, "post"),
    "members/new/": _r(STAFF),  # an administrator creates a member (the page of POST /api/members/)
    "members/import/": _r(STAFF),  # an administrator imports members from a CSV file
    "members/import/template.csv": _r(STAFF),
    "members/import/report.csv": _r(STAFF),  # the caller's own last import report, kept in the session
    # Joining online: the form and its pages are public (a logged-in caller is sent home); the
    # mail's link with a token of nobody's answers 404; the welcome page is the caller's own.
    "join/": _r(PUBLIC),
    "join/sent/": _r(PUBLIC),
    "join/confirm/{token}/": _r(PUBLIC),
    "join/welcome/": _r(OWN),
    "terms/": _r(PUBLIC),
    # Accepting a new version of the terms: the caller's own consent; with none due (as here) it
    # sends the caller on and records nothing.
    "terms/accept/": _r(SESSION),
    "membership/applications/": _r(STAFF),
    "membership/applications/{pk}/approve/": _r(STAFF),
    "membership/applications/{pk}/refuse/": _r(STAFF),
    "membership/members/{member_id}/waive/": _r(STAFF),
    "membership/members/{member_id}/paid-in-euros/": _r(STAFF),
    "membership/members/{member_id}/leaving/": _r(STAFF),  # writing off a leaving member's hours
    "me/close/": _r(OWN, "post"),  # leaving: one's own account only
    "me/close/gift/": _r(OWN, "post"),  # the gift from one's own account
    "me/close/goodbye/": _r(PUBLIC),
    "audit/": _r(AUDIT),
    "audit/log/": _r(AUDIT),
    "audit/log.csv": _r(AUDIT),
    "audit/trial-balance/": _r(AUDIT),
    "audit/trial-balance.csv": _r(AUDIT),
    "audit/accounts/": _r(AUDIT),
    "audit/accounts/{account_id}/": _r(AUDIT),
    "audit/accounts/{account_id}/statement.csv": _r(AUDIT),
    "audit/accounts/{account_id}/statement.pdf": _r(AUDIT),
    "audit/exports/": _r(AUDIT),
    "audit/exports/new/": _r(AUDIT),
    "audit/exports/{pk}/": _r(AUDIT),
    "audit/exports/{pk}/download/": _r(AUDIT),
    "audit/exports/{pk}/status/": _r(AUDIT),  # the export page's progress, polled
    # --- pages: currency
    "comptoir/": _r(STAFF),
    "comptoir/conversions/{conversion_id}/receipt/": _r(STAFF),
    "comptoir/{comptoir_id}/report/": _r(STAFF),
    "comptoir/membership/": _r(STAFF),  # a clerk records a membership paid in euros at their comptoir
    "reconversion/": _r(OWN, "post"),
    "reconversion/{reconversion_id}/approve/": _r(STAFF),
    "reconversion/{reconversion_id}/reject/": _r(STAFF),
    "reconversion/export/": _r(STAFF),
    "reconversion/exports/{export_id}.xml": _r(STAFF),
    "payments/": _r(OWN, "post", rows=True),
    "payments/{token}/": _r(PRIVATE),
    "payments/{token}/cancel/": _r(PRIVATE),
    "pay/r/{token}/": _r(LINK, "post"),  # paying B's request from one's own account is its purpose
    "timebank/": _r(OWN, "post", rows=True),
    "timebank/records/{record_id}/confirm/": _r(PRIVATE),
    "timebank/records/{record_id}/decline/": _r(PRIVATE),
    "public/directory/": _r(PUBLIC),
    "public/transparency/": _r(PUBLIC),
    # --- pages: the portal's footer pages
    "accessibility/": _r(PUBLIC),
    # --- the installable app: its manifest, service worker and offline page
    "manifest.webmanifest": _r(PUBLIC),
    "sw.js": _r(PUBLIC),
    "offline/": _r(PUBLIC),
    "legal-notice/": _r(PUBLIC),
    "privacy/": _r(PUBLIC),
    "site-map/": _r(PUBLIC),  # a logged-in caller's menu besides the public pages: links only
    "contact/": _r(PUBLIC),
    # --- pages: the marketplace and exchanges
    "marketplace/": _r(MEMBERS),
    "marketplace/new/": _r(OWN, "post"),
    "marketplace/mine/": _r(OWN, rows=True),
    "marketplace/{pk}/": _r(MEMBERS),
    "marketplace/{pk}/edit/": _r(PRIVATE),
    "marketplace/{pk}/moderate/": _r(STAFF),
    "marketplace/{pk}/photos/{photo_id}/delete/": _r(PRIVATE),
    "marketplace/{pk}/{action}/": _r(PRIVATE),
    "exchanges/": _r(OWN, rows=True),
    "exchanges/propose/{listing_id}/": _r(MEMBERS, "post"),
    "exchanges/{pk}/": _r(PRIVATE),
    "exchanges/{pk}/dispute/": _r(PRIVATE),
    "exchanges/{pk}/resolve/": _r(STAFF),
    "exchanges/{pk}/messages/": _r(PRIVATE),
    "exchanges/{pk}/review/": _r(PRIVATE),
    "exchanges/{pk}/{action}/": _r(PRIVATE),
    "members/{pk}/": _r(MEMBERS),
    # --- pages: crowdfunding
    "campaigns/": _r(PUBLIC),
    "campaigns/new/": _r(OWN, "post"),
    "campaigns/mine/": _r(OWN, rows=True),
    "campaigns/moderation/": _r(STAFF),
    "campaigns/{pk}/": _r(PUBLIC),
    "campaigns/{pk}/edit/": _r(PRIVATE),
    "campaigns/{pk}/submit/": _r(PRIVATE),
    "campaigns/{pk}/tiers/new/": _r(PRIVATE),
    "campaigns/{pk}/tiers/{tier_id}/edit/": _r(PRIVATE),
    "campaigns/{pk}/tiers/{tier_id}/delete/": _r(PRIVATE),
    "campaigns/{pk}/images/new/": _r(PRIVATE),
    "campaigns/{pk}/images/{image_id}/delete/": _r(PRIVATE),
    "campaigns/{pk}/back/": _r(MEMBERS, "post"),
    "campaigns/{pk}/withdraw/": _r(PRIVATE),  # A has no pledge there: nothing of A's to withdraw
    "campaigns/{pk}/pools/new/": _r(MEMBERS, "post"),  # sponsoring is open to members (as themselves)
    "campaigns/{pk}/pools/{pool_id}/close/": _r(PRIVATE),
    "campaigns/{pk}/dashboard/": _r(PRIVATE),
    "campaigns/{pk}/backers.csv": _r(PRIVATE),
    "campaigns/{pk}/pledges/{pledge_id}/delivered/": _r(PRIVATE),
    "campaigns/{pk}/updates/new/": _r(PRIVATE),
    "campaigns/{pk}/moderation/approve/": _r(STAFF),
    "campaigns/{pk}/moderation/send-back/": _r(STAFF),
    "campaigns/{pk}/moderation/cancel/": _r(STAFF),
    "campaigns/{pk}/moderation/close-now/": _r(STAFF),
    # --- pages: the cooperative
    "cooperatives/": _r(PUBLIC),
    "cooperatives/{pk}/": _r(PUBLIC),
    "cooperatives/{pk}/subscribe/": _r(OWN, "post"),
    "cooperatives/{pk}/my-shares/": _r(OWN),
    "cooperatives/{pk}/my-shares/redeem/": _r(OWN, "post"),
    "cooperatives/{pk}/my-shares/requests/{request_id}/cancel/": _r(PRIVATE),
    "cooperatives/{pk}/certificates/{number}.pdf": _r(PRIVATE),
    "cooperatives/{pk}/approvals/": _r(STAFF),
    "cooperatives/{pk}/subscriptions/{request_id}/approve/": _r(STAFF),
    "cooperatives/{pk}/subscriptions/{request_id}/reject/": _r(STAFF),
    "cooperatives/{pk}/subscriptions/{request_id}/pay/": _r(STAFF),
    "cooperatives/{pk}/redemptions/{request_id}/approve/": _r(STAFF),
    "cooperatives/{pk}/redemptions/{request_id}/reject/": _r(STAFF),
    "cooperatives/{pk}/redemptions/{request_id}/pay/": _r(STAFF),
    "cooperatives/{pk}/register/": _r(STAFF),
    "cooperatives/{pk}/register/{number}/cancel/": _r(STAFF),
    "cooperatives/{pk}/register.csv": _r(STAFF),
    "cooperatives/{pk}/register.pdf": _r(STAFF),
    "cooperatives/{pk}/holdings/": _r(STAFF),
    "cooperatives/{pk}/holdings.csv": _r(STAFF),
    "cooperatives/{pk}/capital/": _r(STAFF),
    "cooperatives/{pk}/colleges/": _r(STAFF),
    "cooperatives/{pk}/shareholders/": _r(STAFF),
    "cooperatives/{pk}/transfer/": _r(STAFF),
    "cooperatives/{pk}/assembly/": _r(STAFF),
    # --- the Django admin (its model pages are classified by the prefix rule below) and media
    "admin/login/": _r(SESSION),
    "admin/logout/": _r(SESSION),
    # --- operations and the second factor
    "healthz": _r(OPS),
    "readyz": _r(OPS),
    "metrics": _r(OPS),
    "members/search/": _r(MEMBERS),  # the member picker: names and communes of active members, no username
    # --- one's personal data (RGPD): the copy is one's own, another's export is 404
    "me/data/": _r(OWN),
    "me/data/request/": _r(OWN, "post"),
    "me/data/{pk}/status/": _r(PRIVATE),
    "me/data/{pk}/download/": _r(PRIVATE),
    "api/members/me/exports/": _r(OWN, "post"),
    "api/members/me/exports/{pk}/": _r(PRIVATE),
    "security/": _r(SESSION),
    "security/tokens/": _r(OWN),  # POST revokes one of one's own tokens
    "security/sessions/": _r(OWN),  # POST ends one of one's own sessions (another's is 404), or all but this one
    "me/profile/": _r(OWN, "post"),  # one's own details, IBAN and e-mail change; no member: a page saying so
    "me/email/confirm/": _r(SESSION),  # the signed link changes the caller's own address, only theirs
    "security/verify/": _r(SESSION),
    "security/enrol/": _r(SESSION),
    "security/backup-codes/": _r(SESSION),
    # --- notifications on the site and the e-mail choices
    "notifications/": _r(OWN, rows=True),
    "notifications/read/": _r(OWN, "post"),  # marks all of one's own read
    "notifications/preferences/": _r(OWN, "post"),
    "notifications/{pk}/open/": _r(PRIVATE),
    "notifications/{pk}/read/": _r(PRIVATE),
    # --- pages: the network of tiers-lieux (places/views)
    "places/": _r(PUBLIC),  # the directory and its map: public places only
    "places/search/": _r(PUBLIC),  # free resources across the network: times and seats, no names
    "places/{pk}/": _r(PUBLIC),  # a place not public yet: 404 but for its managers and staff
    "places/{pk}/week/": _r(PUBLIC),
    "places/resources/{resource_id}/book/": _r(MEMBERS, "post"),  # booking for oneself is its purpose
    "places/resources/{resource_id}/book/weekly/": _r(MEMBERS, "post"),  # a weekly series for oneself
    "places/resources/{pk}/busy.ics": _r(PUBLIC),  # busy times, never a name
    "calendar/{token}.ics": _r(PUBLIC),  # a bearer link (the token is the key); an unknown token is 404
    "me/bookings/": _r(OWN),
    "me/standing-orders/": _r(OWN, rows=True),
    "me/standing-orders/new/": _r(OWN),  # a form posted empty: refused, nothing written
    "me/standing-orders/{pk}/": _r(PRIVATE),
    "me/standing-orders/{pk}/cancel/": _r(PRIVATE),
    "me/bookings/calendar/": _r(OWN, "post"),  # a new private link to one's own calendar
    "me/bookings/{pk}/cancel/": _r(PRIVATE),
    "me/passes/": _r(OWN),
    "me/passes/plans/{pk}/cancel/": _r(PRIVATE),
    "places/plans/{pk}/subscribe/": _r(MEMBERS, "post"),  # subscribing for oneself is its purpose
    "places/carnets/{pk}/buy/": _r(MEMBERS, "post"),  # buying for oneself is its purpose
    "me/check-in/": _r(OWN),  # one's own check-in code (a QR code), nothing of anyone else
    # A scanned check-in code: the place's managers (404 for anyone else; 400 for a code not valid).
    "places/check-in/{token}/": _r(STAFF),
    "places/manage/": _r(STAFF),  # a place's managers (a role on that place only) and staff
    "places/{pk}/manage/": _r(STAFF),
    "places/{pk}/manage/bookings/{booking_id}/{action}/": _r(STAFF),
    "places/{pk}/manage/counter/": _r(STAFF),
    "places/{pk}/qualifications/": _r(STAFF),
    "places/{pk}/qualifications/{holder_id}/revoke/": _r(STAFF),
    "places/{pk}/photos/": _r(STAFF),  # its photos: the place's managers and staff
    "places/{pk}/photos/{photo_id}/delete/": _r(STAFF),
}
# Every route under admin/ is the Django admin's: admin.site.admin_view wraps each of them. media/
# exists only with DEBUG on (uploaded photos, public like the listings and campaigns they illustrate).
PREFIX_RULES = {"admin/": _r(ADMIN), "media/": _r(PUBLIC)}


def classify(route: str) -> Route | None:
    if route in ROUTES:
        return ROUTES[route]
    for prefix, rule in PREFIX_RULES.items():
        if route.startswith(prefix):
            return rule
    return None


# --- what A sends: bodies the rightful user would see accepted, naming B's objects ------------


def body_for(method: str, route: str, world: World) -> tuple[Any, str]:
    """A body naming B's accounts and objects, so a refusal is a refusal of access, not of form."""
    if world.bodies is None:
        # Built once: the objects they name are B's and A's, which the sweep proves unchanged
        # (call() rewinds the uploaded files before each use).
        world.bodies = all_bodies(world)
    body = world.bodies.get((method, route), {})
    return body if isinstance(body, tuple) else (body, "json" if route.startswith("api/") else "multipart")


def all_bodies(world: World) -> dict[tuple[str, str], Any]:
    """Every route's body (method, route) → a dict, or (dict, format)."""
    b, a = world.b.objects, world.a.objects
    cooperative = world.cooperative
    today = timezone.localdate().isoformat()
    users = college(cooperative, "Usagers").pk
    b_ach = b["account"].pk
    bodies: dict[tuple[str, str], Any] = {
        ("post", "api/transfers/"): {"from_account": b_ach, "to_account": a["account"].pk, "amount": "1.00"},
        ("post", "api/holds/"): {"from_account": b_ach, "to_account": a["account"].pk, "amount": "1.00"},
        ("post", "api/standing-orders/"): {
            "from_account": b_ach,
            "to_account": a["account"].pk,
            "amount": "1.00",
            "period": "monthly",
            "day": 1,
            "start": today,
        },
        ("post", "api/holds/{pk}/capture/"): {"amount": "1.00"},
        ("post", "api/transactions/{pk}/reverse/"): {"memo": "Erreur"},
        ("post", "api/members/"): {
            "username": "newcomer",
            "password": PASSWORD,
            "display_name": "Nouvelle",
            "kind": "individual",
        },
        ("post", "api/conversions/"): {
            "comptoir": world.comptoir.pk,
            "member": world.a.member.pk,
            "amount": "10.00",
            "payment_method": "cash",
        },
        ("post", "api/reconversions/{pk}/reject/"): {"reason": "Non"},
        ("post", "api/payment-requests/{token}/pay/"): {"from_account": b_ach},
        ("post", "api/volunteering-rewards/"): {
            "association_account": account_of(world.b.member, "HRS").pk,
            "member_account": account_of(world.a.member, "HRS").pk,
            "hours": "1.00",
            "description": "Buvette",
        },
        ("post", "api/volunteering-rewards/batch/"): {
            "association_account": account_of(world.b.member, "HRS").pk,
            "rewards": [
                {"member_account": account_of(world.a.member, "HRS").pk, "hours": "1.00", "description": "Buvette"}
            ],
        },
        ("put", "api/listings/{pk}/"): {"title": "Changé", "description": "Changé"},
        ("patch", "api/listings/{pk}/"): {"title": "Changé"},
        ("post", "api/listings/{pk}/hide/"): {"reason": "Abus"},
        ("post", "api/listings/{pk}/photos/"): ({"image": png()}, "multipart"),
        ("post", "api/exchanges/{pk}/dispute/"): {"reason": "Rien reçu"},
        ("post", "api/exchanges/{pk}/messages/"): {"body": "Bonjour"},
        ("post", "api/exchanges/{pk}/resolve/"): {"outcome": "void"},
        ("post", "api/exchanges/{pk}/reviews/"): {"rating": 5},
        ("post", "api/bookings/{pk}/cancel/"): {"reason": "Annulé"},
        ("patch", "api/campaigns/{pk}/"): {"title": "Changé"},
        ("put", "api/campaigns/{pk}/"): {"title": "Changé"},
        ("post", "api/campaigns/{pk}/approve/"): {"comment": "OK"},
        ("post", "api/campaigns/{pk}/send-back/"): {"comment": "Non"},
        ("post", "api/campaigns/{pk}/cancel/"): {"reason": "Non"},
        ("post", "api/campaigns/{pk}/tiers/"): {"title": "Badge", "minimum": "2.00"},
        ("patch", "api/campaigns/{pk}/tiers/{tier_id}/"): {"title": "Changé"},
        ("put", "api/campaigns/{pk}/tiers/{tier_id}/"): {"title": "Changé", "minimum": "2.00"},
        ("post", "api/campaigns/{pk}/images/"): ({"image": png(), "alt_text": "Atelier"}, "multipart"),
        ("post", "api/campaigns/{pk}/updates/"): {"title": "Nouvelles", "body": "Ça avance"},
        ("patch", "api/campaigns/{pk}/pledges/{pledge_id}/"): {"amount": "6.00"},
        ("put", "api/campaigns/{pk}/pledges/{pledge_id}/"): {"amount": "6.00"},
        ("post", "api/campaigns/{pk}/pledges/{pledge_id}/delivered/"): {"delivered": True},
        ("post", "api/campaigns/{pk}/matching-pools/"): {
            "ratio": "1",
            "total_cap": "10.00",
            "sponsor": world.b.member.pk,
        },
        ("post", "api/cooperatives/"): {
            "name": "SCOP du Bocage",
            "legal_form": "scop",
            "siren": "552100554",
            "seat_address": "Les Achards",
        },
        ("post", "api/cooperatives/{pk}/assembly/tally/"): {"votes": {}},
        ("put", "api/cooperatives/{pk}/colleges/"): {
            "colleges": [
                {"name": n, "weight": w} for n, w in [("Salariés", 40), ("Usagers", 30), ("Collectivités", 30)]
            ]
        },
        ("post", "api/cooperatives/{pk}/movements/{number}/cancel/"): {"reason": "Erreur", "board_decision": "CA"},
        ("post", "api/cooperatives/{pk}/share-classes/"): {"code": "C", "name": "Partenaires", "nominal_value": "50"},
        ("post", "api/cooperatives/{pk}/shareholders/"): {"member": world.celeste.pk, "college": users},
        ("post", "api/cooperatives/{pk}/transfers/"): {
            "from_shareholder": b["holder"].pk,
            "to_shareholder": world.a.objects["holder"].pk,
            "share_class": share_class(cooperative, "B").pk,
            "quantity": 1,
            "board_decision": "CA",
        },
        ("post", "api/cooperatives/{pk}/subscriptions/"): {
            "shareholder": world.a.objects["holder"].pk,
            "share_class": share_class(cooperative, "B").pk,
            "quantity": 1,
            "board_decision": "CA",
        },
        ("post", "api/cooperatives/{pk}/subscription-requests/{rid}/approve/"): {"board_decision": "CA"},
        ("post", "api/cooperatives/{pk}/subscription-requests/{rid}/reject/"): {"reason": "Non"},
        ("post", "api/cooperatives/{pk}/subscription-requests/{rid}/pay/"): {"paid_on": today},
        ("post", "api/cooperatives/{pk}/redemption-requests/"): {
            "share_class": share_class(cooperative, "B").pk,
            "quantity": 1,
            "shareholder": b["holder"].pk,
        },
        ("post", "api/cooperatives/{pk}/redemption-requests/{rid}/approve/"): {"board_decision": "CA"},
        ("post", "api/cooperatives/{pk}/redemption-requests/{rid}/reject/"): {"reason": "Non"},
        ("post", "api/cooperatives/{pk}/redemption-requests/{rid}/pay/"): {"paid_on": today},
        # pages: the forms' fields
        ("post", "marketplace/{pk}/edit/"): {"title": "Changé", "description": "Changé", "kind": "offer"},
        ("post", "marketplace/{pk}/moderate/"): {"action": "hide", "reason": "Abus"},
        ("post", "exchanges/{pk}/dispute/"): {"reason": "Rien reçu"},
        ("post", "exchanges/{pk}/resolve/"): {"outcome": "void"},
        ("post", "exchanges/{pk}/messages/"): {"body": "Bonjour"},
        ("post", "exchanges/{pk}/review/"): {"rating": 5},
        ("post", "campaigns/{pk}/edit/"): {"title": "Changé"},
        ("post", "campaigns/{pk}/tiers/new/"): {"title": "Badge", "minimum": "2.00"},
        ("post", "campaigns/{pk}/tiers/{tier_id}/edit/"): {"title": "Changé", "minimum": "2.00"},
        ("post", "campaigns/{pk}/images/new/"): {"image": png(), "alt_text": "Atelier"},
        ("post", "campaigns/{pk}/updates/new/"): {"title": "Nouvelles", "body": "Ça avance"},
        ("post", "campaigns/{pk}/moderation/send-back/"): {"comment": "Non"},
        ("post", "campaigns/{pk}/moderation/cancel/"): {"reason": "Non"},
        ("post", "cooperatives/{pk}/subscriptions/{request_id}/approve/"): {"board_decision": "CA"},
        ("post", "cooperatives/{pk}/subscriptions/{request_id}/reject/"): {"reason": "Non"},
        ("post", "cooperatives/{pk}/subscriptions/{request_id}/pay/"): {"paid_on": today},
        ("post", "cooperatives/{pk}/redemptions/{request_id}/approve/"): {"board_decision": "CA"},
        ("post", "cooperatives/{pk}/redemptions/{request_id}/reject/"): {"reason": "Non"},
        ("post", "cooperatives/{pk}/redemptions/{request_id}/pay/"): {"paid_on": today},
        ("post", "cooperatives/{pk}/register/{number}/cancel/"): {"reason": "Erreur", "board_decision": "CA"},
        ("post", "cooperatives/{pk}/transfer/"): {
            "from_shareholder": b["holder"].pk,
            "to_shareholder": world.a.objects["holder"].pk,
            "share_class": share_class(cooperative, "B").pk,
            "quantity": 1,
            "board_decision": "CA",
        },
        ("post", "reconversion/{reconversion_id}/reject/"): {"reason": "Non"},
        ("post", "comptoir/"): {"member": world.a.member.pk, "amount": "10.00", "payment_method": "cash"},
        ("post", "comptoir/membership/"): {
            "comptoir": world.comptoir.pk,
            "member": world.a.member.pk,
            "payment_method": "cash",
            "idempotency_key": "matrix",
        },
        ("post", "audit/exports/new/"): {"kind": "fec", "year": timezone.localdate().year},
        ("post", "api/audit/exports/"): {"kind": "fec", "year": timezone.localdate().year},
    }
    return bodies


# --- the whole database, row by row -----------------------------------------------------------


def database_fingerprint() -> dict[str, str]:
    """A hash of every row of every model (django.apps.get_models): catches an insert, a delete, an update."""
    fingerprint = {}
    for model in apps.get_models():
        digest = hashlib.sha256()
        for row in model._base_manager.order_by("pk").values_list():
            digest.update(repr(row).encode())
        fingerprint[model._meta.label] = digest.hexdigest()
    return fingerprint


def rows_written() -> int | None:
    """How many rows this connection has inserted, updated or deleted so far (triggers included,
    rolled-back savepoints too), or None where the database cannot say.

    The test client answers in the test's own thread, so every write of a route is on this
    connection: while the count stands still no row changed, and the sweep may skip re-hashing the
    whole database. When it moved, the fingerprint still names the tables (or proves the writes
    were rolled back)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT total_changes()")
        elif connection.vendor == "postgresql":
            # This transaction's counts so far (the test runs in one transaction).
            cursor.execute("SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_all_tables")
        else:
            return None
        return int(cursor.fetchone()[0])


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(label for label in before if before[label] != after[label])


def call(client: Any, method: str, url: str, body: Any, fmt: str, api: bool) -> Any:
    extra: dict[str, Any] = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}  # the money routes require one
    if isinstance(body, dict):
        for value in body.values():
            if hasattr(value, "seek"):
                value.seek(0)
    if method == "get":
        return client.get(url)
    if api:
        if method == "delete":
            return client.delete(url, **extra)
        return getattr(client, method)(url, body, format=fmt, **extra)
    if method == "post":
        return client.post(url, body, **extra)
    return getattr(client, method)(url, **extra)


# --- what each caller must get ----------------------------------------------------------------

API_REFUSED = {403, 404, 405}
PAGE_REFUSED = {302, 403, 404, 405}  # a page may refuse with a message and a redirect
ANONYMOUS_API_REFUSED = {401, 403}

# Auditors read every GET of the API; these answer otherwise, for the reason given.
AUDITOR_GET_EXCEPTIONS = {
    "api/members/me/": "an auditor who is no member has no member record (404)",
    "api/audit/exports/{pk}/file/": "the export is still queued: no file yet (404)",
    "api/members/me/exports/{pk}/": "an auditor who is no member has no personal data export (403 not_a_member)",
    "audit/exports/{pk}/download/": "the export is still queued: no file yet (404)",
}
# Writes an auditor may make (tests/ledger/test_auditor_read_only.py says why), and what they may write.
AUDITOR_WRITES = {
    ("post", "api/cooperatives/{pk}/assembly/tally/"): (),  # a computation that records nothing
    ("post", "api/audit/exports/"): ("ledger.ExportJob",),
    ("post", "audit/exports/new/"): ("ledger.ExportJob",),
}
# Refused by a business rule rather than by a permission: no member, so no business, may reconvert.
AUDITOR_REFUSED_BY_RULE = {("post", "api/reconversions/"): (422, "reconversion_businesses_only")}


def has_get(response: Any) -> bool:
    """Whether the route's view answers GET at all (an action route answers only POST)."""
    view = response.resolver_match.func
    actions = getattr(view, "actions", None)  # a viewset's route: its method → action mapping
    if actions is not None:
        return "get" in actions
    view_class = getattr(view, "cls", None) or getattr(view, "view_class", None)
    return view_class is None or hasattr(view_class, "get")


def login_redirect(response: Any, route: str) -> bool:
    target = "/admin/login/" if route.startswith("admin/") else "/accounts/login/"
    return response.status_code == 302 and response["Location"].startswith(target)


def judge(caller: str, route: str, rule: Route, method: str, response: Any, read_status: int) -> str | None:
    """What is wrong with this answer for this caller (who got `read_status` on GET), or None."""
    status, api = response.status_code, route.startswith("api/")
    if status >= 500:
        return "server error"
    refused = API_REFUSED if api else PAGE_REFUSED
    if rule.access == ADMIN:
        return None if login_redirect(response, route) else "the admin let a non-staff caller in"
    if caller == "anonymous":
        if method == "get" and rule.access in (PUBLIC, OPS):
            return None if status in (200, 404) else "a public route is not public"
        if api:
            return None if status in ANONYMOUS_API_REFUSED or (status == 405 and method != "get") else "not refused"
        if method != "get" and read_status == 200 and status == 200:
            return None  # a public page answered again, whatever the method; the fingerprint proves no write
        if rule.access == PUBLIC and read_status == status == 404:
            # Nothing there to read or write (media/ is routed when the URLconf was first loaded
            # with DEBUG on, e.g. by a test of the embedded run): the fingerprint proves no write.
            return None
        return None if login_redirect(response, route) or status in (403, 405) else "not sent to login"
    if method == "get":
        if caller == "auditor" and (api or rule.access == AUDIT) and route not in AUDITOR_GET_EXCEPTIONS:
            readable = status == 200 or (status in (403, 405) and not has_get(response)) or (status == 405 and not api)
            return None if readable else "an auditor cannot read it"
        if caller == "member" and rule.access in (PRIVATE, STAFF, AUDIT):
            return None if status in refused else "B's object or a staff page readable by A"
        return None
    if caller == "auditor":
        if (method, route) in AUDITOR_WRITES:
            return None
        expected = AUDITOR_REFUSED_BY_RULE.get((method, route))
        if expected and (status, response.json().get("code")) == expected:
            return None
        if 400 <= status < 500:
            return None  # no member, so no body of a member's form is valid: refused all the same
    if status in refused:
        return None
    # A page the caller may read anyway, whose view ignores the method and answers the page again:
    # harmless, and the fingerprint of the whole database after the route proves nothing was written.
    return None if read_status == 200 and not api else "a write was not refused"


@dataclass
class Sweep:
    calls: int
    by_design: int  # A's own writes (not called)
    problems: list[str]


def sweep(caller: str, user: User | None, world: World) -> Sweep:
    """Every route × every method as one caller, B's objects in the URL and the bodies."""
    api_client = APIClient(raise_request_exception=False)
    page_client = Client(raise_request_exception=False)
    if user is not None:
        api_client.force_authenticate(user=user)
        page_client.force_login(user)
    result = Sweep(0, 0, [])
    # Nothing runs between two routes: one route's "after" is the next one's "before". The Django
    # admin's 187 routes (staff only, the same login redirect for everyone else) are checked as
    # one block: a write there would still be caught, only named less precisely.
    before, written = database_fingerprint(), rows_written()
    admin_block: list[str] = []
    routes = all_routes()
    for index, route in enumerate(routes):
        rule = classify(route)
        assert rule is not None, route
        if rule.access == SESSION:
            continue  # the caller's own session: nothing of B's to reach
        api = route.startswith("api/")
        client = api_client if api else page_client
        may_write: tuple[str, ...] = ()
        for url in urls_for(route, world):
            read_status = 0
            for method in METHODS:
                if caller == "member" and method in rule.own_writes:
                    result.by_design += 1
                    continue
                may_write += AUDITOR_WRITES.get((method, route), ()) if caller == "auditor" else ()
                body, fmt = body_for(method, route, world)
                response = call(client, method, url, body, fmt, api)
                result.calls += 1
                read_status = response.status_code if method == "get" else read_status
                problem = judge(caller, route, rule, method, response, read_status)
                if problem:
                    content = getattr(response, "content", b"")[:160]
                    result.problems.append(
                        f"{caller} {method.upper()} {url} → {response.status_code}: {problem} {content!r}"
                    )
        if rule.access == ADMIN and not may_write:
            admin_block.append(route)
            following = classify(routes[index + 1]) if index + 1 < len(routes) else None
            if following is not None and following.access == ADMIN:
                continue
        written_now = rows_written()
        # No row written since `before` was hashed: the same rows, the same hash.
        after = before if written_now is not None and written_now == written else database_fingerprint()
        written = written_now
        wrote = [label for label in changed(before, after) if label not in may_write]
        if wrote:
            where = f"the admin routes {admin_block}" if admin_block else route
            result.problems.append(f"{caller} on {where}: rows changed in {wrote}")
        before = after
        admin_block = []
    return result


CALLERS = ("member", "auditor", "anonymous")


def caller_user(caller: str, world: World) -> User | None:
    return {"member": world.a.member.user, "auditor": world.auditor, "anonymous": None}[caller]


# --- the tests --------------------------------------------------------------------------------


def test_every_route_of_the_site_is_classified():
    routes = all_routes()
    assert len(routes) > 200
    assert [route for route in routes if classify(route) is None] == []
    assert [route for route in ROUTES if route not in routes] == [], "classified routes that no longer exist"


@pytest.mark.django_db
def test_the_rows_written_count_moves_with_every_insert_update_and_delete():
    """The sweep's shortcut (no re-hash while the count stands still) is sound on this database."""
    first = rows_written()
    if first is None:
        pytest.skip("this database keeps no count of written rows: the sweep hashes after every route")
    counts = [first]
    user = User.objects.create(username="counted")
    counts.append(rows_written() or 0)
    User.objects.filter(pk=user.pk).update(first_name="Compté")
    counts.append(rows_written() or 0)
    User.objects.filter(pk=user.pk).delete()
    counts.append(rows_written() or 0)
    assert counts == sorted(set(counts)), counts  # strictly increasing: each write moved it


@pytest.mark.parametrize("caller", CALLERS)
def test_every_route_and_method_on_b_objects_is_refused_and_changes_nothing(caller, world):
    result = sweep(caller, caller_user(caller, world), world)
    print(f"{caller}: {result.calls} calls, {result.by_design} own writes by design not called")
    assert result.problems == [], "\n".join(result.problems)


# Forms offering every member as a payee or a receiver (the members' directory): B's name is there
# by design; B's private texts (the marker) must still not be.
MEMBER_PICKERS = {"pay/", "timebank/"}
# Public for a visitor, the caller's own page once logged in (the home: the dashboard).
PUBLIC_AND_OWN = {""}


def test_one_own_lists_and_pages_show_only_one_own_rows(world):
    """Read as A, every OWN route shows none of B's rows (B's marker), and A's where it lists rows."""
    api_client, page_client = APIClient(), Client()
    api_client.force_authenticate(user=world.a.member.user)
    page_client.force_login(world.a.member.user)
    problems, checked = [], 0
    for route in all_routes():
        rule = classify(route)
        if rule is None or (rule.access != OWN and route not in PUBLIC_AND_OWN):
            continue
        for url in urls_for(route, world):
            response = (api_client if route.startswith("api/") else page_client).get(url)
            if response.status_code == 405:
                continue  # a write-only route: nothing to list
            checked += 1
            text = response.content.decode("utf-8", errors="replace")
            if response.status_code != 200:
                problems.append(f"GET {url} → {response.status_code}")
            b_traces = [world.b.marker] + ([] if route in MEMBER_PICKERS else [world.b.member.display_name])
            if any(trace in text for trace in b_traces):
                problems.append(f"GET {url} shows B's rows")
            if rule.shows_rows and not (world.a.marker in text or world.a.member.display_name in text):
                problems.append(f"GET {url} does not show A's rows")
    accounts = api_client.get("/api/accounts/").json()
    listed = {row["id"] for row in accounts.get("results", accounts)}
    assert listed == {account_of(world.a.member, unit).pk for unit in ("ACH", "HRS", "GRN")}
    print(f"{checked} own lists and pages read as A")
    assert checked >= 20
    assert problems == [], "\n".join(problems)
