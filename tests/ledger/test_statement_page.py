"""The member's statement says who is on the other side and signs each amount (page and CSV)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from djmoney.money import Money

from ledger import selectors
from ledger.kinds import TRANSFER
from ledger.services import transaction_post, transfer_create
from tests.conftest import account_of
from tests.currency.funding import give_ach

pytestmark = pytest.mark.django_db


def pay(payer, payee, amount: str, memo: str = "Légumes") -> None:
    transfer_create(
        from_account=account_of(payer, "ACH"),
        to_account=account_of(payee, "ACH"),
        amount=Money(amount, "ACH"),
        memo=memo,
        actor=payer.user,
    )


@pytest.fixture
def story(make_member):
    alice = make_member(username="alice", display_name="Alice Martin")
    louis = make_member(username="louis", display_name="Louis Gaborit")
    give_ach(alice, "100.00")
    pay(alice, louis, "12.50")
    return alice, louis


def page_of(member, lang: str = "fr") -> str:
    client = Client()
    client.force_login(member.user)
    response = client.get(f"/accounts/{account_of(member, 'ACH').pk}/statement/", HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200
    return response.content.decode()


def cells(page: str, testid: str) -> list[str]:
    found = re.findall(rf'data-testid="{testid}"[^>]*>([^<]*)<', page)
    return [" ".join(cell.split()) for cell in found]


def test_each_line_names_the_other_party_and_signs_the_amount(story):
    alice, louis = story
    page = page_of(alice)
    # Newest first: the payment to Louis, then the conversion that issued the ACH.
    assert cells(page, "statement-party") == ["Louis Gaborit", "Bocage (émission)"]
    assert cells(page, "statement-amount") == ["−12,50 ACH", "+100,00 ACH"]  # spaces as one
    assert "\u221212,50" in page  # a real minus sign, not only the red colour
    assert cells(page_of(louis), "statement-party") == ["Alice Martin"]
    assert cells(page_of(louis), "statement-amount") == ["+12,50 ACH"]
    assert cells(page_of(louis, "en"), "statement-party") == ["Alice Martin"]
    assert cells(page_of(alice, "en"), "statement-party") == ["Louis Gaborit", "Bocage (issuance)"]


def test_the_page_reads_the_other_parties_in_the_same_queries_for_two_lines_as_for_twenty(story, make_member):
    alice, louis = story
    client = Client()
    client.force_login(alice.user)
    url = f"/accounts/{account_of(alice, 'ACH').pk}/statement/"
    client.get(url)  # the site's own per-user reads (the terms accepted) are cached from the first page on
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for number in range(9):
        pay(alice, make_member(display_name=f"Voisin {number}"), "1.00")
        pay(alice, louis, "1.00")
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert len(many) == len(few)
    assert cells(page, "statement-party")[:3] == ["Louis Gaborit", "Voisin 8", "Louis Gaborit"]


def split(payer, legs: list[tuple[object, str]]) -> None:
    total = sum(Money(amount, "ACH") for _payee, amount in legs)
    transaction_post(
        legs=[(account_of(payer, "ACH"), -total), *((account_of(p, "ACH"), Money(a, "ACH")) for p, a in legs)],
        kind=TRANSFER,
        memo="Partage",
        actor=None,
    )


def test_several_accounts_on_the_other_side_name_the_largest_or_say_several(story, make_member):
    alice, louis = story
    zoe = make_member(display_name="Zoé Roy")
    split(alice, [(louis, "3.00"), (zoe, "1.00")])  # Louis takes the most
    split(alice, [(louis, "2.00"), (zoe, "2.00")])  # as much each: several
    account = account_of(alice, "ACH")
    entries = selectors.account_statement(account=account)
    parties = selectors.statement_counterparties(account=account, entries=entries)
    assert [parties[entry.pk] for entry in entries] == [
        "plusieurs",
        "Louis Gaborit",
        "Louis Gaborit",
        "Bocage (émission)",
    ]
    zoes = selectors.account_statement(account=account_of(zoe, "ACH"))
    zoe_parties = selectors.statement_counterparties(account=account_of(zoe, "ACH"), entries=zoes)
    assert [zoe_parties[e.pk] for e in zoes] == ["Alice Martin", "Alice Martin"]
    assert selectors.statement_counterparties(account=account, entries=[]) == {}


def test_the_statement_csv_is_french_with_the_other_party_and_english_on_request(story):
    alice, _louis = story
    client = Client()
    client.force_login(alice.user)
    account = account_of(alice, "ACH")
    response = client.get(f"/accounts/{account.pk}/statement.csv", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Disposition"] == f'attachment; filename="statement-{account.pk}-ACH.csv"'
    lines = b"".join(response.streaming_content).decode("utf-8").split("\r\n")
    assert lines[0] == "\ufeffDate;Opération;Type;Autre partie;Libellé;Montant;Solde après;Unité"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d;\d+;Virement;Louis Gaborit;Légumes;-12,50;87,50;ACH", lines[1])
    assert re.fullmatch(r"[-\d: ]+;\d+;Change;Bocage \(émission\);test conversion;100,00;100,00;ACH", lines[2])
    english = client.get(f"/accounts/{account.pk}/statement.csv?lang=en")
    assert english["Content-Disposition"] == f'attachment; filename="statement-{account.pk}-ACH-en.csv"'
    lines = b"".join(english.streaming_content).decode("utf-8").split("\r\n")
    assert lines[0] == "Date,Transaction,Kind,Other party,Description,Amount,Balance after,Unit"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+,Transfer,Louis Gaborit,Légumes,-12.50,87.50,ACH", lines[1])


def test_the_auditors_statement_names_the_other_party_too(story, django_user_model):
    alice, _louis = story
    auditor = django_user_model.objects.create_user(username="auditrice", password="x", is_staff=True)
    client = Client()
    client.force_login(auditor)
    page = client.get(f"/audit/accounts/{account_of(alice, 'ACH').pk}/").content.decode()
    assert cells(page, "statement-party") == ["Bocage (émission)", "Louis Gaborit"]  # oldest first
