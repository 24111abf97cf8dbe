"""The FEC (Fichier des Écritures Comptables, art. A47 A-1 of the Livre des procédures fiscales)
of a fiscal year: the statutory file an accountant or the tax administration reads.

An FEC holds the euro-valued books of one legal entity (`FecBooks`). The association that issues
the currency keeps euros and the local currency, which is written in euros at par (one unit is
backed by one euro: no Montantdevise/Idevise). Each cooperative (SCIC) is another legal entity,
with its own SIREN: the transactions on its capital account make its own FEC and are left out of
the association's. Hours and SEL units are not money: they go to a separate, non-statutory file
in the same format, titled as such (its name and its journals' labels say so).

Tab-separated, the 18 columns of `FEC_COLUMNS`, one line per ledger entry. A ledger transaction
becomes one écriture per journal it touches (one journal per unit), each balanced since a
transaction's entries sum to zero per unit (invariant 1) — so a transaction spanning euros and
hours keeps its euro écriture balanced in the statutory file. Dates are AAAAMMJJ (the local day,
Europe/Paris); amounts have a decimal comma and no thousands separator; of Debit and Credit one
is 0,00. EcritureNum numbers each journal's écritures without gaps (`EUR000001`, `ACH000001`…)
in date order; PieceRef is the transaction's number. The file is ISO-8859-15 (one of the
encodings the article accepts), characters outside it transliterated; UTF-8 on request. The
accounts of the plan comptable and the journals are configuration: `settings.BOCAGE_FEC_ACCOUNTS`
and `BOCAGE_FEC_JOURNALS` (their comment explains the sign).
"""

from __future__ import annotations

import datetime
import itertools
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from django.apps import apps
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import override

from . import kinds
from .books import start_of_day
from .models import Account, Entry, Transaction
from .units import UnitKind, all_units, get_unit

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
LINE_END = "\r\n"
CHUNK_SIZE = 1000

ASSOCIATION = "association"
LATIN_9 = "iso-8859-15"
UTF_8 = "utf-8"
ENCODINGS = (LATIN_9, UTF_8)
# A cooperative's capital account is the system account `capital` with this reference + its SIREN
# (cooperative.services.setup): the ledger finds each SCIC's books without importing the app.
COOPERATIVE_REFERENCE = "coop:"
# What NFKD does not bring into ISO-8859-15 by itself (typographic quotes and dashes).
_LATIN_9_REPLACEMENTS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2022": "*",
        "\u2044": "/",
    }
)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class FecAccount:
    number: str
    label: str
    aux_number: str = ""
    aux_label: str = ""


@dataclass(frozen=True)
class FecBooks:
    """Whose books and which: `entity` is "association" or a cooperative's SIREN; `statutory`
    False is the association's hours and SEL units, in the FEC's format but not an FEC."""

    entity: str = ASSOCIATION
    statutory: bool = True

    @property
    def is_cooperative(self) -> bool:
        return self.entity != ASSOCIATION

    def units(self) -> list[str]:
        """Money (euros, the backed local currency) for an FEC; the other units for the rest."""
        return [code for code in all_units() if is_money(code) == self.statutory]


def is_money(unit: str) -> bool:
    return get_unit(unit).kind in {UnitKind.FIAT, UnitKind.BACKED}


def cooperative_capital_accounts() -> Any:
    return Account.objects.filter(
        kind=Account.Kind.SYSTEM, system_code=Account.SystemCode.CAPITAL, reference__startswith=COOPERATIVE_REFERENCE
    )


def fec_entities() -> list[tuple[str, str]]:
    """(entity, name) of every legal entity with books: the association, then each cooperative."""
    entities = [(ASSOCIATION, str(settings.BOCAGE_ASSOCIATION_NAME))]
    sirens = [
        reference.removeprefix(COOPERATIVE_REFERENCE)
        for reference in cooperative_capital_accounts().order_by("id").values_list("reference", flat=True)
    ]
    names: dict[str, str] = {}
    if apps.is_installed("cooperative"):  # the names only: the books stand without the app
        cooperative = apps.get_model("cooperative", "Cooperative")
        names = dict(cooperative.objects.filter(siren__in=sirens).values_list("siren", "name"))
    return entities + [(siren, f"{names.get(siren, siren)} (SIREN {siren})") for siren in sirens]


def fiscal_year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """1 January 00:00 to the next 1 January 00:00, local time."""
    return start_of_day(datetime.date(year, 1, 1)), start_of_day(datetime.date(year + 1, 1, 1))


def fec_filename(year: int, books: FecBooks = FecBooks()) -> str:
    """The statutory name: the entity's SIREN, "FEC", the closing date (`123456789FEC20261231.txt`);
    the non-statutory file says so in its name (`123456789NONSTATUTAIRE20261231.txt`)."""
    siren = books.entity if books.is_cooperative else settings.BOCAGE_FEC_SIREN
    return f"{siren}{'FEC' if books.statutory else 'NONSTATUTAIRE'}{year}1231.txt"


def fec_transactions(year: int, books: FecBooks = FecBooks()) -> Any:
    """The year's transactions of the entity: a cooperative's touch its capital account, the
    association's are all the others."""
    start, end = fiscal_year_bounds(year)
    transactions = Transaction.objects.filter(created_at__gte=start, created_at__lt=end)
    if books.is_cooperative:
        capital = cooperative_capital_accounts().filter(reference=f"{COOPERATIVE_REFERENCE}{books.entity}")
    else:
        capital = cooperative_capital_accounts()
    on_capital = Exists(Entry.objects.filter(transaction_id=OuterRef("pk"), account_id__in=capital.values("id")))
    return transactions.filter(on_capital) if books.is_cooperative else transactions.exclude(on_capital)


def journal_of(unit: str, statutory: bool = True) -> tuple[str, str]:
    code, label = settings.BOCAGE_FEC_JOURNALS.get(unit, (unit, unit))
    if not statutory:  # on every line: a page of it printed alone still says what it is
        label = f"{label} (non statutaire)"
    return code, label


def latin_9(text: str) -> str:
    """`text` in ISO-8859-15: typographic signs replaced, accents kept where the charset has them,
    dropped (NFKD) where not (`ő` → `o`, `…` → `...`), anything else (emoji) removed."""
    if text.isascii():
        return text
    kept = []
    for char in text.translate(_LATIN_9_REPLACEMENTS):
        try:
            char.encode(LATIN_9)
            kept.append(char)
        except UnicodeEncodeError:
            kept.extend(part for part in unicodedata.normalize("NFKD", char) if _in_latin_9(part))
    return "".join(kept)


def _in_latin_9(char: str) -> bool:
    try:
        char.encode(LATIN_9)
    except UnicodeEncodeError:
        return False
    return True


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
    txn: Mapping[str, Any],
    entries: Sequence[Mapping[str, Any]],
    accounts: dict[int, Account],
    numbering: _Numbering,
    statutory: bool = True,
) -> Iterable[list[str]]:
    day = timezone.localtime(txn["created_at"]).strftime("%Y%m%d")
    kind = txn["kind"]
    kind_label = kinds.label(kind)
    label = _clean(txn["memo"]) or _clean(kind_label)
    for unit in sorted({entry["unit"] for entry in entries}, key=_journal_order):
        journal_code, journal_label = journal_of(unit, statutory)
        number = numbering.next(journal_code)
        for entry in (entry for entry in entries if entry["unit"] == unit):
            target = chart_account(accounts[entry["account_id"]], txn["kind"])
            amount = entry["amount"]
            # Montantdevise/Idevise stay empty: every amount here is in euros (the local currency
            # at par), or, in the non-statutory file, in a unit that is no currency (no ISO 4217).
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
                "",
                "",
            ]


def fec_write(
    *,
    year: int,
    out: TextIO,
    books: FecBooks = FecBooks(),
    encoding: str = LATIN_9,
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> int:
    """Write the FEC of `year` for `books` to `out`, in chunks of transactions; returns the lines
    of entries written. `out` must be opened in `encoding`: in ISO-8859-15 the text is
    transliterated first, so that writing it never fails.

    `progress(done, total)` is called after each chunk with the transactions done so far.
    Memory holds one chunk of transactions and their entries, and the accounts met so far.
    """
    units = books.units()
    transactions = fec_transactions(year, books).filter(
        Exists(Entry.objects.filter(transaction_id=OuterRef("pk"), unit__in=units))
    )
    total = transactions.count()
    numbering = _Numbering()
    accounts: dict[int, Account] = {}
    out.write("\t".join(FEC_COLUMNS) + LINE_END)
    written = done = 0
    last: tuple[datetime.datetime, int] | None = None
    if progress:
        progress(0, total)
    with override(settings.LANGUAGE_CODE):  # the books read the same whoever asks for them
        while True:
            # In date order, so that each journal's numbers follow its dates (a transaction may be
            # recorded with an earlier date than the one before it); the id breaks ties.
            after = (
                transactions.filter(Q(created_at__gt=last[0]) | Q(created_at=last[0], id__gt=last[1]))
                if last
                else transactions
            )
            chunk = list(after.order_by("created_at", "id").values("id", "kind", "memo", "created_at")[:chunk_size])
            if not chunk:
                break
            last = (chunk[-1]["created_at"], chunk[-1]["id"])
            entries = list(
                Entry.objects.filter(transaction_id__in=[txn["id"] for txn in chunk], unit__in=units)
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
                lines = _ecriture_lines(txn, by_transaction.get(txn["id"], []), accounts, numbering, books.statutory)
                for fields in lines:
                    line = "\t".join(fields) + LINE_END
                    out.write(latin_9(line) if encoding == LATIN_9 else line)
                    written += 1
            done += len(chunk)
            if progress:
                progress(done, total)
    return written
