"""The local currency's inbox providers: a business's open payment requests, the reconversions
staff decide and pay, the exchange office as a clerk's shortcut."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from djmoney.money import Money

from core.inbox import inbox_of
from currency.inbox import comptoir_shortcut, payment_requests_open, reconversions_to_handle
from currency.services.payments import payment_request_cancel, payment_request_create
from currency.services.reconversions import reconversion_approve, reconversion_request
from ledger.services import transfer_create
from members.models import Member
from tests.factories import account_of, fund

from ._exchange import give_iban, make_comptoir

pytestmark = pytest.mark.django_db


def test_open_unexpired_payment_requests_of_the_payee(make_member):
    shop = make_member(kind=Member.Kind.BUSINESS, username="epicerie")
    account = account_of(shop, "ACH")

    def ask(amount: str, **extra):
        return payment_request_create(payee_account=account, amount=Money(amount, "ACH"), actor=shop.user, **extra)

    ask("3.50")
    ask("4", expires_at=timezone.now() + datetime.timedelta(minutes=10))
    payment_request_cancel(request=ask("5"), actor=shop.user)
    expired = ask("6", expires_at=timezone.now() + datetime.timedelta(minutes=10))
    type(expired).objects.filter(pk=expired.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    [item] = payment_requests_open(shop.user)
    assert (item.key, item.kind, item.count, item.url, str(item.label)) == (
        "payment_requests",
        "member",
        2,
        "/payments/",
        "demandes de paiement en attente de règlement",
    )
    assert payment_requests_open(make_member(username="client").user) == []


@pytest.fixture
def bakery(make_member):
    """La Boulangerie (a business with an IBAN) holding 100 ACH."""
    bakery = give_iban(make_member(kind=Member.Kind.BUSINESS, username="boulangerie", display_name="La Boulangerie"))
    camille = make_member(username="camille")
    fund(account_of(camille, "ACH"), "100")
    transfer_create(
        from_account=account_of(camille, "ACH"),
        to_account=account_of(bakery, "ACH"),
        amount=Money("100", "ACH"),
        actor=None,
    )
    return bakery


def test_staff_see_reconversions_to_decide_and_to_pay(bakery, staff_user):
    [empty] = reconversions_to_handle(staff_user)  # nothing waits: the page, as a shortcut
    assert (empty.count, empty.url, str(empty.label)) == (None, "/reconversion/", "Reconversions")
    assert inbox_of(staff_user).counts == {}
    first = reconversion_request(member=bakery, amount=Money("30", "ACH"), actor=bakery.user)
    reconversion_request(member=bakery, amount=Money("20", "ACH"), actor=bakery.user)
    [item] = reconversions_to_handle(staff_user)
    assert (item.key, item.kind, item.count, item.url) == ("reconversions", "staff", 2, "/reconversion/")
    reconversion_approve(reconversion=first, actor=staff_user)
    items = reconversions_to_handle(staff_user)
    assert [(item.count, str(item.label)) for item in items] == [
        (1, "demande de reconversion à examiner"),
        (1, "reconversion approuvée à payer par virement"),
    ]
    assert inbox_of(staff_user).counts["reconversions"] == 2
    # The business that asked, and any plain member, get no staff key.
    assert reconversions_to_handle(bakery.user) == []
    assert "reconversions" not in inbox_of(bakery.user).counts


def test_the_clerk_gets_the_exchange_office_as_a_shortcut_not_a_count(django_user_model, make_member):
    _comptoir, cashier = make_comptoir(django_user_model)
    [item] = comptoir_shortcut(cashier)
    assert (item.key, item.count, item.url, item.shortcut) == ("comptoir", None, "/comptoir/", True)
    inbox = inbox_of(cashier)
    assert (inbox.total, inbox.counts, inbox.items, [s.key for s in inbox.shortcuts]) == (0, {}, [], ["comptoir"])
    assert comptoir_shortcut(make_member(username="client").user) == []
