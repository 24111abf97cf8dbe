"""The auditors' trial balance scales: per-unit totals on top, the accounts paginated (page and
API, in id order), every account streamed as CSV, and as many queries for 3 members as for 9."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ledger.models import Account, Entry
from ledger.views import audit as views_audit
from tests.conftest import account_of, api_client_for
from tests.currency.funding import give_ach
from tests.ledger.books_story import make_auditor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def auditor(django_user_model):
    return make_auditor(django_user_model)


@pytest.fixture
def members(make_member):
    """Three members given 10, 20 and 30 ACH: 3 member accounts, and world, guarantee fund, issuance."""
    people = [make_member(username=f"m{index}", display_name=f"Member {index}") for index in range(3)]
    for index, member in enumerate(people):
        give_ach(member, str(10 * (index + 1)))
    return people


def logged_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def with_entries() -> list[int]:
    return sorted(Entry.objects.order_by().values_list("account_id", flat=True).distinct())


def test_the_page_shows_the_totals_of_every_unit_on_top_and_the_accounts_page_by_page(members, auditor, monkeypatch):
    monkeypatch.setattr(views_audit, "TRIAL_BALANCE_PAGE_ROWS", 4)
    client = logged_in(auditor)
    ids = with_entries()

    first = client.get(reverse("audit-trial-balance")).content.decode()
    second = client.get(reverse("audit-trial-balance"), {"page": 2}).content.decode()

    assert len(ids) == 6
    for page in (first, second):
        assert 'data-testid="accounts-ACH">4<' in page and 'data-testid="accounts-EUR">2<' in page
        assert 'data-testid="debit-ACH">60.00 ACH<' in page and 'data-testid="credit-ACH">60.00 ACH<' in page
        assert 'data-testid="total-EUR">0.00 EUR<' in page and 'data-testid="accounts-HRS">0<' in page
        assert reverse("audit-trial-balance-csv") in page
    assert [f"#{pk}<" in first for pk in ids] == [True] * 4 + [False] * 2
    assert [f"#{pk}<" in second for pk in ids] == [False] * 4 + [True] * 2
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    only_ach = client.get(reverse("audit-trial-balance"), {"unit": "ACH"}).content.decode()
    ach = sorted(Account.objects.filter(unit="ACH").values_list("pk", flat=True))
    assert all(f"#{pk}<" in only_ach for pk in ach) and "Page 1 of" not in only_ach


def test_the_page_and_the_api_read_as_many_queries_for_three_members_as_for_nine(
    members, auditor, make_member, monkeypatch
):
    monkeypatch.setattr(views_audit, "TRIAL_BALANCE_PAGE_ROWS", 4)
    page, api = logged_in(auditor), api_client_for(auditor)

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as on_page:
            assert page.get(reverse("audit-trial-balance")).status_code == 200
        with CaptureQueriesContext(connection) as on_api:
            assert api.get("/api/audit/trial-balance/", {"limit": 4}).status_code == 200
        return len(on_page), len(on_api)

    queries()  # the user's permissions are cached from then on
    few = queries()
    for index in range(6):
        give_ach(make_member(username=f"more{index}"), "1")

    assert queries() == few


def test_the_csv_streams_every_account_at_the_date(members, auditor, make_member):
    response = logged_in(auditor).get(reverse("audit-trial-balance-csv"))

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = b"".join(response.streaming_content).decode("utf-8").split("\r\n")
    assert lines[0] == "\ufeffCompte;Unité;Type;Libellé;Titulaire;Débit;Crédit"
    assert [line.split(";")[0] for line in lines[1:-1]] == [str(pk) for pk in with_entries()]
    mine = account_of(members[2], "ACH")
    assert f"{mine.pk};ACH;Compte de membre;Member 2;{members[2].pk};;30,00" in lines
    english = logged_in(auditor).get(reverse("audit-trial-balance-csv") + "?lang=en")
    assert english["Content-Disposition"].endswith('-en.csv"')
    lines = b"".join(english.streaming_content).decode("utf-8").split("\r\n")
    assert lines[0] == "Account,Unit,Kind,Label,Holder,Debit,Credit"
    assert f"{mine.pk},ACH,Member account,Member 2,{members[2].pk},,30.00" in lines
    assert logged_in(make_member(username="curious").user).get(reverse("audit-trial-balance-csv")).status_code == 404


def test_the_api_pages_the_accounts_and_keeps_the_totals_of_every_unit(members, auditor):
    client = api_client_for(auditor)
    ids = with_entries()

    first = client.get("/api/audit/trial-balance/", {"limit": 4}).json()
    second = client.get(first["next"]).json()

    assert (first["count"], first["previous"], second["next"]) == (6, None, None)
    assert [line["id"] for line in first["results"]] == ids[:4]
    assert [line["id"] for line in second["results"]] == ids[4:]
    for body in (first, second):
        ach = next(unit for unit in body["units"] if unit["unit"] == "ACH")
        assert (ach["accounts_count"], ach["debit_total"], ach["credit_total"], ach["total"]) == (
            4,
            "60.00",
            "60.00",
            "0.00",
        )
    # The unpaginated answer's `accounts` per unit hold this page's accounts of the unit.
    paged = [line["id"] for body in (first, second) for unit in body["units"] for line in unit["accounts"]]
    assert sorted(paged) == ids
    only = client.get("/api/audit/trial-balance/", {"unit": "EUR"}).json()
    assert only["count"] == 2 and {line["unit"] for line in only["results"]} == {"EUR"}
    refused = client.get("/api/audit/trial-balance/", {"unit": "XYZ"})
    assert refused.status_code == 400 and refused.json()["code"] == "invalid"
