"""`ledger_bench --territory`: a whole territory in the bench database, then the jobs it makes slow.

The territory is built with bulk inserts (no service per row), in rows the ledger's triggers
accept: opening balances are ONE posting whose entries each start an account's chain (the
issuance and the guarantee fund move with them, so the backed unit stays fully backed); the
pledges' holds are written as `hold_create` writes them (a pending hold backer → escrow, the
backer's `held` raised in the same transaction); the bookings come from `bench.places.populate`;
the FEC's year of transactions comes from `measure._bulk_sql_load` (triggers off for that load
only, as for the long histories; through `transactions_post_batch` where that is not allowed).

Then each job is timed through its PUBLIC service or page, so the figures hold before and after
the services change: `listing_search`, `campaign_close`, `demurrage_apply`, `fec_write` (in a
child process, for its own peak RSS), the pages through gunicorn with logged-in sessions.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from bench import measure
from bench import places as places_bench
from bench.population import (
    _members,
    busiest_member_user_id,
    ledger_counts,
    local_accounts,
    opening_balances,
    pending_holds,
)
from crowdfunding.models import Campaign, Pledge
from exchange.models import Category, Listing
from ledger import services
from ledger.models import Account
from members.models import Commune, Member
from members.otp import second_factor_needed
from places.models import Booking, PlaceManager

LOCAL = "ACH"

FULL: dict[str, Any] = {
    "members": 50_000,
    "funded": 10_000,  # members with a balance above the demurrage exemption
    "listings": 20_000,
    "pledges": 10_000,
    "bookings": 100_000,
    "fec_transactions": 1_000_000,
    "places": 50,
    # Long enough for a p99 to mean something: 30 s paced at about 45 pages/s is 130 answers a page
    # (10 s gave 42, whose p99 is their slowest).
    "page_seconds": 30.0,
    "search_repeat": 50,
    "transfer_accounts": 1000,
}
QUICK: dict[str, Any] = {
    "members": 300,
    "funded": 120,
    "listings": 200,
    "pledges": 40,
    "bookings": 400,
    "fec_transactions": 2_000,
    "places": 3,
    "page_seconds": 1.5,
    "search_repeat": 5,
    "transfer_accounts": 50,
}

# Titles of the marketplace: French, with accents; one in twenty is about a bicycle ("vélo").
WORDS = [
    "Réparation de",
    "Prêt d'une",
    "Cours de",
    "Échange de",
    "Aide pour",
    "Don de",
    "Atelier",
    "Fabrication de",
]
THINGS = [
    "tondeuse",
    "perceuse",
    "confitures maison",
    "pâtisserie",
    "guitare électrique",
    "tricot",
    "poulailler",
    "déménagement",
    "jardinage bio",
    "crêpes bretonnes",
    "mécanique auto",
    "tarte à l'oignon",
    "théâtre d'improvisation",
    "menuiserie",
    "céramique",
    "randonnée",
    "bûches de chêne",
    "couture",
    "maçonnerie",
]
UNITS_CYCLE = [LOCAL, "GRN", "HRS", ""]


@dataclass
class Territory:
    member_ids: list[int]
    funded_account_ids: list[int]
    campaign_id: int
    escrow_account_id: int
    place_id: int
    member_user_id: int  # a funded member who backed the campaign
    manager_user_id: int  # manages the big place
    owner_user_id: int  # the campaign's owner
    auditor_user_id: int
    fec_account_id: int = 0  # the payee of the FEC's transactions (one entry each)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _listings(authors: list[Member], count: int) -> int:
    categories = list(Category.objects.filter(parent__isnull=False).values_list("pk", flat=True)) or list(
        Category.objects.values_list("pk", flat=True)
    )
    if not categories:
        # The migrations' categories were flushed (a copy of a test database): one of the bench's own.
        categories = [Category.objects.create(slug="territoire", name_fr="Divers", name_en="Miscellaneous").pk]
    communes: list[int | None] = list(Commune.objects.values_list("pk", flat=True)) or [None]
    expires = timezone.localdate() + dt.timedelta(days=90)
    now = timezone.now()
    rows = []
    for i in range(count):
        if i % 20 == 7:
            title = f"{WORDS[i % len(WORDS)]} vélo {'électrique' if i % 40 == 7 else 'de route'}"
        else:
            title = f"{WORDS[i % len(WORDS)]} {THINGS[i % len(THINGS)]} n° {i}"
        unit = UNITS_CYCLE[(i // 3) % len(UNITS_CYCLE)]
        rows.append(
            Listing(
                author=authors[i % len(authors)],
                kind="offer" if i % 3 else "want",
                title=title,
                description=f"{title} — à Saint-Julien-des-Landes, le samedi matin ; contactez-moi.",
                category_id=categories[i % len(categories)],
                commune_id=communes[i % len(communes)],
                unit=unit,
                price=(100 + (i % 97) * 50) if unit else None,
                expires_on=expires,
                created_at=now - dt.timedelta(minutes=i),
            )
        )
    Listing.objects.bulk_create(rows, batch_size=5000)
    return count


def _campaign(owner: Member, backers: list[Account], count: int) -> tuple[Campaign, int]:
    """A live campaign in the local unit and `count` pledges, each with its pending hold into escrow."""
    from crowdfunding.memos import PLEDGE_HELD
    from ledger import memos

    now = timezone.now()
    campaign = Campaign(
        owner=owner,
        title="Le tiers-lieu de la gare",
        summary="Rénover l'ancienne gare de Nieul-le-Dolent : atelier, café, coworking.",
        story="<p>Une gare, un village, un projet commun.</p>",
        unit=LOCAL,
        goal=1,
        starts_at=now - dt.timedelta(days=20),
        deadline=now + dt.timedelta(days=10),
        funding_model=Campaign.Model.ALL_OR_NOTHING,
        fee_rate=Decimal("0.03"),
        status=Campaign.Status.DRAFT,
    )
    campaign.save()
    reference = f"campaign:{campaign.pk}"
    campaign.escrow_account = services.system_account(Account.SystemCode.ESCROW, LOCAL, reference=reference)
    campaign.status = Campaign.Status.LIVE
    campaign.moderated_at = now
    campaign.save()
    memo = memos.memo(PLEDGE_HELD, title=campaign.title, id=campaign.pk)
    amounts = [1000 + (i % 5) * 500 for i in range(count)]
    pairs = [
        (account.pk, amount, f"pledge:{campaign.pk}:{account.holder_id}:1:v1")
        for account, amount in zip(backers[:count], amounts, strict=True)
    ]
    with transaction.atomic(durable=True):
        holds = pending_holds(pairs, credit_account_id=campaign.escrow_account.pk, unit=LOCAL, memo=memo)
        Pledge.objects.bulk_create(
            [
                Pledge(
                    campaign=campaign,
                    backer_id=int(account.holder_id or 0),
                    unit=LOCAL,
                    amount=amount,
                    anonymous=bool(i % 2),
                    hold=hold,
                )
                for i, (account, amount, hold) in enumerate(zip(backers[:count], amounts, holds, strict=True))
            ],
            batch_size=5000,
        )
    total = sum(amounts)
    campaign.goal = max(total // 2, 1)  # reached: the close captures every hold and pays out
    campaign.save()
    return campaign, total


def _fec_load(payer_id: int, payee_id: int, count: int, actor_id: int) -> str:
    """`count` transactions in the local unit (a statutory FEC unit) this year: payer → payee."""
    if count <= 0:
        return "none"
    if connection.vendor == "postgresql" and measure._is_superuser():
        measure._bulk_sql_load(payee_id, payer_id, count, unit=LOCAL)
        return "sql"
    measure.batch_load(actor_id=actor_id, payer_id=payer_id, payee_id=payee_id, count=count, unit=LOCAL)
    return "batch"


def _auditor() -> Any:
    user = get_user_model().objects.create_user(username="territory-auditor", password="!")
    user.user_permissions.add(Permission.objects.get(content_type__app_label="ledger", codename="audit_ledger"))
    return user


def populate(sizes: dict[str, Any], *, say: Any = print) -> Territory:
    """The territory of `sizes` (see FULL); each step timed, every count read back from the database."""
    seconds: dict[str, float] = {}
    notes: list[str] = []
    members_n = int(sizes["members"])
    pledges_n = int(sizes["pledges"])
    funded_n = max(int(sizes["funded"]), pledges_n)
    if funded_n + 3 > members_n:
        raise ValueError("--members must exceed the funded accounts (at least --pledges) by 3")

    started = time.monotonic()
    say(f"territory: {members_n:,} members with {LOCAL} accounts")
    members = _members("territory", members_n, Member.Kind.INDIVIDUAL)
    accounts = local_accounts(members, LOCAL)
    seconds["members"] = round(time.monotonic() - started, 1)

    # The first `funded` members hold 150 to 640 ACH (above the 100 ACH exemption: demurrage
    # charges each); the next two carry the FEC's year of transactions; the next owns the campaign.
    funded = accounts[:funded_n]
    fec_payer, fec_payee = accounts[funded_n], accounts[funded_n + 1]
    owner = members[funded_n + 2]
    fec_n = int(sizes["fec_transactions"])
    amounts = {account.pk: 15_000 + (i % 50) * 1_000 for i, account in enumerate(funded)}
    amounts[fec_payer.pk] = 8 * fec_n + 100_000
    started = time.monotonic()
    say(f"territory: opening balances of {len(amounts):,} accounts")
    opening_balances(amounts, LOCAL)
    seconds["balances"] = round(time.monotonic() - started, 1)

    started = time.monotonic()
    say(f"territory: {int(sizes['listings']):,} marketplace listings")
    _listings(members[: max(1, members_n // 10)], int(sizes["listings"]))
    seconds["listings"] = round(time.monotonic() - started, 1)

    started = time.monotonic()
    say(f"territory: a campaign with {pledges_n:,} pledges")
    campaign, _total = _campaign(owner, funded, pledges_n)
    seconds["pledges"] = round(time.monotonic() - started, 1)

    started = time.monotonic()
    say(f"territory: {int(sizes['bookings']):,} bookings over {int(sizes['places'])} places")
    network = places_bench.populate(
        places=int(sizes["places"]),
        bookings=int(sizes["bookings"]),
        members=min(200, members_n),
        today=places_bench.local_today(),
    )
    notes.extend(network.notes)
    seconds["bookings"] = round(time.monotonic() - started, 1)

    auditor = _auditor()
    manager = members[1]
    PlaceManager.objects.create(place_id=network.big_place_id, member=manager)

    started = time.monotonic()
    say(f"territory: {fec_n:,} {LOCAL} transactions for the FEC")
    method = _fec_load(fec_payer.pk, fec_payee.pk, fec_n, auditor.pk)
    seconds["fec_transactions"] = round(time.monotonic() - started, 1)
    if method == "sql":
        notes.append("The FEC's transactions: INSERT … SELECT generate_series, triggers off for the load only.")

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM ANALYZE ledger_account, ledger_entry, ledger_transaction, ledger_hold, exchange_listing,"
                " crowdfunding_pledge, members_member, auth_user"
            )
    territory = Territory(
        member_ids=[m.pk for m in members],
        funded_account_ids=[a.pk for a in funded],
        campaign_id=campaign.pk,
        escrow_account_id=int(campaign.escrow_account_id or 0),
        place_id=network.big_place_id,
        member_user_id=members[0].user_id,
        manager_user_id=manager.user_id,
        owner_user_id=owner.user_id,
        auditor_user_id=auditor.pk,
        fec_account_id=fec_payee.pk,
        seconds=seconds,
        notes=notes,
    )
    territory.counts = counts(territory)
    return territory


def counts(territory: Territory) -> dict[str, int]:
    """What the database holds, read back (the test compares them with the sizes asked for)."""
    return {
        "members": Member.objects.filter(user__username__startswith="territory").count(),
        **ledger_counts(
            unit=LOCAL,
            holders_prefix="territory",
            funded_account_ids=territory.funded_account_ids,
            escrow_account_id=territory.escrow_account_id,
            fec_account_id=territory.fec_account_id,
        ),
        "listings": Listing.objects.count(),
        "listings_velo": Listing.objects.filter(title__contains="vélo").count(),
        "pledges": Pledge.objects.filter(campaign_id=territory.campaign_id).count(),
        "bookings": Booking.objects.count(),
    }


# --- the jobs -----------------------------------------------------------------------------------


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
        "repeat": len(ordered),
    }


def search_timings(*, repeat: int) -> dict[str, Any]:
    """listing_search as the marketplace page runs it: the first page (20) and the count."""
    from exchange.selectors.listings import listing_search

    cases: dict[str, dict[str, Any]] = {
        "q_velo": {"q": "vélo"},
        "q_velo_price": {"q": "vélo", "price_min": Decimal("1"), "price_max": Decimal("30")},
    }
    out: dict[str, Any] = {}
    for label, filters in cases.items():

        def run(filters: dict[str, Any] = filters) -> tuple[int, int]:
            queryset = listing_search(**filters)
            return len(list(queryset[:20])), queryset.count()

        run()  # warm
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            shown, total = run()
            samples.append(time.perf_counter() - started)
        with CaptureQueriesContext(connection) as queries:
            run()
        out[label] = {**_summary(samples), "shown": shown, "found": total, "queries": len(queries.captured_queries)}
    return out


def demurrage_timing() -> dict[str, Any]:
    from currency.services.demurrage import demurrage_apply
    from ledger.units import get_unit

    config = get_unit(LOCAL).demurrage
    if config is None:
        return {"charged": 0, "seconds": None, "note": f"{LOCAL} has no demurrage configured"}
    started = time.monotonic()
    charged = demurrage_apply(unit=LOCAL)
    elapsed = time.monotonic() - started
    return {
        "charged": charged,
        "seconds": round(elapsed, 2),
        "per_second": round(charged / elapsed, 1) if elapsed else None,
        "rate": str(config.rate),
        "period": config.period,
    }


def campaign_close_timing(territory: Territory) -> dict[str, Any]:
    from crowdfunding.services.closing import campaign_close

    campaign = Campaign.objects.get(pk=territory.campaign_id)
    pledges = Pledge.objects.filter(campaign=campaign).count()
    started = time.monotonic()
    closed, report = campaign_close(campaign=campaign, now=campaign.deadline + dt.timedelta(minutes=1))
    elapsed = time.monotonic() - started
    return {
        "pledges": pledges,
        "settled": report.pledges_settled,
        "refused": report.pledges_refused,
        "status": closed.status,
        "seconds": round(elapsed, 2),
        "per_second": round(report.pledges_settled / elapsed, 1) if elapsed else None,
    }


FEC_CHILD = """
import json, resource, sys, tempfile, time
import django
django.setup()
from ledger.fec import LATIN_9, fec_transactions, fec_write
year = int(sys.argv[1])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with tempfile.TemporaryFile("w", encoding=LATIN_9, newline="") as out:
    started = time.monotonic()
    lines = fec_write(year=year, out=out)
    seconds = time.monotonic() - started
    size = out.tell()
transactions = fec_transactions(year).count()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:  # ru_maxrss survives exec (it may be the parent's); VmHWM is this process's own
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    pass
print(json.dumps({"lines": lines, "seconds": seconds, "bytes": size, "transactions": transactions,
                  "rss_before_kb": before, "peak_rss_kb": peak}))
"""


def fec_timing() -> dict[str, Any]:
    """fec_write of this year in a fresh interpreter: its peak RSS is its own."""
    connection.close()
    done = subprocess.run(  # noqa: S603 - our interpreter, a fixed script
        [sys.executable, "-c", FEC_CHILD, str(timezone.localdate().year)],
        cwd=str(settings.BASE_DIR),
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["seconds"] = round(result["seconds"], 2)
    result["per_second"] = round(result["transactions"] / result["seconds"], 1) if result["seconds"] else None
    result["peak_memory_mb"] = round(result["peak_rss_kb"] / 1024, 1)
    return result


# --- pages ---------------------------------------------------------------------------------------


@dataclass
class Page:
    label: str
    path: str
    user_id: int


def territory_pages(territory: Territory) -> list[Page]:
    place = territory.place_id
    return [
        Page("dashboard (member)", "/", territory.member_user_id),
        Page(
            f"campaign page ({territory.counts.get('pledges', 0):,} pledges)",
            f"/campaigns/{territory.campaign_id}/",
            territory.member_user_id,
        ),
        Page("campaign dashboard (owner)", f"/campaigns/{territory.campaign_id}/dashboard/", territory.owner_user_id),
        Page("marketplace q=vélo", "/marketplace/?q=v%C3%A9lo", territory.member_user_id),
        Page("/me/bookings/", "/me/bookings/", territory.member_user_id),
        Page("/me/passes/", "/me/passes/", territory.member_user_id),
        Page("/me/profile/", "/me/profile/", territory.member_user_id),
        Page("place page", f"/places/{place}/", territory.member_user_id),
        Page("place management (manager)", f"/places/{place}/manage/", territory.manager_user_id),
        Page("audit trial balance (auditor)", "/audit/trial-balance/", territory.auditor_user_id),
    ]


def demo_pages() -> list[Page]:
    """The same pages on the demo community: its busiest member, a manager, an auditor."""
    user_model = get_user_model()
    busiest = busiest_member_user_id()
    manager = PlaceManager.objects.select_related("member").order_by("pk").first()
    campaign = Campaign.objects.annotate(n=Count("pledges")).order_by("-n", "pk").first()
    auditor = user_model.objects.filter(user_permissions__codename="audit_ledger").first() or _auditor()
    member_id = int(busiest or user_model.objects.filter(member__isnull=False).values_list("pk", flat=True)[0])
    pages = [
        Page("dashboard (member)", "/", member_id),
        Page("marketplace q=vélo", "/marketplace/?q=v%C3%A9lo", member_id),
        Page("/me/bookings/", "/me/bookings/", member_id),
        Page("/me/passes/", "/me/passes/", member_id),
        Page("/me/profile/", "/me/profile/", member_id),
        Page("audit trial balance (auditor)", "/audit/trial-balance/", auditor.pk),
    ]
    if campaign is not None:
        pages.insert(1, Page(f"campaign page ({campaign.n} pledges)", f"/campaigns/{campaign.pk}/", member_id))
        dashboard = f"/campaigns/{campaign.pk}/dashboard/"
        pages.insert(2, Page("campaign dashboard (owner)", dashboard, campaign.owner.user_id))
    if manager is not None:
        pages.append(Page("place page", f"/places/{manager.place_id}/", member_id))
        pages.append(Page("place management (manager)", f"/places/{manager.place_id}/manage/", manager.member.user_id))
    return pages


def _logged_in(user_id: int, language: str | None = None) -> Client:
    """A client logged in as this user; one who owes a second factor (an auditor, staff) has given it,
    as a real session would have, so that the page measured is the page and not the code's prompt."""
    user = get_user_model().objects.get(pk=user_id)
    client = Client(headers={"accept-language": language} if language else None)
    client.force_login(user)
    if second_factor_needed(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="authenticator", confirmed=True
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def sessions(pages: list[Page]) -> dict[int, str]:
    """A logged-in session (in the bench database) for each user of the pages: its cookie value."""
    return {
        user_id: _logged_in(user_id).cookies[settings.SESSION_COOKIE_NAME].value
        for user_id in {page.user_id for page in pages}
    }


def page_queries(pages: list[Page]) -> dict[str, dict[str, Any]]:
    """Status and queries of each page, once warm, in process (Django's test client)."""
    out = {}
    clients: dict[int, Client] = {}
    for page in pages:
        client = clients.get(page.user_id)
        if client is None:
            client = clients[page.user_id] = _logged_in(page.user_id, "fr")
        client.get(page.path, secure=True)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page.path, secure=True)
        out[page.label] = {"status": response.status_code, "queries": len(queries.captured_queries)}
    return out
