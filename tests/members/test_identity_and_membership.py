"""Members: identity numbers, the yearly membership that gates payments, closing, reminders."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone, translation
from djmoney.money import Money

from core.errors import InvalidInput
from ledger import services as ledger
from ledger.errors import MembershipExpired
from ledger.models import Account, Entry, Transaction
from members.models import Commune, Member, MembershipPayment
from members.services import (
    MemberNotEmpty,
    member_close,
    member_create,
    membership_reminders_send,
    membership_renew,
)
from tests.conftest import PASSWORD, account_of, api_client_for
from tests.currency.funding import give_ach

pytestmark = pytest.mark.django_db

VALID = {
    "siren": "248 500 530",
    "siret": "248 500 530 00006",
    "vat_number": "FR 51 248500530",
    "iban": "FR76 3000 6000 0112 3456 7890 189",
    "bic": "AGRIFRPP",
}


def test_a_business_is_created_with_its_identity_numbers_normalised(make_member):
    bakery = make_member(kind=Member.Kind.BUSINESS, **VALID)
    assert (bakery.siren, bakery.siret, bakery.vat_number) == ("248500530", "24850053000006", "FR51248500530")
    assert (bakery.iban, bakery.bic) == ("FR7630006000011234567890189", "AGRIFRPP")


def test_an_association_gets_its_rna_number_checked():
    association = member_create(
        actor=None, username="ruche", password=PASSWORD, display_name="La Ruche", kind="association", rna="w853001234"
    )
    assert association.rna == "W853001234"


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("siren", "248500531", "check digit"),
        ("siret", "24850053000007", "check digit"),
        ("siret", "1234", "number of characters"),
        ("vat_number", "FR00248500530", "check digit"),
        ("iban", "FR76 3000 6000 0112 3456 7890 188", "check digit"),
        ("bic", "AGRI", "number of characters"),
        ("rna", "W12345", "W followed by nine digits"),
    ],
)
def test_an_invalid_identity_number_is_refused_with_a_field_error_and_nothing_is_created(field, value, fragment):
    kind = "association" if field == "rna" else "business"
    with translation.override("en"), pytest.raises(InvalidInput) as refusal:
        member_create(actor=None, username="x", password=PASSWORD, display_name="X", kind=kind, **{field: value})
    assert list(refusal.value.fields) == [field]
    assert fragment in refusal.value.fields[field][0]
    assert Member.objects.count() == 0
    assert Account.objects.count() == 0


def test_identity_errors_are_in_french_by_default():
    with pytest.raises(InvalidInput) as refusal:
        member_create(actor=None, username="x", password=PASSWORD, display_name="X", kind="business", siren="248500531")
    assert refusal.value.fields["siren"] == [
        "Ce SIREN a une clé de contrôle erronée : vérifiez qu’il n’y a pas de faute de frappe."
    ]


def test_an_individual_cannot_have_a_siret_nor_a_siret_of_another_siren():
    with pytest.raises(InvalidInput) as individual:
        member_create(
            actor=None, username="x", password=PASSWORD, display_name="X", kind="individual", siret=VALID["siret"]
        )
    assert list(individual.value.fields) == ["siret"]
    with pytest.raises(InvalidInput) as mismatch:
        member_create(
            actor=None, username="y", password=PASSWORD, display_name="Y", kind="business",
            siren="732829320", siret=VALID["siret"],
        )  # fmt: skip
    assert list(mismatch.value.fields) == ["siret"]
    assert Member.objects.count() == 0


def test_the_api_answers_400_with_every_invalid_number_at_once_and_creates_nothing(staff_user):
    response = api_client_for(staff_user).post(
        "/api/members/",
        {
            "username": "garage",
            "password": PASSWORD,
            "display_name": "Garage",
            "kind": "business",
            "siren": "248500531",
            "iban": "FR00 0000",
            "bic": VALID["bic"],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert sorted(response.json()["fields"]) == ["iban", "siren"]
    assert Member.objects.count() == 0


def test_the_api_creates_a_business_with_its_commune_and_numbers(staff_user):
    commune = Commune.objects.get(name="Martinet")
    response = api_client_for(staff_user).post(
        "/api/members/",
        {"username": "boulangerie", "password": PASSWORD, "display_name": "Boulangerie du Martinet",
         "kind": "business", "commune": commune.pk, "activity": "Boulangerie", "in_directory": True, **VALID},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["commune"], body["siret"], body["in_directory"]) == (commune.pk, "24850053000006", True)
    assert body["membership_expires_on"] is not None
    assert sorted(a["unit"] for a in body["accounts"]) == ["ACH", "GRN", "HRS"]


def test_the_nine_communes_of_the_pays_des_achards_are_there():
    assert Commune.objects.count() == 9
    assert Commune.objects.get(name="Nieul-le-Dolent").postal_code == "85430"


def test_joining_gives_a_year_of_membership(make_member):
    member = make_member()
    today = timezone.localdate()
    assert member.membership_expires_on == today.replace(year=today.year + 1) - datetime.timedelta(days=1)
    assert member.membership_valid_on()


def test_an_expired_membership_blocks_payments_and_posts_nothing_but_accounts_stay_readable(make_member):
    payer, payee = make_member(), make_member()
    Member.objects.filter(pk=payer.pk).update(membership_expires_on=timezone.localdate() - datetime.timedelta(days=1))
    payer.refresh_from_db()
    with pytest.raises(MembershipExpired):
        ledger.transfer_create(
            from_account=account_of(payer, "HRS"),
            to_account=account_of(payee, "HRS"),
            amount=Money("1", "HRS"),
            actor=None,
        )
    assert Transaction.objects.count() == 0
    # Being paid still works, and the statement still reads.
    ledger.transfer_create(
        from_account=account_of(payee, "HRS"), to_account=account_of(payer, "HRS"), amount=Money("2", "HRS"), actor=None
    )
    assert account_of(payer, "HRS").balance == 200
    client = api_client_for(payer.user)
    assert client.get(f"/api/accounts/{account_of(payer, 'HRS').pk}/entries/").status_code == 200
    refused = client.post(
        "/api/transfers/",
        {"from_account": account_of(payer, "HRS").pk, "to_account": account_of(payee, "HRS").pk, "amount": "1"},
        format="json",
        headers={"Idempotency-Key": "k1"},
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "membership_expired"
    assert Transaction.objects.count() == 1


def test_renewing_in_ach_pays_the_fee_to_the_fees_account_and_extends_by_a_year(make_member):
    member = make_member(kind=Member.Kind.BUSINESS)
    give_ach(member, "80")
    expiry = member.membership_expires_on
    payment = membership_renew(member=member, unit="ACH", actor=member.user)
    assert (payment.period_start, payment.period_end) == (
        expiry + datetime.timedelta(days=1),
        expiry.replace(year=expiry.year + 1),
    )
    assert payment.amount == 5000
    assert account_of(member, "ACH").balance == 3000
    assert ledger.system_account(Account.SystemCode.FEES, "ACH").balance == 5000
    member.refresh_from_db()
    assert member.membership_expires_on == payment.period_end


def test_renewing_in_euros_records_cash_received_by_the_association(make_member):
    member = make_member()
    Member.objects.filter(pk=member.pk).update(membership_expires_on=timezone.localdate() - datetime.timedelta(days=40))
    member.refresh_from_db()
    payment = membership_renew(member=member, unit="EUR", actor=None)
    assert payment.period_start == timezone.localdate()
    assert ledger.system_account(Account.SystemCode.FEES, "EUR").balance == 1000
    assert ledger.system_account(Account.SystemCode.WORLD, "EUR").balance == -1000
    assert member.membership_valid_on()


def test_renewing_without_enough_ach_is_refused_and_writes_nothing(make_member):
    member = make_member(kind=Member.Kind.BUSINESS)
    give_ach(member, "20")
    expiry = member.membership_expires_on
    entries = Entry.objects.count()
    with pytest.raises(Exception) as refusal:
        membership_renew(member=member, unit="ACH", actor=None)
    assert refusal.value.code == "insufficient_funds"
    assert Entry.objects.count() == entries
    assert MembershipPayment.objects.count() == 0
    member.refresh_from_db()
    assert member.membership_expires_on == expiry


def test_the_api_renews_my_membership_in_ach(make_member):
    member = make_member()
    give_ach(member, "15")
    response = api_client_for(member.user).post("/api/members/me/membership/", {"unit": "ACH"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["amount"] == "10.00"
    assert account_of(member, "ACH").balance == 500


def test_closing_a_member_with_money_is_refused_and_closing_an_empty_one_keeps_its_history(make_member):
    member, other = make_member(), make_member()
    ledger.transfer_create(
        from_account=account_of(other, "HRS"),
        to_account=account_of(member, "HRS"),
        amount=Money("1", "HRS"),
        actor=None,
    )
    with pytest.raises(MemberNotEmpty):
        member_close(member=member, actor=None)
    assert Member.objects.get(pk=member.pk).status == Member.Status.ACTIVE
    ledger.transfer_create(
        from_account=account_of(member, "HRS"),
        to_account=account_of(other, "HRS"),
        amount=Money("1", "HRS"),
        actor=None,
    )
    member_close(member=member, actor=None)
    member.refresh_from_db()
    assert member.status == Member.Status.CLOSED
    assert {a.status for a in member.accounts.all()} == {Account.Status.CLOSED}
    assert Entry.objects.filter(account__holder=member).count() == 2


def test_closing_a_member_with_an_open_hold_is_refused(make_member):
    member, other = make_member(), make_member()
    ledger.hold_create(
        from_account=account_of(other, "HRS"),
        to_account=account_of(member, "HRS"),
        amount=Money("1", "HRS"),
        actor=None,
    )
    with pytest.raises(MemberNotEmpty):
        member_close(member=member, actor=None)


def test_renewal_reminders_go_out_once_per_expiry(make_member, settings, django_capture_on_commit_callbacks):
    settings.BOCAGE_MEMBERSHIP_REMINDER_DAYS = 30
    soon = make_member(username="soon")
    soon.user.email = "soon@example.org"
    soon.user.save()
    later = make_member(username="later")
    later.user.email = "later@example.org"
    later.user.save()
    Member.objects.filter(pk=soon.pk).update(membership_expires_on=timezone.localdate() + datetime.timedelta(days=10))
    with django_capture_on_commit_callbacks(execute=True):  # the outbox delivers once the claim commits
        assert membership_reminders_send() == 1
        assert membership_reminders_send() == 0
    assert [message.to for message in mail.outbox] == [["soon@example.org"]]
    assert "adhésion" in mail.outbox[0].body
