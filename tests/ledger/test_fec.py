"""The FEC (Fichier des Écritures Comptables): header, 18 fields, balanced écritures, AAAAMMJJ
dates, decimal commas — checked line by line on a worked example."""

from __future__ import annotations

import datetime
import io
import re
from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone
from djmoney.money import Money

from currency.kinds import CONVERSION
from ledger.fec import FecBooks, fec_filename, fec_write
from ledger.models import Account, Transaction
from ledger.services import system_account, transaction_post
from tests.conftest import account_of
from tests.currency.funding import give_ach
from tests.ledger.books_story import worked_example
from timebank.kinds import SERVICE

pytestmark = pytest.mark.django_db

HEADER = (
    "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib\t"
    "PieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise"
)
PARIS = ZoneInfo("Europe/Paris")


def fec_text(year: int) -> str:
    out = io.StringIO()
    fec_write(year=year, out=out)
    return out.getvalue()


def fec_rows(text: str) -> list[list[str]]:
    lines = text.split("\r\n")
    assert lines[-1] == ""  # every line ends with CR LF, the last one too
    return [line.split("\t") for line in lines[1:-1]]


def to_decimal(amount: str) -> Decimal:
    assert re.fullmatch(r"\d+,\d{2}", amount), amount
    return Decimal(amount.replace(",", "."))


def test_the_worked_example_gives_exactly_these_lines(make_member, django_user_model, staff_user, settings):
    story = worked_example(make_member, django_user_model, staff_user, settings)
    today = timezone.localdate().strftime("%Y%m%d")
    alice, bakery = str(story.alice.pk), str(story.bakery.pk)
    conv, pay, reco, memb = (story.conversion, story.payment, story.reconversion, story.membership)

    def line(
        journal: str,
        number: str,
        txn: Transaction,
        account: str,
        label: str,
        aux: str,
        aux_label: str,
        debit: str,
        credit: str,
    ) -> list[str]:
        journal_label = {"EUR": "Opérations en euros", "ACH": "Monnaie locale (Achard)"}[journal]
        return [
            journal,
            journal_label,
            number,
            today,
            account,
            label,
            aux,
            aux_label,
            str(txn.pk),
            today,
            txn.memo.replace("\t", " "),
            debit,
            credit,
            "",
            "",
            today,
            "",  # the local currency is written in euros at par: no Montantdevise, no Idevise
            "",
        ]

    bank, fund, fees, dues = "512000", "467100", "706000", "756000"
    members, issued = "467300", "467900"
    expected = [
        # A conversion: 100 € in the bank, set aside as guarantee; 100 ACH issued to Alice.
        line("EUR", "EUR000001", conv, bank, "Banque", "", "", "100,00", "0,00"),
        line("EUR", "EUR000001", conv, fund, "Fonds de garantie de la monnaie locale", "", "", "0,00", "100,00"),
        line("ACH", "ACH000001", conv, issued, "Monnaie locale émise (contrepartie)", "", "", "100,00", "0,00"),
        line(
            "ACH",
            "ACH000001",
            conv,
            members,
            "Adhérents - comptes en monnaie locale",
            alice,
            "Alice Martin",
            "0,00",
            "100,00",
        ),
        # A payment: 40 ACH from Alice to the bakery.
        line(
            "ACH",
            "ACH000002",
            pay,
            members,
            "Adhérents - comptes en monnaie locale",
            alice,
            "Alice Martin",
            "40,00",
            "0,00",
        ),
        line(
            "ACH",
            "ACH000002",
            pay,
            members,
            "Adhérents - comptes en monnaie locale",
            bakery,
            "La Boulangerie",
            "0,00",
            "40,00",
        ),
        # A reconversion of 40 ACH with a 5 % fee: 38 € leave the bank, 2 € are earned.
        line("EUR", "EUR000002", reco, fund, "Fonds de garantie de la monnaie locale", "", "", "40,00", "0,00"),
        line("EUR", "EUR000002", reco, bank, "Banque", "", "", "0,00", "38,00"),
        line("EUR", "EUR000002", reco, fees, "Prestations de services (commissions)", "", "", "0,00", "2,00"),
        line(
            "ACH",
            "ACH000003",
            reco,
            members,
            "Adhérents - comptes en monnaie locale",
            bakery,
            "La Boulangerie",
            "40,00",
            "0,00",
        ),
        line("ACH", "ACH000003", reco, issued, "Monnaie locale émise (contrepartie)", "", "", "0,00", "40,00"),
        # A membership fee of 10 € paid in euros.
        line("EUR", "EUR000003", memb, bank, "Banque", "", "", "10,00", "0,00"),
        line("EUR", "EUR000003", memb, dues, "Cotisations", "", "", "0,00", "10,00"),
    ]

    text = fec_text(timezone.localdate().year)

    assert text.split("\r\n")[0] == HEADER
    assert fec_rows(text) == expected


def test_every_line_has_18_fields_and_every_ecriture_is_balanced(make_member, django_user_model, staff_user, settings):
    worked_example(make_member, django_user_model, staff_user, settings)
    give_ach(make_member(username="chloe"), "1234567.89")  # no thousands separator, ever

    rows = fec_rows(fec_text(timezone.localdate().year))

    assert len(rows) == 17
    debit: dict[str, Decimal] = defaultdict(Decimal)
    credit: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        assert len(row) == 18
        assert all(re.fullmatch(r"\d{8}", row[index]) for index in (3, 9, 15))
        datetime.datetime.strptime(row[3], "%Y%m%d")
        assert row[3] == row[9] == row[15]
        amounts = (to_decimal(row[11]), to_decimal(row[12]))
        assert 0 in amounts and amounts != (0, 0)  # one side, never both
        assert row[2].startswith(row[0])
        debit[row[2]] += amounts[0]
        credit[row[2]] += amounts[1]
        assert row[16:] == ["", ""]  # euros, and the local currency at par in euros
    assert debit == credit
    assert debit["EUR000004"] == Decimal("1234567.89")
    assert sorted(debit) == [
        "ACH000001",
        "ACH000002",
        "ACH000003",
        "ACH000004",
        "EUR000001",
        "EUR000002",
        "EUR000003",
        "EUR000004",
    ]


def test_the_fiscal_year_runs_from_1_january_to_31_december_in_paris(make_member):
    alice = make_member(username="alice")
    world, fund = (
        system_account(Account.SystemCode.WORLD, "EUR"),
        system_account(Account.SystemCode.GUARANTEE_FUND, "EUR"),
    )
    issuance, mine = system_account(Account.SystemCode.ISSUANCE, "ACH"), account_of(alice, "ACH")

    def convert(amount: str, at: datetime.datetime) -> Transaction:
        return transaction_post(
            legs=[
                (world, -Money(amount, "EUR")),
                (fund, Money(amount, "EUR")),
                (issuance, -Money(amount, "ACH")),
                (mine, Money(amount, "ACH")),
            ],
            kind=CONVERSION,
            actor=None,
            at=at,
        )

    new_year_eve = convert("5", datetime.datetime(2025, 12, 31, 23, 59, tzinfo=PARIS))  # 22:59 UTC
    new_year = convert("7", datetime.datetime(2026, 1, 1, 0, 0, 30, tzinfo=PARIS))  # still 2025 in UTC

    rows_2025, rows_2026 = fec_rows(fec_text(2025)), fec_rows(fec_text(2026))

    assert {row[8] for row in rows_2025} == {str(new_year_eve.pk)}
    assert {row[3] for row in rows_2025} == {"20251231"}
    assert {row[8] for row in rows_2026} == {str(new_year.pk)}
    assert {row[3] for row in rows_2026} == {"20260101"}
    assert [row[2] for row in rows_2026] == ["EUR000001", "EUR000001", "ACH000001", "ACH000001"]
    assert [row[12] for row in rows_2026] == ["0,00", "7,00", "0,00", "7,00"]
    # The memo was empty: the label is the kind of the transaction, in French (the books' language).
    assert {row[10] for row in rows_2026} == {"Change"}


def test_hours_leave_the_fec_for_the_non_statutory_file_in_their_own_journal(make_member):
    anna, basile = make_member(username="anna"), make_member(username="basile", display_name="Basile")
    transaction_post(
        legs=[(account_of(anna, "HRS"), -Money("1.5", "HRS")), (account_of(basile, "HRS"), Money("1.5", "HRS"))],
        kind=SERVICE,
        memo="Jardinage",
        actor=None,
    )
    year = timezone.localdate().year
    other = io.StringIO()
    fec_write(year=year, out=other, books=FecBooks(statutory=False))

    assert fec_text(year) == HEADER + "\r\n"
    assert [
        (row[0], row[1], row[2], row[4], row[6], row[11], row[12], row[16], row[17])
        for row in fec_rows(other.getvalue())
    ] == [
        (
            "HRS",
            "Banque de temps (heures) (non statutaire)",
            "HRS000001",
            "467400",
            str(anna.pk),
            "1,50",
            "0,00",
            "",
            "",
        ),
        (
            "HRS",
            "Banque de temps (heures) (non statutaire)",
            "HRS000001",
            "467400",
            str(basile.pk),
            "0,00",
            "1,50",
            "",
            "",
        ),
    ]


def test_the_mapping_to_the_chart_of_accounts_is_configurable(make_member, settings):
    settings.BOCAGE_FEC_ACCOUNTS = {
        **settings.BOCAGE_FEC_ACCOUNTS,
        "EUR.world": ("512100", "Crédit Mutuel"),
        "ACH.member.individual": ("467310", "Particuliers"),
    }
    give_ach(make_member(username="alice"), "3")

    rows = fec_rows(fec_text(timezone.localdate().year))

    assert [(row[4], row[5]) for row in rows] == [
        ("512100", "Crédit Mutuel"),
        ("467100", "Fonds de garantie de la monnaie locale"),
        ("467900", "Monnaie locale émise (contrepartie)"),
        ("467310", "Particuliers"),
    ]


def test_a_year_without_entries_is_the_header_alone():
    assert fec_text(2019) == HEADER + "\r\n"


def test_the_command_streams_the_file_and_shows_progress_on_stderr(make_member, tmp_path, settings):
    settings.BOCAGE_FEC_SIREN = "248500530"
    give_ach(make_member(username="alice"), "12.5")
    year = timezone.localdate().year
    target = tmp_path / "fec.txt"
    err = io.StringIO()

    call_command("export_fec", year=year, output=str(target), stderr=err)

    assert target.read_bytes().decode("iso-8859-15") == fec_text(year)
    assert "1/1 transactions" in err.getvalue()
    assert f"FEC {year}: 4 lines written to {target}" in err.getvalue()
    assert fec_filename(year) == f"248500530FEC{year}1231.txt"
