"""Statutory rules on decisions: requests decided once, the board's reference, who may administer.

Each refusal names the numbers and is checked to write nothing: no movement, no ledger transaction, no
change to a request or a shareholder (`refused`).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from djmoney.money import Money

from cooperative.models import Cooperative, SubscriptionRequest
from cooperative.services.register import movement_cancel
from cooperative.services.requests import (
    redemption_request_approve,
    redemption_request_create,
    redemption_request_pay,
    redemption_request_reject,
    share_subscribe,
    subscription_request_approve,
    subscription_request_cancel,
    subscription_request_create,
    subscription_request_pay,
    subscription_request_reject,
)
from cooperative.services.setup import colleges_define, cooperative_create, share_class_create, shareholder_admit
from tests.cooperative.helpers import administrator, college, found_scic, share_class
from tests.cooperative.rules_support import (
    NOT_PENDING,
    ONLY_ADMINISTRATORS,
    D,
    ask,
    english,
    transfer,
)
from tests.cooperative.test_worked_examples import (
    assert_books,
    everything,
    movement_of,
    refused,
    shareholder,
    subscribed,
)

pytestmark = pytest.mark.django_db

__all__ = ["english"]  # an autouse fixture: messages are read in English


def test_a_subscription_request_already_decided_cannot_be_decided_again(make_member):
    cooperative = found_scic()
    alice = make_member(username="alice")
    admin = administrator()
    requested = ask(cooperative, alice, 1)
    with refused(cooperative, "request_not_pending", NOT_PENDING):
        subscription_request_pay(request=requested, actor=admin)
    subscription_request_approve(request=requested, board_decision="CA 1", actor=admin)
    with refused(cooperative, "request_not_pending", NOT_PENDING):
        subscription_request_approve(request=requested, board_decision="CA 2", actor=admin)
    subscription_request_pay(request=requested, actor=admin)
    for decide in (
        lambda: subscription_request_approve(request=requested, board_decision="CA 3", actor=admin),
        lambda: subscription_request_reject(request=requested, reason="Trop tard", actor=admin),
        lambda: subscription_request_cancel(request=requested, actor=alice.user),
    ):
        with refused(cooperative, "request_not_pending", NOT_PENDING):
            decide()

    rejected = ask(cooperative, alice, 1)
    subscription_request_reject(request=rejected, reason="Pas de place", actor=admin)
    for decide in (
        lambda: subscription_request_approve(request=rejected, board_decision="CA 4", actor=admin),
        lambda: subscription_request_pay(request=rejected, actor=admin),
        lambda: subscription_request_reject(request=rejected, reason="Encore", actor=admin),
    ):
        with refused(cooperative, "request_not_pending", NOT_PENDING):
            decide()


def test_a_redemption_request_already_decided_cannot_be_decided_again(make_member):
    cooperative = found_scic()
    alice = make_member(username="alice")
    admin = administrator()
    subscribed(cooperative, alice, "Salariés", "A", 4, paid_on=D(2023, 1, 16))
    holder = shareholder(cooperative, alice)
    requested = redemption_request_create(
        shareholder=holder, share_class=share_class(cooperative, "A"), quantity=1, actor=admin
    )
    with refused(cooperative, "request_not_pending", NOT_PENDING):
        redemption_request_pay(request=requested, actor=admin)
    redemption_request_approve(request=requested, board_decision="CA 1", actor=admin)
    with refused(cooperative, "request_not_pending", NOT_PENDING):
        redemption_request_approve(request=requested, board_decision="CA 2", actor=admin)
    redemption_request_pay(request=requested, actor=admin)
    with refused(cooperative, "request_not_pending", NOT_PENDING):
        redemption_request_reject(request=requested, reason="Trop tard", actor=admin)

    rejected = redemption_request_create(
        shareholder=holder, share_class=share_class(cooperative, "A"), quantity=1, actor=admin
    )
    redemption_request_reject(request=rejected, reason="Capital insuffisant", actor=admin)
    for decide in (
        lambda: redemption_request_approve(request=rejected, board_decision="CA 3", actor=admin),
        lambda: redemption_request_pay(request=rejected, actor=admin),
    ):
        with refused(cooperative, "request_not_pending", NOT_PENDING):
            decide()


def test_the_boards_decision_reference_is_required_where_the_statutes_need_it(make_member):
    cooperative = found_scic()
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    admin = administrator()
    subscribed(cooperative, alice, "Salariés", "A", 4, paid_on=D(2023, 1, 16))
    subscribed(cooperative, bruno, "Usagers", "A", 1, paid_on=D(2023, 1, 16))
    alice_holder = shareholder(cooperative, alice)
    required = {"board_decision": ["Give the reference of the board's decision."]}
    request = ask(cooperative, bruno, 1)
    redemption = redemption_request_create(
        shareholder=alice_holder, share_class=share_class(cooperative, "A"), quantity=1, actor=admin
    )

    for decision in ("", "   "):
        with refused(cooperative, "invalid", fields=required):
            subscription_request_approve(request=request, board_decision=decision, actor=admin)
        with refused(cooperative, "invalid", fields=required):
            redemption_request_approve(request=redemption, board_decision=decision, actor=admin)
        with refused(cooperative, "invalid", fields=required):
            transfer(cooperative, alice_holder, shareholder(cooperative, bruno), 1, board_decision=decision)
        with refused(cooperative, "invalid", fields=required):
            share_subscribe(
                cooperative=cooperative,
                shareholder=alice_holder,
                share_class=share_class(cooperative, "A"),
                quantity=1,
                board_decision=decision,
                actor=admin,
            )
    with refused(cooperative, "invalid", fields={"board_decision": ["At most 100 characters."]}):
        subscription_request_approve(request=request, board_decision="x" * 101, actor=admin)


def test_without_board_approval_in_the_statutes_an_administrator_records_a_subscription_without_reference(
    make_member,
):
    cooperative = found_scic(board_approval_required=False)
    alice = shareholder_admit(
        cooperative=cooperative,
        college=college(cooperative, "Salariés"),
        member=make_member(username="alice"),
        actor=administrator(),
    )

    request = share_subscribe(
        cooperative=cooperative,
        shareholder=alice,
        share_class=share_class(cooperative, "B"),
        quantity=2,
        board_decision="",
        actor=administrator(),
        paid_on=D(2024, 2, 1),
    )

    assert (request.status, request.source, movement_of(request).board_decision) == (
        SubscriptionRequest.Status.ISSUED,
        SubscriptionRequest.Source.ADMINISTRATOR,
        "",
    )
    assert_books(cooperative, 4000)


def test_members_cannot_administer_the_register(make_member):
    cooperative = found_scic()
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    subscribed(cooperative, alice, "Salariés", "A", 4, paid_on=D(2023, 1, 16))
    subscribed(cooperative, bruno, "Usagers", "A", 1, paid_on=D(2023, 1, 16))
    alice_holder, bruno_holder = shareholder(cooperative, alice), shareholder(cooperative, bruno)
    request = ask(cooperative, bruno, 1)
    first = SubscriptionRequest.objects.order_by("id").first()
    redemption = redemption_request_create(
        shareholder=alice_holder, share_class=share_class(cooperative, "A"), quantity=1, actor=alice.user
    )
    user = alice.user
    attempts = [
        lambda: subscription_request_approve(request=request, board_decision="CA", actor=user),
        lambda: subscription_request_reject(request=request, reason="Non", actor=user),
        lambda: subscription_request_pay(request=request, actor=user),
        lambda: share_subscribe(
            cooperative=cooperative,
            shareholder=alice_holder,
            share_class=share_class(cooperative, "A"),
            quantity=1,
            board_decision="CA",
            actor=user,
        ),
        lambda: transfer(cooperative, alice_holder, bruno_holder, 1, actor=user),
        lambda: movement_cancel(movement=movement_of(first), reason="Erreur", board_decision="", actor=user),
        lambda: redemption_request_approve(request=redemption, board_decision="CA", actor=user),
        lambda: redemption_request_reject(request=redemption, reason="Non", actor=user),
        lambda: redemption_request_pay(request=redemption, actor=user),
        lambda: shareholder_admit(
            cooperative=cooperative, college=college(cooperative, "Usagers"), member=alice, actor=user
        ),
        lambda: share_class_create(
            cooperative=cooperative, code="C", name="Partenaires", nominal_value=Money("50", "EUR"), actor=user
        ),
        lambda: colleges_define(
            cooperative=cooperative,
            colleges=[{"name": "Tous", "weight": 50}, {"name": "Autres", "weight": 50}],
            actor=user,
        ),
        lambda: cooperative_create(
            name="Autre", legal_form="scop", siren="248500530", seat_address="Les Achards", actor=user
        ),
        lambda: subscription_request_approve(request=request, board_decision="CA", actor=None),
    ]
    for attempt in attempts:
        with refused(cooperative, "permission_denied", ONLY_ADMINISTRATORS):
            attempt()
    assert Cooperative.objects.count() == 1


def test_members_act_only_for_themselves(make_member):
    cooperative = found_scic()
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    subscribed(cooperative, alice, "Salariés", "A", 4, paid_on=D(2023, 1, 16))
    alice_request = ask(cooperative, alice, 1)

    with refused(cooperative, "permission_denied", "You may only ask for shares for yourself."):
        subscription_request_create(
            cooperative=cooperative,
            share_class=share_class(cooperative, "A"),
            quantity=1,
            member=alice,
            college=college(cooperative, "Usagers"),
            actor=bruno.user,
        )
    with refused(cooperative, "permission_denied", "You may only ask for shares for yourself."):
        subscription_request_create(
            cooperative=cooperative,
            share_class=share_class(cooperative, "A"),
            quantity=1,
            college=college(cooperative, "Usagers"),
            actor=None,
        )
    with refused(cooperative, "permission_denied", "You may only ask to redeem your own shares."):
        redemption_request_create(
            shareholder=shareholder(cooperative, alice),
            share_class=share_class(cooperative, "A"),
            quantity=1,
            actor=bruno.user,
        )
    with refused(cooperative, "permission_denied", "Only the member who asked may cancel this request."):
        subscription_request_cancel(request=alice_request, actor=bruno.user)
    with refused(cooperative, "permission_denied", "Only the member who asked may cancel this request."):
        subscription_request_cancel(request=alice_request, actor=administrator())


def test_the_register_permission_makes_an_administrator_but_auditing_the_ledger_does_not(make_member):
    cooperative = found_scic()
    alice = make_member(username="alice")
    secretary = User.objects.create_user(username="secretaire-ca", password="bocage-test-password-1")
    secretary.user_permissions.add(Permission.objects.get(codename="administer_register"))
    auditor = User.objects.create_user(username="auditeur", password="bocage-test-password-1")
    auditor.user_permissions.add(Permission.objects.get(codename="audit_ledger"))
    retired = User.objects.create_user(username="ancien", password="bocage-test-password-1", is_staff=True)
    retired.is_active = False
    retired.save()
    request = ask(cooperative, alice, 1)

    for user in (auditor, retired):
        with refused(cooperative, "permission_denied", ONLY_ADMINISTRATORS):
            subscription_request_approve(request=request, board_decision="CA", actor=User.objects.get(pk=user.pk))

    subscription_request_approve(
        request=request, board_decision="CA", actor=User.objects.get(pk=secretary.pk), on=D(2024, 1, 5)
    )
    request.refresh_from_db()
    assert (request.status, request.decided_by_id) == (SubscriptionRequest.Status.APPROVED, secretary.pk)
    assert everything(cooperative)[0] == []
