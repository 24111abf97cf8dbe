"""A membership fee paid in euros at an exchange office, recorded by its clerk, counted in its cash report."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from core.errors import InvalidInput, PermissionDenied
from currency.selectors.comptoirs import comptoir_cash_report
from ledger.models import Account, Transaction
from ledger.services import system_account
from ledger.units import get_unit
from members.models import Member
from members.services import one_year_from
from membership.models import MembershipPayment
from membership.services import membership_renew
from tests.currency._exchange import convert, make_comptoir

pytestmark = pytest.mark.django_db


def client_for(user, language: str = "fr") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


@pytest.fixture
def desk(django_user_model, make_member):
    comptoir, cashier = make_comptoir(django_user_model)
    sophie = make_member(username="sophie", display_name="Sophie Bernard")
    Member.objects.filter(pk=sophie.pk).update(membership_expires_on=None)  # joined online, not paid yet
    sophie.refresh_from_db()
    return comptoir, cashier, sophie


def euro_balances() -> tuple[int, int]:
    return (
        system_account(Account.SystemCode.WORLD, "EUR").balance,
        system_account(Account.SystemCode.FEES, "EUR").balance,
    )


def test_the_clerk_records_the_fee_it_is_posted_and_counted_in_the_cash_report(desk, settings):
    comptoir, cashier, sophie = desk
    settings.BOCAGE_MEMBERSHIP_FEES = {**settings.BOCAGE_MEMBERSHIP_FEES, "individual": "12.00"}
    client = client_for(cashier)
    page = client.get("/comptoir/membership/")
    assert page.status_code == 200
    assert get_unit("EUR").format(1200) in page.content.decode()  # 12,00 EUR, the fee of an individual
    key = page.context["form"]["idempotency_key"].value()
    body = {"comptoir": comptoir.pk, "member": "sophie", "payment_method": "cheque", "idempotency_key": key}

    response = client.post("/comptoir/membership/", body)

    assert response.status_code == 302
    payment = MembershipPayment.objects.get()
    today = timezone.localdate()
    assert (payment.member, payment.unit, payment.amount, payment.comptoir, payment.payment_method, payment.actor) == (
        sophie,
        "EUR",
        1200,
        comptoir,
        "cheque",
        cashier,
    )
    assert (payment.period_start, payment.period_end) == (today, one_year_from(today))
    assert euro_balances() == (-1200, 1200)
    sophie.refresh_from_db()
    assert sophie.membership_expires_on == one_year_from(today)

    convert(comptoir, cashier, sophie, "20.00")
    report = comptoir_cash_report(comptoir=comptoir, day=today)
    assert [(r.member_name, r.payment_method, r.amount, r.recorded_by) for r in report.others] == [
        ("Sophie Bernard", "Chèque", 1200, cashier.get_username())
    ]
    assert (report.total, report.others_total, report.received) == (2000, 1200, 3200)
    html = client.get(f"/comptoir/{comptoir.pk}/report/").content.decode()
    assert "Sophie Bernard" in html and get_unit("EUR").format(3200) in html

    # The same form sent again (a double tap, a reloaded page) pays nothing more.
    again = client.post("/comptoir/membership/", body)
    assert again.status_code == 400
    assert MembershipPayment.objects.count() == 1
    assert euro_balances() == (-3200, 1200)  # the conversion's 20 EUR came from the world too


def test_another_office_a_member_or_a_wrong_method_records_nothing(desk, django_user_model, make_member):
    comptoir, cashier, sophie = desk
    _elsewhere, other_cashier = make_comptoir(django_user_model, name="Comptoir de Sainte-Flaive")
    transactions = Transaction.objects.count()

    with pytest.raises(PermissionDenied):
        membership_renew(member=sophie, unit="EUR", actor=other_cashier, comptoir=comptoir, payment_method="cash")
    with pytest.raises(InvalidInput):
        membership_renew(member=sophie, unit="ACH", actor=cashier, comptoir=comptoir, payment_method="cash")
    with pytest.raises(InvalidInput):
        membership_renew(member=sophie, unit="EUR", actor=cashier, comptoir=comptoir, payment_method="bitcoin")
    # The page offers a clerk only their own offices.
    page = client_for(other_cashier).post(
        "/comptoir/membership/",
        {"comptoir": comptoir.pk, "member": "sophie", "payment_method": "cash", "idempotency_key": "k1"},
    )
    assert page.status_code == 400
    assert "comptoir" in page.context["form"].errors
    member = make_member(username="lucie")
    assert client_for(member.user).get("/comptoir/membership/").status_code == 403
    assert Client().get("/comptoir/membership/").status_code == 302

    assert Transaction.objects.count() == transactions
    assert MembershipPayment.objects.count() == 0
    sophie.refresh_from_db()
    assert sophie.membership_expires_on is None
    assert euro_balances() == (0, 0)


def test_a_closed_member_is_refused_on_the_form(desk):
    comptoir, cashier, sophie = desk
    Member.objects.filter(pk=sophie.pk).update(status=Member.Status.CLOSED, closed_at=timezone.now())
    response = client_for(cashier, "en").post(
        "/comptoir/membership/",
        {"comptoir": comptoir.pk, "member": "sophie", "payment_method": "cash", "idempotency_key": "k2"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors.get("member")
    assert MembershipPayment.objects.count() == 0
    assert euro_balances() == (0, 0)
