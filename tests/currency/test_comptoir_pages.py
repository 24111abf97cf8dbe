"""Pages of the exchange offices and of reconversions, in French (default) and English."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation
from djmoney.money import Money

from currency.models import Conversion, Reconversion, SepaExport
from currency.sepa import pain_001_problems
from currency.services.reconversions import reconversion_request
from ledger.services import transfer_create
from members.models import Member
from tests.conftest import account_of

from ._exchange import assert_backed, balance, convert, give_iban, ledger_snapshot, make_comptoir

pytestmark = pytest.mark.django_db


def fr(message: str) -> str:
    """The French of a message, from the catalogue (the page must show exactly that)."""
    with translation.override("fr"):
        return translation.gettext(message)


def client_for(user, language: str = "fr") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


@pytest.fixture
def desk(django_user_model, make_member):
    comptoir, cashier = make_comptoir(django_user_model)
    return comptoir, cashier, make_member(username="camille", display_name="Camille Martin")


def test_the_comptoir_page_records_a_conversion_typed_the_french_way(desk):
    comptoir, cashier, camille = desk
    client = client_for(cashier)
    page = client.get("/comptoir/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="fr">' in html
    assert fr("Convert euros into ACH") in html
    assert "Convert euros into ACH" in client_for(cashier, "en").get("/comptoir/").content.decode()
    key = page.context["form"]["idempotency_key"].value()
    body = {
        "comptoir": comptoir.pk,
        "username": "camille",
        "amount": "12,50",
        "payment_method": "cash",
        "idempotency_key": key,
    }
    response = client.post("/comptoir/", body)
    conversion = Conversion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/comptoir/conversions/{conversion.pk}/receipt/"
    again = client.post("/comptoir/", body)  # the same form sent twice records once
    assert again.status_code == 302
    assert Conversion.objects.count() == 1
    assert balance(account_of(camille, "ACH")) == 1250
    assert_backed()

    receipt = client.get(response["Location"])
    text = receipt.content.decode()
    assert receipt.status_code == 200
    assert "12,50\xa0EUR" in text or "12,50 EUR" in text
    assert "12,50 ACH" in text
    assert "Camille Martin" in text
    assert "css/comptoir.css" in text  # its print styles (@media print), a file under the CSP
    # Camille may read her own receipt; another member may not.
    assert client_for(camille.user).get(response["Location"]).status_code == 200


def test_a_refused_conversion_shows_the_reason_on_the_form_and_writes_nothing(desk):
    comptoir, cashier, _camille = desk
    client = client_for(cashier)
    before = ledger_snapshot()
    for body, field in [
        ({"username": "personne", "amount": "10"}, "username"),
        ({"username": "camille", "amount": "abc"}, "amount"),
        ({"username": "camille", "amount": "0"}, "amount"),
    ]:
        page = client.post(
            "/comptoir/", {"comptoir": comptoir.pk, "payment_method": "cash", "idempotency_key": "k", **body}
        )
        assert page.status_code == 200
        assert page.context["form"].errors[field]
    assert ledger_snapshot() == before


def test_members_without_a_comptoir_get_403_and_anonymous_visitors_log_in(desk):
    _comptoir, _cashier, camille = desk
    assert client_for(camille.user).get("/comptoir/").status_code == 403
    assert Client().get("/comptoir/").status_code == 302


def test_the_cash_report_page_shows_the_day_totals_with_a_date_picker(desk):
    comptoir, cashier, camille = desk
    convert(comptoir, cashier, camille, "50", "cash")
    convert(comptoir, cashier, camille, "7.25", "card")
    page = client_for(cashier).get(f"/comptoir/{comptoir.pk}/report/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'type="date"' in html
    assert "57,25 EUR" in html
    assert fr("Cash") in html
    english = client_for(cashier, "en").get(f"/comptoir/{comptoir.pk}/report/?day=2001-01-01")
    assert "Cash report" in english.content.decode()
    assert english.context["report"].total == 0
    assert client_for(camille.user).get(f"/comptoir/{comptoir.pk}/report/").status_code == 404
    assert client_for(cashier).get(f"/comptoir/{comptoir.pk}/report/?day=nonsense").status_code == 200


@pytest.fixture
def bakery(desk, make_member):
    comptoir, cashier, camille = desk
    convert(comptoir, cashier, camille, "100")
    bakery = give_iban(make_member(kind=Member.Kind.BUSINESS, username="boulangerie", display_name="La Boulangerie"))
    transfer_create(
        from_account=account_of(camille, "ACH"),
        to_account=account_of(bakery, "ACH"),
        amount=Money("80", "ACH"),
        actor=None,
    )
    return bakery


def test_a_business_asks_for_a_reconversion_from_its_page(bakery):
    client = client_for(bakery.user)
    page = client.get("/reconversion/")
    assert page.status_code == 200
    assert fr("Ask for a reconversion") in page.content.decode()
    response = client.post("/reconversion/", {"amount": "25,50"})
    assert response.status_code == 302
    assert Reconversion.objects.get().amount == 2550
    too_much = client.post("/reconversion/", {"amount": "1000"})
    assert too_much.status_code == 200 and too_much.context["form"].errors["amount"]
    assert Reconversion.objects.count() == 1
    assert "Reconversions" in client_for(bakery.user, "en").get("/reconversion/").content.decode()


def test_individuals_see_that_reconversion_is_for_businesses(desk):
    page = client_for(desk[2].user).get("/reconversion/")
    assert page.status_code == 403
    assert fr("Only businesses may turn ACH back into euros.") in page.content.decode()


def test_staff_approve_reject_export_and_download_from_the_queue(bakery, staff_user, make_member):
    first = reconversion_request(member=bakery, amount=Money("30", "ACH"), actor=bakery.user)
    second = reconversion_request(member=bakery, amount=Money("10", "ACH"), actor=bakery.user)
    client = client_for(staff_user)
    page = client.get("/reconversion/")
    assert page.status_code == 200
    assert "La Boulangerie" in page.content.decode()
    assert client.get(f"/reconversion/{first.pk}/approve/").status_code == 405
    assert client.post(f"/reconversion/{first.pk}/approve/").status_code == 302
    assert client.post(f"/reconversion/{second.pk}/reject/", {"reason": "doublon"}).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status, second.rejection_reason) == ("approved", "rejected", "doublon")
    assert balance(account_of(bakery, "ACH")) == 5000
    assert_backed()

    assert client.post("/reconversion/export/").status_code == 302
    export = SepaExport.objects.get()
    download = client.get(f"/reconversion/exports/{export.pk}.xml")
    assert download.status_code == 200
    assert pain_001_problems(download.content.decode()) == []
    nothing = client.post("/reconversion/export/", follow=True)
    assert fr("No approved reconversion is waiting for a transfer.") in nothing.content.decode()
    assert SepaExport.objects.count() == 1

    business = client_for(bakery.user)
    assert business.post(f"/reconversion/{first.pk}/approve/").status_code == 403
    assert business.post("/reconversion/export/").status_code == 403
    assert business.get(f"/reconversion/exports/{export.pk}.xml").status_code == 403


def test_approval_refused_for_lack_of_funds_shows_a_message(bakery, staff_user, make_member):
    request = reconversion_request(member=bakery, amount=Money("80", "ACH"), actor=bakery.user)
    transfer_create(
        from_account=account_of(bakery, "ACH"),
        to_account=account_of(make_member(), "ACH"),
        amount=Money("1", "ACH"),
        actor=None,
    )
    page = client_for(staff_user).post(f"/reconversion/{request.pk}/approve/", follow=True)
    assert page.status_code == 200
    assert "79,00" in page.content.decode()  # the ledger's refusal names what is still available
    request.refresh_from_db()
    assert (request.status, request.transaction) == ("requested", None)
    assert_backed()
