"""The standing orders' pages: my list as payer and payee, a new order typed the French way, history, cancel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from djmoney.money import Money

from ledger.models import StandingOrder
from ledger.services import standing_order_create
from tests.conftest import PASSWORD
from tests.factories import account_of, fund

pytestmark = pytest.mark.django_db


def client_for(member) -> Client:
    client = Client()
    assert client.login(username=member.user.username, password=PASSWORD)
    return client


@pytest.fixture
def alice(make_member):
    member = make_member(username="alice", display_name="Alice Martin")
    fund(account_of(member, "ACH"), "100.00")
    return member


@pytest.fixture
def bruno(make_member):
    return make_member(username="bruno", display_name="Bruno Garnier")


def test_a_member_authorises_an_order_with_a_french_amount_and_cancels_it(alice, bruno):
    client = client_for(alice)
    assert client.get("/me/standing-orders/new/").status_code == 200
    start = timezone.localdate() + timedelta(days=2)
    response = client.post(
        "/me/standing-orders/new/",
        {
            "recipient": str(bruno.pk),
            "unit": "ACH",
            "amount": "12,50",
            "period": "monthly",
            "day": "5",
            "start": start.isoformat(),
            "end": "",
            "memo": "Cotisation atelier",
            "idempotency_key": "abc",
        },
    )
    order = StandingOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/me/standing-orders/{order.pk}/"
    assert (order.amount, order.unit, order.day, order.to_account_id) == (1250, "ACH", 5, account_of(bruno, "ACH").pk)
    listing = client.get("/me/standing-orders/").content.decode()
    assert "12,50" in listing and "Bruno Garnier" in listing
    assert "Alice Martin" in client_for(bruno).get("/me/standing-orders/").content.decode()
    detail = client.get(f"/me/standing-orders/{order.pk}/").content.decode()
    assert f"/me/standing-orders/{order.pk}/cancel/" in detail
    assert (
        f"/me/standing-orders/{order.pk}/cancel/"
        not in client_for(bruno).get(f"/me/standing-orders/{order.pk}/").content.decode()
    )
    assert client.get(f"/me/standing-orders/{order.pk}/cancel/").status_code == 200
    client_for(bruno).post(f"/me/standing-orders/{order.pk}/cancel/")
    order.refresh_from_db()
    assert order.status == "active"
    client.post(f"/me/standing-orders/{order.pk}/cancel/")
    order.refresh_from_db()
    assert order.status == "cancelled"


def test_a_refused_order_shows_the_reason_on_the_form_and_someone_elses_order_is_404(alice, bruno, make_member):
    client = client_for(alice)
    response = client.post(
        "/me/standing-orders/new/",
        {
            "recipient": str(bruno.pk),
            "unit": "ACH",
            "amount": "5",
            "period": "weekly",
            "day": "9",
            "start": timezone.localdate().isoformat(),
            "idempotency_key": "def",
        },
    )
    assert response.status_code == 200
    assert "day" in response.context["form"].errors
    assert not StandingOrder.objects.exists()
    order = standing_order_create(
        from_account=account_of(alice, "ACH"),
        to_account=account_of(bruno, "ACH"),
        amount=Money("1", "ACH"),
        period="weekly",
        day=1,
        start=timezone.localdate(),
        actor=alice.user,
    )
    assert client_for(make_member(username="carla")).get(f"/me/standing-orders/{order.pk}/").status_code == 404
