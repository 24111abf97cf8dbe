"""What keeps a member from leaving: each obstacle with its code, found through its app, and a
refusal that writes nothing; a member with nothing to settle leaves (accounts closed, user inactive)."""

from __future__ import annotations

import pytest
from djmoney.money import Money

from cooperative.services import requests as coop_requests
from crowdfunding.services.pledges import pledge_create
from currency.services.payments import payment_request_create
from currency.services.reconversions import reconversion_request
from exchange.services import exchanges as exchange_services
from ledger.models import Account
from ledger.services import hold_create, transfer_create
from members.leaving import CODES
from members.models import Member
from membership.errors import MemberCannotLeave
from membership.leaving import leaving_check
from membership.services import member_leave
from tests.cooperative.helpers import college, found_scic, share_class, shareholder_with_shares
from tests.crowdfunding.helpers import draft_campaign, live_campaign, moderator
from tests.currency.funding import give_ach
from tests.exchange.test_exchange_support import listing_of, propose
from tests.factories import account_of
from tests.membership.leaving_support import snapshot
from timebank.services import service_record_create

pytestmark = pytest.mark.django_db


def codes(member: Member) -> list[str]:
    return [obstacle.code for obstacle in leaving_check(member)]


def refused_with(member: Member, code: str) -> MemberCannotLeave:
    before = snapshot(member)
    with pytest.raises(MemberCannotLeave) as refused:
        member_leave(member=member, actor=member.user)
    assert refused.value.code == code
    assert refused.value.status == 422
    assert snapshot(member) == before
    return refused.value


def test_a_member_with_nothing_to_settle_leaves_and_every_account_is_closed(make_member):
    member = make_member()
    assert codes(member) == []
    member_leave(member=member, actor=member.user)
    member.refresh_from_db()
    member.user.refresh_from_db()
    assert member.status == Member.Status.CLOSED
    assert set(Account.objects.filter(holder=member).values_list("status", flat=True)) == {Account.Status.CLOSED}
    assert member.user.is_active is False


def test_a_balance_not_at_zero_is_refused_per_account_with_the_amount_written_the_french_way(make_member):
    member = make_member()
    give_ach(member, "1234.5")
    other = make_member()
    transfer_create(
        from_account=account_of(member, "HRS"),
        to_account=account_of(other, "HRS"),
        amount=Money("1.5", "HRS"),
        actor=None,
    )
    refusal = refused_with(member, "balances_not_zero")
    details = [(o.code, o.details["unit"], o.details["amount"], o.details["amount_display"]) for o in refusal.obstacles]
    assert details == [
        ("balances_not_zero", "ACH", "1234.50", "1\u202f234,50 ACH"),
        ("balances_not_zero", "HRS", "-1.50", "−1 h 30"),
    ]


def test_an_amount_on_hold_is_refused_as_holds_pending(make_member):
    member, other = make_member(), make_member()
    give_ach(other, "10")
    hold_create(
        from_account=account_of(other, "ACH"),
        to_account=account_of(member, "ACH"),
        amount=Money("4", "ACH"),
        actor=None,
    )
    refusal = refused_with(member, "holds_pending")
    assert [(o.code, o.details["amount"]) for o in refusal.obstacles] == [("holds_pending", "4.00")]


def test_a_pledge_to_a_running_campaign_is_an_amount_on_hold(make_member):
    moderator()
    owner, backer = make_member(), make_member()
    campaign = live_campaign(owner)
    give_ach(backer, "10")
    pledge_create(campaign=campaign, backer=backer, amount=Money("10", "ACH"), actor=backer.user)
    assert codes(backer) == ["balances_not_zero", "holds_pending"]
    refused_with(backer, "balances_not_zero")


def test_shares_still_held_are_refused_with_the_redemption_page(make_member):
    member = make_member()
    cooperative = found_scic()
    shareholder_with_shares(cooperative, member)
    refusal = refused_with(member, "shares_held")
    assert refusal.obstacles[0].url == f"/cooperatives/{cooperative.pk}/my-shares/redeem/"
    assert refusal.obstacles[0].details["shares"] == 3


def test_a_share_request_not_decided_is_refused_as_requests_pending(make_member):
    member = make_member()
    cooperative = found_scic()
    coop_requests.subscription_request_create(
        cooperative=cooperative,
        share_class=share_class(cooperative, "B"),
        quantity=2,
        college=college(cooperative, "Usagers"),
        actor=member.user,
    )
    refused_with(member, "requests_pending")


def test_a_reconversion_not_paid_is_refused_as_requests_pending(make_member):
    business = make_member(kind=Member.Kind.BUSINESS)
    from members.services import member_update

    member_update(member=business, actor=None, iban="FR1420041010050500013M02606", bic="PSSTFRPPLIL")
    give_ach(business, "10")
    reconversion_request(member=business, amount=Money("10", "ACH"), actor=business.user)
    assert codes(business) == ["balances_not_zero", "requests_pending"]  # the ACH waits in the account
    refused_with(business, "balances_not_zero")


def test_a_service_record_waiting_for_confirmation_is_refused_as_requests_pending(make_member):
    member, other = make_member(), make_member()
    service_record_create(
        provider=member, receiver=other, hours=Money("1", "HRS"), description="Taille", actor=member.user
    )
    refused_with(member, "requests_pending")
    refused_with(other, "requests_pending")


def test_an_open_payment_request_is_refused_as_holds_pending(make_member):
    member = make_member()
    payment_request_create(payee_account=account_of(member, "ACH"), amount=Money("3", "ACH"), actor=member.user)
    refused_with(member, "holds_pending")


def test_a_campaign_not_closed_is_refused_as_campaigns_running(make_member):
    member = make_member()
    draft_campaign(member)
    refused_with(member, "campaigns_running")


def test_an_exchange_not_finished_is_refused_as_exchanges_open(make_member):
    seller, buyer = make_member(), make_member()
    propose(listing_of(seller), buyer)
    refused_with(seller, "exchanges_open")
    refused_with(buyer, "exchanges_open")


def test_an_accepted_exchange_holds_an_amount_and_is_not_finished(make_member):
    seller, buyer = make_member(), make_member()
    exchange_services.exchange_accept(exchange=propose(listing_of(seller), buyer), actor=seller.user)
    assert codes(buyer) == ["holds_pending", "exchanges_open"]


def test_a_staff_member_cannot_close_themselves_here(make_member):
    member = make_member()
    member.user.is_staff = True
    member.user.save()
    refused_with(member, "staff_account")


def test_the_obstacles_come_in_the_order_of_the_contract(make_member):
    member = make_member()
    member.user.is_staff = True
    member.user.save()
    give_ach(member, "1")
    draft_campaign(member)
    assert codes(member) == ["staff_account", "balances_not_zero", "campaigns_running"]
    assert CODES == (
        "staff_account",
        "balances_not_zero",
        "holds_pending",
        "shares_held",
        "requests_pending",
        "campaigns_running",
        "exchanges_open",
        "bookings_upcoming",
    )
