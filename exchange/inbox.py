"""What waits in the marketplace (core.inbox): the exchanges a member must move on, the disputes
a moderator must settle. The same rules as the state machine (exchange.services.transitions)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import ngettext_lazy

from core.inbox import MEMBER, STAFF, InboxItem, counted
from exchange.models import Exchange

S = Exchange.Status


def _waiting_for(user_pk: int) -> Q:
    """Exchanges whose next step is this user's: accept or decline what the other side proposed
    (REQUESTED, not by them), deliver as the seller (ACCEPTED), confirm as the buyer (DELIVERED)."""
    party = Q(buyer__user_id=user_pk) | Q(seller__user_id=user_pk)
    return (
        (Q(status=S.REQUESTED) & party & ~Q(requested_by__user_id=user_pk))
        | Q(status=S.ACCEPTED, seller__user_id=user_pk)
        | Q(status=S.DELIVERED, buyer__user_id=user_pk)
    )


def exchanges_to_answer(user: User) -> list[InboxItem]:
    """A member's exchanges waiting for their answer (the exchanges page lists them: their own)."""
    count = Exchange.objects.filter(_waiting_for(user.pk)).count()
    return counted(
        count,
        key="exchanges",
        label=ngettext_lazy("exchange waiting for your answer", "exchanges waiting for your answer", count),
        url=reverse("exchange-list"),
        kind=MEMBER,
    )


def disputes_to_resolve(user: User) -> list[InboxItem]:
    """Disputed exchanges a staff moderator may resolve (not those they are a party to)."""
    if not (user.is_active and user.is_staff):
        return []
    count = (
        Exchange.objects.filter(status=S.DISPUTED)
        .exclude(Q(buyer__user_id=user.pk) | Q(seller__user_id=user.pk))
        .count()
    )
    return counted(
        count,
        key="disputes",
        label=ngettext_lazy("disputed exchange to resolve", "disputed exchanges to resolve", count),
        url=reverse("exchange-list"),
        kind=STAFF,
    )
