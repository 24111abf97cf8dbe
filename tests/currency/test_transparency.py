"""Transparency: the public figures of the currency, worked out on a small community."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.test import Client
from django.utils import timezone
from djmoney.money import Money

from currency.models import Comptoir
from currency.selectors.public import transparency_figures
from currency.services.conversions import conversion_create
from ledger import services
from ledger.models import Account, Entry
from members.models import Commune, Member
from membership.services import member_close, membership_renew
from tests.conftest import account_of, api_client_for

pytestmark = pytest.mark.django_db


def _months_ago(count: int) -> str:
    month = timezone.localdate().replace(day=1)
    for _ in range(count):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return month.strftime("%Y-%m")


@pytest.fixture
def community(make_member, staff_user):
    """Four active members in two communes, a closed one, conversions, payments, hours, a fee."""
    achards = Commune.objects.get(name="Les Achards")
    martinet = Commune.objects.get(name="Martinet")
    alice = make_member(username="alice", commune=achards)
    bob = make_member(username="bob", commune=martinet)
    shop = make_member(Member.Kind.BUSINESS, username="shop", commune=achards, activity="Boulangerie")
    club = make_member(Member.Kind.ASSOCIATION, username="club", commune=martinet)
    member_close(member=make_member(username="gone", commune=achards), actor=staff_user)

    comptoir = Comptoir.objects.create(name="Comptoir test", commune=achards)
    for member, euros, key in [(alice, "100.00", "c1"), (bob, "50.00", "c2")]:
        conversion_create(
            comptoir=comptoir,
            member=member,
            amount=Money(euros, "EUR"),
            payment_method="cash",
            actor=staff_user,
            idempotency_key=key,
        )
    last_month = timezone.now().replace(day=1) - datetime.timedelta(days=10)

    def pay(payer, payee, amount, unit, at=None):
        return services.transfer_create(
            from_account=account_of(payer, unit),
            to_account=account_of(payee, unit),
            amount=Money(amount, unit),
            actor=staff_user,
            **({"at": at} if at else {}),
        )

    pay(alice, shop, "30.00", "ACH")
    pay(bob, alice, "5.00", "ACH")
    pay(bob, shop, "12.50", "ACH", at=last_month)
    pay(alice, bob, "1.50", "HRS")
    pay(bob, club, "2.00", "HRS", at=last_month)
    pay(alice, bob, "7", "GRN")  # SEL grains are neither payments in ACH nor hours
    membership_renew(member=alice, unit="ACH", actor=staff_user)  # a fee, not a payment
    return {"alice": alice, "bob": bob, "shop": shop, "club": club}


def test_the_figures_of_a_worked_example_are_exact(community):
    figures = transparency_figures()

    [ach] = figures.units
    assert (ach.unit, ach.circulation, ach.guarantee_fund, ach.fully_backed) == ("ACH", 15000, 15000, True)
    assert (figures.active_members, figures.businesses, figures.associations) == (4, 1, 1)
    by_commune = {line.name: (line.members, line.businesses) for line in figures.communes}
    assert by_commune["Les Achards"] == (2, 1)
    assert by_commune["Martinet"] == (2, 0)
    assert by_commune["Beaulieu-sous-la-Roche"] == (0, 0)
    assert len(by_commune) == 9
    assert len(figures.monthly) == 12
    this_month, last_month = figures.monthly[-1], figures.monthly[-2]
    assert (this_month.payments, this_month.payments_count, this_month.hours) == (3500, 2, 150)
    assert (last_month.payments, last_month.payments_count, last_month.hours) == (1250, 1, 200)
    assert all((month.payments, month.hours) == (0, 0) for month in figures.monthly[:-2])
    assert figures.latest_seal is None


def test_the_open_data_json_is_exact_and_circulation_equals_the_guarantee_fund(community):
    response = Client().get("/api/transparency/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["units"] == {"ACH": {"circulation": "150.00", "guarantee_fund": "150.00", "backed": True}}
    assert data["units"]["ACH"]["circulation"] == data["units"]["ACH"]["guarantee_fund"]
    assert (data["members"]["active"], data["members"]["businesses"], data["members"]["associations"]) == (4, 1, 1)
    assert {"commune": "Les Achards", "postal_code": "85150", "members": 2, "businesses": 1} in data["members"][
        "by_commune"
    ]
    assert data["monthly"][-1] == {
        "month": _months_ago(0),
        "payments": "35.00",
        "payments_unit": "ACH",
        "payments_count": 2,
        "hours": "1.50",
        "hours_unit": "HRS",
    }
    assert data["monthly"][-2] == {
        "month": _months_ago(1),
        "payments": "12.50",
        "payments_unit": "ACH",
        "payments_count": 1,
        "hours": "2.00",
        "hours_unit": "HRS",
    }
    assert [month["month"] for month in data["monthly"]] == [_months_ago(n) for n in range(11, -1, -1)]
    assert data["latest_seal"] is None


def test_circulation_follows_the_ledger_through_a_conversion_and_its_reversal(community, make_member, staff_user):
    carol = make_member(username="carol")
    conversion = conversion_create(
        comptoir=Comptoir.objects.get(),
        member=carol,
        amount=Money("20.00", "EUR"),
        payment_method="card",
        actor=staff_user,
    )
    [ach] = transparency_figures().units
    assert (ach.circulation, ach.guarantee_fund, ach.fully_backed) == (17000, 17000, True)

    services.transaction_reverse(transaction_to_reverse=conversion.transaction, actor=staff_user)

    [ach] = transparency_figures().units
    assert (ach.circulation, ach.guarantee_fund, ach.fully_backed) == (15000, 15000, True)


def test_the_open_data_carries_no_personal_data(community):
    text = Client().get("/api/transparency/").content.decode()
    for private in ["alice", "bob", "shop", "club", "gone", "Boulangerie", "@"]:
        assert private not in text


def test_format_csv_answers_text_csv_with_the_same_figures(community):
    response = Client().get("/api/transparency/?format=csv&lang=en")  # the file first published

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["indicator", "unit", "commune", "month", "value"]
    assert ["circulation", "ACH", "", "", "150.00"] in rows
    assert ["guarantee_fund", "EUR", "", "", "150.00"] in rows
    assert ["fully_backed", "ACH", "", "", "yes"] in rows
    assert ["active_members", "", "", "", "4"] in rows
    assert ["active_members", "", "Les Achards", "", "2"] in rows
    assert ["businesses", "", "Les Achards", "", "1"] in rows
    assert ["payments", "ACH", "", _months_ago(0), "35.00"] in rows
    assert ["payments", "ACH", "", _months_ago(1), "12.50"] in rows
    assert ["hours", "HRS", "", _months_ago(1), "2.00"] in rows
    assert ["latest_seal_hash", "", "", "", ""] in rows
    assert len(rows) == 1 + 3 + 3 + 9 * 2 + 12 * 3 + 1


def test_the_csv_is_french_by_default_with_the_same_codes(community):
    response = Client().get("/api/transparency/?format=csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffindicateur;unité;commune;mois;valeur\r\n")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert ["circulation", "ACH", "", "", "150,00"] in rows
    assert ["payments", "ACH", "", _months_ago(1), "12,50"] in rows
    assert len(rows) == 1 + 3 + 3 + 9 * 2 + 12 * 3 + 1


def test_an_accept_header_of_text_csv_also_gets_csv(db):
    response = Client().get("/api/transparency/", headers={"accept": "text/csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_an_unknown_format_is_not_found(db):
    assert Client().get("/api/transparency/?format=xml").status_code == 404


def test_the_api_needs_no_login_and_ignores_who_asks(community, staff_user):
    anonymous = Client().get("/api/transparency/").json()
    as_staff = api_client_for(staff_user).get("/api/transparency/").json()
    anonymous.pop("generated_at")
    as_staff.pop("generated_at")
    assert anonymous == as_staff


def test_a_new_ledger_has_zero_figures_and_writes_nothing(db):
    data = Client().get("/api/transparency/").json()

    assert data["units"] == {"ACH": {"circulation": "0.00", "guarantee_fund": "0.00", "backed": True}}
    assert data["members"]["active"] == 0
    assert Account.objects.count() == 0  # reading the figures opens no system account
    assert Entry.objects.count() == 0


@pytest.mark.parametrize(
    ("language", "lang_attribute", "login_link"), [("fr", 'lang="fr"', "Se connecter"), ("en", 'lang="en"', "Log in")]
)
def test_the_page_renders_without_login_in_french_and_english(community, language, lang_attribute, login_link):
    response = Client(headers={"accept-language": language}).get("/public/transparency/")

    assert response.status_code == 200
    html = response.content.decode()
    assert lang_attribute in html
    assert login_link in html
    decimal = "." if language == "en" else ","  # numbers in the page's language
    assert f'data-testid="circulation-ACH">150{decimal}00 ACH<' in html
    assert f'data-testid="guarantee-fund-ACH">150{decimal}00 EUR<' in html
    assert html.count('<svg id="chart-') == 2
    assert html.count("<details>") == 2
    assert f"35{decimal}00 ACH" in html  # this month's payments, in the figures table
    assert "2 h" in html
    assert 'data-testid="seal-hash"' in html


def test_the_page_formats_large_amounts_the_french_way(make_member, staff_user):
    member = make_member(username="rich")
    comptoir = Comptoir.objects.create(name="Comptoir test")
    conversion_create(
        comptoir=comptoir, member=member, amount=Money("12345.60", "EUR"), payment_method="cheque", actor=staff_user
    )

    html = Client().get("/public/transparency/").content.decode()

    assert 'data-testid="circulation-ACH">12\u202f345,60 ACH<' in html
