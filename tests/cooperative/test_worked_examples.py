"""Whole stories of the share register told through the services, with every number they touch.

Euro amounts are in cents: 100000 is 1 000,00 €. After every step the capital account on the
ledger holds exactly the capital the register adds up to (`capital_at`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.utils import timezone, translation
from djmoney.money import Money

from cooperative.kinds import SHARE_REDEMPTION, SHARE_SUBSCRIPTION
from cooperative.models import Cooperative, RedemptionRequest, Shareholder, ShareMovement, SubscriptionRequest
from cooperative.selectors import capital_at, holdings_at
from cooperative.services.register import movement_cancel, share_transfer
from cooperative.services.requests import (
    redemption_request_approve,
    redemption_request_create,
    redemption_request_pay,
    share_subscribe,
    subscription_request_approve,
    subscription_request_create,
    subscription_request_pay,
)
from cooperative.services.setup import shareholder_admit
from core.errors import ApplicationError
from ledger.kinds import REVERSAL
from ledger.models import Account, Entry, Transaction
from ledger.services import system_account
from members.models import Member
from tests.cooperative.helpers import administrator, college, found_scic, share_class

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def english():
    # The messages are asserted word for word; the site's default language is French.
    with translation.override("en"):
        yield


# --- helpers shared by the cooperative service tests --------------------------------------------


def capital_account(cooperative: Cooperative) -> Account:
    return Account.objects.get(pk=cooperative.capital_account_id)


def world_eur() -> Account:
    return system_account(Account.SystemCode.WORLD, "EUR")


def assert_books(cooperative: Cooperative, cents: int) -> None:
    """The register's capital, the capital account's balance and its last running balance all agree."""
    assert capital_at(cooperative) == cents
    account = capital_account(cooperative)
    assert account.balance == cents
    last = Entry.objects.filter(account=account).order_by("-id").first()
    assert (last.balance_after if last else 0) == cents
    assert sum(Entry.objects.filter(account=account).values_list("amount", flat=True)) == cents


def holdings(cooperative: Cooperative, on: datetime.date | None = None) -> dict[tuple[str, str], int]:
    """{(shareholder, class code): shares} at the end of day `on`."""
    return {(h.shareholder.display_name, h.share_class.code): h.shares for h in holdings_at(cooperative, on)}


def _name(shareholder: Shareholder | None) -> str | None:
    return None if shareholder is None else shareholder.display_name


def register_lines(cooperative: Cooperative) -> list[tuple[Any, ...]]:
    """(number, kind, class, shares, from, to, capital change, date, board decision) in order."""
    return [
        (
            m.number,
            m.kind,
            m.share_class.code,
            m.quantity,
            _name(m.from_shareholder),
            _name(m.to_shareholder),
            m.capital_delta,
            m.effective_on,
            m.board_decision,
        )
        for m in ShareMovement.objects.filter(cooperative=cooperative).order_by("number")
    ]


def ledger_counts() -> tuple[int, int]:
    return Transaction.objects.count(), Entry.objects.count()


def everything(cooperative: Cooperative) -> tuple[Any, ...]:
    """Every row a refusal must leave as it found it."""
    return (
        register_lines(cooperative),
        ledger_counts(),
        capital_account(cooperative).balance,
        list(
            SubscriptionRequest.objects.order_by("id").values_list(
                "id", "status", "shareholder_id", "board_decision", "movement_id"
            )
        ),
        list(RedemptionRequest.objects.order_by("id").values_list("id", "status", "due_on", "movement_id")),
        list(Shareholder.objects.order_by("id").values_list("id", "status", "college_id", "admission_decision")),
    )


@contextmanager
def refused(
    cooperative: Cooperative, code: str, message: str | None = None, fields: dict[str, Any] | None = None
) -> Iterator[Any]:
    """The block raises the business refusal `code` (with `message` or `fields`) and writes nothing."""
    before = everything(cooperative)
    with pytest.raises(ApplicationError) as caught:
        yield caught
    assert caught.value.code == code
    if message is not None:
        assert str(caught.value.message) == message
    if fields is not None:
        assert {key: [str(m) for m in value] for key, value in (caught.value.fields or {}).items()} == fields
    assert everything(cooperative) == before


def movement_of(request: SubscriptionRequest | RedemptionRequest | None) -> ShareMovement:
    """The movement a paid request recorded."""
    assert request is not None and request.movement is not None
    return request.movement


def shareholder(cooperative: Cooperative, member: Member) -> Shareholder:
    return Shareholder.objects.get(cooperative=cooperative, member=member)


def subscribed(
    cooperative: Cooperative,
    member: Member,
    college_name: str,
    code: str,
    quantity: int,
    *,
    paid_on: datetime.date | None = None,
    decision: str = "CA 2023-01",
) -> SubscriptionRequest:
    """The member asks, the board approves, the payment is recorded: the whole subscription flow."""
    request = subscription_request_create(
        cooperative=cooperative,
        share_class=share_class(cooperative, code),
        quantity=quantity,
        college=college(cooperative, college_name),
        actor=member.user,
    )
    subscription_request_approve(request=request, board_decision=decision, actor=administrator(), on=paid_on)
    return subscription_request_pay(request=request, actor=administrator(), paid_on=paid_on)


def redeemed(
    holder: Shareholder, code: str, quantity: int, *, approved_on: datetime.date, paid_on: datetime.date
) -> RedemptionRequest:
    cooperative = holder.cooperative
    request = redemption_request_create(
        shareholder=holder, share_class=share_class(cooperative, code), quantity=quantity, actor=administrator()
    )
    redemption_request_approve(
        request=request, board_decision="CA remboursement", actor=administrator(), on=approved_on
    )
    return redemption_request_pay(request=request, actor=administrator(), paid_on=paid_on)


def capital_legs(transaction: Transaction | None, cooperative: Cooperative) -> list[tuple[str, int]]:
    """The transaction's entries as (account, amount): "world" or "capital", in EUR cents."""
    assert transaction is not None
    capital_id = cooperative.capital_account_id
    world_id = world_eur().pk
    names = {capital_id: "capital", world_id: "world"}
    return [
        (names[entry.account_id], entry.amount)
        for entry in transaction.entries.order_by("id")
        if entry.unit == "EUR" and entry.account_id in names
    ]


# --- the founding and the life of the SCIC ---------------------------------------------------------


def test_a_scic_is_founded_with_three_colleges_and_an_empty_register():
    cooperative = found_scic(min_shares_per_member=1, max_shares_per_member=50, lockup_months=12)

    assert list(cooperative.colleges.values_list("name", "weight", "position")) == [
        ("Salariés", 40, 0),
        ("Usagers", 30, 1),
        ("Collectivités", 30, 2),
    ]
    assert list(cooperative.share_classes.values_list("code", "name", "nominal_value")) == [
        ("A", "Fondateurs", 10000),
        ("B", "Usagers", 2000),
    ]
    account = capital_account(cooperative)
    assert (account.kind, account.system_code, account.unit, account.reference) == (
        Account.Kind.SYSTEM,
        Account.SystemCode.CAPITAL,
        "EUR",
        "coop:732829320",
    )
    assert (account.balance, account.min_balance, account.max_balance) == (0, 0, None)
    assert register_lines(cooperative) == []
    assert ledger_counts() == (0, 0)
    assert_books(cooperative, 0)


def test_the_life_of_the_scic_subscriptions_a_transfer_a_redemption_and_a_cancellation(make_member):
    admin = administrator()
    cooperative = found_scic(
        min_shares_per_member=1,
        max_shares_per_member=50,
        lockup_months=12,
        redemption_delay_months=3,
        capital_floor=Money("1000", "EUR"),
    )
    alice = make_member(username="alice", display_name="Alice Martin")
    bruno = make_member(username="bruno", display_name="Bruno Girard")
    martinet = make_member(username="martinet", display_name="Commune de Martinet", kind=Member.Kind.ASSOCIATION)
    world_before = world_eur().balance

    # 1. Alice, a salaried worker, asks for ten A shares: nothing is written but her request.
    request = subscription_request_create(
        cooperative=cooperative,
        share_class=share_class(cooperative, "A"),
        quantity=10,
        college=college(cooperative, "Salariés"),
        actor=alice.user,
    )
    assert (request.status, request.source, request.shareholder, request.amount) == (
        SubscriptionRequest.Status.REQUESTED,
        SubscriptionRequest.Source.MEMBER,
        None,
        100000,
    )
    assert Shareholder.objects.count() == 0
    assert ledger_counts() == (0, 0)

    # The board approves: the newcomer is admitted into the college she asked for, on its decision.
    subscription_request_approve(request=request, board_decision="CA 2023-01", actor=admin, on=D(2023, 1, 10))
    request.refresh_from_db()
    alice_holder = shareholder(cooperative, alice)
    assert (request.status, request.board_decision, request.decided_by, request.shareholder) == (
        SubscriptionRequest.Status.APPROVED,
        "CA 2023-01",
        admin,
        alice_holder,
    )
    assert (
        alice_holder.college.name,
        alice_holder.status,
        alice_holder.admitted_on,
        alice_holder.admission_decision,
    ) == ("Salariés", Shareholder.Status.ADMITTED, D(2023, 1, 10), "CA 2023-01")
    assert register_lines(cooperative) == []
    assert_books(cooperative, 0)

    # The payment: 1 000 € from the world into the capital account, movement n° 1.
    subscription_request_pay(request=request, actor=admin, paid_on=D(2023, 1, 16))
    request.refresh_from_db()
    assert request.status == SubscriptionRequest.Status.ISSUED
    first = request.movement
    assert first is not None
    assert (first.number, first.kind, first.quantity, first.capital_delta, first.effective_on) == (
        1,
        ShareMovement.Kind.SUBSCRIPTION,
        10,
        100000,
        D(2023, 1, 16),
    )
    assert (first.board_decision, first.recorded_by, first.to_shareholder, first.from_shareholder) == (
        "CA 2023-01",
        admin,
        alice_holder,
        None,
    )
    assert first.ledger_transaction is not None
    assert first.ledger_transaction.kind_id == SHARE_SUBSCRIPTION
    assert first.ledger_transaction.idempotency_key == f"coop-subscription:{request.pk}"
    # Stored in the site's language (the books read the same whoever recorded it), shown in the reader's.
    assert first.ledger_transaction.memo == "Souscription de 10 parts A par Alice Martin"
    with translation.override("en"):
        assert first.ledger_transaction.memo_display == "Subscription of 10 A shares by Alice Martin"
    assert capital_legs(first.ledger_transaction, cooperative) == [("world", -100000), ("capital", 100000)]
    assert ledger_counts() == (1, 2)
    assert_books(cooperative, 100000)

    # 2. Bruno, a user, five B shares; 3. the commune of Martinet, twenty A shares.
    subscribed(cooperative, bruno, "Usagers", "B", 5, paid_on=D(2023, 2, 8), decision="CA 2023-02")
    assert_books(cooperative, 110000)
    subscribed(cooperative, martinet, "Collectivités", "A", 20, paid_on=D(2023, 3, 13), decision="CA 2023-03")
    assert_books(cooperative, 310000)
    assert ledger_counts() == (3, 6)
    bruno_holder, martinet_holder = shareholder(cooperative, bruno), shareholder(cooperative, martinet)
    assert (bruno_holder.college.name, bruno_holder.admission_decision) == ("Usagers", "CA 2023-02")
    assert (martinet_holder.college.name, martinet_holder.admission_decision) == ("Collectivités", "CA 2023-03")

    # 4. A cession: Alice sells three A shares to the commune. No money through the cooperative.
    transfer = share_transfer(
        cooperative=cooperative,
        from_shareholder=alice_holder,
        to_shareholder=martinet_holder,
        share_class=share_class(cooperative, "A"),
        quantity=3,
        board_decision="CA 2023-06",
        actor=admin,
        effective_on=D(2023, 6, 12),
    )
    assert (transfer.number, transfer.kind, transfer.capital_delta, transfer.ledger_transaction) == (
        4,
        ShareMovement.Kind.TRANSFER,
        0,
        None,
    )
    assert ledger_counts() == (3, 6)
    assert_books(cooperative, 310000)
    assert holdings(cooperative) == {
        ("Commune de Martinet", "A"): 23,
        ("Alice Martin", "A"): 7,
        ("Bruno Girard", "B"): 5,
    }

    # 5. Bruno leaves: he asks to be repaid his five B shares, after the twelve months' lock-up.
    redemption = redemption_request_create(
        shareholder=bruno_holder, share_class=share_class(cooperative, "B"), quantity=5, actor=bruno.user
    )
    assert redemption.status == RedemptionRequest.Status.REQUESTED
    redemption_request_approve(request=redemption, board_decision="CA 2024-03", actor=admin, on=D(2024, 3, 4))
    redemption.refresh_from_db()
    # Paid after the statutory delay of three months.
    assert (redemption.status, redemption.due_on, redemption.board_decision) == (
        RedemptionRequest.Status.APPROVED,
        D(2024, 6, 4),
        "CA 2024-03",
    )
    with refused(cooperative, "not_due_yet", "This redemption is due on 4 June 2024."):
        redemption_request_pay(request=redemption, actor=admin, paid_on=D(2024, 6, 3))

    redemption_request_pay(request=redemption, actor=admin, paid_on=D(2024, 6, 4))
    redemption.refresh_from_db()
    repaid = redemption.movement
    assert repaid is not None
    assert (redemption.status, repaid.number, repaid.kind, repaid.quantity, repaid.capital_delta) == (
        RedemptionRequest.Status.PAID,
        5,
        ShareMovement.Kind.REDEMPTION,
        5,
        -10000,
    )
    assert (repaid.from_shareholder, repaid.to_shareholder, repaid.board_decision) == (bruno_holder, None, "CA 2024-03")
    assert repaid.ledger_transaction is not None
    assert repaid.ledger_transaction.kind_id == SHARE_REDEMPTION
    assert capital_legs(repaid.ledger_transaction, cooperative) == [("world", 10000), ("capital", -10000)]
    bruno_holder.refresh_from_db()
    assert bruno_holder.status == Shareholder.Status.LEFT
    assert_books(cooperative, 300000)

    # 6. A subscription recorded by mistake (the cheque bounced) is cancelled by a reversing movement.
    mistake = share_subscribe(
        cooperative=cooperative,
        shareholder=alice_holder,
        share_class=share_class(cooperative, "B"),
        quantity=2,
        board_decision="CA 2024-09",
        actor=admin,
        paid_on=D(2024, 9, 2),
    )
    assert mistake.movement is not None
    assert (mistake.movement.number, mistake.movement.capital_delta) == (6, 4000)
    assert_books(cooperative, 304000)

    cancellation = movement_cancel(
        movement=mistake.movement, reason="Chèque revenu impayé.", board_decision="CA 2024-10", actor=admin
    )
    assert (cancellation.number, cancellation.kind, cancellation.reverses, cancellation.capital_delta) == (
        7,
        ShareMovement.Kind.CANCELLATION,
        mistake.movement,
        -4000,
    )
    assert (cancellation.from_shareholder, cancellation.to_shareholder, cancellation.effective_on) == (
        alice_holder,
        None,
        timezone.localdate(),
    )
    assert cancellation.ledger_transaction is not None
    assert cancellation.ledger_transaction.kind_id == REVERSAL
    assert cancellation.ledger_transaction.reverses == mistake.movement.ledger_transaction
    assert capital_legs(cancellation.ledger_transaction, cooperative) == [("world", 4000), ("capital", -4000)]
    assert_books(cooperative, 300000)

    # The register, in order, without a gap; the world paid in exactly what the capital holds.
    assert register_lines(cooperative) == [
        (1, "subscription", "A", 10, None, "Alice Martin", 100000, D(2023, 1, 16), "CA 2023-01"),
        (2, "subscription", "B", 5, None, "Bruno Girard", 10000, D(2023, 2, 8), "CA 2023-02"),
        (3, "subscription", "A", 20, None, "Commune de Martinet", 200000, D(2023, 3, 13), "CA 2023-03"),
        (4, "transfer", "A", 3, "Alice Martin", "Commune de Martinet", 0, D(2023, 6, 12), "CA 2023-06"),
        (5, "redemption", "B", 5, "Bruno Girard", None, -10000, D(2024, 6, 4), "CA 2024-03"),
        (6, "subscription", "B", 2, None, "Alice Martin", 4000, D(2024, 9, 2), "CA 2024-09"),
        (7, "cancellation", "B", 2, "Alice Martin", None, -4000, timezone.localdate(), "CA 2024-10"),
    ]
    assert holdings(cooperative) == {("Commune de Martinet", "A"): 23, ("Alice Martin", "A"): 7}
    assert world_eur().balance - world_before == -300000
    assert list(
        Entry.objects.filter(account=capital_account(cooperative)).order_by("id").values_list("amount", "balance_after")
    ) == [
        (100000, 100000),
        (10000, 110000),
        (200000, 310000),
        (-10000, 300000),
        (4000, 304000),
        (-4000, 300000),
    ]
    assert ledger_counts() == (6, 12)


def test_without_board_approval_a_request_is_approved_at_once_and_the_payment_admits_the_member(make_member):
    cooperative = found_scic(board_approval_required=False)
    chloe = make_member(username="chloe", display_name="Chloé Rousseau")

    request = subscription_request_create(
        cooperative=cooperative,
        share_class=share_class(cooperative, "B"),
        quantity=3,
        college=college(cooperative, "Usagers"),
        actor=chloe.user,
    )
    assert request.status == SubscriptionRequest.Status.APPROVED
    assert Shareholder.objects.count() == 0

    subscription_request_pay(request=request, actor=administrator(), paid_on=D(2024, 5, 2))

    holder = shareholder(cooperative, chloe)
    assert (holder.college.name, holder.admitted_on, holder.admission_decision, holder.status) == (
        "Usagers",
        D(2024, 5, 2),
        "",
        Shareholder.Status.ADMITTED,
    )
    assert register_lines(cooperative) == [(1, "subscription", "B", 3, None, "Chloé Rousseau", 6000, D(2024, 5, 2), "")]
    assert_books(cooperative, 6000)


def test_a_legal_person_admitted_by_the_board_receives_shares_by_transfer(make_member):
    admin = administrator()
    cooperative = found_scic()
    alice = make_member(username="alice", display_name="Alice Martin")
    subscribed(cooperative, alice, "Salariés", "A", 6, paid_on=D(2023, 4, 3))
    # The Communauté de communes is no Bocage member: the board admits it by its SIREN first.
    communaute = shareholder_admit(
        cooperative=cooperative,
        college=college(cooperative, "Collectivités"),
        legal_name="CC du Pays des Achards",
        siren="248 500 530",
        address="2 rue Michel-Breton, 85150 Les Achards",
        admission_decision="CA 2023-05",
        admitted_on=D(2023, 5, 2),
        actor=admin,
    )
    assert (communaute.display_name, communaute.siren, communaute.member) == (
        "CC du Pays des Achards",
        "248500530",
        None,
    )

    share_transfer(
        cooperative=cooperative,
        from_shareholder=shareholder(cooperative, alice),
        to_shareholder=communaute,
        share_class=share_class(cooperative, "A"),
        quantity=2,
        board_decision="CA 2023-05",
        actor=admin,
        effective_on=D(2023, 5, 2),
    )

    assert holdings(cooperative) == {("Alice Martin", "A"): 4, ("CC du Pays des Achards", "A"): 2}
    assert_books(cooperative, 60000)


def test_a_shareholder_who_transfers_all_their_shares_leaves_the_cooperative(make_member):
    admin = administrator()
    cooperative = found_scic()
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    subscribed(cooperative, alice, "Salariés", "A", 2, paid_on=D(2023, 4, 3))
    subscribed(cooperative, bruno, "Usagers", "A", 1, paid_on=D(2023, 4, 3))

    share_transfer(
        cooperative=cooperative,
        from_shareholder=shareholder(cooperative, alice),
        to_shareholder=shareholder(cooperative, bruno),
        share_class=share_class(cooperative, "A"),
        quantity=2,
        board_decision="CA 2023-09",
        actor=admin,
        effective_on=D(2023, 9, 1),
    )

    assert shareholder(cooperative, alice).status == Shareholder.Status.LEFT
    assert shareholder(cooperative, bruno).status == Shareholder.Status.ADMITTED
    assert holdings(cooperative) == {("Bruno", "A"): 3}
    assert_books(cooperative, 30000)


def test_cancelling_a_redemption_gives_the_shares_back_and_readmits_the_shareholder(make_member):
    admin = administrator()
    cooperative = found_scic()
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    subscribed(cooperative, alice, "Salariés", "A", 4, paid_on=D(2023, 1, 16))
    subscribed(cooperative, bruno, "Usagers", "B", 5, paid_on=D(2023, 1, 16))
    repaid = redeemed(shareholder(cooperative, bruno), "B", 5, approved_on=D(2023, 3, 1), paid_on=D(2023, 3, 1))
    assert shareholder(cooperative, bruno).status == Shareholder.Status.LEFT
    assert_books(cooperative, 40000)

    cancellation = movement_cancel(
        movement=movement_of(repaid), reason="Remboursement versé par erreur.", board_decision="CA", actor=admin
    )

    assert (cancellation.number, cancellation.capital_delta, cancellation.from_shareholder) == (4, 10000, None)
    assert cancellation.to_shareholder == shareholder(cooperative, bruno)
    assert capital_legs(cancellation.ledger_transaction, cooperative) == [("world", -10000), ("capital", 10000)]
    assert shareholder(cooperative, bruno).status == Shareholder.Status.ADMITTED
    assert holdings(cooperative) == {("Bruno", "B"): 5, ("Alice", "A"): 4}
    assert_books(cooperative, 50000)


def test_cancelling_a_transfer_moves_the_shares_back_without_money(make_member):
    admin = administrator()
    cooperative = found_scic()
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    subscribed(cooperative, alice, "Salariés", "A", 4, paid_on=D(2023, 1, 16))
    subscribed(cooperative, bruno, "Usagers", "B", 1, paid_on=D(2023, 1, 16))
    cession = share_transfer(
        cooperative=cooperative,
        from_shareholder=shareholder(cooperative, alice),
        to_shareholder=shareholder(cooperative, bruno),
        share_class=share_class(cooperative, "A"),
        quantity=4,
        board_decision="CA 2023-05",
        actor=admin,
        effective_on=D(2023, 5, 2),
    )
    assert shareholder(cooperative, alice).status == Shareholder.Status.LEFT
    counts = ledger_counts()

    cancellation = movement_cancel(movement=cession, reason="Cession annulée.", board_decision="CA", actor=admin)

    assert (cancellation.number, cancellation.capital_delta, cancellation.ledger_transaction) == (4, 0, None)
    assert (cancellation.from_shareholder, cancellation.to_shareholder) == (
        shareholder(cooperative, bruno),
        shareholder(cooperative, alice),
    )
    assert shareholder(cooperative, alice).status == Shareholder.Status.ADMITTED
    assert holdings(cooperative) == {("Alice", "A"): 4, ("Bruno", "B"): 1}
    assert ledger_counts() == counts
    assert_books(cooperative, 42000)
