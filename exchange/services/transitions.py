"""The exchange state machine's table, and who is what to an exchange.

Every transition is one row of TRANSITIONS: from a status, an action, by a role, to a status.
`roles_of` says what an actor is to one exchange (buyer, seller, requester or not, a moderator,
the system); the services in `exchanges` and `reviews` check both under the exchange's row lock,
and the pages show only the buttons `exchange_actions_for` allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.typing import Actor, acting_user
from exchange.errors import ExchangeNotFound
from exchange.models import Exchange
from members.models import Member

__all__ = [
    "ACTIONS",
    "PARTY",
    "RESOLVE_OUTCOMES",
    "TRANSITIONS",
    "Role",
    "acting_member",
    "already_done",
    "check_visible",
    "exchange_actions_for",
    "roles_of",
]

S = Exchange.Status


class Role:
    BUYER = "buyer"
    SELLER = "seller"
    REQUESTER = "requester"
    NON_REQUESTER = "non_requester"
    MODERATOR = "moderator"  # staff who is not a party
    SYSTEM = "system"  # Celery beat (automatic capture)


PARTY = frozenset({Role.BUYER, Role.SELLER})


@dataclass(frozen=True)
class Transition:
    to_status: str
    allowed: frozenset[str]


# (from_status, action) → (to_status, who may). Nothing else moves an exchange.
TRANSITIONS: dict[tuple[str, str], Transition] = {
    (S.REQUESTED, "accept"): Transition(S.ACCEPTED, frozenset({Role.NON_REQUESTER})),
    (S.REQUESTED, "decline"): Transition(S.DECLINED, frozenset({Role.NON_REQUESTER})),
    (S.REQUESTED, "cancel"): Transition(S.CANCELLED, PARTY),
    (S.ACCEPTED, "cancel"): Transition(S.CANCELLED, PARTY),
    (S.ACCEPTED, "deliver"): Transition(S.DELIVERED, frozenset({Role.SELLER})),
    (S.ACCEPTED, "dispute"): Transition(S.DISPUTED, PARTY),
    (S.DELIVERED, "confirm"): Transition(S.COMPLETED, frozenset({Role.BUYER})),
    (S.DELIVERED, "dispute"): Transition(S.DISPUTED, PARTY),
    (S.DELIVERED, "auto_capture"): Transition(S.COMPLETED, frozenset({Role.SYSTEM})),
    (S.DISPUTED, "resolve"): Transition(S.RESOLVED, frozenset({Role.MODERATOR})),
}
# What people do (auto_capture is the system's).
ACTIONS = ["accept", "decline", "cancel", "deliver", "confirm", "dispute", "resolve"]
RESOLVE_OUTCOMES = ["capture", "partial", "void"]


def acting_member(actor: Actor) -> Member | None:
    """The member behind the actor (None for the system, anonymous callers and staff without a member)."""
    user = acting_user(actor)
    if user is None:
        return None
    return Member.objects.filter(user__pk=user.pk).first()


# `member=LOOK_UP`: the actor's member is read from the database; a list passes the one it read once.
LOOK_UP: Any = object()


def roles_of(exchange: Exchange, actor: Actor, member: Member | None = LOOK_UP) -> frozenset[str]:
    """What the actor is to this exchange; empty for a stranger."""
    user = acting_user(actor)
    if user is None:
        return frozenset({Role.SYSTEM}) if actor is None else frozenset()
    if member is LOOK_UP:
        member = acting_member(user)
    roles: set[str] = set()
    if member is not None:
        if member.pk == exchange.buyer_id:
            roles.add(Role.BUYER)
        if member.pk == exchange.seller_id:
            roles.add(Role.SELLER)
        if roles:
            roles.add(Role.REQUESTER if member.pk == exchange.requested_by_id else Role.NON_REQUESTER)
    if user.is_staff and not roles:
        roles.add(Role.MODERATOR)
    return frozenset(roles)


def exchange_actions_for(exchange: Exchange, actor: Actor, member: Member | None = LOOK_UP) -> list[str]:
    """The actions the actor may perform now (the page shows these buttons only)."""
    roles = roles_of(exchange, actor, member)
    return [
        action
        for action in ACTIONS
        if (rule := TRANSITIONS.get((exchange.status, action))) is not None and rule.allowed & roles
    ]


def check_visible(exchange: Exchange, roles: frozenset[str]) -> None:
    """Raises ExchangeNotFound for a stranger (no role): to them the exchange does not exist."""
    if not roles:
        raise ExchangeNotFound()


def already_done(status: str, action: str, roles: frozenset[str]) -> bool:
    """Whether `action` by these roles is the transition that led to `status` (a repeat: nothing to do)."""
    return any(
        key[1] == action and rule.to_status == status and rule.allowed & roles for key, rule in TRANSITIONS.items()
    )
