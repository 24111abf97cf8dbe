"""Reads of the ledger. Balances come from the account row (O(1)), never a SUM over history."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, models
from django.db.models import Count, Exists, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.api import MAX_ID
from core.typing import RequestUser
from members.models import Member

from . import kinds
from .errors import AccountNotFound
from .locks import account_columns, bigint_array  # the SQL fragments the posting path builds too
from .models import Account, Entry, Hold, Seal, Transaction
from .units import all_units

AUDIT_PERMISSION = "ledger.audit_ledger"


def can_read_everything(user: RequestUser) -> bool:
    """Staff and auditors read every account, transaction and hold."""
    return bool(user.is_authenticated and (user.is_staff or user.has_perm(AUDIT_PERMISSION)))


def audit_targets(model: type[models.Model], ids: list[str]) -> QuerySet[Any]:
    """The rows an audit log page names (any app's model, by the event's object type): read only,
    for their labels and the person they concern; the page is for staff and auditors.

    With the rows they point to, two steps away (a booking's resource and its place, a pledge's
    backer and their user), which their names and persons read: one query per type, not per row."""
    return model._base_manager.select_related(*_two_steps(model)).filter(pk__in=ids)


def _two_steps(model: type[models.Model]) -> list[str]:
    def forward(of: type[models.Model]) -> list[Any]:
        # Foreign keys and one-to-ones (a user's member too, the person an event on a user names).
        return [
            field
            for field in of._meta.get_fields()
            if (field.many_to_one or field.one_to_one) and field.related_model is not None
        ]

    paths = []
    for field in forward(model):
        paths.append(field.name)
        paths += [f"{field.name}__{further.name}" for further in forward(field.related_model) if further.concrete]
    return paths


def accounts_visible_to(user: RequestUser) -> QuerySet[Account]:
    accounts = Account.objects.select_related("holder")
    if can_read_everything(user):
        return accounts.all()
    if not user.is_authenticated:
        return accounts.none()
    return accounts.filter(kind=Account.Kind.MEMBER, holder__user_id=user.pk)


def own_accounts(user: RequestUser) -> QuerySet[Account]:
    """The user's own member accounts (even for staff, who may see every account)."""
    if user.pk is None:
        return Account.objects.none()
    return Account.objects.filter(kind=Account.Kind.MEMBER, holder__user_id=user.pk).order_by("id")


def account_get_visible(*, user: RequestUser, account_id: int) -> Account:
    """The account if the user may see it; AccountNotFound otherwise (even if it exists)."""
    account = accounts_visible_to(user).filter(pk=account_id).first()
    if account is None:
        raise AccountNotFound()
    return account


def may_pay_from(user: RequestUser, account: Account) -> bool:
    """Whether the user may pay from this member account: their own (staff: any member's)."""
    holder = account.holder
    return bool(user.is_authenticated and (user.is_staff or (holder is not None and holder.user_id == user.pk)))


def account_get_payable_by(*, user: RequestUser, account_id: int) -> Account:
    """An account the user may pay from: their own (staff: any member's)."""
    account = Account.objects.select_related("holder").filter(kind=Account.Kind.MEMBER, pk=account_id).first()
    if account is None or not may_pay_from(user, account):
        raise AccountNotFound()
    return account


def account_get_payee(*, account_id: int) -> Account:
    """A member account anyone may pay into. System accounts move only through their flows."""
    account = Account.objects.select_related("holder").filter(kind=Account.Kind.MEMBER, pk=account_id).first()
    if account is None:
        raise AccountNotFound()
    return account


def transfer_parties(*, user: RequestUser, from_account_id: int, to_account_id: int) -> tuple[Account, Account]:
    """The payer (account_get_payable_by) and the payee (account_get_payee), read in one query.

    Each account comes with its holder, loaded with what the checks of a payment read (who holds
    it, until when the membership runs); the holder's other fields load if something asks."""
    ids = sorted({pk for pk in (from_account_id, to_account_id) if 0 < pk <= MAX_ID})  # beyond: no such account
    if connection.vendor == "postgresql":
        found = _member_accounts_with_holders(ids)
    else:
        found = {account.pk: account for account in Account.objects.select_related("holder").filter(pk__in=ids)}
    payer, payee = found.get(from_account_id), found.get(to_account_id)
    if payer is None or payer.kind != Account.Kind.MEMBER or not may_pay_from(user, payer):
        raise AccountNotFound()
    if payee is None or payee.kind != Account.Kind.MEMBER:
        raise AccountNotFound()
    return payer, payee


PARTY_HOLDER_FIELDS = ("id", "user_id", "membership_expires_on")


@functools.cache
def _accounts_with_holders_sql() -> tuple[str, list[str]]:
    names, account_sql = account_columns()
    member_columns = {field.attname: field.column for field in Member._meta.concrete_fields}
    holder_columns = ", ".join(f"m.{member_columns[name]}" for name in PARTY_HOLDER_FIELDS)
    sql = (
        f"SELECT {account_sql}, {holder_columns} FROM {Account._meta.db_table} a "  # noqa: S608 - names from the models
        f"LEFT JOIN {Member._meta.db_table} m ON m.id = a.holder_id WHERE a.id = ANY(%s::bigint[])"
    )
    return sql, names


def _member_accounts_with_holders(ids: list[int]) -> dict[int, Account]:
    """PostgreSQL: the accounts and their holders by one plain query (the ORM spent five times the
    CPU building it: ledger_bench, HTTP workload)."""
    if not ids:
        return {}
    sql, names = _accounts_with_holders_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [bigint_array(ids)])
        rows = cursor.fetchall()
    found = {}
    for row in rows:
        account = Account.from_db(connection.alias, names, row[: len(names)])
        holder = row[len(names) :]
        if holder[0] is not None:
            account.holder = Member.from_db(connection.alias, list(PARTY_HOLDER_FIELDS), holder)
        found[account.pk] = account
    return found


def member_account(member: Member | int, unit: str) -> Account:
    """The member's account in `unit` (a member or a member id), whatever its status: a posting
    refuses a frozen or a closed one with its own error.

    Raises AccountNotFound ("<member> has no <unit> account.") when the member has none.
    """
    holder = {"holder_id": member} if isinstance(member, int) else {"holder": member}
    account = Account.objects.filter(kind=Account.Kind.MEMBER, unit=unit, **holder).first()
    if account is None:
        name = member if isinstance(member, Member) else Member.objects.filter(pk=member).first()
        raise AccountNotFound(_("%(member)s has no %(unit)s account.") % {"member": name, "unit": unit})
    return account


def account_get(account_id: int) -> Account:
    """An account with its holder, for a flow that already knows it by id. Raises AccountNotFound."""
    account = Account.objects.select_related("holder").filter(pk=account_id).first()
    if account is None:
        raise AccountNotFound()
    return account


def hold_get(hold_id: int) -> Hold:
    """A hold, for a flow that already knows it by id (no lock: `ledger.locks.hold_lock` locks)."""
    return Hold.objects.get(pk=hold_id)


def holds_pending_on(accounts: list[Account]) -> QuerySet[Hold]:
    """The pending holds from or towards any of these accounts."""
    return Hold.objects.filter(
        Q(debit_account__in=accounts) | Q(credit_account__in=accounts), status=Hold.Status.PENDING
    )


def member_account_for_unit(*, username: str, unit: str) -> Account:
    account = (
        Account.objects.select_related("holder")
        .filter(kind=Account.Kind.MEMBER, holder__user__username=username, unit=unit)
        .first()
    )
    if account is None:
        raise AccountNotFound()
    return account


def account_statement(*, account: Account, before_id: int | None = None, limit: int = 50) -> list[Entry]:
    """Entries newest first, keyset-paginated by entry id (constant time however long the history)."""
    entries = Entry.objects.filter(account=account).select_related("transaction").order_by("-id")
    if before_id is not None:
        entries = entries.filter(id__lt=before_id)
    return list(entries[:limit])


def account_entries(*, account: Account) -> QuerySet[Entry]:
    return Entry.objects.filter(account=account).select_related("transaction").order_by("-id")


# How a member's statement names Bocage's own accounts (an account's name, if it has one, first).
PARTY_LABELS: dict[str, Any] = {
    Account.SystemCode.WORLD: gettext_lazy("Outside Bocage (euros)"),
    Account.SystemCode.ISSUANCE: gettext_lazy("Bocage (issuance)"),
    Account.SystemCode.FEES: gettext_lazy("Bocage (fees and membership)"),
    Account.SystemCode.DEMURRAGE_FUND: gettext_lazy("Bocage (demurrage)"),
    Account.SystemCode.ESCROW: gettext_lazy("Bocage (escrow)"),
}


def party_label(account: Account) -> str:
    """Who an account is to a member reading a statement: its name, its holder, or Bocage's own."""
    if account.name or account.holder_id is not None:
        return account.label
    label = PARTY_LABELS.get(account.system_code)
    return str(label) if label is not None else account.label


# Beyond this many accounts on the other side of a posting, a statement says "several" without
# reading them (a batch of thousands stays one small query).
COUNTERPARTIES_READ = 5


def statement_counterparties(*, account: Account, entries: Iterable[Entry]) -> dict[int, str]:
    """For each of the account's entries (by entry id), who is on the other side of the posting.

    The other side is the accounts of the same unit moving the other way in the transaction: a
    member's display name, or the system account's label ("Guarantee fund"). Several of them: the
    one moving the largest amount ("several" when two move as much). Bocage's own accounts are
    named for members (`party_label`: "Bocage (issuance)"). Two queries for the page,
    however many entries: a count per transaction, then the accounts of the ones with few.
    An entry whose posting has no other side is absent from the answer."""
    own = {entry.pk: (entry.transaction_id, entry.amount < 0) for entry in entries}
    debits = {txn for txn, debit in own.values() if debit}
    credits = {txn for txn, debit in own.values() if not debit}
    if not own:
        return {}
    other_side = Entry.objects.filter(
        Q(transaction_id__in=debits, amount__gt=0) | Q(transaction_id__in=credits, amount__lt=0),
        unit=account.unit,
    ).exclude(account_id=account.pk)
    counts = dict(
        other_side.order_by()
        .values("transaction_id")
        .annotate(accounts=Count("account_id", distinct=True))
        .values_list("transaction_id", "accounts")
    )
    few = [txn for txn, number in counts.items() if number <= COUNTERPARTIES_READ]
    moves: dict[tuple[int, bool], list[tuple[int, Account]]] = {}
    if few:
        rows = (
            other_side.filter(transaction_id__in=few)
            .select_related("account__holder")
            .only(
                "transaction_id",
                "amount",
                "account__name",
                "account__kind",
                "account__holder",
                "account__system_code",
                "account__holder__display_name",
            )
        )
        for row in rows:
            moves.setdefault((row.transaction_id, row.amount > 0), []).append((abs(row.amount), row.account))
    several = _("several")
    answer: dict[int, str] = {}
    for entry_id, (txn, debit) in own.items():
        if txn not in counts:
            continue
        found = moves.get((txn, debit))  # the own entry is a debit: the others are credits
        if not found:
            answer[entry_id] = several
            continue
        found.sort(key=lambda move: move[0], reverse=True)
        largest = found[0]
        tied = {acc.pk for amount, acc in found if amount == largest[0]}
        answer[entry_id] = party_label(largest[1]) if len(tied) == 1 else several
    return answer


def transactions_visible_to(user: RequestUser) -> QuerySet[Transaction]:
    transactions = Transaction.objects.prefetch_related("entries")
    if can_read_everything(user):
        return transactions.all()
    if not user.is_authenticated:
        return transactions.none()
    own = Entry.objects.filter(account__holder__user_id=user.pk).values("transaction_id")
    return transactions.filter(pk__in=own)


def holds_visible_to(user: RequestUser) -> QuerySet[Hold]:
    holds = Hold.objects.select_related("debit_account__holder", "credit_account__holder")
    if can_read_everything(user):
        return holds.all()
    if not user.is_authenticated:
        return holds.none()
    return holds.filter(Q(debit_account__holder__user_id=user.pk) | Q(credit_account__holder__user_id=user.pk))


@dataclass(frozen=True)
class TrialBalanceLine:
    unit: str
    debit_balances: int  # sum of negative balances (as a positive number), minor units
    credit_balances: int  # sum of positive balances, minor units
    accounts: int

    @property
    def difference(self) -> int:
        return self.credit_balances - self.debit_balances


def trial_balance() -> list[TrialBalanceLine]:
    """Per unit: the sums of positive and negative balances; they must be equal."""
    lines = []
    for code in all_units():
        accounts = Account.objects.filter(unit=code)
        positive = accounts.filter(balance__gt=0).aggregate(total=Sum("balance"))["total"] or 0
        negative = accounts.filter(balance__lt=0).aggregate(total=Sum("balance"))["total"] or 0
        lines.append(
            TrialBalanceLine(unit=code, debit_balances=-negative, credit_balances=positive, accounts=accounts.count())
        )
    return lines


# --- Reads for the other apps (they never query ledger rows themselves) --------------------------


def system_balance(code: str, unit: str) -> int:
    """The balance of the main system account `code` in `unit` (reference ""), 0 when it is absent.

    A read: it never opens the account (`ledger.services.system_account` would).
    """
    balance = (
        Account.objects.filter(kind=Account.Kind.SYSTEM, system_code=code, unit=unit, reference="")
        .values_list("balance", flat=True)
        .first()
    )
    return balance or 0


def system_balance_total(code: str, unit: str) -> int:
    """The sum of the balances of every system account `code` in `unit`, whatever its reference."""
    total = Account.objects.filter(kind=Account.Kind.SYSTEM, system_code=code, unit=unit).aggregate(
        total=Sum("balance")
    )["total"]
    return int(total or 0)


def member_payment_totals(
    *, units: list[str], since: datetime.datetime, tz: datetime.tzinfo
) -> QuerySet[Entry, dict[str, Any]]:
    """Members paying members since `since`, per month (in `tz`) and unit: rows of `month`, `unit`,
    `total` (what the payees received: the positive entries on member accounts) and `transactions`.

    Payments are the kinds the apps registered as member payments (plain transfers, captured holds,
    paid payment requests, time-bank services…), not a conversion or a fee. One query.
    """
    return (
        Entry.objects.filter(
            account__kind=Account.Kind.MEMBER,
            amount__gt=0,
            unit__in=units,
            transaction__kind__in=kinds.member_payment_kinds(),
            transaction__created_at__gte=since,
        )
        .annotate(month=TruncMonth("transaction__created_at", tzinfo=tz))
        .values("month", "unit")
        .annotate(total=Sum("amount"), transactions=Count("transaction", distinct=True))
        .order_by()
    )


def open_member_account_ids(
    *, unit: str, balance_above: int, after_id: int, limit: int, unless: QuerySet[Any, Any] | None = None
) -> list[int]:
    """Ids of the open member accounts of `unit` whose balance is above `balance_above`, after
    `after_id`, in id order, at most `limit` (a batch). `unless`: the caller's query correlated on the
    account (`OuterRef("pk")`); an account it finds a row for is skipped (NOT EXISTS, one query in all)."""
    accounts = Account.objects.filter(
        kind=Account.Kind.MEMBER, unit=unit, status=Account.Status.OPEN, balance__gt=balance_above, pk__gt=after_id
    )
    if unless is not None:
        accounts = accounts.exclude(Exists(unless))
    return list(accounts.order_by("pk").values_list("pk", flat=True)[:limit])


def member_accounts_with_holders() -> QuerySet[Account]:
    """Every member account, its holder and the holder's user joined."""
    return Account.objects.filter(kind=Account.Kind.MEMBER).select_related("holder__user")


def accounts_with_holders(ids: Iterable[int]) -> dict[int, Account]:
    """These accounts by id, their holders joined (one query)."""
    return {account.pk: account for account in Account.objects.select_related("holder").filter(pk__in=ids)}


def hold_exists(*, idempotency_key: str) -> bool:
    """Whether a hold was placed under this idempotency key."""
    return Hold.objects.filter(idempotency_key=idempotency_key).exists()


def transaction_with_key(idempotency_key: str) -> Transaction | None:
    """The transaction posted under this idempotency key, if any (a flow that decides its amount
    under the lock replays its first outcome with it)."""
    return Transaction.objects.filter(idempotency_key=idempotency_key).first()


def hold_captured(hold_id: int) -> bool:
    """Whether this hold was captured, in part or in full."""
    return Hold.objects.filter(pk=hold_id, captured_amount__gt=0).exists()


def transaction_count() -> int:
    return Transaction.objects.count()


def last_transaction_id() -> int:
    """The id of the latest posting, 0 when there is none."""
    return Transaction.objects.order_by("-id").values_list("id", flat=True).first() or 0


def posting_units(transaction_ids: list[int], *, using: str = DEFAULT_DB_ALIAS) -> set[tuple[int, str]]:
    """The distinct (transaction id, unit) pairs of these postings' entries (one query)."""
    return set(
        Entry.objects.using(using)
        .filter(transaction_id__in=transaction_ids)
        .values_list("transaction_id", "unit")
        .distinct()
    )


def system_balances_by_unit() -> list[dict[str, Any]]:
    """Per unit and system code: the sum of the system accounts' balances (`unit`, `system_code`, `total`)."""
    return list(
        Account.objects.filter(kind=Account.Kind.SYSTEM)
        .values("unit", "system_code")
        .annotate(total=Sum("balance"))
        .order_by("unit", "system_code")
    )


def pending_holds_by_unit() -> list[dict[str, Any]]:
    """Per unit: how many holds are pending and their total (`unit`, `count`, `total`)."""
    return list(
        Hold.objects.filter(status=Hold.Status.PENDING)
        .values("unit")
        .annotate(count=Count("id"), total=Sum("amount"))
        .order_by("unit")
    )


def latest_seal() -> Seal | None:
    """The most recent seal of the ledger, None before the first."""
    return Seal.objects.order_by("-sequence").first()
