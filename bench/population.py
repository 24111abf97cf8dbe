"""The bench's accounts: members in bulk (no password hashing), one business, a staff caller.

Accounts are created with wide but finite limits (±10^12 minor units) so every posting still
evaluates the limit checks (the CHECK constraints run on each balance update) while uniformly
random transfers are never refused: a refusal would measure the error path, not posting.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from core.text import search_key
from ledger import memos
from ledger.kinds import POSTING
from ledger.models import Account, Entry, Hold, Transaction
from ledger.services import system_account
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


# --- the territory's ledger rows (bench.territory) ------------------------------------------------


def opening_balances(amounts: dict[int, int], local: str) -> int:
    """One posting: ACH issuance −total, each account +amount; EUR world −total, guarantee fund +total.

    Every entry opens its account's chain (balance_after = amount, the accounts being new) and the
    balances are set from the entries in the same transaction: the chain, zero-sum, account-total
    and backing checks of the database all pass. Returns the transaction id.
    """
    total = sum(amounts.values())
    issuance = system_account(Account.SystemCode.ISSUANCE, local)
    fund = system_account(Account.SystemCode.GUARANTEE_FUND, "EUR")
    world = system_account(Account.SystemCode.WORLD, "EUR")
    with transaction.atomic(durable=True):
        locked = {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=[issuance.pk, fund.pk, world.pk])}
        txn = Transaction.objects.create(kind_id=POSTING, memo="bench territory: opening balances")
        rows = [
            Entry(
                transaction=txn,
                account_id=issuance.pk,
                unit=local,
                amount=-total,
                balance_after=locked[issuance.pk].balance - total,
            ),
            Entry(
                transaction=txn,
                account_id=world.pk,
                unit="EUR",
                amount=-total,
                balance_after=locked[world.pk].balance - total,
            ),
            Entry(
                transaction=txn,
                account_id=fund.pk,
                unit="EUR",
                amount=total,
                balance_after=locked[fund.pk].balance + total,
            ),
        ]
        rows += [
            Entry(transaction=txn, account_id=pk, unit=local, amount=amount, balance_after=amount)
            for pk, amount in amounts.items()
        ]
        Entry.objects.bulk_create(rows, batch_size=5000)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE ledger_account SET balance = balance + (SELECT SUM(e.amount) FROM ledger_entry e"
                " WHERE e.transaction_id = %s AND e.account_id = ledger_account.id)"
                " WHERE id IN (SELECT account_id FROM ledger_entry WHERE transaction_id = %s)",
                [txn.pk, txn.pk],
            )
    return int(txn.pk)


def local_accounts(members: list[Member], local: str) -> list[Account]:
    return Account.objects.bulk_create(
        [Account(kind=Account.Kind.MEMBER, holder=member, unit=local, min_balance=0) for member in members],
        batch_size=5000,
    )


def pending_holds(
    pairs: list[tuple[int, int, str]], *, credit_account_id: int, unit: str, memo: memos.Memo
) -> list[Hold]:
    """Pending holds (debit account, amount, key) towards one account, as `hold_create` writes them,
    each debit account's `held` raised by the same amounts; inside the caller's transaction."""
    memo_text, memo_code, memo_params = memos.split(memo)
    holds = Hold.objects.bulk_create(
        [
            Hold(
                debit_account_id=account_id,
                credit_account_id=credit_account_id,
                unit=unit,
                amount=amount,
                memo=memo_text,
                memo_code=memo_code or None,
                memo_params=memo_params if memo_code else None,
                idempotency_key=key,
            )
            for account_id, amount, key in pairs
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_account SET held = held + (SELECT SUM(h.amount) FROM ledger_hold h"
            " WHERE h.credit_account_id = %s AND h.status = 'pending' AND h.debit_account_id = ledger_account.id)"
            " WHERE id IN (SELECT debit_account_id FROM ledger_hold WHERE credit_account_id = %s)",
            [credit_account_id, credit_account_id],
        )
    return holds


def ledger_counts(
    *, unit: str, holders_prefix: str, funded_account_ids: list[int], escrow_account_id: int, fec_account_id: int
) -> dict[str, int]:
    """The territory's ledger rows, read back."""
    return {
        "member_accounts": Account.objects.filter(
            kind=Account.Kind.MEMBER, unit=unit, holder__user__username__startswith=holders_prefix
        ).count(),
        "funded_accounts": Account.objects.filter(pk__in=funded_account_ids, balance__gt=10_000).count(),
        "pending_holds": Hold.objects.filter(credit_account_id=escrow_account_id, status="pending").count(),
        "fec_transactions": Entry.objects.filter(account_id=fec_account_id).count(),
    }


def busiest_member_user_id() -> Any:
    """The user of the member account with the most entries (the demo's busiest member)."""
    return (
        Account.objects.filter(kind=Account.Kind.MEMBER)
        .annotate(n=Count("entries"))
        .order_by("-n", "pk")
        .values_list("holder__user_id", flat=True)
        .first()
    )
