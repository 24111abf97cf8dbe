"""The FEC's bytes stay exactly what they were when it was rewritten for speed (issue 22): a varied
year — units of 0, 2 and 3 decimals, multi-leg and multi-unit postings, a reversal, memos with
tabs, line breaks, emoji, accents and « œ », two cooperatives' capital, the night of 31 December
and both daylight-saving nights — is written in every flavour (the association's FEC, a
cooperative's, the non-statutory file; ISO-8859-15 and UTF-8) and compared with the digests of
the files the previous writer made from the same ledger.

Only the database ids (PieceRef, CompAuxNum) differ from one run or database to the next: they
are replaced by their rank before hashing, everything else is compared byte for byte.
"""

from __future__ import annotations

import datetime
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import moneyed
import pytest
from djmoney.money import Money

from cooperative.kinds import SHARE_REDEMPTION, SHARE_SUBSCRIPTION
from currency.kinds import CONVERSION, DEMURRAGE
from ledger import fec
from ledger.fec import COOPERATIVE_REFERENCE, FecBooks, fec_write
from ledger.kinds import POSTING, REVERSAL, TRANSFER
from ledger.models import Account, Transaction
from ledger.services import account_open, system_account, transaction_post
from ledger.units import all_units
from members.models import Member
from membership.kinds import MEMBERSHIP
from tests.conftest import account_of
from timebank.kinds import SERVICE

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
PARIS = ZoneInfo("Europe/Paris")
YEAR = 2025
COOP_A, COOP_B = "123456782", "987654321"
MEMO = "  Pain\tet\r\nviennoiseries\u2028« bio » \u2014 5 € d’œufs 😀 Hőgyes… \x85fin\u00a0"


@dataclass(frozen=True)
class Ledger:
    year: int


@pytest.fixture
def units(settings) -> Iterator[None]:
    """Two more units: a fiat one of 3 decimals (statutory, no journal configured) and a
    mutual-credit one of 0 decimals (non-statutory)."""
    settings.BOCAGE_UNITS = {
        **settings.BOCAGE_UNITS,
        "MIL": {"name": "Millimes", "kind": "fiat", "decimals": 3, "member_account": False},
        "PTS": {"name": "Points", "kind": "mutual_credit", "decimals": 0, "member_account": False},
    }
    for code, decimals in (("MIL", 3), ("PTS", 0)):
        if code not in moneyed.CURRENCIES:
            moneyed.add_currency(code=code, numeric=None, sub_unit=10**decimals, name=code)
    all_units.cache_clear()
    yield
    all_units.cache_clear()


def at(*parts: int) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=UTC)


@pytest.fixture
def ledger(units, make_member) -> Ledger:
    alice = make_member(username="alice", display_name="Alice Œdipe-Müller")
    bakery = make_member(kind=Member.Kind.BUSINESS, username="bakery", display_name="La Boulangerie « Chez Zoë »")
    club = make_member(kind=Member.Kind.ASSOCIATION, username="club", display_name="Łukasz Hőgyes\u202fclub")
    eur_world = system_account(Account.SystemCode.WORLD, "EUR")
    fund = system_account(Account.SystemCode.GUARANTEE_FUND, "EUR")
    eur_fees = system_account(Account.SystemCode.FEES, "EUR")
    issuance = system_account(Account.SystemCode.ISSUANCE, "ACH")
    ach_fees = system_account(Account.SystemCode.FEES, "ACH")
    melt = system_account(Account.SystemCode.DEMURRAGE_FUND, "ACH")
    escrow = system_account(Account.SystemCode.ESCROW, "ACH", reference="campaign:7")
    capital_a = account_open(
        unit="EUR",
        system_code=Account.SystemCode.CAPITAL,
        reference=f"{COOPERATIVE_REFERENCE}{COOP_A}",
        name="SCIC des Tiers-Lieux\tdes Achards",
        actor=None,
    )
    capital_b = system_account(Account.SystemCode.CAPITAL, "EUR", reference=f"{COOPERATIVE_REFERENCE}{COOP_B}")
    mil_world = system_account(Account.SystemCode.WORLD, "MIL")
    alice_mil = account_open(unit="MIL", holder=alice, actor=None)
    alice_pts = account_open(unit="PTS", holder=alice, actor=None)
    bakery_pts = account_open(unit="PTS", holder=bakery, actor=None)
    club_eur = account_open(unit="EUR", holder=club, actor=None, name="Caisse du club")
    ach = {member: account_of(member, "ACH") for member in (alice, bakery, club)}
    hrs = {member: account_of(member, "HRS") for member in (alice, bakery, club)}

    def post(when: datetime.datetime, legs: list[tuple[Account, Money]], kind: str = POSTING, memo: str = "") -> None:
        transaction_post(legs=legs, kind=kind, memo=memo, actor=None, at=when)

    def eur(value: str) -> Money:
        return Money(value, "EUR")

    def achard(value: str) -> Money:
        return Money(value, "ACH")

    # 23:30 in Paris on 31 December 2024: last year's; 00:30 in Paris on 1 January 2025 (still
    # 2024 in UTC): this year's. The ACH legs come first, the EUR journal is still written first.
    for when in (at(2024, 12, 31, 22, 30), at(2024, 12, 31, 23, 30)):
        post(
            when,
            [(issuance, -achard("500")), (ach[alice], achard("500")), (eur_world, -eur("500")), (fund, eur("500"))],
            CONVERSION,
            "Change au comptoir",
        )
    # Two at the same instant (the id decides), then one recorded later but dated earlier.
    post(at(2025, 3, 10, 9), [(ach[alice], -achard("40")), (ach[bakery], achard("40"))], TRANSFER, MEMO)
    post(at(2025, 3, 10, 9), [(ach[bakery], -achard("12.5")), (ach[club], achard("12.5"))], TRANSFER, " \t\n ")
    post(at(2025, 2, 1, 12), [(eur_world, -eur("10")), (eur_fees, eur("10"))], MEMBERSHIP, "Cotisation 2025")
    legs = [
        (ach[alice], -achard("30")),
        (ach[bakery], achard("20")),
        (ach[club], achard("7")),
        (ach_fees, achard("3")),
    ]
    post(at(2025, 4, 2, 8), legs, POSTING, "Répartition « équitable »")
    post(
        at(2025, 4, 3, 8),
        [(account, -amount) for account, amount in reversed(legs)],
        REVERSAL,
        "Annulation : répartition",
    )
    post(at(2025, 5, 5, 15), [(ach[alice], -achard("15")), (escrow, achard("15"))], POSTING, "Promesse de don")
    post(at(2025, 5, 31, 21), [(ach[bakery], -achard("0.37")), (melt, achard("0.37"))], DEMURRAGE)
    post(
        at(2025, 6, 1, 10),
        [
            (hrs[alice], -Money("0.5", "HRS")),
            (hrs[bakery], Money("0.5", "HRS")),
            (eur_world, -eur("4")),
            (eur_fees, eur("4")),
        ],
        POSTING,
        "Atelier\u00a0: réparation de vélo",
    )
    post(at(2025, 6, 15, 10), [(eur_world, -eur("60")), (capital_a, eur("60"))], SHARE_SUBSCRIPTION, "Parts B")
    post(at(2025, 6, 16, 10), [(eur_world, -eur("20")), (capital_b, eur("20"))], SHARE_SUBSCRIPTION)
    post(at(2025, 9, 1, 10), [(capital_a, -eur("20")), (eur_world, eur("20"))], SHARE_REDEMPTION, "Retrait")
    post(at(2025, 7, 1, 7), [(mil_world, -Money("1.234", "MIL")), (alice_mil, Money("1.234", "MIL"))], CONVERSION)
    post(
        at(2025, 7, 2, 7),
        [
            (alice_mil, -Money("0.005", "MIL")),
            (mil_world, Money("0.005", "MIL")),
            (eur_world, -eur("1234567.89")),
            (club_eur, eur("1234567.89")),
        ],
        POSTING,
        "Grosse somme",
    )
    post(at(2025, 8, 8, 8), [(alice_pts, -Money("5", "PTS")), (bakery_pts, Money("5", "PTS"))], TRANSFER, "Points")
    post(
        at(2025, 8, 9, 8),
        [(account_of(alice, "GRN"), -Money("30", "GRN")), (account_of(club, "GRN"), Money("30", "GRN"))],
        TRANSFER,
        "Confitures",
    )
    # The daylight-saving nights: 00:30 in Paris the day after, in winter and in summer time.
    for when in (at(2025, 3, 29, 23, 30), at(2025, 10, 25, 22, 30), at(2025, 10, 26, 23, 30)):
        post(when, [(hrs[club], -Money("1.25", "HRS")), (hrs[alice], Money("1.25", "HRS"))], SERVICE, "Jardinage")
    # 23:59 in Paris on 31 December: this year's; 00:30 on 1 January 2026: next year's.
    for when in (at(2025, 12, 31, 22, 59), at(2025, 12, 31, 23, 30)):
        post(when, [(ach[alice], -achard("1")), (ach[club], achard("1"))], TRANSFER, "Réveillon")
    return Ledger(YEAR)


def normalised(raw: bytes, encoding: str) -> bytes:
    """The file with its database ids replaced by their rank (T1…, M1…, S followed by A1…)."""
    transactions = {
        str(pk): f"T{rank}"
        for rank, pk in enumerate(Transaction.objects.order_by("pk").values_list("pk", flat=True), 1)
    }
    members = {
        str(pk): f"M{rank}" for rank, pk in enumerate(Member.objects.order_by("pk").values_list("pk", flat=True), 1)
    }
    accounts = {
        f"S{pk}": f"SA{rank}" for rank, pk in enumerate(Account.objects.order_by("pk").values_list("pk", flat=True), 1)
    }
    lines = raw.decode(encoding).split("\r\n")
    for index, line in enumerate(lines[1:], 1):
        fields = line.split("\t")
        if len(fields) == 18:
            fields[6] = members.get(fields[6]) or accounts.get(fields[6]) or fields[6]
            fields[8] = transactions[fields[8]]
            lines[index] = "\t".join(fields)
    return "\r\n".join(lines).encode(encoding)


FLAVOURS = {
    "association-latin9": (FecBooks(), "iso-8859-15"),
    "association-utf8": (FecBooks(), "utf-8"),
    "cooperative-latin9": (FecBooks(entity=COOP_A), "iso-8859-15"),
    "cooperative-utf8": (FecBooks(entity=COOP_A), "utf-8"),
    "non-statutory-latin9": (FecBooks(statutory=False), "iso-8859-15"),
    "non-statutory-utf8": (FecBooks(statutory=False), "utf-8"),
}
# sha256 of each normalised file, as the writer before issue 22 made it.
DIGESTS = {
    "association-latin9": "65989cab865332b0a48ab68e2ebb516c97eaf4071449c427c835eab5aeff8756",
    "association-utf8": "38e9e413ef64c9138f0a763416ed63a08f76cbb24ca5a46ddec66e2f6f48a8fe",
    "cooperative-latin9": "1ff3cd82025a4db4a45038f18b02c891a3456eefc87f4435b72b0d195fb75aa9",
    "cooperative-utf8": "08b4bce5c058de05c59ef1f0443f34a166201b61d4929f50945d7104e95ab7e3",
    "non-statutory-latin9": "05ad6d2a6cf32a4b95864da2bd93a673ab4d64e368eba951c0f8b37771b2feee",
    "non-statutory-utf8": "3a5b2878ea4588bdc34ef10bbbfab7c825e509ece5965a8346ebb05902b7ebe4",
}


def test_every_flavour_of_the_file_is_byte_for_byte_what_it_was(ledger):
    found, texts = {}, {}
    for name, (books, encoding) in FLAVOURS.items():
        out = io.StringIO()
        progress: list[tuple[int, int]] = []
        lines = fec_write(
            year=ledger.year,
            out=out,
            books=books,
            encoding=encoding,
            progress=lambda done, total, seen=progress: seen.append((done, total)),
        )
        raw = out.getvalue().encode(encoding)
        assert lines == raw.count(b"\r\n") - 1
        assert progress[0][0] == 0 and progress[-1][0] == progress[-1][1]
        found[name] = hashlib.sha256(normalised(raw, encoding)).hexdigest()
        texts[name] = normalised(raw, encoding).decode(encoding)
    assert found == DIGESTS, "\n".join(
        f"{name}:\n{text}" for name, text in texts.items() if found[name] != DIGESTS[name]
    )


def test_the_backdated_transactions_merge_into_the_stream_at_any_batch_size(ledger, monkeypatch):
    """Read in batches of 1 to 4 rows, the displaced transactions (dated before one of a smaller
    id) fall across batch boundaries and between the rows of one transaction: same bytes."""
    whole = io.StringIO()
    fec_write(year=ledger.year, out=whole)
    for size in (1, 2, 3, 4):
        monkeypatch.setattr(fec, "FETCH_SIZE", size)
        out = io.StringIO()
        fec_write(year=ledger.year, out=out)
        assert out.getvalue() == whole.getvalue(), size


@pytest.mark.parametrize("decimals", [0, 1, 2, 3])
def test_the_amount_format_of_the_writer_is_the_one_of_fec_amount(units, settings, decimals):
    settings.BOCAGE_UNITS = {**settings.BOCAGE_UNITS, "MIL": {**settings.BOCAGE_UNITS["MIL"], "decimals": decimals}}
    all_units.cache_clear()
    formatted = fec.amount_formatter(decimals)

    for minor in (0, 1, 7, 10, 99, 100, 101, 1234, 10**6 + 5, 123456789012):
        assert formatted(minor) == fec.fec_amount(minor, "MIL") == fec.fec_amount(-minor, "MIL")
