"""Carnets: bought once (one posting), valid until a date, then what is left expires.

Buying a carnet is one atomic block: the Pass row, then ONE ledger posting (kind
`carnet_purchase`) that moves the price from the member to the seller and issues the credits from
the seller's issuer to the carnet's own account (places.selectors.credits). Insufficient funds
refuse the posting and roll the Pass back: nothing is written. Expiry gives what is left available
(balance − held: credits held by a booking stay) back to the issuer, once per carnet (its key).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import PermissionDenied
from core.idempotency import existing_for_key
from core.retries import with_retries
from core.typing import Actor
from ledger import memos
from ledger.selectors import member_account
from ledger.services import lock_accounts, transaction_post
from ledger.units import get_unit
from members.models import Member
from places.errors import NotOnSale, PassOfferNotFound
from places.kinds import CARNET_PURCHASE, CREDIT_EXPIRY
from places.memos import CARNET_PURCHASE as CARNET_MEMO
from places.memos import CREDIT_EXPIRY as EXPIRY_MEMO
from places.models import Pass, PassOffer, Place
from places.selectors.credits import carnet_account, credit_issuer, seller_account
from places.selectors.passes import available_credits
from places.services.common import may_act_for

__all__ = ["carnet_buy", "carnet_expire", "carnets_expire_due", "credits_take_back"]

logger = logging.getLogger("bocage.places")


def _request_hash(offer: PassOffer, member: Member) -> str:
    return hashlib.sha256(json.dumps(["carnet", offer.pk, member.pk]).encode()).hexdigest()


def _replay(idempotency_key: str | None, request_hash: str) -> Pass | None:
    replayed: Pass | None = existing_for_key(Pass, idempotency_key, request_hash)
    return replayed


def carnet_buy(
    *,
    offer: PassOffer,
    member: Member,
    actor: Actor,
    idempotency_key: str | None = None,
    now: dt.datetime | None = None,
) -> Pass:
    """`member` buys a carnet of `offer` (the actor is the member, or staff).

    Raises PermissionDenied, PassOfferNotFound, NotOnSale, IdempotencyKeyReused and the ledger's
    refusals (InsufficientFunds, AccountNotFound, AccountFrozen…): nothing is written when refused.
    The same key and request return the first carnet.
    """
    if not may_act_for(actor, member):
        raise PermissionDenied(_("You may only buy a carnet for yourself."))
    now = now or timezone.now()
    request_hash = _request_hash(offer, member)
    replayed = _replay(idempotency_key, request_hash)
    if replayed is not None:
        return replayed

    def attempt() -> Pass:
        with transaction.atomic(durable=True):
            current = PassOffer.objects.select_for_update(of=("self",)).filter(pk=offer.pk).first()
            if current is None:
                raise PassOfferNotFound()
            again = _replay(idempotency_key, request_hash)
            if again is not None:
                return again
            if not current.on_sale:
                raise NotOnSale()
            today = timezone.localdate(now)
            carnet = Pass.objects.create(
                member=member,
                offer=current,
                place=current.place,
                resource_kind=current.resource_kind,
                unit=current.unit,
                quantity=current.quantity,
                price_unit=current.price_unit,
                price=current.price,
                valid_until=today + dt.timedelta(days=current.validity_days - 1),
                idempotency_key=idempotency_key,
                request_hash=request_hash,
                created_at=now,
            )
            account = carnet_account(carnet.pk, current.unit)
            legs = []
            if current.price:
                price = get_unit(current.price_unit).to_money(current.price)
                legs += [
                    (member_account(member, current.price_unit), -price),
                    (seller_account(current.place, current.price_unit), price),
                ]
            credits = get_unit(current.unit).to_money(current.quantity)
            legs += [(credit_issuer(current.place, current.unit), -credits), (account, credits)]
            purchase = transaction_post(
                legs=legs,
                kind=CARNET_PURCHASE,
                memo=memos.memo(CARNET_MEMO, offer=current.name),
                actor=actor,
                idempotency_key=f"carnet:{carnet.pk}:purchase",
            )
            carnet.account = account
            carnet.purchase = purchase
            carnet.save(update_fields=["account", "purchase"])
            audit_record(actor=actor, action="carnet_buy", target=carnet)
            return carnet

    try:
        return with_retries(attempt)
    except IntegrityError:
        replayed = _replay(idempotency_key, request_hash)
        if replayed is not None:
            return replayed
        raise


def credits_take_back(*, account_id: int, issuer_place: Place | None, unit: str, key: str, name: str) -> int:
    """Give what is left available on a credit account back to its issuer (kind `credit_expiry`),
    under `key` (once). Inside the caller's transaction; returns the credits taken back."""
    account = lock_accounts([account_id])[account_id]
    left = available_credits(account)
    if left <= 0:
        return 0
    amount = get_unit(unit).to_money(left)
    transaction_post(
        legs=[(account_id, -amount), (credit_issuer(issuer_place, unit), amount)],
        kind=CREDIT_EXPIRY,
        memo=memos.memo(EXPIRY_MEMO, name=name),
        actor=None,
        idempotency_key=key,
    )
    return left


def carnet_expire(carnet_id: int, *, now: dt.datetime | None = None) -> bool:
    """Expire one carnet past its last day: what is left goes back to the issuer; safe twice."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        carnet = (
            Pass.objects.select_for_update(of=("self",)).select_related("place", "offer").filter(pk=carnet_id).first()
        )
        if carnet is None or carnet.expired_at is not None or carnet.valid_until >= timezone.localdate(now):
            return False
        if carnet.account_id is not None:
            credits_take_back(
                account_id=carnet.account_id,
                issuer_place=carnet.place,
                unit=carnet.unit,
                key=f"carnet:{carnet.pk}:expiry",
                name=carnet.offer.name,
            )
        carnet.expired_at = now
        carnet.save(update_fields=["expired_at"])
        return True


def carnets_expire_due(now: dt.datetime | None = None, *, batch_size: int = 500) -> int:
    """The beat: expire every carnet whose last day has passed. Each carnet in its own transaction,
    so a worker that dies half-way leaves the rest for the next run."""
    now = now or timezone.now()
    due = list(
        Pass.objects.filter(expired_at__isnull=True, valid_until__lt=timezone.localdate(now))
        .order_by("valid_until", "id")
        .values_list("pk", flat=True)[:batch_size]
    )
    return sum(1 for carnet_id in due if carnet_expire(carnet_id, now=now))
