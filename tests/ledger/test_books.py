"""The books: the trial balance at any date (end of the day in Paris), statements for a date range."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from djmoney.money import Money

from core.csv import ENGLISH
from ledger.books import (
    statement_csv_text,
    statement_for_range,
    statement_pdf,
    trial_balance_csv_lines,
    trial_balance_on,
    trial_balance_totals,
)
from ledger.kinds import TRANSFER
from ledger.models import Account, Transaction
from ledger.services import system_account, transaction_post
from members.models import Member
from tests.conftest import account_of
from tests.factories import fund

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
DAY_1, DAY_2, DAY_3 = datetime.date(2026, 3, 1), datetime.date(2026, 3, 2), datetime.date(2026, 3, 3)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def convert(member: Member, amount: str, when: datetime.datetime) -> Transaction:
    return fund(account_of(member, "ACH"), amount, memo="Change au comptoir", at=when)


def pay(payer: Member, payee: Member, amount: str, when: datetime.datetime, memo: str = "") -> Transaction:
    return transaction_post(
        legs=[(account_of(payer, "ACH"), -Money(amount, "ACH")), (account_of(payee, "ACH"), Money(amount, "ACH"))],
        kind=TRANSFER,
        memo=memo,
        actor=None,
        at=when,
    )


@pytest.fixture
def history(make_member):
    """Day 1: Alice converts 100 € (at 23:30 in Paris, 22:30 UTC). Day 2: she pays Bruno 30 ACH,
    then 12,50 ACH. Day 3: Bruno pays her back 2 ACH."""
    alice = make_member(username="alice", display_name="Alice")
    bruno = make_member(username="bruno", display_name="Bruno")
    convert(alice, "100", at(DAY_1, 23, 30))
    pay(alice, bruno, "30", at(DAY_2, 9), "Légumes")
    pay(alice, bruno, "12.50", at(DAY_2, 18), "Œufs")
    pay(bruno, alice, "2", at(DAY_3, 0, 10), "Rendu")
    return alice, bruno


def balances(units, code: str) -> dict[str, int]:
    unit = next(unit for unit in units if unit.unit == code)
    return {line.account.system_code or line.account.label: line.balance for line in unit.lines}


def test_the_trial_balance_on_a_day_counts_every_entry_up_to_midnight_in_paris(history, django_assert_num_queries):
    with django_assert_num_queries(1):
        day_1 = trial_balance_on(DAY_1)
    day_2 = trial_balance_on(DAY_2)

    assert balances(day_1, "EUR") == {"world": -10000, "guarantee_fund": 10000}
    assert balances(day_1, "ACH") == {"issuance": -10000, "Alice": 10000}
    assert balances(day_2, "ACH") == {"issuance": -10000, "Alice": 5750, "Bruno": 4250}
    for unit in day_2:
        assert unit.total == 0
    ach = next(unit for unit in day_2 if unit.unit == "ACH")
    assert (ach.debit_total, ach.credit_total) == (10000, 10000)
    assert [unit.unit for unit in day_2] == ["EUR", "ACH", "HRS", "GRN", "CRJ", "CRH"]
    assert next(unit for unit in day_2 if unit.unit == "HRS").lines == []


def test_the_trial_balance_before_any_entry_is_empty_and_today_matches_the_accounts(history):
    assert all(unit.lines == [] for unit in trial_balance_on(datetime.date(2026, 2, 28)))
    latest = trial_balance_on(datetime.date(2030, 1, 1))
    for unit in latest:
        for line in unit.lines:
            assert line.balance == Account.objects.get(pk=line.account.pk).balance


def test_a_statement_has_the_opening_balance_the_entries_of_the_range_and_the_closing_balance(history):
    alice, _bruno = history

    statement = statement_for_range(account=account_of(alice, "ACH"), date_from=DAY_2, date_to=DAY_2)

    assert (statement.opening, statement.closing) == (10000, 5750)
    assert [(entry.amount, entry.balance_after) for entry in statement.entries()] == [(-3000, 7000), (-1250, 5750)]
    whole = statement_for_range(account=account_of(alice, "ACH"), date_from=DAY_1, date_to=DAY_3)
    assert (whole.opening, whole.closing, whole.entries().count()) == (0, 5950, 4)
    empty = statement_for_range(
        account=account_of(alice, "ACH"),
        date_from=DAY_3 + datetime.timedelta(days=1),
        date_to=datetime.date(2026, 12, 31),
    )
    assert (empty.opening, empty.closing, empty.entries().count()) == (5950, 5950, 0)


def test_the_statement_csv_is_for_french_spreadsheets(history):
    alice, _bruno = history
    statement = statement_for_range(account=account_of(alice, "ACH"), date_from=DAY_2, date_to=DAY_3)
    ids = [entry.transaction_id for entry in statement.entries()]

    with translation.override("en"):  # French whatever the reader's language (core.csv)
        text = statement_csv_text(statement)
        english = statement_csv_text(statement, fmt=ENGLISH)

    assert text.split("\r\n") == [
        "\ufeffDate;Opération;Type;Libellé;Débit;Crédit;Solde;Unité",
        "2026-03-02;;;Solde d’ouverture;;;100,00;ACH",
        f"2026-03-02 09:00:00;{ids[0]};Virement;Légumes;30,00;;70,00;ACH",
        f"2026-03-02 18:00:00;{ids[1]};Virement;Œufs;12,50;;57,50;ACH",
        f"2026-03-03 00:10:00;{ids[2]};Virement;Rendu;;2,00;59,50;ACH",
        "2026-03-03;;;Solde de clôture;;;59,50;ACH",
        "",
    ]
    assert english.split("\r\n") == [
        "Date,Transaction,Kind,Description,Debit,Credit,Balance,Unit",
        "2026-03-02,,,Opening balance,,,100.00,ACH",
        f"2026-03-02 09:00:00,{ids[0]},Transfer,Légumes,30.00,,70.00,ACH",
        f"2026-03-02 18:00:00,{ids[1]},Transfer,Œufs,12.50,,57.50,ACH",
        f"2026-03-03 00:10:00,{ids[2]},Transfer,Rendu,,2.00,59.50,ACH",
        "2026-03-03,,,Closing balance,,,59.50,ACH",
        "",
    ]


def test_the_statement_pdf_lists_the_entries_and_both_balances(history):
    alice, _bruno = history
    statement = statement_for_range(account=account_of(alice, "ACH"), date_from=DAY_2, date_to=DAY_3)

    with translation.override("en"):
        pdf = statement_pdf(statement, compress=False)

    assert pdf.startswith(b"%PDF")
    for text in (b"Opening balance", b"Closing balance", b"Rendu", b"59.50 ACH", b"100.00 ACH", b"12.50 ACH"):
        assert text in pdf, text


def test_the_trial_balance_totals_are_one_aggregate_query_over_every_account(history, django_assert_num_queries):
    with django_assert_num_queries(1):
        day_2 = trial_balance_totals(DAY_2)

    assert [(line.unit, line.accounts, line.debit_total, line.credit_total, line.total) for line in day_2] == [
        ("EUR", 2, 10000, 10000, 0),
        ("ACH", 3, 10000, 10000, 0),
        ("HRS", 0, 0, 0, 0),
        ("GRN", 0, 0, 0, 0),
        ("CRJ", 0, 0, 0, 0),
        ("CRH", 0, 0, 0, 0),
    ]
    assert [line.accounts for line in trial_balance_totals(datetime.date(2026, 2, 28))] == [0] * 6


def test_the_trial_balance_csv_streams_every_account_at_the_date(history):
    alice, bruno = history
    ids = {
        name: account.pk for name, account in (("alice", account_of(alice, "ACH")), ("bruno", account_of(bruno, "ACH")))
    }
    system = {
        code: system_account(code, unit).pk
        for code, unit in (("world", "EUR"), ("guarantee_fund", "EUR"), ("issuance", "ACH"))
    }

    with translation.override("fr"):  # English on request, whatever the reader's language
        lines = list(trial_balance_csv_lines(DAY_2, chunk_size=2, fmt=ENGLISH))
    french = "".join(trial_balance_csv_lines(DAY_2)).split("\r\n")

    rows = [
        (system["world"], f"{system['world']},EUR,World (outside the ledger),World (outside the ledger),,100.00,"),
        (system["guarantee_fund"], f"{system['guarantee_fund']},EUR,Guarantee fund,Guarantee fund,,,100.00"),
        (system["issuance"], f"{system['issuance']},ACH,Issuance,Issuance,,100.00,"),
        (ids["alice"], f"{ids['alice']},ACH,Member account,Alice,{alice.pk},,57.50"),
        (ids["bruno"], f"{ids['bruno']},ACH,Member account,Bruno,{bruno.pk},,42.50"),
    ]
    expected = [line for _id, line in sorted(rows)]  # in id order, as the pages
    assert "".join(lines).split("\r\n") == ["Account,Unit,Kind,Label,Holder,Debit,Credit", *expected, ""]
    assert french[0] == "\ufeffCompte;Unité;Type;Libellé;Titulaire;Débit;Crédit"
    assert f"{ids['alice']};ACH;Compte de membre;Alice;{alice.pk};;57,50" in french


def test_a_day_not_over_reads_the_account_balances_and_agrees_with_the_entries_of_a_past_day(history):
    past, today = DAY_3, timezone.localdate()  # nothing happened after DAY_3: both days read alike

    assert trial_balance_totals(today) == trial_balance_totals(past)
    assert [(unit.unit, balances_by_id(unit)) for unit in trial_balance_on(today)] == [
        (unit.unit, balances_by_id(unit)) for unit in trial_balance_on(past)
    ]


def balances_by_id(unit) -> list[tuple[int, int]]:
    return [(line.account.pk, line.balance) for line in unit.lines]
