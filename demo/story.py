"""The demo's six months of history: conversions of euros into ACH, purchases from local
businesses and between them, hours in the time bank and SEL trades in grains, as one dated list
of events (the same list on every run), played through the currency's and the ledger's services.

Every write carries a key; the story's last write, a pending hold, marks it told (STORY_DONE_KEY).
"""

from __future__ import annotations

import contextlib
import datetime
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from djmoney.money import Money

from core.errors import ApplicationError
from currency.models import Comptoir
from demo.currency import COMPTOIRS, PURCHASES, SUPPLIES, convert
from demo.members import BUSINESSES, HISTORY_DAYS, SEED, SHOPPERS
from demo.timebank import SERVICES, TIME_BANK
from ledger import selectors, services
from ledger.models import Account
from members.models import Member

# The story's last write; once it exists the story has been told and is not told again.
STORY_DONE_KEY = "demo:v2:story-told"


@dataclass(frozen=True)
class Event:
    at: datetime.datetime
    kind: str  # conversion, payment, hours, grains
    key: str
    payer: str  # username (for a conversion: the member converting)
    payee: str = ""  # username, or the comptoir index for a conversion
    amount: Decimal = Decimal(0)
    memo: str = ""


def _moment(rng: random.Random, start: datetime.datetime, days: float) -> datetime.datetime:
    day = start + datetime.timedelta(days=days)
    local = timezone.localtime(day).replace(hour=rng.randint(8, 18), minute=rng.randint(0, 59), second=0, microsecond=0)
    return local


def story_events(*, now: datetime.datetime, rng: random.Random) -> list[Event]:
    """Six months of life in the community, oldest first (the same list on every run)."""
    start = now - datetime.timedelta(days=HISTORY_DAYS)
    events: list[Event] = []
    for index, username in enumerate(SHOPPERS):
        # Each resident changes euros two to four times, the first time within their first weeks.
        times = sorted([rng.uniform(0, 30), *(rng.uniform(30, HISTORY_DAYS - 2) for _ in range(rng.randint(1, 3)))])
        for number, days in enumerate(times):
            euros = Decimal(rng.choice([20, 30, 50, 50, 80, 100, 120, 150]))
            events.append(
                Event(
                    _moment(rng, start, days),
                    "conversion",
                    f"demo:conversion:{index}:{number}",
                    username,
                    str(rng.randrange(len(COMPTOIRS))),
                    euros,
                )
            )
    for index in range(220):
        payee = rng.choice(BUSINESSES)
        amount = Decimal(rng.randint(250, 4500)) / 100
        events.append(
            Event(
                _moment(rng, start, rng.uniform(3, HISTORY_DAYS - 1)),
                "payment",
                f"demo:payment:{index}",
                rng.choice(SHOPPERS),
                payee,
                amount,
                rng.choice(PURCHASES[payee]),
            )
        )
    for index in range(36):
        payer, payee, memo = rng.choice(SUPPLIES)
        amount = Decimal(rng.randint(1500, 12000)) / 100
        events.append(
            Event(
                _moment(rng, start, rng.uniform(20, HISTORY_DAYS - 1)),
                "payment",
                f"demo:supply:{index}",
                payer,
                payee,
                amount,
                memo,
            )
        )
    for index in range(110):
        provider, receiver = rng.sample(TIME_BANK, 2)
        hours = Decimal(rng.choice([50, 100, 100, 150, 200, 300])) / 100
        events.append(
            Event(
                _moment(rng, start, rng.uniform(0, HISTORY_DAYS - 1)),
                "hours",
                f"demo:hours:{index}",
                receiver,
                provider,
                hours,
                rng.choice(SERVICES),
            )
        )
    for index in range(50):
        buyer, seller = rng.sample(SHOPPERS, 2)
        grains = Decimal(rng.randint(5, 60))
        events.append(
            Event(
                _moment(rng, start, rng.uniform(0, HISTORY_DAYS - 1)),
                "grains",
                f"demo:grains:{index}",
                buyer,
                seller,
                grains,
                "Échange SEL",
            )
        )
    return sorted(events, key=lambda event: (event.at, event.key))


def story_told() -> bool:
    """Whether an earlier run has told the story (its last write exists)."""
    return selectors.hold_exists(idempotency_key=STORY_DONE_KEY)


def member_accounts() -> dict[tuple[str, str], Account]:
    """Every member's account, by (login, unit)."""
    return {
        (account.holder.user.username, account.unit): account
        for account in selectors.member_accounts_with_holders()
        if account.holder is not None
    }


def story_play(*, admin: Any, comptoirs: list[Comptoir], members: dict[str, Member], now: datetime.datetime) -> None:
    """The dated events, oldest first: conversions at the comptoirs, transfers in ACH, hours and grains."""
    accounts = member_accounts()
    staff = {comptoir.pk: comptoir.staff.order_by("pk").first() for comptoir in comptoirs}
    rng = random.Random(SEED + 1)
    units = {"payment": "ACH", "hours": "HRS", "grains": "GRN"}
    for event in story_events(now=now, rng=rng):
        if event.kind == "conversion":
            comptoir = comptoirs[int(event.payee)]
            convert(
                comptoir=comptoir,
                member=members[event.payer],
                euros=Money(event.amount, "EUR"),
                staff=staff[comptoir.pk],
                key=event.key,
                at=event.at,
            )
            continue
        unit = units[event.kind]
        # Hours: the receiver of the service pays its provider. A member short of funds, or at
        # a limit, simply skips that one.
        with contextlib.suppress(ApplicationError):
            services.transfer_create(
                from_account=accounts[(event.payer, unit)],
                to_account=accounts[(event.payee, unit)],
                amount=Money(event.amount, unit),
                memo=event.memo,
                actor=admin,
                idempotency_key=event.key,
                at=event.at,
            )


def story_end(*, admin: Any, now: datetime.datetime) -> None:
    """One pending hold, so the dashboard shows an amount on hold; written last, it marks the story told."""
    accounts = member_accounts()
    services.hold_create(
        from_account=accounts[("camille", "GRN")],
        to_account=accounts[("jardins", "GRN")],
        amount=Money("12", "GRN"),
        memo="Panier de légumes (réservation)",
        actor=admin,
        expires_at=now + datetime.timedelta(days=14),
        idempotency_key=STORY_DONE_KEY,
    )
