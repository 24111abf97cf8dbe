"""The FEC (Fichier des Écritures Comptables, art. A47 A-1 of the Livre des procédures fiscales)
of a fiscal year: the statutory file an accountant or the tax administration reads.

Tab-separated, the 18 columns of `FEC_COLUMNS`, one line per ledger entry. A ledger transaction
becomes one écriture per journal it touches (one journal per unit: euros, local currency,
hours, grains), each balanced since a transaction's entries sum to zero per unit (invariant 1).
Dates are AAAAMMJJ (the local day, Europe/Paris); amounts have a decimal comma and no thousands
separator; of Debit and Credit one is 0,00. EcritureNum numbers each journal's écritures
without gaps (`EUR000001`, `ACH000001`…) in the order of the transactions; PieceRef is the
transaction's number. The accounts of the plan comptable and the journals are configuration:
`settings.BOCAGE_FEC_ACCOUNTS` and `BOCAGE_FEC_JOURNALS` (their comment explains the sign).
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from django.conf import settings
from django.utils import timezone
from django.utils.translation import override

from .books import start_of_day
from .models import Account, Entry, Transaction
from .units import get_unit

FEC_COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
FIAT_UNIT = "EUR"
LINE_END = "\r\n"
CHUNK_SIZE = 1000

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class FecAccount:
    number: str
    label: str
    aux_number: str = ""
    aux_label: str = ""


def fiscal_year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """1 January 00:00 to the next 1 January 00:00, local time."""
    return start_of_day(datetime.date(year, 1, 1)), start_of_day(datetime.date(year + 1, 1, 1))


def fec_filename(year: int) -> str:
    """The statutory name: SIREN, "FEC", the closing date (`123456789FEC20261231.txt`)."""
    return f"{settings.BOCAGE_FEC_SIREN}FEC{year}1231.txt"


def fec_transactions(year: int) -> Any:
    start, end = fiscal_year_bounds(year)
    return Transaction.objects.filter(created_at__gte=start, created_at__lt=end)


def journal_of(unit: str) -> tuple[str, str]:
    return tuple(settings.BOCAGE_FEC_JOURNALS.get(unit, (unit, unit)))  # type: ignore[return-value]


def _journal_order(unit: str) -> tuple[int, str]:
    journals = list(settings.BOCAGE_FEC_JOURNALS)
    return (journals.index(unit) if unit in journals else len(journals), unit)


def chart_account(account: Account, transaction_kind: str) -> FecAccount:
    """The plan comptable account of a ledger account, most specific mapping key first."""
    mapping: dict[str, tuple[str, str]] = settings.BOCAGE_FEC_ACCOUNTS
    if account.kind == Account.Kind.MEMBER and account.holder is not None:
        member_kind = account.holder.kind
        bases = [
            f"{account.unit}.member.{member_kind}",
            f"{account.unit}.member",
            f"*.member.{member_kind}",
            "*.member",
        ]
    else:
        bases = [f"{account.unit}.{account.system_code}", f"*.{account.system_code}"]
    candidates = [key for base in bases for key in (f"{base}@{transaction_kind}", base)] + ["*"]
    number, label = next(mapping[key] for key in candidates if key in mapping)
    if account.kind == Account.Kind.MEMBER and account.holder is not None:
        return FecAccount(number, label, str(account.holder_id), account.holder.display_name)
    if account.reference:  # one escrow per campaign, one capital per cooperative: keep them apart
        return FecAccount(number, label, f"S{account.pk}", account.label)
    return FecAccount(number, label)


def _clean(value: Any) -> str:
    """A field may hold no tab or line break (they separate fields and lines)."""
    return " ".join(str(value).replace("\t", " ").splitlines()).strip()


def fec_amount(minor: int, unit: str) -> str:
    """`1234,50`: the unit's decimals (at least two), a comma, no thousands separator, no sign."""
    decimals = max(get_unit(unit).decimals, 2)
    value = get_unit(unit).to_decimal(abs(minor))
    return f"{value:.{decimals}f}".replace(".", ",")


class _Numbering:
    """Consecutive écriture numbers per journal, in the order the écritures are written."""

    def __init__(self) -> None:
        self.last: dict[str, int] = {}

    def next(self, journal: str) -> str:
        self.last[journal] = self.last.get(journal, 0) + 1
        return f"{journal}{self.last[journal]:06d}"


def _ecriture_lines(
    txn: Mapping[str, Any], entries: Sequence[Mapping[str, Any]], accounts: dict[int, Account], numbering: _Numbering
) -> Iterable[list[str]]:
    day = timezone.localtime(txn["created_at"]).strftime("%Y%m%d")
    kind = txn["kind"]
    kind_label = str(Transaction.Kind(kind).label) if kind in Transaction.Kind.values else kind
    label = _clean(txn["memo"]) or _clean(kind_label)
    for unit in sorted({entry["unit"] for entry in entries}, key=_journal_order):
        journal_code, journal_label = journal_of(unit)
        number = numbering.next(journal_code)
        for entry in (entry for entry in entries if entry["unit"] == unit):
            target = chart_account(accounts[entry["account_id"]], txn["kind"])
            amount = entry["amount"]
            foreign = unit != FIAT_UNIT
            yield [
                journal_code,
                _clean(journal_label),
                number,
                day,
                target.number,
                _clean(target.label),
                target.aux_number,
                _clean(target.aux_label),
                str(txn["id"]),
                day,
                label,
                fec_amount(amount, unit) if amount < 0 else fec_amount(0, unit),
                fec_amount(amount, unit) if amount > 0 else fec_amount(0, unit),
                "",
                "",
                day,
                fec_amount(amount, unit) if foreign else "",
                unit if foreign else "",
            ]


def fec_write(*, year: int, out: TextIO, progress: Progress | None = None, chunk_size: int = CHUNK_SIZE) -> int:
    """Write the FEC of `year` to `out`, in chunks of transactions; returns the lines of entries written.

    `progress(done, total)` is called after each chunk with the transactions done so far.
    Memory holds one chunk of transactions and their entries, and the accounts met so far.
    """
    transactions = fec_transactions(year)
    total = transactions.count()
    numbering = _Numbering()
    accounts: dict[int, Account] = {}
    out.write("\t".join(FEC_COLUMNS) + LINE_END)
    written = done = 0
    last_id = 0
    if progress:
        progress(0, total)
    with override(settings.LANGUAGE_CODE):  # the books read the same whoever asks for them
        while True:
            chunk = list(
                transactions.filter(id__gt=last_id)
                .order_by("id")
                .values("id", "kind", "memo", "created_at")[:chunk_size]
            )
            if not chunk:
                break
            last_id = chunk[-1]["id"]
            entries = list(
                Entry.objects.filter(transaction_id__in=[txn["id"] for txn in chunk])
                .order_by("transaction_id", "id")
                .values("transaction_id", "account_id", "unit", "amount")
            )
            missing = {entry["account_id"] for entry in entries} - set(accounts)
            if missing:
                accounts.update(Account.objects.select_related("holder").in_bulk(missing))
            by_transaction = {
                key: list(group) for key, group in itertools.groupby(entries, key=lambda entry: entry["transaction_id"])
            }
            for txn in chunk:
                for fields in _ecriture_lines(txn, by_transaction.get(txn["id"], []), accounts, numbering):
                    out.write("\t".join(fields) + LINE_END)
                    written += 1
            done += len(chunk)
            if progress:
                progress(done, total)
    return written
