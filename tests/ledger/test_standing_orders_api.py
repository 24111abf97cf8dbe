"""The standing orders' API (a contract): create with a key, list and read as payer or payee, cancel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ledger.models import StandingOrder
from ledger.services import standing_order_run
from tests.conftest import api_client_for
from tests.factories import account_of, auditor_user, fund

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(make_member):
    member = make_member(username="alice")
    fund(account_of(member, "ACH"), "100.00")
    return member


@pytest.fixture
def bruno(make_member):
    return make_member(username="bruno")


def body(alice, bruno, **extra) -> dict:
    return {
        "from_account": account_of(alice, "ACH").pk,
        "to_account": account_of(bruno, "ACH").pk,
        "amount": "40.00",
        "period": "monthly",
        "day": 1,
        "start": timezone.localdate().isoformat(),
        "memo": "Loyer du bureau",
        **extra,
    }


def create(user, data, key="key-1"):
    return api_client_for(user).post("/api/standing-orders/", data, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_create_answers_201_with_the_order_and_the_key_replays_it(alice, bruno):
    today = timezone.localdate()
    response = create(alice.user, body(alice, bruno, day=today.day))
    assert response.status_code == 201, response.json()
    order = response.json()
    assert {k: order[k] for k in ("amount", "unit", "period", "day", "status", "next_due", "end", "count")} == {
        "amount": "40.00",
        "unit": "ACH",
        "period": "monthly",
        "day": today.day,
        "status": "active",
        "next_due": today.isoformat(),
        "end": None,
        "count": None,
    }
    again = create(alice.user, body(alice, bruno, day=today.day))
    assert again.status_code == 201 and again.json()["id"] == order["id"]
    reused = create(alice.user, body(alice, bruno, amount="41.00"))
    assert (reused.status_code, reused.json()["code"]) == (422, "idempotency_key_reused")
    assert StandingOrder.objects.count() == 1
    # The beat pays the first period due today; the detail shows it.
    standing_order_run(order["id"])
    detail = api_client_for(bruno.user).get(f"/api/standing-orders/{order['id']}/").json()
    [execution] = detail["executions"]
    assert (execution["period"], execution["status"], execution["reason"]) == (
        today.strftime("%Y-%m"),
        "paid",
        "",
    )
    assert execution["transaction"] is not None and execution["due_date"] == today.isoformat()


def test_refusals_answer_in_the_error_shape_and_create_nothing(alice, bruno, make_member):
    assert create(alice.user, body(alice, bruno), key="").status_code == 400
    malformed = create(alice.user, body(alice, bruno, amount=40))
    assert (malformed.status_code, malformed.json()["code"]) == (400, "invalid")
    past = create(alice.user, body(alice, bruno, start=(timezone.localdate() - timedelta(days=1)).isoformat()))
    assert (past.status_code, past.json()["code"]) == (422, "start_in_past")
    day = create(alice.user, body(alice, bruno, period="weekly", day=8), key="k2")
    assert (day.status_code, day.json()["code"]) == (422, "invalid_day")
    not_mine = create(bruno.user, body(alice, bruno), key="k3")
    assert (not_mine.status_code, not_mine.json()["code"]) == (404, "not_found")
    units = create(alice.user, body(alice, bruno, to_account=account_of(bruno, "HRS").pk), key="k4")
    assert (units.status_code, units.json()["code"]) == (422, "unit_mismatch")
    assert not StandingOrder.objects.exists()


def test_lists_and_reads_as_payer_or_payee_only_and_only_the_payer_cancels(alice, bruno, make_member):
    order_id = create(
        alice.user, body(alice, bruno, start=(timezone.localdate() + timedelta(days=3)).isoformat())
    ).json()["id"]
    carla = make_member(username="carla")
    assert [o["id"] for o in api_client_for(alice.user).get("/api/standing-orders/").json()] == [order_id]
    assert [o["id"] for o in api_client_for(bruno.user).get("/api/standing-orders/").json()] == [order_id]
    assert api_client_for(carla.user).get("/api/standing-orders/").json() == []
    assert api_client_for(carla.user).get(f"/api/standing-orders/{order_id}/").status_code == 404
    assert api_client_for(None).get("/api/standing-orders/").status_code in (401, 403)
    auditor = auditor_user()
    assert api_client_for(auditor).get(f"/api/standing-orders/{order_id}/").status_code == 200
    assert api_client_for(auditor).post(f"/api/standing-orders/{order_id}/cancel/").status_code == 403
    payee = api_client_for(bruno.user).post(f"/api/standing-orders/{order_id}/cancel/")
    assert (payee.status_code, payee.json()["code"]) == (403, "permission_denied")
    assert api_client_for(carla.user).post(f"/api/standing-orders/{order_id}/cancel/").status_code == 404
    assert StandingOrder.objects.get().status == "active"
    cancelled = api_client_for(alice.user).post(f"/api/standing-orders/{order_id}/cancel/")
    assert (cancelled.status_code, cancelled.json()["status"], cancelled.json()["next_due"]) == (200, "cancelled", None)
    assert api_client_for(alice.user).post(f"/api/standing-orders/{order_id}/cancel/").status_code == 200
