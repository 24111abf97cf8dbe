"""The auditor (`ledger.audit_ledger`) reads everything and changes nothing.

Every route under /api/ is taken from the URL resolver (so a route added later is covered without
touching this file) and called with every write method, as an auditor who is not a member and as
an auditor who is also a member with money on their accounts, with a body that the route's rightful
user would see accepted. Each call must be refused (401/403/404/405) and no row of any of our apps
may change, neither in number nor in content.

Explicit exceptions, and why:

- `POST /api/auth/token/`: obtaining one's own API token is how an auditor reads through the API;
  it writes only a token row (members.ApiToken) and the audit row of its issue. `DELETE
  /api/tokens/{pk}/` likewise revokes one's own token (another's answers 404).
- `POST /api/cooperatives/{id}/assembly/tally/`: a computation (weighing votes) that records
  nothing; auditors are meant to run it. It must answer 200 and write nothing.
- `POST /api/audit/exports/` (or any route under /api/audit/ that requests an export): auditors
  run exports; it may write only `ledger.ExportJob` rows.
- `POST /api/reconversions/` by an auditor who is no member answers 422
  reconversion_businesses_only: the rule that refuses every non-business, nothing written.
- An auditor who is also a member keeps the rights every member has on their own behalf (the
  audit permission adds nothing to them, and takes nothing away): publishing their own listing,
  proposing an exchange, starting their own campaign, pledging, asking to be paid, paying a
  payment request from their own account, recording a service they gave, renewing their own
  membership, asking for shares or a reconversion for themselves. Those routes (MEMBER_OWN_ROUTES)
  are not called as the member-auditor. Every route that acts on someone else's account, object or
  on the platform is called, with a body naming other members' accounts and objects.
"""

from __future__ import annotations

import datetime
import io
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from djmoney.money import Money
from PIL import Image
from rest_framework.test import APIClient

from cooperative.models import Cooperative, ShareMovement
from cooperative.services import requests as coop_requests
from core.models import AuditEvent
from crowdfunding.services.campaigns import campaign_submit
from crowdfunding.services.pledges import pledge_create, pool_create
from currency.models import Comptoir
from currency.services.payments import payment_request_create
from currency.services.reconversions import reconversion_request
from exchange.services import exchanges as exchange_services
from ledger.models import Account, ExportJob
from ledger.services import hold_create, standing_order_create
from members.models import ApiToken, Member
from members.services import member_update
from places.services import booking_create, booking_series_create
from tests.conftest import PASSWORD, account_of
from tests.cooperative.helpers import college, found_scic, share_class, shareholder_with_shares
from tests.crowdfunding.helpers import draft_campaign, live_campaign
from tests.currency.funding import give_ach
from tests.exchange.test_exchange_support import listing_of, propose
from tests.factories import auditor_user, category_for_tests
from tests.places.booking_setup import booking_day, local, make_place, make_resource
from timebank.services import service_record_create

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch", "delete")
REFUSED = {401, 403, 404, 405}
WATCHED_APPS = ("core", "ledger", "crowdfunding", "cooperative", "members", "currency", "timebank", "exchange")

# (method, route) → why the auditor may do it, and which models it may write.
ALLOWED: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("post", "api/auth/token/"): ("one's own API token and its audit row", ("members.ApiToken", "core.AuditEvent")),
    ("delete", "api/tokens/{pk}/"): ("revoking one's own API token", ("members.ApiToken", "core.AuditEvent")),
    ("delete", "api/members/me/tokens/{pk}/"): (
        "revoking one's own API token (the same view under the members' contract)",
        ("members.ApiToken", "core.AuditEvent"),
    ),
    ("post", "api/cooperatives/{pk}/assembly/tally/"): ("a computation that records nothing", ()),
}
# Refused by a business rule rather than by a permission, which says the same thing: a caller
# who is no member (so no business) may not ask for a reconversion (422 with this code).
REFUSED_BY_RULE = {("post", "api/reconversions/"): "reconversion_businesses_only"}
EXPORT_ROUTE = re.compile(r"^api/audit/.*export")

# Routes an auditor who is a member uses on their own behalf, like any member (see the docstring).
MEMBER_OWN_ROUTES = {
    ("post", "api/listings/"),
    ("post", "api/exchanges/"),
    ("post", "api/campaigns/"),
    ("post", "api/campaigns/{pk}/pledges/"),
    ("post", "api/payment-requests/"),
    ("post", "api/payment-requests/{token}/pay/"),
    ("post", "api/service-records/"),
    ("post", "api/members/me/membership/"),
    ("post", "api/members/me/exports/"),  # a copy of one's own personal data
    ("post", "api/members/me/close/"),  # leaving: closing one's own account
    ("post", "api/cooperatives/{pk}/subscription-requests/"),
    ("post", "api/reconversions/"),
    ("post", "api/bookings/"),
    ("post", "api/passes/"),  # buying a carnet for oneself
    ("post", "api/plans/{pk}/subscribe/"),  # subscribing to a plan for oneself
    ("post", "api/places/resources/{pk}/series/"),  # a weekly series booked for oneself
}


# --- the routes -------------------------------------------------------------------------------


def _template(pattern: str) -> str:
    """`api/^holds/(?P<pk>[^/.]+)/capture\\.(?P<format>…)/?$` → `api/holds/{pk}/capture.{format}`."""
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern)
    text = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", text)
    return text.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")


def api_routes() -> list[str]:
    """Every URL pattern under /api/, from the resolver itself."""

    def walk(resolver: URLResolver, prefix: str) -> Iterator[str]:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern)

    return sorted({_template(route) for route in walk(get_resolver(), "") if route.startswith("api/")})


def base_route(route: str) -> str:
    """The route without DRF's format suffix (`.json`), if any: the same view, the same body."""
    return route.replace(".{format}/", "/").replace(".{format}", "/")


def test_the_resolver_walk_finds_the_api_routes_including_the_writes():
    routes = api_routes()
    assert len(routes) > 80
    for expected in ("api/transfers/", "api/holds/{pk}/capture/", "api/transactions/{pk}/reverse/", "api/audit-log/"):
        assert expected in routes


# --- the world --------------------------------------------------------------------------------


def png() -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 120, 40)).save(data, format="PNG")
    data.seek(0)
    data.name = "photo.png"
    return data


def make_auditor(username: str) -> User:
    return auditor_user(username)


@pytest.fixture
def world(make_member, staff_user) -> dict[str, Any]:
    """Something of someone else's behind every URL: accounts, a hold, a dispute, campaigns, a register."""
    alice = make_member(username="alice")
    bob = make_member(username="bob")
    asso = make_member(kind=Member.Kind.ASSOCIATION, username="asso", display_name="Comité des fêtes")
    bakery = make_member(kind=Member.Kind.BUSINESS, username="fournil", display_name="Le Fournil")
    member_update(member=bakery, actor=None, iban="FR1420041010050500013M02606", bic="PSSTFRPPLIL")
    original = give_ach(alice, "100")
    give_ach(bob, "50")
    give_ach(bakery, "50")
    hold = hold_create(
        from_account=account_of(alice, "ACH"),
        to_account=account_of(bob, "ACH"),
        amount=Money("5", "ACH"),
        actor=alice.user,
    )
    listing = listing_of(alice)
    disputed = exchange_services.exchange_accept(exchange=propose(listing, bob), actor=alice.user)
    disputed = exchange_services.exchange_dispute(exchange=disputed, reason="Jamais livré", actor=bob.user)
    submitted = draft_campaign(bob, title="Atelier vélo")
    campaign_submit(campaign=submitted, actor=bob.user)
    live = live_campaign(bob, title="Fablab", tiers=[{"title": "Merci", "minimum": Money("5", "ACH")}])
    tier = live.tiers.get()
    pledge = pledge_create(campaign=live, backer=alice, amount=Money("10", "ACH"), actor=alice.user)
    pool = pool_create(campaign=live, sponsor=alice, ratio="1", total_cap=Money("20", "ACH"), actor=alice.user)
    cooperative = found_scic()
    holder = shareholder_with_shares(cooperative, bob)
    asked = coop_requests.subscription_request_create(
        cooperative=cooperative,
        share_class=share_class(cooperative, "B"),
        quantity=2,
        college=college(cooperative, "Usagers"),
        actor=alice.user,
    )
    redemption = coop_requests.redemption_request_create(
        shareholder=holder, share_class=share_class(cooperative, "B"), quantity=1, actor=bob.user
    )
    reconversion = reconversion_request(member=bakery, amount=Money("10", "ACH"), actor=bakery.user)
    payment_request = payment_request_create(
        payee_account=account_of(bob, "ACH"), amount=Money("3", "ACH"), actor=bob.user
    )
    service = service_record_create(
        provider=bob, receiver=alice, hours=Money("1", "HRS"), description="Tonte", actor=bob.user
    )
    comptoir = Comptoir.objects.create(name="Comptoir des Achards", address="2 rue Michel-Breton, 85150 Les Achards")
    room = make_resource(make_place(), "Salle du conseil")
    day = booking_day(3)
    booking = booking_create(resource=room, member=alice, start=local(day, 10), end=local(day, 11), actor=alice.user)
    standing_order = standing_order_create(
        from_account=account_of(alice, "ACH"),
        to_account=account_of(bob, "ACH"),
        amount=Money("2", "ACH"),
        period="monthly",
        day=1,
        start=timezone.localdate() + datetime.timedelta(days=1),
        actor=alice.user,
    )
    series = booking_series_create(
        resource=room,
        member=alice,
        weekday=day.isoweekday(),
        start_time=datetime.time(14),
        end_time=datetime.time(15),
        first_date=day + datetime.timedelta(weeks=1),
        last_date=day + datetime.timedelta(weeks=1),
        actor=alice.user,
    ).series
    return {
        "standing_order": standing_order,
        "room": room,
        "booking": booking,
        "series": series,
        "alice": alice,
        "bob": bob,
        "asso": asso,
        "bakery": bakery,
        "transaction": original,
        "hold": hold,
        "listing": listing,
        "exchange": disputed,
        "submitted": submitted,
        "live": live,
        "tier": tier,
        "pledge": pledge,
        "pool": pool,
        "cooperative": cooperative,
        "holder": holder,
        "movement": ShareMovement.objects.filter(cooperative=cooperative).order_by("number").first(),
        "subscription": asked,
        "redemption": redemption,
        "reconversion": reconversion,
        "payment_request": payment_request,
        "service": service,
        "comptoir": comptoir,
    }


def url_for(route: str, world: dict[str, Any]) -> str:
    """Fill the route's parameters with someone else's objects."""
    head = route.split("/")[1]
    pk = {
        "members": world["alice"].pk,
        "accounts": account_of(world["alice"], "ACH").pk,
        "transactions": world["transaction"].pk,
        "holds": world["hold"].pk,
        "listings": world["listing"].pk,
        "exchanges": world["exchange"].pk,
        "campaigns": world["submitted"].pk,
        "cooperatives": world["cooperative"].pk,
        "reconversions": world["reconversion"].pk,
        "service-records": world["service"].pk,
        "comptoirs": world["comptoir"].pk,
        "sepa-exports": 1,
        "bookings": world["booking"].pk,
        "standing-orders": world["standing_order"].pk,
        "booking-series": world["series"].pk,
    }.get(head, 1)
    if head == "campaigns" and any(
        part in route for part in ("tiers", "pledges", "matching-pools", "images", "updates")
    ):
        pk = world["live"].pk
    rid = world["redemption"].pk if "redemption-requests" in route else world["subscription"].pk
    values = {
        "pk": pk,
        "id": pk,
        "token": world["payment_request"].token,
        "tier_id": world["tier"].pk,
        "pledge_id": world["pledge"].pk,
        "pool_id": world["pool"].pk,
        "image_id": 1,
        "photo_id": 1,
        "rid": rid,
        "number": world["movement"].number,
        "format": "json",
    }
    return "/" + re.sub(r"\{(\w+)\}", lambda match: str(values[match.group(1)]), route)


def body_for(method: str, route: str, world: dict[str, Any]) -> tuple[Any, str]:
    """A body the route's rightful user would see accepted (other people's accounts and objects)."""
    alice, bob, cooperative = world["alice"], world["bob"], world["cooperative"]
    soon = (timezone.now() + datetime.timedelta(days=20)).isoformat()
    today = timezone.localdate().isoformat()
    users = college(cooperative, "Usagers").pk
    bodies: dict[tuple[str, str], Any] = {
        ("post", "api/auth/token/"): {"username": "auditrice", "password": PASSWORD},
        ("post", "api/transfers/"): {
            "from_account": account_of(alice, "ACH").pk,
            "to_account": account_of(bob, "ACH").pk,
            "amount": "1.00",
        },
        ("post", "api/holds/"): {
            "from_account": account_of(alice, "ACH").pk,
            "to_account": account_of(bob, "ACH").pk,
            "amount": "1.00",
        },
        ("post", "api/holds/{pk}/capture/"): {"amount": "1.00"},
        ("post", "api/standing-orders/"): {
            "from_account": account_of(alice, "ACH").pk,
            "to_account": account_of(bob, "ACH").pk,
            "amount": "1.00",
            "period": "monthly",
            "day": 1,
            "start": today,
        },
        ("post", "api/transactions/{pk}/reverse/"): {"memo": "Erreur"},
        ("post", "api/members/"): {
            "username": "newcomer",
            "password": PASSWORD,
            "display_name": "Nouvelle",
            "kind": "individual",
        },
        ("post", "api/members/me/membership/"): {"unit": "ACH"},
        ("post", "api/conversions/"): {
            "comptoir": world["comptoir"].pk,
            "member": alice.pk,
            "amount": "10.00",
            "payment_method": "cash",
        },
        ("post", "api/reconversions/"): {"amount": "5.00"},
        ("post", "api/reconversions/{pk}/reject/"): {"reason": "Non"},
        ("post", "api/payment-requests/"): {"account": account_of(bob, "ACH").pk, "amount": "2.00"},
        ("post", "api/payment-requests/{token}/pay/"): {"from_account": account_of(alice, "ACH").pk},
        ("post", "api/service-records/"): {"receiver": alice.pk, "hours": "1.00", "description": "Jardin"},
        ("post", "api/volunteering-rewards/"): {
            "association_account": account_of(world["asso"], "HRS").pk,
            "member_account": account_of(alice, "HRS").pk,
            "hours": "1.00",
            "description": "Buvette",
        },
        ("post", "api/volunteering-rewards/batch/"): {
            "association_account": account_of(world["asso"], "HRS").pk,
            "rewards": [{"member_account": account_of(alice, "HRS").pk, "hours": "1.00", "description": "Buvette"}],
        },
        ("post", "api/listings/"): {
            "kind": "offer",
            "title": "Confitures",
            "description": "Maison",
            "category": category_for_tests().pk,
            "expires_on": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        },
        ("patch", "api/listings/{pk}/"): {"title": "Changé"},
        ("post", "api/listings/{pk}/hide/"): {"reason": "Abus"},
        ("post", "api/listings/{pk}/photos/"): ({"image": png()}, "multipart"),
        ("post", "api/exchanges/"): {"listing": world["listing"].pk},
        ("post", "api/exchanges/{pk}/dispute/"): {"reason": "Rien reçu"},
        ("post", "api/exchanges/{pk}/messages/"): {"body": "Bonjour"},
        ("post", "api/exchanges/{pk}/resolve/"): {"outcome": "void"},
        ("post", "api/exchanges/{pk}/reviews/"): {"rating": 5},
        ("post", "api/bookings/"): {
            "resource": world["room"].pk,
            "start": local(booking_day(3), 14).isoformat(),
            "end": local(booking_day(3), 15).isoformat(),
        },
        ("post", "api/bookings/{pk}/cancel/"): {"reason": "Annulé"},
        ("post", "api/places/resources/{pk}/series/"): {
            "weekday": booking_day(3).isoweekday(),
            "start_time": "16:00",
            "end_time": "17:00",
            "first_date": booking_day(3).isoformat(),
            "last_date": (booking_day(3) + datetime.timedelta(weeks=2)).isoformat(),
        },
        ("post", "api/bookings/counter/"): {
            "resource": world["room"].pk,
            "start": local(booking_day(3), 16).isoformat(),
            "end": local(booking_day(3), 17).isoformat(),
            "guest_name": "Jeanne Passante",
        },
        ("post", "api/campaigns/"): {
            "title": "Jardin partagé",
            "summary": "Un jardin",
            "story": "Des légumes",
            "unit": "ACH",
            "goal": "100.00",
            "starts_at": timezone.now().isoformat(),
            "deadline": soon,
            "funding_model": "all_or_nothing",
        },
        ("patch", "api/campaigns/{pk}/"): {"title": "Changé"},
        ("post", "api/campaigns/{pk}/approve/"): {"comment": "OK"},
        ("post", "api/campaigns/{pk}/send-back/"): {"comment": "Non"},
        ("post", "api/campaigns/{pk}/cancel/"): {"reason": "Non"},
        ("post", "api/campaigns/{pk}/tiers/"): {"title": "Badge", "minimum": "2.00"},
        ("patch", "api/campaigns/{pk}/tiers/{tier_id}/"): {"title": "Changé"},
        ("post", "api/campaigns/{pk}/images/"): ({"image": png(), "alt_text": "Atelier"}, "multipart"),
        ("post", "api/campaigns/{pk}/updates/"): {"title": "Nouvelles", "body": "Ça avance"},
        ("post", "api/campaigns/{pk}/pledges/"): {"amount": "5.00"},
        ("patch", "api/campaigns/{pk}/pledges/{pledge_id}/"): {"amount": "6.00"},
        ("post", "api/campaigns/{pk}/pledges/{pledge_id}/delivered/"): {"delivered": True},
        ("post", "api/campaigns/{pk}/matching-pools/"): {"ratio": "1", "total_cap": "10.00", "sponsor": bob.pk},
        ("post", "api/cooperatives/"): {
            "name": "SCOP du Bocage",
            "legal_form": Cooperative.LegalForm.SCOP,
            "siren": "552100554",
            "seat_address": "Les Achards",
        },
        ("post", "api/cooperatives/{pk}/assembly/tally/"): {"votes": {}},
        ("put", "api/cooperatives/{pk}/colleges/"): {
            "colleges": [
                {"name": n, "weight": w} for n, w in [("Salariés", 40), ("Usagers", 30), ("Collectivités", 30)]
            ]
        },
        ("post", "api/cooperatives/{pk}/movements/{number}/cancel/"): {"reason": "Erreur"},
        ("post", "api/cooperatives/{pk}/share-classes/"): {"code": "C", "name": "Partenaires", "nominal_value": "50"},
        ("post", "api/cooperatives/{pk}/shareholders/"): {"member": alice.pk, "college": users},
        ("post", "api/cooperatives/{pk}/transfers/"): {
            "from_shareholder": world["holder"].pk,
            "to_shareholder": world["holder"].pk,
            "share_class": share_class(cooperative, "B").pk,
            "quantity": 1,
            "board_decision": "CA",
        },
        ("post", "api/cooperatives/{pk}/subscriptions/"): {
            "shareholder": world["holder"].pk,
            "share_class": share_class(cooperative, "B").pk,
            "quantity": 1,
            "board_decision": "CA",
        },
        ("post", "api/cooperatives/{pk}/subscription-requests/"): {
            "share_class": share_class(cooperative, "B").pk,
            "quantity": 1,
            "college": users,
        },
        ("post", "api/cooperatives/{pk}/subscription-requests/{rid}/approve/"): {"board_decision": "CA"},
        ("post", "api/cooperatives/{pk}/subscription-requests/{rid}/reject/"): {"reason": "Non"},
        ("post", "api/cooperatives/{pk}/subscription-requests/{rid}/pay/"): {"paid_on": today},
        ("post", "api/cooperatives/{pk}/redemption-requests/"): {
            "share_class": share_class(cooperative, "B").pk,
            "quantity": 1,
            "shareholder": world["holder"].pk,
        },
        ("post", "api/cooperatives/{pk}/redemption-requests/{rid}/approve/"): {"board_decision": "CA"},
        ("post", "api/cooperatives/{pk}/redemption-requests/{rid}/reject/"): {"reason": "Non"},
        ("post", "api/cooperatives/{pk}/redemption-requests/{rid}/pay/"): {"paid_on": today},
    }
    if EXPORT_ROUTE.match(route):
        return {"kind": "fec", "year": timezone.localdate().year}, "json"
    body = bodies.get((method, route), {})
    return body if isinstance(body, tuple) else (body, "json")


# --- what must not change ---------------------------------------------------------------------


def watched_models() -> list[Any]:
    return [model for name in WATCHED_APPS for model in apps.get_app_config(name).get_models()]


def counts(skip: tuple[str, ...] = ()) -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in watched_models() if model._meta.label not in skip}


def contents() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every watched model: catches an update, not only an insert or a delete.

    Leaves out what the ALLOWED token routes write: one's own API tokens and the audit rows of their
    issue and revocation.
    """

    def rows(model: Any) -> Any:
        if model is AuditEvent:
            return model.objects.exclude(action__in=["api_token_create", "api_token_revoke"]).order_by("pk")
        return model.objects.order_by("pk")

    return {
        model._meta.label: [tuple(str(value) for value in row) for row in rows(model).values_list()]
        for model in watched_models()
        if model not in (ExportJob, ApiToken)
    }


def call(client: APIClient, method: str, url: str, body: Any, fmt: str) -> Any:
    key: dict[str, Any] = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}  # the money routes require one
    if method == "delete":
        return client.delete(url, **key)
    if fmt == "multipart":
        for value in body.values():
            if hasattr(value, "seek"):
                value.seek(0)
    return getattr(client, method)(url, body, format=fmt, **key)


def sweep(user: User, world: dict[str, Any], *, as_member: bool) -> list[str]:
    """Call every write of every API route as `user`; return what was not refused as it should be."""
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user=user)
    problems = []
    for route in api_routes():
        base = base_route(route)
        url = url_for(route, world)
        for method in WRITE_METHODS:
            if as_member and (method, base) in MEMBER_OWN_ROUTES:
                continue
            allowed = ALLOWED.get((method, base))
            exporting = method == "post" and EXPORT_ROUTE.match(base) is not None
            may_write = ("ledger.ExportJob",) if exporting else allowed[1] if allowed else ()
            body, fmt = body_for(method, base, world)
            before = counts(skip=may_write)
            response = call(client, method, url, body, fmt)
            ruled = REFUSED_BY_RULE.get((method, base))
            if ruled and response.status_code == 422 and response.json()["code"] == ruled:
                pass
            elif allowed is None and not exporting and response.status_code not in REFUSED:
                problems.append(f"{method.upper()} {url} → {response.status_code} {response.content[:200]!r}")
            if (allowed or exporting) and response.status_code >= 500:
                problems.append(f"{method.upper()} {url} → {response.status_code}")
            if counts(skip=may_write) != before:
                problems.append(f"{method.upper()} {url} wrote rows")
    return problems


def test_an_auditor_who_is_not_a_member_is_refused_every_write_of_the_api_and_nothing_changes(world):
    auditor = make_auditor("auditrice")
    before = contents()
    assert sweep(auditor, world, as_member=False) == []
    assert contents() == before


def test_an_auditor_who_is_a_member_is_refused_every_write_on_what_is_not_theirs(world, make_member):
    member = make_member(username="auditrice")
    give_ach(member, "40")
    auditor = make_auditor("auditrice")
    before = contents()
    assert sweep(auditor, world, as_member=True) == []
    assert contents() == before


def test_the_explicit_exceptions_are_real_routes():
    routes = {base_route(route) for route in api_routes()}
    for method_route in [*ALLOWED, *MEMBER_OWN_ROUTES]:
        assert method_route[1] in routes, method_route


# --- the Django admin and the read pages ------------------------------------------------------


def test_an_auditor_without_staff_cannot_enter_the_admin_nor_run_its_actions(client, world):
    auditor = make_auditor("auditrice")
    client.force_login(auditor)
    account = account_of(world["alice"], "ACH")
    before = contents()
    for url in (
        "/admin/",
        "/admin/ledger/account/",
        f"/admin/ledger/account/{account.pk}/change/",
        "/admin/auth/user/",
    ):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, f"/admin/login/?next={url}")
    response = client.post("/admin/ledger/account/", {"action": "freeze", "_selected_action": [account.pk]})
    assert (response.status_code, response["Location"]) == (302, "/admin/login/?next=/admin/ledger/account/")
    response = client.post("/admin/login/?next=/admin/", {"username": "auditrice", "password": PASSWORD})
    assert response.status_code == 200  # the login form again: a non-staff account cannot log in here
    assert contents() == before
    assert Account.objects.get(pk=account.pk).status == Account.Status.OPEN


def test_the_read_pages_render_for_an_auditor(client, world):
    auditor = make_auditor("auditrice")
    client.force_login(auditor)
    pk = world["cooperative"].pk
    pages = [
        "/audit/log/",
        "/audit/log.csv",
        f"/cooperatives/{pk}/register/",
        f"/cooperatives/{pk}/register.csv",
        f"/cooperatives/{pk}/holdings/",
        f"/cooperatives/{pk}/capital/",
        f"/cooperatives/{pk}/colleges/",
        f"/cooperatives/{pk}/shareholders/",
        f"/cooperatives/{pk}/assembly/",
        f"/cooperatives/{pk}/approvals/",
    ]
    for url in pages:
        assert client.get(url).status_code == 200, url
    api = APIClient()
    api.force_authenticate(user=auditor)
    for url in (
        "/api/audit-log/",
        "/api/campaigns/moderation/",
        f"/api/cooperatives/{pk}/register/",
        f"/api/accounts/{account_of(world['alice'], 'ACH').pk}/",
        f"/api/holds/{world['hold'].pk}/",
        f"/api/transactions/{world['transaction'].pk}/",
    ):
        assert api.get(url).status_code == 200, url
    # The moderation queue page is for moderators only (the API above lets auditors read it).
    assert client.get("/campaigns/moderation/").status_code == 404
