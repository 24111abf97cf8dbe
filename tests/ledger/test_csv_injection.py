"""The member's statement CSV and the audit log CSV neutralise what people typed (core.csv)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from djmoney.money import Money

from core.audit import audit_record
from ledger.services import transfer_create
from tests.conftest import account_of
from tests.core.csv_checks import HOSTILE, column, is_neutralised, number, rows_of
from tests.currency.funding import give_ach
from tests.ledger.books_story import make_auditor

pytestmark = pytest.mark.django_db


def pay_each_hostile_memo(payer, payee, amount: str) -> None:
    for memo in HOSTILE.values():
        transfer_create(
            from_account=account_of(payer, "ACH"),
            to_account=account_of(payee, "ACH"),
            amount=Money(amount, "ACH"),
            memo=memo,
            actor=payer.user,
        )


def statement_rows(member):
    client = Client()
    client.force_login(member.user)
    return rows_of(client.get(f"/accounts/{account_of(member, 'ACH').pk}/statement.csv?lang=en"))


def test_memos_in_the_statement_csv_are_neutralised_and_amounts_stay_numbers(make_member):
    alice, bob = make_member(username="alice"), make_member(username="bob")
    give_ach(alice, "100.00")
    pay_each_hostile_memo(alice, bob, "2.50")
    newest_first = list(reversed(HOSTILE.values()))
    for member, sign in ((alice, -1), (bob, 1)):
        rows = statement_rows(member)
        paid = [row for row in rows[1:] if row[rows[0].index("Kind")] == "Transfer"]
        memos = [row[rows[0].index("Description")] for row in paid]
        assert all(is_neutralised(cell, typed) for cell, typed in zip(memos, newest_first, strict=True))
        assert [number(row[rows[0].index("Amount")]) for row in paid] == [sign * Decimal("2.50")] * len(HOSTILE)
    assert [number(cell) for cell in column(statement_rows(alice), "Balance after")] == [
        Decimal("85.00"),
        Decimal("87.50"),
        Decimal("90.00"),
        Decimal("92.50"),
        Decimal("95.00"),
        Decimal("97.50"),
        Decimal("100.00"),
    ]


def test_usernames_and_reasons_in_the_audit_log_csv_are_neutralised(make_member, django_user_model):
    alice = make_member(username="alice")
    auditor = make_auditor(django_user_model)
    staff = django_user_model.objects.create_user(username="-staff", is_staff=True)
    for reason in HOSTILE.values():
        audit_record(actor=staff, action="limit_change", target=account_of(alice, "ACH"), reason=reason)
    client = Client(headers={"accept-language": "en"})
    client.force_login(auditor)
    rows = rows_of(client.get("/audit/log.csv?action=limit_change&lang=en"))
    assert column(rows, "By") == ["'-staff"] * len(HOSTILE)
    reasons = column(rows, "Reason")
    assert sorted(reasons) == sorted("'" + typed for typed in HOSTILE.values())


def test_the_auditors_statement_and_trial_balance_csvs_neutralise_what_people_typed(make_member, django_user_model):
    alice = make_member(username="alice", display_name='=HYPERLINK("http://x","Alice")')
    bob = make_member(username="bob")
    give_ach(alice, "10.00")
    pay_each_hostile_memo(alice, bob, "1.00")
    auditor = make_auditor(django_user_model)
    client = Client(headers={"accept-language": "en"})
    client.force_login(auditor)

    statement = rows_of(client.get(f"/audit/accounts/{account_of(alice, 'ACH').pk}/statement.csv?lang=en"))
    paid = [row for row in statement[1:] if row[statement[0].index("Kind")] == "Transfer"]
    assert sorted(row[statement[0].index("Description")] for row in paid) == sorted(
        "'" + typed for typed in HOSTILE.values()
    )
    assert [number(row[statement[0].index("Debit")]) for row in paid] == [Decimal("1.00")] * 6
    assert number(statement[-1][statement[0].index("Balance")]) == Decimal("4.00")

    trial = rows_of(client.get("/audit/trial-balance.csv?lang=en"))
    alices = [row for row in trial[1:] if row[trial[0].index("Holder")] == str(alice.pk)]
    assert {row[trial[0].index("Label")] for row in alices} == {"'" + alice.display_name}
    ach = next(row for row in alices if row[trial[0].index("Unit")] == "ACH")
    assert number(ach[trial[0].index("Credit")]) == Decimal("4.00")
    issuance = next(row for row in trial[1:] if row[trial[0].index("Kind")] == "Issuance")
    assert number(issuance[trial[0].index("Debit")]) == Decimal("10.00")
