"""The exchange offices' (comptoirs') and reconversions' API: status codes, JSON money, nothing half-written."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from djmoney.money import Money

from currency.models import Conversion, Reconversion, SepaExport
from currency.sepa import NAMESPACE, pain_001_problems
from ledger.services import transfer_create
from members.models import Member
from tests.conftest import account_of, api_client_for

from ._exchange import IBAN_BUSINESS, assert_backed, balance, convert, give_iban, ledger_snapshot, make_comptoir

pytestmark = pytest.mark.django_db
CONVERSIONS = "/api/conversions/"
RECONVERSIONS = "/api/reconversions/"
EXPORTS = "/api/sepa-exports/"


@pytest.fixture
def desk(django_user_model, make_member):
    comptoir, cashier = make_comptoir(django_user_model)
    return comptoir, cashier, make_member(username="camille")


def post_conversion(client, body, key="key-1"):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(CONVERSIONS, body, format="json", headers=headers)


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    return response.json()


def test_comptoir_staff_record_a_conversion_and_a_replay_posts_once(desk):
    comptoir, cashier, camille = desk
    client = api_client_for(cashier)
    body = {"comptoir": comptoir.pk, "username": "camille", "amount": "12.50", "payment_method": "cash"}
    created = post_conversion(client, body)
    assert created.status_code == 201, created.content
    answer = created.json()
    assert {key: answer[key] for key in ["comptoir", "member", "amount", "unit", "payment_method", "actor"]} == {
        "comptoir": comptoir.pk,
        "member": camille.pk,
        "amount": "12.50",
        "unit": "EUR",
        "payment_method": "cash",
        "actor": cashier.username,
    }
    replay = post_conversion(client, body)
    assert (replay.status_code, replay.json(), replay["Idempotent-Replayed"]) == (201, answer, "true")
    assert Conversion.objects.count() == 1
    assert balance(account_of(camille, "ACH")) == 1250
    reused = post_conversion(client, {**body, "amount": "13.00"})
    assert_error(reused, 422, "idempotency_key_reused")
    assert_backed()


def test_a_conversion_by_member_id_is_listed_per_comptoir_and_day(desk):
    comptoir, cashier, camille = desk
    client = api_client_for(cashier)
    body = {"comptoir": comptoir.pk, "member": camille.pk, "amount": "20", "payment_method": "card"}
    assert post_conversion(client, body).status_code == 201
    listed = client.get(CONVERSIONS, {"comptoir": comptoir.pk})
    assert listed.status_code == 200
    assert [row["amount"] for row in listed.json()["results"]] == ["20.00"]
    assert client.get(CONVERSIONS, {"day": "2001-01-01"}).json()["results"] == []
    assert_error(client.get(CONVERSIONS, {"day": "yesterday"}), 400, "invalid")
    assert_error(client.get(CONVERSIONS, {"comptoir": "x"}), 400, "invalid")
    # Camille sees her own conversion; another member sees none.
    assert len(api_client_for(camille.user).get(CONVERSIONS).json()["results"]) == 1


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"amount": "abc"}, 400, "invalid"),
        ({"amount": "0"}, 422, "invalid_amount"),
        ({"amount": "-3"}, 400, "invalid"),
        ({"amount": "1.005"}, 422, "invalid_amount"),
        ({"amount": "1e999999"}, 400, "invalid"),
        ({"payment_method": "bitcoin"}, 400, "invalid"),
        ({"username": None}, 400, "invalid"),
        ({"username": "nobody"}, 404, "not_found"),
        ({"comptoir": 999999}, 404, "not_found"),
    ],
)
def test_bad_conversion_requests_answer_400_404_or_422_and_write_nothing(desk, change, status, code):
    comptoir, cashier, _camille = desk
    body = {"comptoir": comptoir.pk, "username": "camille", "amount": "10", "payment_method": "cash", **change}
    body = {key: value for key, value in body.items() if value is not None}
    before = ledger_snapshot()
    assert_error(post_conversion(api_client_for(cashier), body), status, code)
    assert ledger_snapshot() == before


def test_a_conversion_needs_a_key_authentication_and_a_comptoir_of_ones_own(desk, make_member):
    comptoir, cashier, camille = desk
    body = {"comptoir": comptoir.pk, "username": "camille", "amount": "10", "payment_method": "cash"}
    before = ledger_snapshot()
    assert_error(post_conversion(api_client_for(cashier), body, key=None), 400, "invalid")
    assert_error(post_conversion(api_client_for(None), body), 401, "not_authenticated")
    assert_error(post_conversion(api_client_for(camille.user), body), 404, "not_found")
    assert ledger_snapshot() == before


def test_the_cash_report_answers_per_payment_method(desk, staff_user):
    comptoir, cashier, camille = desk
    convert(comptoir, cashier, camille, "50", "cash")
    convert(comptoir, cashier, camille, "10.25", "cheque")
    report = api_client_for(cashier).get(f"/api/comptoirs/{comptoir.pk}/cash-report/")
    assert report.status_code == 200
    data = report.json()
    assert (data["count"], data["total"], data["unit"]) == (2, "60.25", "EUR")
    assert [(line["payment_method"], line["count"], line["total"]) for line in data["methods"]] == [
        ("cash", 1, "50.00"),
        ("cheque", 1, "10.25"),
        ("card", 0, "0.00"),
    ]
    assert len(data["conversions"]) == 2
    assert (
        api_client_for(staff_user).get(f"/api/comptoirs/{comptoir.pk}/cash-report/?day=2001-01-01").json()["count"] == 0
    )
    assert_error(api_client_for(camille.user).get(f"/api/comptoirs/{comptoir.pk}/cash-report/"), 404, "not_found")
    assert_error(api_client_for(cashier).get("/api/comptoirs/abc/cash-report/"), 404, "not_found")
    assert_error(api_client_for(cashier).get(f"/api/comptoirs/{comptoir.pk}/cash-report/?day=31/12"), 400, "invalid")


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


def test_a_business_requests_staff_approve_export_and_download(bakery, staff_user, settings):
    settings.BOCAGE_RECONVERSION_FEE_RATE = "0.05"
    business = api_client_for(bakery.user)
    created = business.post(RECONVERSIONS, {"amount": "60.00"}, format="json")
    assert created.status_code == 201, created.content
    reconversion = created.json()
    assert (reconversion["amount"], reconversion["unit"], reconversion["status"], reconversion["iban"]) == (
        "60.00",
        "ACH",
        "requested",
        IBAN_BUSINESS,
    )
    assert [row["id"] for row in business.get(RECONVERSIONS).json()["results"]] == [reconversion["id"]]

    assert_error(business.post(f"{RECONVERSIONS}{reconversion['id']}/approve/"), 403, "permission_denied")
    staff = api_client_for(staff_user)
    approved = staff.post(f"{RECONVERSIONS}{reconversion['id']}/approve/")
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["fee"], approved.json()["net_amount"]) == (
        "approved",
        "3.00",
        "57.00",
    )
    assert_error(staff.post(f"{RECONVERSIONS}{reconversion['id']}/approve/"), 422, "reconversion_not_pending")
    assert balance(account_of(bakery, "ACH")) == 2000
    assert_backed()

    assert_error(business.post(EXPORTS), 403, "permission_denied")
    export = staff.post(EXPORTS)
    assert export.status_code == 201
    assert (export.json()["count"], export.json()["total"], export.json()["unit"]) == (1, "57.00", "EUR")
    assert_error(staff.post(EXPORTS), 422, "nothing_to_export")
    assert SepaExport.objects.count() == 1

    xml = staff.get(f"{EXPORTS}{export.json()['id']}/xml")
    assert xml.status_code == 200
    assert xml["Content-Type"].startswith("application/xml")
    assert pain_001_problems(xml.content.decode()) == []
    assert ET.fromstring(xml.content).find(f".//{{{NAMESPACE}}}InstdAmt").text == "57.00"
    assert_error(business.get(f"{EXPORTS}{export.json()['id']}/xml"), 403, "permission_denied")
    assert_error(staff.get(f"{EXPORTS}999999/xml"), 404, "not_found")
    assert staff.get(EXPORTS).json()["results"][0]["message_id"] == export.json()["message_id"]


def test_rejection_needs_a_reason_and_other_members_requests_are_hidden(bakery, staff_user, make_member):
    request = api_client_for(bakery.user).post(RECONVERSIONS, {"amount": "5"}, format="json").json()
    staff = api_client_for(staff_user)
    assert_error(staff.post(f"{RECONVERSIONS}{request['id']}/reject/", {}, format="json"), 400, "invalid")
    rejected = staff.post(f"{RECONVERSIONS}{request['id']}/reject/", {"reason": "IBAN inconnu"}, format="json")
    assert (rejected.status_code, rejected.json()["status"], rejected.json()["rejection_reason"]) == (
        200,
        "rejected",
        "IBAN inconnu",
    )
    other = make_member(kind=Member.Kind.BUSINESS, username="garage")
    assert api_client_for(other.user).get(RECONVERSIONS).json()["results"] == []
    assert_error(staff.post(f"{RECONVERSIONS}999999/approve/"), 404, "not_found")
    assert_error(staff.post(f"{RECONVERSIONS}x/reject/", {"reason": "r"}, format="json"), 404, "not_found")


@pytest.mark.parametrize(
    ("kind", "iban", "amount", "status", "code"),
    [
        (Member.Kind.INDIVIDUAL, True, "5", 422, "reconversion_businesses_only"),
        (Member.Kind.ASSOCIATION, True, "5", 422, "reconversion_businesses_only"),
        (Member.Kind.BUSINESS, False, "5", 422, "iban_missing"),
        (Member.Kind.BUSINESS, True, "5", 422, "insufficient_funds"),
        (Member.Kind.BUSINESS, True, "zero", 400, "invalid"),
        (Member.Kind.BUSINESS, True, "0", 422, "invalid_amount"),
    ],
)
def test_refused_reconversion_requests_write_nothing(make_member, kind, iban, amount, status, code):
    member = make_member(kind=kind)
    if iban:
        give_iban(member)
    before = Reconversion.objects.count()
    assert_error(api_client_for(member.user).post(RECONVERSIONS, {"amount": amount}, format="json"), status, code)
    assert Reconversion.objects.count() == before


def test_a_user_without_a_member_cannot_request(staff_user):
    assert_error(
        api_client_for(staff_user).post(RECONVERSIONS, {"amount": "5"}, format="json"),
        422,
        "reconversion_businesses_only",
    )
