"""A hold past its expiry is expired, whatever the sweep did: capturing it is refused with hold_expired.

The clock is moved the way the other tests move it: the hold's deadline is put one second behind us,
as for a hold whose expiry passed while the beat was stopped.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from djmoney.money import Money

from ledger.errors import HoldExpired
from ledger.models import Entry, Hold, Transaction
from ledger.services import hold_capture, hold_create, holds_expire_due
from members.models import Member
from tests.conftest import account_of, api_client_for
from tests.currency.funding import give_ach
from tests.ledger.api.support import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(make_member) -> Member:
    member = make_member(username="alice")
    give_ach(member, "100")
    return member


@pytest.fixture
def bruno(make_member) -> Member:
    return make_member(username="bruno")


def hold_of_40_ach(alice: Member, bruno: Member) -> Hold:
    hold = hold_create(
        from_account=account_of(alice, "ACH"),
        to_account=account_of(bruno, "ACH"),
        amount=Money("40", "ACH"),
        memo="caution",
        actor=alice.user,
        expires_at=timezone.now() + timedelta(days=1),
    )
    assert (account_of(alice, "ACH").balance, account_of(alice, "ACH").held) == (10000, 4000)
    return hold


def expiry_passes(hold: Hold) -> None:
    """The deadline is one second behind us and the sweep has not run."""
    Hold.objects.filter(pk=hold.pk).update(expires_at=timezone.now() - timedelta(seconds=1))


def money(member: Member) -> tuple[int, int]:
    account = account_of(member, "ACH")
    return account.balance, account.held


def rows() -> tuple[int, int]:
    return Transaction.objects.count(), Entry.objects.count()


@pytest.mark.parametrize("amount", [None, Money("15", "ACH")], ids=["full", "partial"])
def test_a_capture_one_second_past_expiry_is_refused_and_expires_the_hold_on_the_spot(alice, bruno, amount):
    hold = hold_of_40_ach(alice, bruno)
    expiry_passes(hold)
    before = rows()

    with pytest.raises(HoldExpired) as refused:
        hold_capture(hold=hold, actor=alice.user, amount=amount)

    assert (refused.value.code, refused.value.status) == ("hold_expired", 422)
    hold.refresh_from_db()
    assert (hold.status, hold.captured_amount, hold.capture_transaction_id) == (Hold.Status.EXPIRED, 0, None)
    assert hold.resolved_at is not None and hold.resolved_by is None  # expired by the rule, as the sweep does
    assert (money(alice), money(bruno)) == ((10000, 0), (0, 0))
    assert rows() == before


def test_the_sweep_after_a_refused_capture_changes_nothing(alice, bruno):
    hold = hold_of_40_ach(alice, bruno)
    expiry_passes(hold)
    with pytest.raises(HoldExpired):
        hold_capture(hold=hold, actor=alice.user)
    hold.refresh_from_db()
    expired = (hold.status, hold.resolved_at, money(alice), rows())

    assert holds_expire_due() == 0

    hold.refresh_from_db()
    assert (hold.status, hold.resolved_at, money(alice), rows()) == expired


def test_a_hold_already_expired_by_the_sweep_answers_hold_expired_again(alice, bruno):
    hold = hold_of_40_ach(alice, bruno)
    expiry_passes(hold)
    assert holds_expire_due() == 1
    before = (money(alice), rows())

    for amount in (None, Money("15", "ACH")):
        with pytest.raises(HoldExpired) as refused:
            hold_capture(hold=hold, actor=alice.user, amount=amount)
        assert refused.value.code == "hold_expired"

    assert Hold.objects.get(pk=hold.pk).status == Hold.Status.EXPIRED
    assert (money(alice), rows()) == before


def test_a_hold_before_its_expiry_is_still_captured(alice, bruno):
    hold = hold_of_40_ach(alice, bruno)

    captured = hold_capture(hold=hold, actor=alice.user, amount=Money("15", "ACH"))

    assert (captured.status, captured.captured_amount) == (Hold.Status.CAPTURED, 1500)
    assert (money(alice), money(bruno)) == ((8500, 0), (1500, 0))


@pytest.mark.parametrize("body", [{}, {"amount": "15.00"}], ids=["full", "partial"])
def test_the_api_answers_422_hold_expired_and_posts_nothing(alice, bruno, body):
    hold = hold_of_40_ach(alice, bruno)
    expiry_passes(hold)
    before = rows()

    response = api_client_for(alice.user).post(f"/api/holds/{hold.pk}/capture/", body, format="json")

    answer = assert_error(response, 422, "hold_expired")
    assert answer["message"] == (
        "Cette réservation a expiré\u00a0: le montant réservé est de nouveau disponible, rien n’a été payé."
    )
    assert Hold.objects.get(pk=hold.pk).status == Hold.Status.EXPIRED
    assert (money(alice), money(bruno)) == ((10000, 0), (0, 0))
    assert rows() == before


def test_the_api_answers_hold_expired_in_english_too(alice, bruno):
    hold = hold_of_40_ach(alice, bruno)
    expiry_passes(hold)

    # The request activates English in this thread: give the next tests back the language they had.
    with translation.override(translation.get_language()):
        response = api_client_for(alice.user).post(
            f"/api/holds/{hold.pk}/capture/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en"
        )

    answer = assert_error(response, 422, "hold_expired")
    assert answer["message"] == "This hold has expired: the amount it reserved is available again, nothing was paid."
