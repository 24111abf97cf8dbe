"""Reconversions ACH → € (businesses only): exact balances on every account, backing after each step."""

from __future__ import annotations

from decimal import Decimal

import pytest
from djmoney.money import Money

from core.errors import ApplicationError
from currency.kinds import RECONVERSION
from currency.models import Reconversion
from currency.services.reconversions import (
    fee_for,
    reconversion_approve,
    reconversion_reject,
    reconversion_request,
)
from ledger.models import Transaction
from ledger.services import transfer_create
from members.models import Member
from tests.conftest import account_of

from ._exchange import (
    BIC_BUSINESS,
    IBAN_BUSINESS,
    assert_backed,
    balance,
    convert,
    give_iban,
    ledger_snapshot,
    make_comptoir,
    system_balances,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def bakery(make_member, django_user_model):
    """La Boulangerie (a business with an IBAN) was paid 100 ACH by Camille, who converted 100 €."""
    comptoir, cashier = make_comptoir(django_user_model)
    camille = make_member(username="camille")
    bakery = give_iban(make_member(kind=Member.Kind.BUSINESS, username="boulangerie", display_name="La Boulangerie"))
    convert(comptoir, cashier, camille, "100")
    transfer_create(
        from_account=account_of(camille, "ACH"),
        to_account=account_of(bakery, "ACH"),
        amount=Money("100", "ACH"),
        actor=None,
    )
    assert balance(account_of(bakery, "ACH")) == 10000
    return bakery


def reconversions_snapshot() -> tuple:
    return (ledger_snapshot(), tuple(Reconversion.objects.order_by("id").values_list("id", "status", "fee")))


def test_a_reconversion_is_requested_approved_and_posted_with_the_fee(bakery, staff_user, settings):
    settings.BOCAGE_RECONVERSION_FEE_RATE = "0.05"
    request = reconversion_request(member=bakery, amount=Money("40.10", "ACH"), actor=bakery.user)
    assert (request.status, request.amount, request.fee, request.iban, request.bic) == (
        "requested",
        4010,
        0,
        IBAN_BUSINESS,
        BIC_BUSINESS,
    )
    # Nothing moves until it is approved.
    assert balance(account_of(bakery, "ACH")) == 10000
    assert system_balances() == {"world_eur": -10000, "guarantee_fund": 10000, "issuance_ach": -10000, "fees_eur": 0}

    approved = reconversion_approve(reconversion=request, actor=staff_user)

    # 5 % of 40.10 = 2.005 → 2.01 (half up); 38.09 leave to the business's bank.
    assert (approved.status, approved.fee, approved.decided_by) == ("approved", 201, staff_user)
    assert balance(account_of(bakery, "ACH")) == 5990
    assert system_balances() == {
        "world_eur": -10000 + 3809,
        "guarantee_fund": 10000 - 4010,
        "issuance_ach": -10000 + 4010,
        "fees_eur": 201,
    }
    txn = approved.transaction
    assert txn is not None and txn.kind_id == RECONVERSION
    assert sorted((entry.account.system_code or "member", entry.unit, entry.amount) for entry in txn.entries.all()) == [
        ("fees", "EUR", 201),
        ("guarantee_fund", "EUR", -4010),
        ("issuance", "ACH", 4010),
        ("member", "ACH", -4010),
        ("world", "EUR", 3809),
    ]
    assert_backed()


@pytest.mark.parametrize(
    ("rate", "amount", "fee"),
    [("0.05", 4010, 201), ("0.05", 10, 1), ("0.05", 9, 0), ("0.02", 125, 3), ("0", 5000, 0), ("0.05", 30, 2)],
)
def test_the_fee_is_rounded_to_the_cent_half_up(settings, rate, amount, fee):
    settings.BOCAGE_RECONVERSION_FEE_RATE = rate
    assert fee_for(amount) == fee


def test_with_no_fee_nothing_is_posted_to_the_fees_account(bakery, staff_user, settings):
    settings.BOCAGE_RECONVERSION_FEE_RATE = "0"
    request = reconversion_request(member=bakery, amount=Money("100", "ACH"), actor=bakery.user)
    approved = reconversion_approve(reconversion=request, actor=staff_user)
    assert approved.fee == 0
    assert approved.transaction is not None and approved.transaction.entries.count() == 4
    assert system_balances() == {"world_eur": 0, "guarantee_fund": 0, "issuance_ach": 0, "fees_eur": 0}
    assert balance(account_of(bakery, "ACH")) == 0
    assert_backed()


@pytest.mark.parametrize("kind", [Member.Kind.INDIVIDUAL, Member.Kind.ASSOCIATION])
def test_individuals_and_associations_may_not_reconvert_and_nothing_is_written(make_member, kind):
    member = give_iban(make_member(kind=kind))
    before = reconversions_snapshot()
    with pytest.raises(ApplicationError) as refused:
        reconversion_request(member=member, amount=Money("1", "ACH"), actor=member.user)
    assert (refused.value.code, refused.value.status) == ("reconversion_businesses_only", 422)
    assert reconversions_snapshot() == before


def test_a_business_without_an_iban_is_asked_for_one(make_member):
    business = make_member(kind=Member.Kind.BUSINESS)
    with pytest.raises(ApplicationError) as refused:
        reconversion_request(member=business, amount=Money("1", "ACH"), actor=business.user)
    assert (refused.value.code, refused.value.status) == ("iban_missing", 422)
    assert Reconversion.objects.count() == 0


def test_a_request_beyond_the_available_ach_is_refused(bakery):
    with pytest.raises(ApplicationError) as refused:
        reconversion_request(member=bakery, amount=Money("100.01", "ACH"), actor=bakery.user)
    assert refused.value.code == "insufficient_funds"
    for bad in ["0", "-1", "0.001"]:
        with pytest.raises(ApplicationError) as invalid:
            reconversion_request(member=bakery, amount=Money(Decimal(bad), "ACH"), actor=bakery.user)
        assert invalid.value.code == "invalid_amount"
    assert Reconversion.objects.count() == 0


def test_only_the_business_itself_or_staff_may_request(bakery, make_member, staff_user):
    stranger = make_member(username="stranger")
    with pytest.raises(ApplicationError) as refused:
        reconversion_request(member=bakery, amount=Money("1", "ACH"), actor=stranger.user)
    assert refused.value.status == 403
    assert reconversion_request(member=bakery, amount=Money("1", "ACH"), actor=staff_user).requested_by == staff_user


def test_approval_without_the_funds_any_more_is_refused_and_nothing_is_written(bakery, staff_user, make_member):
    request = reconversion_request(member=bakery, amount=Money("80", "ACH"), actor=bakery.user)
    miller = make_member(username="meunier")
    transfer_create(
        from_account=account_of(bakery, "ACH"),
        to_account=account_of(miller, "ACH"),
        amount=Money("30", "ACH"),
        actor=None,
    )
    before = reconversions_snapshot()
    with pytest.raises(ApplicationError) as refused:
        reconversion_approve(reconversion=request, actor=staff_user)
    assert refused.value.code == "insufficient_funds"
    assert reconversions_snapshot() == before
    request.refresh_from_db()
    assert (request.status, request.transaction) == ("requested", None)
    assert_backed()


def test_only_staff_approve_or_reject_and_a_decision_is_taken_once(bakery, staff_user):
    request = reconversion_request(member=bakery, amount=Money("10", "ACH"), actor=bakery.user)
    for action in (
        lambda: reconversion_approve(reconversion=request, actor=bakery.user),
        lambda: reconversion_reject(reconversion=request, actor=bakery.user, reason="no"),
    ):
        with pytest.raises(ApplicationError) as refused:
            action()
        assert refused.value.status == 403
    with pytest.raises(ApplicationError) as no_reason:
        reconversion_reject(reconversion=request, actor=staff_user, reason="  ")
    assert no_reason.value.status == 400

    rejected = reconversion_reject(reconversion=request, actor=staff_user, reason="IBAN au nom d'un tiers")
    assert (rejected.status, rejected.rejection_reason, rejected.transaction) == (
        "rejected",
        "IBAN au nom d'un tiers",
        None,
    )
    before = reconversions_snapshot()
    for action in (
        lambda: reconversion_approve(reconversion=request, actor=staff_user),
        lambda: reconversion_reject(reconversion=request, actor=staff_user, reason="again"),
    ):
        with pytest.raises(ApplicationError) as decided:
            action()
        assert decided.value.code == "reconversion_not_pending"
    assert reconversions_snapshot() == before
    assert balance(account_of(bakery, "ACH")) == 10000
    assert_backed()


def test_approving_twice_posts_once(bakery, staff_user):
    request = reconversion_request(member=bakery, amount=Money("10", "ACH"), actor=bakery.user)
    reconversion_approve(reconversion=request, actor=staff_user)
    with pytest.raises(ApplicationError):
        reconversion_approve(reconversion=request, actor=staff_user)
    assert Transaction.objects.filter(kind=RECONVERSION).count() == 1
    assert balance(account_of(bakery, "ACH")) == 9000
    assert_backed()
