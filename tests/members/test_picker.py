"""The member picker: GET /members/search/ and the forms that name a member (pay, time bank,
exchange office) by the picker's id, a username, a unique name or "Name (Commune)"."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from core.text import search_key
from ledger.models import Transaction
from members.models import Member
from tests.conftest import PASSWORD, account_of
from tests.currency.funding import give_ach
from timebank.models import ServiceRecord

pytestmark = pytest.mark.django_db


def client_for(member: Member, language: str = "fr") -> Client:
    client = Client(headers={"accept-language": language})
    assert client.login(username=member.user.username, password=PASSWORD)
    return client


def search(client: Client, q: str, **extra: str) -> list[dict]:
    response = client.get("/members/search/", {"q": q, **extra})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)["results"]


def close(member: Member) -> None:
    Member.objects.filter(pk=member.pk).update(status=Member.Status.CLOSED, closed_at=timezone.now())


@pytest.fixture
def people(make_member) -> dict[str, Member]:
    found = {
        "me": make_member(username="camille", display_name="Camille Rousseau", commune="Martinet"),
        "louis": make_member(
            username="lgab85", display_name="Louis Gaborit", commune="Les Achards", email="louis@example.org"
        ),
        "bakery": make_member(
            kind=Member.Kind.BUSINESS, username="fournil", display_name="Le Fournil des Achards", commune="Martinet"
        ),
        "helene": make_member(username="helene", display_name="Hélène Bâty", commune="Le Girouard"),
    }
    # Louis and the bakery agreed to appear in the directory; Camille and Hélène did not.
    Member.objects.filter(pk__in=[found["louis"].pk, found["bakery"].pk]).update(in_directory=True)
    return found


def test_the_search_key_folds_accents_case_and_punctuation():
    assert search_key("  Hélène BÂTY-d'Œuvre ") == "helene baty d oeuvre"
    assert search_key("Straße") == "strasse"


def test_saving_a_member_keeps_its_search_key(people):
    louis = people["louis"]
    assert Member.objects.get(pk=louis.pk).search_key == "louis gaborit"
    louis.display_name = "Louis Gabôrit-Été"
    louis.save(update_fields=["display_name"])
    assert Member.objects.get(pk=louis.pk).search_key == "louis gaborit ete"


@pytest.mark.parametrize("typed", ["gabo", "Gaborit", "GABÔRIT", "louis gab", "gaborit achards"])
def test_a_name_is_found_whatever_its_accents_and_case(people, typed):
    results = search(client_for(people["me"]), typed)
    assert results == [{"id": people["louis"].pk, "name": "Louis Gaborit", "commune": "Les Achards"}]


def test_accents_typed_or_not_find_an_accented_name(people):
    for typed in ("helene", "HÉLÈNE", "bâty", "baty"):
        assert [row["name"] for row in search(client_for(people["me"]), typed)] == ["Hélène Bâty"]


def test_the_commune_and_the_business_name_find_members(people):
    # Camille lives in Martinet too, but is not in the directory: the commune does not find her.
    by_commune = search(client_for(people["helene"]), "martinet")
    assert [row["name"] for row in by_commune] == ["Le Fournil des Achards"]
    by_business = search(client_for(people["me"]), "fournil")
    assert [row["name"] for row in by_business] == ["Le Fournil des Achards"]
    # "achards" is in a business name and a commune: both members come up, by name.
    assert [row["name"] for row in search(client_for(people["me"]), "achards")] == [
        "Le Fournil des Achards",
        "Louis Gaborit",
    ]


def test_the_commune_of_a_member_outside_the_directory_is_never_shown(people):
    assert search(client_for(people["me"]), "bâty") == [
        {"id": people["helene"].pk, "name": "Hélène Bâty", "commune": ""}
    ]
    assert search(client_for(people["me"]), "girouard") == []
    assert [row["commune"] for row in search(client_for(people["helene"]), "camille")] == [""]


def test_no_username_e_mail_or_other_field_leaks(people):
    response = client_for(people["me"]).get("/members/search/", {"q": "gaborit"})
    body = response.content.decode()
    assert "lgab85" not in body and "louis@example.org" not in body
    assert set(json.loads(body)["results"][0]) == {"id", "name", "commune"}
    # A username is no search term either.
    assert search(client_for(people["me"]), "lgab85") == []


def test_closed_members_are_not_found_and_self_only_when_asked(people):
    close(people["louis"])
    assert search(client_for(people["me"]), "gaborit") == []
    me = client_for(people["me"])
    assert [row["name"] for row in search(me, "rousseau")] == ["Camille Rousseau"]
    assert search(me, "rousseau", exclude="self") == []


def test_under_two_letters_nothing_and_at_most_ten(make_member, people):
    for n in range(12):
        make_member(username=f"bernard{n}", display_name=f"Bernard {n:02d}")
    me = client_for(people["me"])
    assert search(me, "m") == []
    assert search(me, " - ") == []
    results = search(me, "bernard")
    assert len(results) == 10
    assert [row["name"] for row in results] == [f"Bernard {n:02d}" for n in range(10)]


def test_the_search_needs_a_login_and_a_get(people):
    response = Client().get("/members/search/", {"q": "gaborit"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client_for(people["me"]).post("/members/search/", {"q": "gaborit"}).status_code == 405


# --- Paying by name --------------------------------------------------------------------------


def pay(client: Client, **fields: str):
    body = {"unit": "ACH", "amount": "12,50", "memo": "", "idempotency_key": "k1", **fields}
    return client.post("/pay/", body)


@pytest.fixture
def payer(people) -> Member:
    give_ach(people["me"], "100.00")
    return people["me"]


@pytest.mark.parametrize(
    "fields",
    [
        {"recipient": "Louis Gaborit"},
        {"recipient": "louis gabôrit"},
        {"recipient": "lgab85"},  # the username still works
        {"recipient": "Louis G", "recipient_id": "PK"},  # the picker's choice wins over the text
    ],
)
def test_paying_by_name_id_or_username_moves_the_exact_amount(people, payer, fields):
    louis = people["louis"]
    fields = {key: str(louis.pk) if value == "PK" else value for key, value in fields.items()}
    response = pay(client_for(payer), **fields)
    assert response.status_code == 302, response.content.decode()
    assert account_of(louis, "ACH").balance == 1250
    assert account_of(payer, "ACH").balance == 8750


def test_a_name_two_members_share_is_refused_and_the_commune_settles_it(make_member, people, payer):
    other = make_member(username="louis2", display_name="Louis Gaborit", commune="Martinet")
    before = Transaction.objects.count()
    response = pay(client_for(payer), recipient="Louis Gaborit")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Plusieurs membres s’appellent «\u00a0Louis Gaborit\u00a0»\u00a0: précisez la commune" in page
    assert Transaction.objects.count() == before
    assert account_of(payer, "ACH").balance == 10000

    assert pay(client_for(payer), recipient="Louis Gaborit (martinet)").status_code == 302
    assert account_of(other, "ACH").balance == 1250
    assert account_of(people["louis"], "ACH").balance == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"recipient": "Personne Inconnue"},
        {"recipient": "gabo"},  # part of a name is for the suggestions, not a payment
        {"recipient": "", "recipient_id": "999999"},
        {"recipient": "", "recipient_id": "99999999999999999999999"},
    ],
)
def test_an_unknown_recipient_is_a_form_error_and_nothing_is_written(people, payer, fields):
    before = Transaction.objects.count()
    response = pay(client_for(payer, "en"), **fields)
    assert response.status_code == 200
    assert "No member by this name." in response.content.decode()
    assert Transaction.objects.count() == before
    assert account_of(payer, "ACH").balance == 10000


def test_a_closed_members_id_is_refused(people, payer):
    close(people["louis"])
    response = pay(client_for(payer, "en"), recipient="Louis Gaborit", recipient_id=str(people["louis"].pk))
    assert response.status_code == 200 and "No member by this name." in response.content.decode()
    assert account_of(payer, "ACH").balance == 10000


def test_the_pay_page_renders_the_combobox_without_any_username(people):
    page = client_for(people["me"]).get("/pay/").content.decode()
    assert 'role="combobox"' in page and 'aria-controls="id_recipient_listbox"' in page
    assert 'data-search-url="/members/search/?exclude=self"' in page
    assert 'name="recipient_id"' in page and 'role="listbox"' in page and 'role="status"' in page
    assert "lgab85" not in page and "datalist" not in page
    assert "Scanner un QR code" in page and "data-pay-sample=" in page


# --- The time bank and the exchange office -----------------------------------------------------


def record(client: Client, **fields: str):
    body = {
        "action": "record",
        "record-hours": "1 h 30",
        "record-description": "Tonte",
        "record-performed_on": datetime.date.today().isoformat(),
        **fields,
    }
    return client.post("/timebank/", body)


def test_the_time_bank_names_the_receiver_by_name(people):
    response = record(client_for(people["me"]), **{"record-receiver": "Hélène Bâty"})
    assert response.status_code == 302, response.content.decode()
    service = ServiceRecord.objects.get()
    assert service.receiver == people["helene"] and service.amount == 150


def test_the_time_bank_by_the_pickers_id(people):
    fields = {"record-receiver": "Hélène", "record-receiver_id": str(people["helene"].pk)}
    assert record(client_for(people["me"]), **fields).status_code == 302
    assert ServiceRecord.objects.get().receiver == people["helene"]


def test_the_time_bank_refuses_an_ambiguous_or_unknown_name_and_writes_nothing(make_member, people):
    make_member(username="helene2", display_name="Helene Baty", commune="Martinet")
    ambiguous = record(client_for(people["me"]), **{"record-receiver": "Hélène Bâty"})
    assert ambiguous.status_code == 200
    assert "Plusieurs membres s’appellent" in ambiguous.content.decode()
    unknown = record(client_for(people["me"], "en"), **{"record-receiver": "Nobody"})
    assert unknown.status_code == 200 and "No member by this name." in unknown.content.decode()
    assert ServiceRecord.objects.count() == 0


def test_the_volunteer_is_named_by_name(make_member, people):
    association = make_member(kind=Member.Kind.ASSOCIATION, username="asso", display_name="Foyer rural")
    give_hours = client_for(association).post(
        "/timebank/",
        {
            "action": "reward",
            "reward-volunteer": "louis gaborit",
            "reward-hours": "2 h",
            "reward-description": "Buvette",
            "reward-idempotency_key": "r1",
        },
    )
    assert give_hours.status_code == 302, give_hours.content.decode()
    assert account_of(people["louis"], "HRS").balance == 200


def test_the_exchange_office_names_the_member_by_name_and_refuses_an_unknown_one(django_user_model, people):
    from currency.models import Conversion
    from tests.currency._exchange import make_comptoir

    comptoir, cashier = make_comptoir(django_user_model)
    client = Client(headers={"accept-language": "en"})
    client.force_login(cashier)
    body = {"comptoir": comptoir.pk, "amount": "20", "payment_method": "cash", "idempotency_key": "c1"}
    refused = client.post("/comptoir/", {**body, "username": "Louis Gaboriau"})
    assert refused.status_code == 200 and "No member by this name." in refused.content.decode()
    assert Conversion.objects.count() == 0
    page = client.get("/comptoir/").content.decode()
    assert 'role="combobox"' in page and "lgab85" not in page

    assert client.post("/comptoir/", {**body, "username": "louis gaborit"}).status_code == 302
    assert Conversion.objects.get().member == people["louis"]
    assert account_of(people["louis"], "ACH").balance == 2000
