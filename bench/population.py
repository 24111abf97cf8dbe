"""The bench's accounts: members in bulk (no password hashing), one business, a staff caller.

Accounts are created with wide but finite limits (±10^12 minor units) so every posting still
evaluates the limit checks (the CHECK constraints run on each balance update) while uniformly
random transfers are never refused: a refusal would measure the error path, not posting.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from core.text import search_key
from ledger.models import Account
from members.models import Member
from members.services import api_token_create

UNIT = "HRS"
LIMIT = 10**12


@dataclass
class Population:
    account_ids: list[int]  # the spread-out member accounts
    hot_account_id: int  # the business account everyone pays in the hot variant
    read_account_ids: dict[str, int] = field(default_factory=dict)  # accounts loaded for the read workload
    world_account_id: int = 0  # their counterparty (unbounded system account)
    pad_account_id: int = 0  # takes the history that brings the ledger to a verify_ledger size
    actor_id: int = 0
    token: str = ""
    unit: str = UNIT


def _members(prefix: str, count: int, kind: str) -> list[Member]:
    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        [user_model(username=f"{prefix}{i}", password="!") for i in range(count)]  # "!": no usable password
    )
    expires = timezone.localdate() + timedelta(days=365)
    return Member.objects.bulk_create(
        [
            Member(
                user=user,
                display_name=user.username,
                search_key=search_key(user.username),  # bulk_create skips save(), which keeps the key
                kind=kind,
                membership_expires_on=expires,
            )
            for user in users
        ]
    )


def _accounts(members: list[Member]) -> list[Account]:
    return Account.objects.bulk_create(
        [
            Account(kind=Account.Kind.MEMBER, holder=member, unit=UNIT, min_balance=-LIMIT, max_balance=LIMIT)
            for member in members
        ]
    )


def populate(*, accounts: int, read_sizes: list[int]) -> Population:
    spread = _accounts(_members("bench", accounts, Member.Kind.INDIVIDUAL))
    hot = _accounts(_members("bench-business", 1, Member.Kind.BUSINESS))[0]
    readers = _accounts(_members("bench-reads", len(read_sizes) + 1, Member.Kind.INDIVIDUAL))
    pad = readers.pop()
    world = Account.objects.create(
        kind=Account.Kind.SYSTEM, system_code=Account.SystemCode.WORLD, reference="bench", unit=UNIT
    )
    staff = get_user_model().objects.create_user(
        username="bench-staff", password=secrets.token_urlsafe(24), is_staff=True
    )
    _token, key = api_token_create(user=staff, actor=None)
    return Population(
        account_ids=[a.pk for a in spread],
        hot_account_id=hot.pk,
        read_account_ids={str(size): account.pk for size, account in zip(read_sizes, readers, strict=True)},
        world_account_id=world.pk,
        pad_account_id=pad.pk,
        actor_id=staff.pk,
        token=key,
    )
