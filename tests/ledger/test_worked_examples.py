"""Whole stories told through the ledger's services, with every balance they touch."""

from __future__ import annotations

import pytest
from djmoney.money import Money

from currency.kinds import CONVERSION
from ledger import services
from ledger.errors import InsufficientFunds
from ledger.models import Account, Entry, Hold, Transaction
from ledger.selectors import account_statement, trial_balance
from tests.conftest import account_of

pytestmark = pytest.mark.django_db


def balances(*accounts: Account) -> list[tuple[int, int]]:
    """(balance, held) of each account, fresh from the database."""
    rows = Account.objects.filter(pk__in=[a.pk for a in accounts]).values_list("pk", "balance", "held")
    by_id = {pk: (balance, held) for pk, balance, held in rows}
    return [by_id[a.pk] for a in accounts]


def history(account: Account) -> list[tuple[int, int]]:
    """(amount, balance_after) of the account's entries, oldest first."""
    return [(entry.amount, entry.balance_after) for entry in reversed(account_statement(account=account))]


def test_a_week_in_the_time_bank_among_three_neighbours(make_member):
    alice = account_of(make_member(username="alice"), "HRS")
    bruno = account_of(make_member(username="bruno"), "HRS")
    chloe = account_of(make_member(username="chloe"), "HRS")

    # Monday: Alice weeds Bruno's garden for two hours.
    services.transfer_create(from_account=bruno, to_account=alice, amount=Money("2", "HRS"), memo="Jardin", actor=None)
    # Tuesday: Chloé mends Alice's bicycle in an hour and a half.
    services.transfer_create(from_account=alice, to_account=chloe, amount=Money("1.5", "HRS"), memo="Vélo", actor=None)
    # Wednesday: Bruno minds Chloé's children for three hours.
    services.transfer_create(from_account=chloe, to_account=bruno, amount=Money("3", "HRS"), memo="Garde", actor=None)
    # Thursday: Alice gives Chloé an hour and a quarter of English.
    services.transfer_create(
        from_account=chloe, to_account=alice, amount=Money("1.25", "HRS"), memo="Anglais", actor=None
    )
    # Friday: Bruno would like 25 hours of roofing, more than his 20-hour credit allows.
    before = (Transaction.objects.count(), Entry.objects.count())
    with pytest.raises(InsufficientFunds):
        services.transfer_create(
            from_account=bruno, to_account=alice, amount=Money("25", "HRS"), memo="Toiture", actor=None
        )
    assert (Transaction.objects.count(), Entry.objects.count()) == before

    assert balances(alice, bruno, chloe) == [(175, 0), (100, 0), (-275, 0)]
    assert history(alice) == [(200, 200), (-150, 50), (125, 175)]
    assert history(bruno) == [(-200, -200), (300, 100)]
    assert history(chloe) == [(150, 150), (-300, -150), (-125, -275)]
    alice.refresh_from_db()
    chloe.refresh_from_db()
    assert alice.available == 175 + 2000
    assert chloe.available == -275 + 2000
    hours = next(line for line in trial_balance() if line.unit == "HRS")
    assert (hours.debit_balances, hours.credit_balances, hours.difference) == (275, 275, 0)


def test_a_sel_exchange_held_then_captured_in_part_releases_the_rest(make_member):
    buyer = account_of(make_member(username="denise"), "GRN")
    seller = account_of(make_member(username="etienne"), "GRN")
    services.transfer_create(from_account=seller, to_account=buyer, amount=Money("100", "GRN"), actor=None)
    assert balances(buyer, seller) == [(10000, 0), (-10000, 0)]

    # Accepted: 40 grains for splitting a stack of firewood are reserved on Denise's account.
    hold = services.hold_create(
        from_account=buyer, to_account=seller, amount=Money("40", "GRN"), memo="Bois de chauffage", actor=None
    )
    buyer.refresh_from_db()
    assert (buyer.balance, buyer.held, buyer.available) == (10000, 4000, 10000 - 4000 + 50000)
    assert balances(seller) == [(-10000, 0)]

    # Half the stack was split: Denise confirms 25 grains, the other 15 go back to her.
    captured = services.hold_capture(hold=hold, actor=None, amount=Money("25", "GRN"))

    assert (captured.status, captured.amount, captured.captured_amount) == (Hold.Status.CAPTURED, 4000, 2500)
    assert balances(buyer, seller) == [(7500, 0), (-7500, 0)]
    buyer.refresh_from_db()
    assert buyer.available == 7500 + 50000
    assert history(buyer) == [(10000, 10000), (-2500, 7500)]
    assert history(seller) == [(-10000, -10000), (2500, -7500)]
    assert captured.capture_transaction.memo == "Bois de chauffage"
    assert Transaction.objects.count() == 2


def test_a_payment_to_the_wrong_neighbour_is_reversed_and_paid_again(make_member, staff_user):
    francois = account_of(make_member(username="francois"), "ACH")
    gaelle = account_of(make_member(username="gaelle"), "ACH")
    hugo = account_of(make_member(username="hugo"), "ACH")
    world = services.system_account(Account.SystemCode.WORLD, "EUR")
    fund = services.system_account(Account.SystemCode.GUARANTEE_FUND, "EUR")
    issuance = services.system_account(Account.SystemCode.ISSUANCE, "ACH")

    # François changes 60 € into 60 ACH at the comptoir.
    services.transaction_post(
        legs=[
            (world, Money("-60", "EUR")),
            (fund, Money("60", "EUR")),
            (issuance, Money("-60", "ACH")),
            (francois, Money("60", "ACH")),
        ],
        kind=CONVERSION,
        actor=staff_user,
    )
    # He means to pay Gaëlle 42,50 ACH for vegetables, but picks Hugo.
    mistake = services.transfer_create(
        from_account=francois, to_account=hugo, amount=Money("42.50", "ACH"), memo="Légumes", actor=None
    )
    assert balances(francois, gaelle, hugo) == [(1750, 0), (0, 0), (4250, 0)]

    reversal = services.transaction_reverse(transaction_to_reverse=mistake, actor=staff_user)
    assert balances(francois, gaelle, hugo) == [(6000, 0), (0, 0), (0, 0)]

    services.transfer_create(
        from_account=francois, to_account=gaelle, amount=Money("42.50", "ACH"), memo="Légumes", actor=None
    )

    assert balances(francois, gaelle, hugo) == [(1750, 0), (4250, 0), (0, 0)]
    assert balances(world, fund, issuance) == [(-6000, 0), (6000, 0), (-6000, 0)]
    assert history(francois) == [(6000, 6000), (-4250, 1750), (4250, 6000), (-4250, 1750)]
    assert history(hugo) == [(4250, 4250), (-4250, 0)]
    assert history(gaelle) == [(4250, 4250)]
    assert reversal.reverses_id == mistake.pk
    # The mistake stays in the books: nothing was deleted, only compensated.
    assert Transaction.objects.count() == 4
    assert Entry.objects.count() == 10
