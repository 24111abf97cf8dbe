"""A small pure-Python model of the ledger, to replay the journal into and compare with the database.

Accounts carry a balance, a held amount and optional limits, all in minor units of one unit.
Applying the journal in id order must reproduce every entry's balance_after, keep every balance
within its limits, and leave each hold resolved at most once. The model knows nothing of Django.

The stateful test (test_state_machine.py) also asks it beforehand why the ledger must refuse a
posting or a hold (`posting_refusal`, `hold_refusal`): the rules are restated here from
docs/ARCHITECTURE.md, not imported from the services, so the two can disagree and the test can see it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


class ModelViolation(AssertionError):
    """The journal does not replay: the database and the model disagree."""


@dataclass
class ModelAccount:
    unit: str
    min_balance: int | None = None
    max_balance: int | None = None
    balance: int = 0
    held: int = 0
    frozen: bool = False

    @property
    def available(self) -> int | None:
        """balance − held − min_balance; None when there is no floor."""
        return None if self.min_balance is None else self.balance - self.held - self.min_balance

    @property
    def room(self) -> int | None:
        """How much more the account may receive; None when there is no ceiling."""
        return None if self.max_balance is None else self.max_balance - self.balance


@dataclass
class ModelHold:
    debit: int
    credit: int
    amount: int
    status: str = "pending"
    captured: int = 0


@dataclass
class Ledger:
    accounts: dict[int, ModelAccount] = field(default_factory=dict)
    holds: dict[int, ModelHold] = field(default_factory=dict)
    reversed_transactions: set[int] = field(default_factory=set)
    transactions: int = 0

    def open(
        self,
        account_id: int,
        unit: str,
        min_balance: int | None = None,
        max_balance: int | None = None,
        *,
        balance: int = 0,
        held: int = 0,
        frozen: bool = False,
    ) -> None:
        self.accounts[account_id] = ModelAccount(unit, min_balance, max_balance, balance, held, frozen)

    def post(
        self, transaction_id: int, entries: Sequence[tuple[int, str, int, int | None]], reverses: int | None = None
    ) -> None:
        """Apply one transaction's entries (account, unit, amount, expected balance_after or None)."""
        sums: dict[str, int] = {}
        running = {account_id: self.accounts[account_id].balance for account_id, *_ in entries}
        for account_id, unit, amount, expected in entries:
            account = self.accounts[account_id]
            if account.unit != unit:
                raise ModelViolation(f"transaction {transaction_id}: entry in {unit} on a {account.unit} account")
            if amount == 0:
                raise ModelViolation(f"transaction {transaction_id}: a zero entry")
            running[account_id] += amount
            sums[unit] = sums.get(unit, 0) + amount
            if expected is not None and running[account_id] != expected:
                raise ModelViolation(
                    f"transaction {transaction_id}: account {account_id} at {running[account_id]}, "
                    f"the journal says {expected}"
                )
        # Limits bind the account row once the transaction is applied (invariant 3): two legs of one
        # transaction on the same account may pass beyond a limit in between (see balance_after).
        for account_id, balance in running.items():
            account = self.accounts[account_id]
            if account.min_balance is not None and balance < account.min_balance:
                raise ModelViolation(f"transaction {transaction_id}: account {account_id} below its lower limit")
            if account.max_balance is not None and balance > account.max_balance:
                raise ModelViolation(f"transaction {transaction_id}: account {account_id} above its upper limit")
        if len(entries) < 2 or any(total != 0 for total in sums.values()):
            raise ModelViolation(f"transaction {transaction_id} does not balance: {sums}")
        if reverses is not None:
            if reverses in self.reversed_transactions:
                raise ModelViolation(f"transaction {reverses} reversed twice")
            self.reversed_transactions.add(reverses)
        for account_id, balance in running.items():  # all or nothing, like the database
            self.accounts[account_id].balance = balance
        self.transactions += 1

    def hold_create(self, hold_id: int, debit: int, credit: int, amount: int) -> None:
        if amount <= 0 or debit == credit or self.accounts[debit].unit != self.accounts[credit].unit:
            raise ModelViolation(f"hold {hold_id} is malformed")
        self.holds[hold_id] = ModelHold(debit, credit, amount)
        self.accounts[debit].held += amount

    def hold_resolve(self, hold_id: int, status: str, captured: int = 0) -> None:
        """Capture (of `captured`, at most the amount), void or expire: once, and releasing it all."""
        hold = self.holds[hold_id]
        if hold.status != "pending":
            raise ModelViolation(f"hold {hold_id} resolved twice ({hold.status}, then {status})")
        if status == "captured" and not 0 < captured <= hold.amount:
            raise ModelViolation(f"hold {hold_id} captured {captured} of {hold.amount}")
        if status != "captured" and captured:
            raise ModelViolation(f"hold {hold_id} {status} yet captured {captured}")
        hold.status, hold.captured = status, captured
        self.accounts[hold.debit].held -= hold.amount
        if self.accounts[hold.debit].held < 0:
            raise ModelViolation(f"account {hold.debit} holds less than nothing")

    def posting_refusal(self, legs: list[tuple[int, int]], held_release: dict[int, int] | None = None) -> str | None:
        """The code a posting of these (account, amount) legs must be refused with; None if it posts.

        Accounts are checked in the order they first appear: a frozen one refuses; then the net
        move may not take the available (balance − held − floor) below zero when it lowers it,
        nor the balance above the ceiling when it raises it. `held_release` is what a capture
        releases from the debit account in the same posting.
        """
        deltas: dict[int, int] = {}
        for account_id, amount in legs:
            deltas[account_id] = deltas.get(account_id, 0) + amount
        release = held_release or {}
        for account_id, delta in deltas.items():
            account = self.accounts[account_id]
            if account.frozen:
                return "account_frozen"
            released = release.get(account_id, 0)
            new_available = account.balance + delta - (account.held - released)
            if account.min_balance is not None and delta + released < 0 and new_available < account.min_balance:
                return "insufficient_funds"
            if account.max_balance is not None and delta > 0 and account.balance + delta > account.max_balance:
                return "limit_exceeded"
        return None

    def hold_refusal(self, debit: int, credit: int, amount: int, *, released: int = 0) -> str | None:
        """The code a new hold must be refused with (after `released` of the debit's held is let go)."""
        if self.accounts[debit].frozen or self.accounts[credit].frozen:
            return "account_frozen"
        account = self.accounts[debit]
        if (
            account.min_balance is not None
            and account.balance - (account.held - released + amount) < account.min_balance
        ):
            return "insufficient_funds"
        return None

    def totals(self) -> dict[str, int]:
        per_unit: dict[str, int] = {}
        for account in self.accounts.values():
            per_unit[account.unit] = per_unit.get(account.unit, 0) + account.balance
        return per_unit

    def state(self) -> dict[int, tuple[int, int]]:
        """Every account's (balance, held)."""
        return {pk: (account.balance, account.held) for pk, account in self.accounts.items()}

    def hold_states(self) -> dict[int, tuple[str, int]]:
        """Every hold's (status, captured amount)."""
        return {pk: (hold.status, hold.captured) for pk, hold in self.holds.items()}
