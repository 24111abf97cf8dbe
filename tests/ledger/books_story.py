"""The worked example of the books tests, set up through the services as users would reach them:
a conversion, a payment, a reconversion with its fee, a membership fee paid in euros."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from djmoney.money import Money

from currency.models import Comptoir, Reconversion
from currency.services.conversions import conversion_create
from currency.services.reconversions import reconversion_approve, reconversion_request
from ledger.models import Transaction
from ledger.services import transfer_create
from members.models import Member
from members.services import member_update
from membership.services import membership_renew
from tests.conftest import account_of
from tests.factories import auditor_user


@dataclass
class Story:
    alice: Member
    bakery: Member
    conversion: Transaction
    payment: Transaction
    reconversion: Transaction
    membership: Transaction


def make_auditor(django_user_model, username: str = "auditrice") -> User:
    return auditor_user(username)


def worked_example(make_member, django_user_model, staff_user, settings) -> Story:
    """Alice converts 100 €, pays the bakery 40 ACH, the bakery reconverts them (5 % fee: 2 €),
    Alice pays next year's membership (10 €) in euros."""
    settings.BOCAGE_RECONVERSION_FEE_RATE = "0.05"
    cashier = django_user_model.objects.create_user(username="caisse", password="x")
    comptoir = Comptoir.objects.create(name="Comptoir des Achards")
    comptoir.staff.add(cashier)
    alice = make_member(username="alice", display_name="Alice Martin")
    bakery = make_member(kind=Member.Kind.BUSINESS, username="boulangerie", display_name="La Boulangerie")
    bakery = member_update(member=bakery, actor=None, iban="FR1420041010050500013M02606", bic="PSSTFRPPNTE")
    conversion = conversion_create(
        comptoir=comptoir, member=alice, amount=Money(Decimal("100"), "EUR"), payment_method="cash", actor=cashier
    ).transaction
    payment = transfer_create(
        from_account=account_of(alice, "ACH"),
        to_account=account_of(bakery, "ACH"),
        amount=Money("40", "ACH"),
        memo="Pain et\tviennoiseries",
        actor=alice.user,
    )
    request = reconversion_request(member=bakery, amount=Money("40", "ACH"), actor=bakery.user)
    reconversion = reconversion_approve(reconversion=request, actor=staff_user).transaction
    assert isinstance(reconversion, Transaction) and Reconversion.objects.get(pk=request.pk).fee == 200
    membership = Transaction.objects.get(pk=membership_renew(member=alice, unit="EUR", actor=staff_user).transaction_id)
    return Story(alice, bakery, conversion, payment, reconversion, membership)
