"""Reads of the share register: holdings and capital at any date, the register, voters, permissions.

Holdings and capital are sums over the movements up to a date (the register is the only source).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, QuerySet, Sum, When
from django.utils import timezone

from core.api import checked_id
from core.typing import Actor, RequestUser, acting_user
from ledger.selectors import can_read_everything

from .errors import CooperativeNotFound, RequestNotFound
from .models import (
    College,
    Cooperative,
    RedemptionRequest,
    ShareClass,
    Shareholder,
    ShareMovement,
    SubscriptionRequest,
)

ADMIN_PERMISSION = "cooperative.administer_register"


def can_administer(actor: Actor) -> bool:
    """Staff, and users given the register permission (the board's secretary)."""
    user = acting_user(actor)
    return bool(user is not None and user.is_active and (user.is_staff or user.has_perm(ADMIN_PERMISSION)))


def can_read_register(user: RequestUser) -> bool:
    """Administrators and auditors read the whole register."""
    return can_administer(user if user.is_authenticated else None) or can_read_everything(user)


def cooperatives_visible_to(user: RequestUser) -> QuerySet[Cooperative]:
    """Every member sees the cooperatives (to subscribe); registers are for administrators and auditors."""
    return Cooperative.objects.select_related("commune").all()


def cooperative_get(*, cooperative_id: int) -> Cooperative:
    cooperative = Cooperative.objects.filter(pk=cooperative_id).first()
    if cooperative is None:
        raise CooperativeNotFound()
    return cooperative


def _up_to(on: datetime.date | None) -> Q:
    return Q() if on is None else Q(effective_on__lte=on)


def shares_of(
    shareholder: Shareholder, *, share_class: ShareClass | None = None, on: datetime.date | None = None
) -> int:
    """Shares a shareholder holds (of one class, or all) at the end of day `on` (None: now)."""
    movements = ShareMovement.objects.filter(_up_to(on))
    if share_class is not None:
        movements = movements.filter(share_class=share_class)
    incoming = movements.filter(to_shareholder=shareholder).aggregate(n=Sum("quantity"))["n"] or 0
    outgoing = movements.filter(from_shareholder=shareholder).aggregate(n=Sum("quantity"))["n"] or 0
    return int(incoming) - int(outgoing)


def outflows_after(shareholder: Shareholder, share_class: ShareClass, after: datetime.date) -> int:
    out = ShareMovement.objects.filter(
        from_shareholder=shareholder, share_class=share_class, effective_on__gt=after
    ).aggregate(n=Sum("quantity"))["n"]
    return int(out or 0)


def capital_at(cooperative: Cooperative, on: datetime.date | None = None) -> int:
    """The subscribed capital (cents) at the end of day `on` (None: now)."""
    total = ShareMovement.objects.filter(Q(cooperative=cooperative) & _up_to(on)).aggregate(c=Sum("capital_delta"))
    return int(total["c"] or 0)


def register(cooperative: Cooperative) -> QuerySet[ShareMovement]:
    """The register in order, with what each line needs."""
    return (
        ShareMovement.objects.filter(cooperative=cooperative)
        .select_related(
            "share_class", "from_shareholder__member", "to_shareholder__member", "reverses", "ledger_transaction"
        )
        .order_by("number")
    )


@dataclass(frozen=True)
class Holding:
    shareholder: Shareholder
    share_class: ShareClass
    shares: int

    @property
    def value(self) -> int:
        return self.shares * self.share_class.nominal_value


def holdings_at(cooperative: Cooperative, on: datetime.date | None = None) -> list[Holding]:
    """Every shareholder's holding per class at the end of day `on`, largest first; zero rows left out."""
    movements = ShareMovement.objects.filter(Q(cooperative=cooperative) & _up_to(on))
    totals: dict[tuple[int, int], int] = {}
    for row in movements.values("to_shareholder_id", "share_class_id").annotate(n=Sum("quantity")):
        if row["to_shareholder_id"] is not None:
            key = (row["to_shareholder_id"], row["share_class_id"])
            totals[key] = totals.get(key, 0) + int(row["n"])
    for row in movements.values("from_shareholder_id", "share_class_id").annotate(n=Sum("quantity")):
        if row["from_shareholder_id"] is not None:
            key = (row["from_shareholder_id"], row["share_class_id"])
            totals[key] = totals.get(key, 0) - int(row["n"])
    shareholders = Shareholder.objects.select_related("member", "college").in_bulk({k[0] for k in totals})
    classes = ShareClass.objects.in_bulk({k[1] for k in totals})
    holdings = [
        Holding(shareholder=shareholders[sid], share_class=classes[cid], shares=n)
        for (sid, cid), n in totals.items()
        if n != 0
    ]
    return sorted(holdings, key=lambda h: (-h.shares, h.shareholder.display_name, h.share_class.code))


def capital_history(cooperative: Cooperative) -> list[tuple[datetime.date, int]]:
    """(date, capital at the end of that day) for every day with a movement, in order."""
    per_day = (
        ShareMovement.objects.filter(cooperative=cooperative)
        .values("effective_on")
        .annotate(delta=Sum("capital_delta"))
        .order_by("effective_on")
    )
    history = []
    running = 0
    for row in per_day:
        running += int(row["delta"])
        history.append((row["effective_on"], running))
    return history


@dataclass(frozen=True)
class CollegeVoters:
    college: College
    voters: list[Shareholder]


def voters_at(cooperative: Cooperative, on: datetime.date | None = None) -> list[CollegeVoters]:
    """The general assembly's voters: shareholders holding shares at the end of day `on`, by college.

    Holding shares on that day is what counts, not today's status: someone who has redeemed all
    their shares since (and so has left) was a voter then.
    """
    on = on or timezone.localdate()
    holding_ids = {h.shareholder.pk for h in holdings_at(cooperative, on)}
    by_college = []
    for college in College.objects.filter(cooperative=cooperative).order_by("position", "id"):
        voters = [
            shareholder
            for shareholder in college.shareholders.select_related("member").order_by("id")
            if shareholder.pk in holding_ids
        ]
        by_college.append(CollegeVoters(college=college, voters=voters))
    return by_college


def members_per_college(cooperative: Cooperative) -> QuerySet[College]:
    return College.objects.filter(cooperative=cooperative).annotate(
        admitted=Sum(
            Case(When(shareholders__status=Shareholder.Status.ADMITTED, then=1), default=0),
            output_field=IntegerField(),
        )
    )


def shareholder_of(cooperative: Cooperative, user: RequestUser) -> Shareholder | None:
    if not user.is_authenticated:
        return None
    return Shareholder.objects.filter(cooperative=cooperative, member__user_id=user.pk).first()


def pending_redemptions(shareholder: Shareholder, share_class: ShareClass) -> int:
    pending = RedemptionRequest.objects.filter(
        shareholder=shareholder,
        share_class=share_class,
        status__in=[RedemptionRequest.Status.REQUESTED, RedemptionRequest.Status.APPROVED],
    ).aggregate(n=Sum("quantity"))["n"]
    return int(pending or 0)


# --- requests -------------------------------------------------------------------------------


def subscription_requests_visible(user: RequestUser, cooperative: Cooperative) -> QuerySet[SubscriptionRequest]:
    """Every request for administrators and auditors; a member's own otherwise (none for a visitor)."""
    requests = SubscriptionRequest.objects.filter(cooperative=cooperative).select_related(
        "member", "college", "share_class", "movement", "shareholder__member"
    )
    if not can_read_register(user):
        requests = requests.filter(member__user_id=user.pk) if user.is_authenticated else requests.none()
    return requests.order_by("requested_at", "id")


def redemption_requests_visible(user: RequestUser, cooperative: Cooperative) -> QuerySet[RedemptionRequest]:
    """Every request for administrators and auditors; a shareholder's own otherwise (none for a visitor)."""
    requests = RedemptionRequest.objects.filter(cooperative=cooperative).select_related(
        "shareholder__member", "share_class", "movement"
    )
    if not can_read_register(user):
        if not user.is_authenticated:
            return requests.none()
        requests = requests.filter(shareholder__member__user_id=user.pk)
    return requests.order_by("requested_at", "id")


def subscription_requests_own(user: RequestUser, cooperative: Cooperative) -> QuerySet[SubscriptionRequest]:
    """The caller's own requests only, even for an administrator who is also a member."""
    return subscription_requests_visible(user, cooperative).filter(Q(member__user_id=user.pk))


def redemption_requests_own(user: RequestUser, cooperative: Cooperative) -> QuerySet[RedemptionRequest]:
    """The caller's own requests only, even for an administrator who is also a shareholder."""
    return redemption_requests_visible(user, cooperative).filter(Q(shareholder__member__user_id=user.pk))


def subscription_request_get_visible(user: RequestUser, cooperative: Cooperative, pk: int) -> SubscriptionRequest:
    """The request if the caller may see it; RequestNotFound otherwise, whether it exists or not."""
    found = subscription_requests_visible(user, cooperative).filter(pk=checked_id(pk)).first()
    if found is None:
        raise RequestNotFound()
    return found


def redemption_request_get_visible(user: RequestUser, cooperative: Cooperative, pk: int) -> RedemptionRequest:
    """The request if the caller may see it; RequestNotFound otherwise, whether it exists or not."""
    found = redemption_requests_visible(user, cooperative).filter(pk=checked_id(pk)).first()
    if found is None:
        raise RequestNotFound()
    return found
