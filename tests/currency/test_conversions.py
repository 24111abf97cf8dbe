"""Conversions € → ACH at a comptoir: exact balances on every account, backing after each step."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from djmoney.money import Money

from core.errors import ApplicationError
from currency.kinds import CONVERSION
from currency.models import Comptoir, Conversion
from currency.selectors.comptoirs import comptoir_cash_report, local_day_bounds
from members.models import Member
from membership.services import member_close
from tests.conftest import account_of

from ._exchange import assert_backed, balance, convert, ledger_snapshot, make_comptoir, system_balances

pytestmark = pytest.mark.django_db


@pytest.fixture
def comptoir_and_cashier(django_user_model):
    return make_comptoir(django_user_model)


def test_a_conversion_moves_euros_into_the_fund_and_issues_as_many_ach(make_member, comptoir_and_cashier):
    comptoir, cashier = comptoir_and_cashier
    camille = make_member(username="camille")
    assert_backed()

    conversion = convert(comptoir, cashier, camille, "50.00", "cash")

    assert system_balances() == {"world_eur": -5000, "guarantee_fund": 5000, "issuance_ach": -5000, "fees_eur": 0}
    assert balance(account_of(camille, "ACH")) == 5000
    assert (conversion.amount, conversion.payment_method, conversion.actor, conversion.member) == (
        5000,
        "cash",
        cashier,
        camille,
    )
    txn = conversion.transaction
    assert txn.kind_id == CONVERSION
    assert sorted((entry.account.system_code or "member", entry.unit, entry.amount) for entry in txn.entries.all()) == [
        ("guarantee_fund", "EUR", 5000),
        ("issuance", "ACH", -5000),
        ("member", "ACH", 5000),
        ("world", "EUR", -5000),
    ]
    assert_backed()

    bruno = make_member(username="bruno")
    convert(comptoir, cashier, bruno, "12.5", "card")
    convert(comptoir, cashier, camille, "0.01", "cheque")
    assert system_balances() == {"world_eur": -6251, "guarantee_fund": 6251, "issuance_ach": -6251, "fees_eur": 0}
    assert (balance(account_of(camille, "ACH")), balance(account_of(bruno, "ACH"))) == (5001, 1250)
    assert Conversion.objects.count() == 3
    assert_backed()


def test_the_same_idempotency_key_gives_back_the_same_conversion(make_member, comptoir_and_cashier):
    comptoir, cashier = comptoir_and_cashier
    camille = make_member(username="camille")
    first = convert(comptoir, cashier, camille, "20", key="k-1")
    again = convert(comptoir, cashier, camille, "20", key="k-1")
    assert again.pk == first.pk
    assert Conversion.objects.count() == 1
    assert balance(account_of(camille, "ACH")) == 2000
    with pytest.raises(ApplicationError) as refused:
        convert(comptoir, cashier, camille, "30", key="k-1")
    assert refused.value.code == "idempotency_key_reused"
    assert balance(account_of(camille, "ACH")) == 2000
    assert_backed()


def test_staff_of_another_comptoir_or_a_member_may_not_record_and_nothing_is_written(
    make_member, comptoir_and_cashier, django_user_model
):
    comptoir, _cashier = comptoir_and_cashier
    _other, other_cashier = make_comptoir(django_user_model, name="Comptoir de Martinet")
    camille = make_member(username="camille")
    before = ledger_snapshot()
    for actor in [other_cashier, camille.user, None]:
        with pytest.raises(ApplicationError) as refused:
            convert(comptoir, actor, camille, "10")
        assert (refused.value.code, refused.value.status) == ("permission_denied", 403)
    assert ledger_snapshot() == before


def test_association_staff_may_record_at_any_comptoir(make_member, comptoir_and_cashier, staff_user):
    comptoir, _cashier = comptoir_and_cashier
    camille = make_member(username="camille")
    conversion = convert(comptoir, staff_user, camille, "10")
    assert conversion.actor == staff_user
    assert balance(account_of(camille, "ACH")) == 1000
    assert_backed()


def test_a_closed_member_gets_no_conversion_and_nothing_is_written(make_member, comptoir_and_cashier):
    comptoir, cashier = comptoir_and_cashier
    camille = make_member(username="camille")
    member_close(member=camille, actor=None)
    before = ledger_snapshot()
    with pytest.raises(ApplicationError) as refused:
        convert(comptoir, cashier, Member.objects.get(pk=camille.pk), "10")
    assert refused.value.code == "member_closed"
    assert ledger_snapshot() == before


def test_an_expired_membership_gets_no_conversion_and_nothing_is_written(make_member, comptoir_and_cashier):
    comptoir, cashier = comptoir_and_cashier
    camille = make_member(username="camille")
    Member.objects.filter(pk=camille.pk).update(membership_expires_on=timezone.localdate() - datetime.timedelta(days=1))
    before = ledger_snapshot()
    with pytest.raises(ApplicationError) as refused:
        convert(comptoir, cashier, camille, "10")
    assert refused.value.code == "membership_expired"
    assert "Camille" in str(refused.value.message)
    assert ledger_snapshot() == before


@pytest.mark.parametrize(
    ("amount", "code"),
    [("0", "invalid_amount"), ("-5", "invalid_amount"), ("1.001", "invalid_amount")],
)
def test_a_conversion_of_a_bad_amount_is_refused_and_nothing_is_written(
    make_member, comptoir_and_cashier, amount, code
):
    comptoir, cashier = comptoir_and_cashier
    camille = make_member(username="camille")
    before = ledger_snapshot()
    with pytest.raises(ApplicationError) as refused:
        convert(comptoir, cashier, camille, amount)
    assert refused.value.code == code
    assert ledger_snapshot() == before


def test_an_amount_in_ach_an_unknown_payment_method_or_a_closed_comptoir_is_refused(make_member, comptoir_and_cashier):
    from currency.services.conversions import conversion_create

    comptoir, cashier = comptoir_and_cashier
    camille = make_member(username="camille")
    before = ledger_snapshot()
    with pytest.raises(ApplicationError) as in_ach:
        conversion_create(
            comptoir=comptoir, member=camille, amount=Money("5", "ACH"), payment_method="cash", actor=cashier
        )
    assert in_ach.value.code == "unit_mismatch"
    with pytest.raises(ApplicationError) as bitcoin:
        convert(comptoir, cashier, camille, "5", method="bitcoin")
    assert (bitcoin.value.code, bitcoin.value.status) == ("invalid", 400)
    Comptoir.objects.filter(pk=comptoir.pk).update(active=False)
    with pytest.raises(ApplicationError) as closed:
        convert(comptoir, cashier, camille, "5")
    assert closed.value.code == "comptoir_inactive"
    assert ledger_snapshot() == before


def test_the_cash_report_counts_and_sums_each_payment_method_of_the_local_day(make_member, comptoir_and_cashier):
    comptoir, cashier = comptoir_and_cashier
    camille, bruno = make_member(username="camille"), make_member(username="bruno")
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    first = convert(comptoir, cashier, camille, "50", "cash")
    convert(comptoir, cashier, bruno, "20.50", "cash")
    convert(comptoir, cashier, bruno, "30", "card")
    old = convert(comptoir, cashier, camille, "99", "cheque")
    # Recorded one second before today's local midnight: yesterday's cash, not today's.
    Conversion.objects.filter(pk=old.pk).update(created_at=local_day_bounds(today)[0] - datetime.timedelta(seconds=1))

    report = comptoir_cash_report(comptoir=comptoir, day=today)
    assert [(line.payment_method, line.count, line.total) for line in report.lines] == [
        ("cash", 2, 7050),
        ("cheque", 0, 0),
        ("card", 1, 3000),
    ]
    assert (report.count, report.total) == (3, 10050)
    assert report.conversions[0] == first
    assert len(report.conversions) == 3

    previous = comptoir_cash_report(comptoir=comptoir, day=yesterday)
    assert [(line.payment_method, line.count, line.total) for line in previous.lines] == [
        ("cash", 0, 0),
        ("cheque", 1, 9900),
        ("card", 0, 0),
    ]
    assert Decimal(previous.total) == 9900
    assert_backed()
