"""Reads of plans and carnets: what is on sale, what a member holds and may use.

Credits are ledger balances: what is left on an allowance or a carnet is its account's
`balance − held` (credits held by bookings are not available), read here, never counted beside
the ledger. These reads never open an account: an account not opened yet holds nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from ledger.models import Account
from members.models import Member
from places.errors import SubscriptionNotFound
from places.models import Pass, PassOffer, Plan, PlanAllowance, Resource, Subscription
from places.selectors.credits import allowance_account

__all__ = [
    "AllowanceLeft",
    "CarnetLeft",
    "MemberPasses",
    "SubscriptionLeft",
    "active_allowances",
    "allowance_account_or_none",
    "available_credits",
    "member_passes",
    "pass_offers_on_sale",
    "plans_on_sale",
    "subscription_active_on",
    "subscription_visible_to",
    "usable_carnets",
]


def allowance_reference(subscription_id: int, allowance_id: int) -> str:
    return f"allowance:{subscription_id}:{allowance_id}"


def allowance_account_or_none(subscription_id: int, allowance_id: int, unit: str) -> Account | None:
    """The allowance's account. Opened when its first period is granted (places.services.plans), so
    this finds it; an allowance added to the plan since then gets an empty one (opened on first use,
    places.selectors.credits, the ledger's only way to reach a system account by its reference)."""
    return allowance_account(subscription_id, allowance_id, unit)


def available_credits(account: Account | None) -> int:
    """What an allowance's or a carnet's account can still give (balance − held), in minor units."""
    if account is None:
        return 0
    return max(account.balance - account.held, 0)


def plans_on_sale(*, place_id: int | None = None) -> QuerySet[Plan]:
    plans = Plan.objects.filter(on_sale=True).select_related("place").prefetch_related("allowances__resource")
    if place_id is not None:
        plans = plans.filter(place_id=place_id)
    return plans


def pass_offers_on_sale(*, place_id: int | None = None) -> QuerySet[PassOffer]:
    offers = PassOffer.objects.filter(on_sale=True).select_related("place")
    if place_id is not None:
        offers = offers.filter(place_id=place_id)
    return offers


def subscription_active_on(subscription: Subscription, on: dt.date) -> bool:
    """Whether a subscription's allowances may be used on `on`: a period is paid and covers that
    day, and the subscription has not ended by then."""
    if subscription.paid_until is None or on > subscription.paid_until or on < subscription.start:
        return False
    return not (subscription.end is not None and on >= subscription.end)


def _covers(place_id: int | None, resource: Resource) -> bool:
    return place_id is None or place_id == resource.place_id


def active_allowances(
    member: Member | int, resource: Resource, on: dt.date
) -> list[tuple[Subscription, PlanAllowance, Account]]:
    """The allowances `member` may use on `resource` on day `on`, with their accounts: those of a
    subscription paid up to that day (never after its end), in the resource's place (or a network
    plan), on that resource or its kind, with credits available. Specific resource first, then by
    subscription age. Helper for the bookings: the first in this order is used first."""
    member_id = member if isinstance(member, int) else member.pk
    subscriptions = (
        Subscription.objects.filter(member_id=member_id, paid_until__gte=on, start__lte=on)
        .filter(Q(end__isnull=True) | Q(end__gt=on))
        .filter(Q(plan__place__isnull=True) | Q(plan__place_id=resource.place_id))
        .select_related("plan")
        .order_by("created_at", "id")
    )
    found: list[tuple[int, Subscription, PlanAllowance, Account]] = []
    for subscription in subscriptions:
        if not subscription_active_on(subscription, on) or not _covers(subscription.plan.place_id, resource):
            continue
        for allowance in subscription.plan.allowances.all():
            specific = allowance.resource_id == resource.pk
            if not specific and (allowance.resource_id is not None or allowance.resource_kind != resource.kind):
                continue
            account = allowance_account_or_none(subscription.pk, allowance.pk, allowance.unit)
            if available_credits(account) <= 0:
                continue
            assert account is not None
            found.append((0 if specific else 1, subscription, allowance, account))
    found.sort(key=lambda row: row[0])  # stable: subscription age kept inside each rank
    return [(subscription, allowance, account) for _rank, subscription, allowance, account in found]


def usable_carnets(member: Member | int, resource: Resource, on: dt.date) -> list[tuple[Pass, Account]]:
    """The carnets `member` may use on `resource` on day `on`, with their accounts: in the
    resource's place or network-wide, of the resource's kind or of every kind, valid that day and
    not expired, with credits available; the one expiring first comes first."""
    member_id = member if isinstance(member, int) else member.pk
    passes = (
        Pass.objects.filter(member_id=member_id, valid_until__gte=on, expired_at__isnull=True, account__isnull=False)
        .filter(Q(place__isnull=True) | Q(place_id=resource.place_id))
        .filter(Q(resource_kind="") | Q(resource_kind=resource.kind))
        .select_related("account")
        .order_by("valid_until", "created_at", "id")
    )
    return [(carnet, carnet.account) for carnet in passes if carnet.account and available_credits(carnet.account) > 0]


@dataclass
class AllowanceLeft:
    allowance: PlanAllowance
    left: int
    granted: int


@dataclass
class SubscriptionLeft:
    subscription: Subscription
    active: bool
    allowances: list[AllowanceLeft] = field(default_factory=list)


@dataclass
class CarnetLeft:
    carnet: Pass
    left: int
    valid: bool


@dataclass
class MemberPasses:
    subscriptions: list[SubscriptionLeft]
    carnets: list[CarnetLeft]


def member_passes(member: Member, *, on: dt.date | None = None) -> MemberPasses:
    """A member's plans (active or not, with each allowance's credits left and granted per period)
    and carnets (credits left, bought, valid until), balances read from the ledger."""
    from django.utils import timezone

    today = on or timezone.localdate()
    subscriptions = []
    for subscription in (
        Subscription.objects.filter(member=member).select_related("plan", "plan__place").order_by("-created_at", "-id")
    ):
        row = SubscriptionLeft(subscription=subscription, active=subscription_active_on(subscription, today))
        for allowance in subscription.plan.allowances.select_related("resource"):
            account = allowance_account_or_none(subscription.pk, allowance.pk, allowance.unit)
            left = available_credits(account) if row.active else 0
            row.allowances.append(AllowanceLeft(allowance=allowance, left=left, granted=allowance.amount))
        subscriptions.append(row)
    carnets = [
        CarnetLeft(
            carnet=carnet,
            left=available_credits(carnet.account) if carnet.expired_at is None else 0,
            valid=carnet.expired_at is None and carnet.valid_until >= today,
        )
        for carnet in Pass.objects.filter(member=member)
        .select_related("offer", "place", "account")
        .order_by("-created_at", "-id")
    ]
    return MemberPasses(subscriptions=subscriptions, carnets=carnets)


def subscription_visible_to(user: Any, subscription_id: int) -> Subscription:
    """A subscription its member (or staff) may act on; SubscriptionNotFound for anyone else."""
    subscription = (
        Subscription.objects.select_related("plan", "member", "standing_order").filter(pk=subscription_id).first()
    )
    if subscription is None:
        raise SubscriptionNotFound()
    if getattr(user, "is_staff", False) and getattr(user, "is_authenticated", False):
        return subscription
    if user is None or subscription.member.user_id != user.pk:
        raise SubscriptionNotFound()
    return subscription
