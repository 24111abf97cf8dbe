"""The audit log: every administrative action writes exactly one event with the action, in the same
transaction; refusals write none; staff and auditors browse, filter and export it."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.db import transaction
from django.utils import timezone
from djmoney.money import Money

from cooperative.models import RedemptionRequest, ShareMovement
from cooperative.services import register as coop_register
from cooperative.services import requests as coop_requests
from cooperative.services.setup import shareholder_admit
from core.audit import audit_record
from core.errors import ApplicationError
from core.models import AuditEvent
from crowdfunding.models import Campaign
from crowdfunding.services import campaigns as cf_campaigns
from crowdfunding.services.pledges import pool_create
from currency.models import Reconversion
from currency.services.reconversions import (
    reconversion_approve,
    reconversion_reject,
    reconversion_request,
    sepa_export_create,
)
from exchange.models import Exchange, Listing
from exchange.services import exchanges as exchange_services
from exchange.services.listings import listing_hide, listing_unhide
from ledger.models import Account, Transaction
from ledger.services import account_limits_set, account_status_set, transaction_reverse
from members.models import Member
from members.services import member_update
from membership.services import member_close, member_join
from tests.conftest import PASSWORD, account_of, api_client_for
from tests.cooperative.helpers import administrator, college, found_scic, share_class
from tests.crowdfunding.helpers import draft_campaign, live_campaign, moderator
from tests.currency.funding import give_ach
from tests.exchange.test_exchange_support import listing_of, propose

pytestmark = pytest.mark.django_db


def last_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def events_since(since: int) -> list[tuple[Any, ...]]:
    return [
        (
            event.actor.username if event.actor else None,
            event.action,
            event.object_type,
            event.object_id,
            event.reason,
            event.details,
        )
        for event in AuditEvent.objects.filter(id__gt=since).select_related("actor").order_by("id")
    ]


def refused(call: Any, code: str) -> None:
    """The call is refused with `code` and leaves no audit event."""
    since = last_id()
    with pytest.raises(ApplicationError) as refusal:
        call()
    assert refusal.value.code == code
    assert events_since(since) == []


@pytest.fixture
def alice(make_member) -> Member:
    return make_member(username="alice")


# --- ledger -----------------------------------------------------------------------------------


def test_a_reversal_records_one_event_on_the_original_with_the_memo_as_reason(alice, staff_user):
    original = give_ach(alice, "30")
    since = last_id()
    reversal = transaction_reverse(transaction_to_reverse=original, actor=staff_user, memo="Saisie en double")
    assert events_since(since) == [
        ("staff", "reversal", "ledger.transaction", str(original.pk), "Saisie en double", {"reversal": reversal.pk})
    ]
    refused(lambda: transaction_reverse(transaction_to_reverse=original, actor=staff_user), "already_reversed")


def test_freeze_unfreeze_and_close_each_record_one_event_with_the_old_and_new_status(alice, staff_user):
    account = account_of(alice, "HRS")
    since = last_id()
    account_status_set(account=account, status=Account.Status.FROZEN, actor=staff_user)
    account_status_set(account=account, status=Account.Status.OPEN, actor=staff_user)
    account_status_set(account=account, status=Account.Status.CLOSED, actor=staff_user)
    pk = str(account.pk)
    assert events_since(since) == [
        ("staff", "account_freeze", "ledger.account", pk, "", {"old": "open", "new": "frozen"}),
        ("staff", "account_unfreeze", "ledger.account", pk, "", {"old": "frozen", "new": "open"}),
        ("staff", "account_close", "ledger.account", pk, "", {"old": "open", "new": "closed"}),
    ]


def test_closing_an_account_with_money_is_refused_and_records_nothing(alice, staff_user):
    give_ach(alice, "5")
    account = account_of(alice, "ACH")
    refused(
        lambda: account_status_set(account=account, status=Account.Status.CLOSED, actor=staff_user), "account_closed"
    )


def test_a_limit_change_records_the_old_and_new_limits_and_a_refused_one_nothing(alice, staff_user):
    account = account_of(alice, "HRS")
    old_min, old_max = account.min_balance, account.max_balance
    since = last_id()
    account_limits_set(account=account, min_balance=-5000, max_balance=8000, actor=staff_user)
    assert events_since(since) == [
        (
            "staff",
            "limit_change",
            "ledger.account",
            str(account.pk),
            "",
            {
                "old": {"min_balance": old_min, "max_balance": old_max},
                "new": {"min_balance": -5000, "max_balance": 8000},
            },
        )
    ]
    give_ach(alice, "10")
    ach = account_of(alice, "ACH")
    refused(
        lambda: account_limits_set(account=ach, min_balance=None, max_balance=500, actor=staff_user), "limit_exceeded"
    )


def test_the_event_is_in_the_same_transaction_as_the_action_so_a_rollback_removes_both(alice, staff_user):
    account = account_of(alice, "HRS")
    before = (account.min_balance, account.max_balance)
    since = last_id()
    with pytest.raises(RuntimeError), transaction.atomic():
        account_limits_set(account=account, min_balance=-100, max_balance=100, actor=staff_user)
        assert len(events_since(since)) == 1
        raise RuntimeError("the surrounding work fails after the change")
    account.refresh_from_db()
    assert (account.min_balance, account.max_balance) == before
    assert events_since(since) == []


# --- members ----------------------------------------------------------------------------------


def test_staff_creating_and_closing_a_member_records_both_and_a_refused_close_nothing(staff_user):
    since = last_id()
    member = member_join(actor=staff_user, username="bruno", password=PASSWORD, display_name="Bruno", kind="individual")
    accounts = list(Account.objects.filter(holder=member).order_by("id"))
    member_close(member=member, actor=staff_user)
    # Closing erases the member's personal data: the username in the creation's event too.
    erased = {"kind": "individual", "username": "[effacé]"}
    assert events_since(since)[:-1] == [
        ("staff", "member_create", "members.member", str(member.pk), "", erased),
        *[
            ("staff", "account_close", "ledger.account", str(account.pk), "", {"old": "open", "new": "closed"})
            for account in accounts
        ],
        ("staff", "member_close", "members.member", str(member.pk), "", {}),
    ]
    assert events_since(since)[-1][:5] == ("staff", "member_erase", "members.member", str(member.pk), "")


def test_a_member_signing_up_and_a_refused_close_record_nothing(make_member, staff_user):
    since = last_id()
    member = make_member(username="claire")  # member_join by the system (sign-up, fixtures)
    assert events_since(since) == []
    give_ach(member, "1")
    refused(lambda: member_close(member=member, actor=staff_user), "member_not_empty")


# --- currency ---------------------------------------------------------------------------------


@pytest.fixture
def bakery(make_member) -> Member:
    bakery = make_member(kind=Member.Kind.BUSINESS, username="fournil", display_name="Le Fournil")
    member_update(member=bakery, actor=None, iban="FR1420041010050500013M02606", bic="PSSTFRPPLIL")
    give_ach(bakery, "100")
    return bakery


def test_reconversion_approval_rejection_and_payment_each_record_one_event(bakery, staff_user, settings):
    settings.BOCAGE_RECONVERSION_FEE_RATE = "0.05"
    first = reconversion_request(member=bakery, amount=Money("40", "ACH"), actor=bakery.user)
    second = reconversion_request(member=bakery, amount=Money("10", "ACH"), actor=bakery.user)
    refused(lambda: reconversion_approve(reconversion=first, actor=bakery.user), "permission_denied")
    since = last_id()
    approved = reconversion_approve(reconversion=first, actor=staff_user)
    reconversion_reject(reconversion=second, actor=staff_user, reason="IBAN à vérifier")
    export = sepa_export_create(actor=staff_user)
    assert events_since(since) == [
        (
            "staff",
            "reconversion_approve",
            "currency.reconversion",
            str(first.pk),
            "",
            {"amount": 4000, "fee": 200, "transaction": approved.transaction_id},
        ),
        ("staff", "reconversion_reject", "currency.reconversion", str(second.pk), "IBAN à vérifier", {}),
        (
            "staff",
            "reconversion_payment",
            "currency.sepaexport",
            str(export.pk),
            export.message_id,
            {"reconversions": [first.pk], "total": 3800},
        ),
    ]
    refused(
        lambda: reconversion_reject(reconversion=second, actor=staff_user, reason="Encore"), "reconversion_not_pending"
    )
    assert Reconversion.objects.get(pk=first.pk).status == Reconversion.Status.EXPORTED


# --- exchange ---------------------------------------------------------------------------------


def test_hiding_and_showing_a_listing_record_one_event_each(alice, staff_user):
    listing = listing_of(alice)
    refused(lambda: listing_hide(listing=listing, actor=alice.user, reason="Abus"), "permission_denied")
    since = last_id()
    listing_hide(listing=listing, actor=staff_user, reason="Annonce en double")
    listing_unhide(listing=listing, actor=staff_user)
    listing_unhide(listing=listing, actor=staff_user)  # already shown: nothing changes, nothing recorded
    pk = str(listing.pk)
    assert events_since(since) == [
        ("staff", "listing_hide", "exchange.listing", pk, "Annonce en double", {}),
        ("staff", "listing_unhide", "exchange.listing", pk, "", {"status": Listing.Status.ACTIVE}),
    ]


def test_a_dispute_resolution_records_one_event_with_the_outcome_and_the_dispute_reason(make_member, staff_user):
    seller, buyer = make_member(username="potier"), make_member(username="voisin")
    exchange = exchange_services.exchange_accept(
        exchange=propose(listing_of(seller, price=2000), buyer), actor=seller.user
    )
    exchange = exchange_services.exchange_dispute(exchange=exchange, reason="Jamais livré", actor=buyer.user)
    refused(
        lambda: exchange_services.exchange_resolve(exchange=exchange, outcome="void", actor=buyer.user),
        "transition_not_allowed",
    )
    since = last_id()
    exchange_services.exchange_resolve(exchange=exchange, outcome="partial", amount=Money("5", "GRN"), actor=staff_user)
    assert events_since(since) == [
        (
            "staff",
            "dispute_resolve",
            "exchange.exchange",
            str(exchange.pk),
            "Jamais livré",
            {"outcome": "partial 5 GRN"},
        )
    ]
    assert Exchange.objects.get(pk=exchange.pk).status == Exchange.Status.RESOLVED


# --- crowdfunding -----------------------------------------------------------------------------


def test_campaign_moderation_records_approve_send_back_and_cancel_but_not_the_owner_withdrawing(make_member):
    owner = make_member(username="fablab")
    mod = moderator()
    sent_back = draft_campaign(owner, title="Atelier partagé")
    cf_campaigns.campaign_submit(campaign=sent_back, actor=owner.user)
    approved = draft_campaign(owner, title="Fablab")
    cf_campaigns.campaign_submit(campaign=approved, actor=owner.user)
    withdrawn = draft_campaign(owner, title="Jardin")
    since = last_id()
    cf_campaigns.campaign_send_back(campaign=sent_back, actor=mod, comment="Précisez le budget")
    cf_campaigns.campaign_approve(campaign=approved, actor=mod, comment="Bon projet")
    cf_campaigns.campaign_approve(campaign=approved, actor=mod)  # already approved: nothing recorded
    cf_campaigns.campaign_cancel(campaign=approved, actor=mod, reason="Porteur injoignable")
    cf_campaigns.campaign_cancel(campaign=withdrawn, actor=owner.user, reason="Plus tard")
    assert events_since(since) == [
        ("moderatrice", "campaign_send_back", "crowdfunding.campaign", str(sent_back.pk), "Précisez le budget", {}),
        (
            "moderatrice",
            "campaign_approve",
            "crowdfunding.campaign",
            str(approved.pk),
            "Bon projet",
            {"status": Campaign.Status.LIVE, "fee_rate": str(Campaign.objects.get(pk=approved.pk).fee_rate)},
        ),
        ("moderatrice", "campaign_cancel", "crowdfunding.campaign", str(approved.pk), "Porteur injoignable", {}),
    ]
    refused(
        lambda: cf_campaigns.campaign_send_back(campaign=sent_back, actor=owner.user, comment="x"), "permission_denied"
    )


def test_a_moderator_creating_a_pool_records_it_and_a_sponsor_doing_it_does_not(make_member):
    owner, sponsor = make_member(username="tierslieu"), make_member(username="mecene")
    give_ach(sponsor, "100")
    first = live_campaign(owner, title="Tiers-lieu")
    second = live_campaign(owner, title="Repair café")
    since = last_id()
    pool = pool_create(campaign=first, sponsor=sponsor, ratio="1", total_cap=Money("50", "ACH"), actor=moderator())
    pool_create(campaign=second, sponsor=sponsor, ratio="0.5", total_cap=Money("20", "ACH"), actor=sponsor.user)
    assert events_since(since) == [
        (
            "moderatrice",
            "pool_create",
            "crowdfunding.matchingpool",
            str(pool.pk),
            "",
            {
                "campaign": first.pk,
                "sponsor": sponsor.pk,
                "ratio": str(pool.ratio),
                "total_cap": 5000,
                "per_backer_cap": None,
            },
        )
    ]


# --- cooperative ------------------------------------------------------------------------------


def test_founding_a_cooperative_records_its_creation_classes_and_colleges():
    since = last_id()
    cooperative = found_scic()
    classes = {sc.code: sc.pk for sc in cooperative.share_classes.all()}
    assert events_since(since) == [
        (
            "secretaire",
            "cooperative_create",
            "cooperative.cooperative",
            str(cooperative.pk),
            "",
            {"name": "SCIC Les Tiers-Lieux des Achards", "siren": "732829320"},
        ),
        (
            "secretaire",
            "share_class_create",
            "cooperative.shareclass",
            str(classes["A"]),
            "",
            {"cooperative": cooperative.pk, "code": "A", "nominal_value": 10000},
        ),
        (
            "secretaire",
            "share_class_create",
            "cooperative.shareclass",
            str(classes["B"]),
            "",
            {"cooperative": cooperative.pk, "code": "B", "nominal_value": 2000},
        ),
        (
            "secretaire",
            "colleges_define",
            "cooperative.cooperative",
            str(cooperative.pk),
            "",
            {"old": {}, "new": {"Salariés": 40, "Usagers": 30, "Collectivités": 30}},
        ),
    ]
    refused(
        lambda: found_scic(siren="732829320"), "invalid"
    )  # the same SIREN twice: refused before anything is written


def test_every_register_decision_records_one_event_with_the_board_decision_or_the_reason(make_member):
    cooperative = found_scic(redemption_delay_months=0)
    admin = administrator()
    alice, bob, carol = make_member(username="alice"), make_member(username="bob"), make_member(username="carol")
    users = college(cooperative, "Usagers")
    since = last_id()
    holder_bob = shareholder_admit(
        cooperative=cooperative, college=users, member=bob, admission_decision="CA 2026-01", actor=admin
    )
    asked = coop_requests.subscription_request_create(
        cooperative=cooperative, share_class=share_class(cooperative, "B"), quantity=3, actor=alice.user, college=users
    )
    coop_requests.subscription_request_approve(request=asked, board_decision="CA 2026-02", actor=admin)
    paid = coop_requests.subscription_request_pay(request=asked, actor=admin)
    other = coop_requests.subscription_request_create(
        cooperative=cooperative, share_class=share_class(cooperative, "B"), quantity=1, actor=carol.user, college=users
    )
    coop_requests.subscription_request_reject(request=other, reason="Hors du territoire", actor=admin)
    subscribed = coop_requests.share_subscribe(
        cooperative=cooperative,
        shareholder=holder_bob,
        share_class=share_class(cooperative, "B"),
        quantity=2,
        board_decision="CA 2026-03",
        actor=admin,
    )
    holder_alice = paid.shareholder
    assert holder_alice is not None
    transfer = coop_register.share_transfer(
        cooperative=cooperative,
        from_shareholder=holder_alice,
        to_shareholder=holder_bob,
        share_class=share_class(cooperative, "B"),
        quantity=1,
        board_decision="CA 2026-04",
        actor=admin,
    )
    cancellation = coop_register.movement_cancel(
        movement=transfer, reason="Erreur de sens", board_decision="", actor=admin
    )
    redemption = coop_requests.redemption_request_create(
        shareholder=holder_bob, share_class=share_class(cooperative, "B"), quantity=1, actor=bob.user
    )
    coop_requests.redemption_request_approve(request=redemption, board_decision="CA 2026-05", actor=admin)
    repaid = coop_requests.redemption_request_pay(request=redemption, actor=admin)
    refused_one = coop_requests.redemption_request_create(
        shareholder=holder_bob, share_class=share_class(cooperative, "B"), quantity=1, actor=bob.user
    )
    coop_requests.redemption_request_reject(request=refused_one, reason="Plancher du capital", actor=admin)
    assert events_since(since) == [
        (
            "secretaire",
            "shareholder_admit",
            "cooperative.shareholder",
            str(holder_bob.pk),
            "CA 2026-01",
            {"college": "Usagers"},
        ),
        ("secretaire", "subscription_approve", "cooperative.subscriptionrequest", str(asked.pk), "CA 2026-02", {}),
        (
            "secretaire",
            "subscription_pay",
            "cooperative.subscriptionrequest",
            str(asked.pk),
            "CA 2026-02",
            {"movement": paid.movement_id, "quantity": 3},
        ),
        (
            "secretaire",
            "subscription_reject",
            "cooperative.subscriptionrequest",
            str(other.pk),
            "Hors du territoire",
            {},
        ),
        (
            "secretaire",
            "share_subscribe",
            "cooperative.subscriptionrequest",
            str(subscribed.pk),
            "CA 2026-03",
            {"movement": subscribed.movement_id, "quantity": 2},
        ),
        (
            "secretaire",
            "share_transfer",
            "cooperative.sharemovement",
            str(transfer.pk),
            "CA 2026-04",
            {
                "number": transfer.number,
                "quantity": 1,
                "from_shareholder": holder_alice.pk,
                "to_shareholder": holder_bob.pk,
            },
        ),
        (
            "secretaire",
            "movement_cancel",
            "cooperative.sharemovement",
            str(transfer.pk),
            "Erreur de sens",
            {"board_decision": "", "cancellation": cancellation.pk},
        ),
        (
            "secretaire",
            "redemption_approve",
            "cooperative.redemptionrequest",
            str(redemption.pk),
            "CA 2026-05",
            {"due_on": str(RedemptionRequest.objects.get(pk=redemption.pk).due_on)},
        ),
        (
            "secretaire",
            "redemption_pay",
            "cooperative.redemptionrequest",
            str(redemption.pk),
            "CA 2026-05",
            {"movement": repaid.movement_id, "quantity": 1},
        ),
        (
            "secretaire",
            "redemption_reject",
            "cooperative.redemptionrequest",
            str(refused_one.pk),
            "Plancher du capital",
            {},
        ),
    ]
    # Paying twice is a replay: nothing new. A member may not decide: refused, nothing recorded.
    refused(lambda: coop_requests.subscription_request_pay(request=asked, actor=alice.user), "permission_denied")
    since = last_id()
    coop_requests.subscription_request_pay(request=asked, actor=admin)
    assert events_since(since) == []


def test_cancelling_a_paid_subscription_records_the_cancellation_and_the_ledger_reversal(make_member):
    cooperative = found_scic()
    admin = administrator()
    alice = make_member(username="alice")
    holder = shareholder_admit(
        cooperative=cooperative, college=college(cooperative, "Usagers"), member=alice, actor=admin
    )
    request = coop_requests.share_subscribe(
        cooperative=cooperative,
        shareholder=holder,
        share_class=share_class(cooperative, "A"),
        quantity=1,
        board_decision="CA",
        actor=admin,
    )
    assert request.movement_id is not None
    movement = ShareMovement.objects.get(pk=request.movement_id)
    since = last_id()
    cancellation = coop_register.movement_cancel(
        movement=movement, reason="Chèque refusé", board_decision="CA 2", actor=admin
    )
    reversal = Transaction.objects.get(reverses_id=movement.ledger_transaction_id)
    assert cancellation.ledger_transaction_id == reversal.pk
    assert [event[:4] for event in events_since(since)] == [
        ("secretaire", "reversal", "ledger.transaction", str(movement.ledger_transaction_id)),
        ("secretaire", "movement_cancel", "cooperative.sharemovement", str(movement.pk)),
    ]
    refused(
        lambda: coop_register.movement_cancel(movement=movement, reason="Encore", board_decision="", actor=admin),
        "already_cancelled",
    )


# --- the page, the CSV file and the API -------------------------------------------------------


@pytest.fixture
def auditor(django_user_model) -> User:
    user = django_user_model.objects.create_user(username="auditrice", password=PASSWORD)
    user.user_permissions.add(Permission.objects.get(codename="audit_ledger"))
    return User.objects.get(pk=user.pk)


def at(day: str, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(day).replace(hour=hour))


@pytest.fixture
def logged(alice, staff_user, django_user_model) -> None:
    """Three events on three days in March 2026 by two people."""
    other = django_user_model.objects.create_user(username="tresoriere", password=PASSWORD, is_staff=True)
    account = account_of(alice, "ACH")
    listing = listing_of(alice)
    for actor, action, target, reason, details, day in (
        (staff_user, "account_freeze", account, "", {"old": "open", "new": "frozen"}, "2026-03-02"),
        (other, "limit_change", account, "", {"old": {"max_balance": None}, "new": {"max_balance": 100}}, "2026-03-05"),
        (other, "listing_hide", listing, "Prix « abusif »; doublon", {}, "2026-03-09"),
    ):
        AuditEvent.objects.create(
            actor=actor,
            action=action,
            object_type=target._meta.label_lower,
            object_id=str(target.pk),
            reason=reason,
            details=details,
            created_at=at(day),
        )


def page_actions(client: Any, query: str = "") -> list[tuple[str, str]]:
    response = client.get(f"/audit/log/{query}")
    assert response.status_code == 200
    return [(row.event.action, row.event.actor.username) for row in response.context["rows"]]


def test_only_staff_and_auditors_see_the_log_page_and_its_csv(client, alice, staff_user, auditor, logged):
    client.force_login(alice.user)
    assert client.get("/audit/log/").status_code == 404
    assert client.get("/audit/log.csv").status_code == 404
    client.logout()
    assert client.get("/audit/log/").status_code == 302  # to the login page
    for user in (staff_user, auditor):
        client.force_login(user)
        assert client.get("/audit/log/").status_code == 200
        assert client.get("/audit/log.csv").status_code == 200


def test_the_page_lists_newest_first_and_filters_by_action_type_actor_and_dates(client, auditor, logged):
    client.force_login(auditor)
    assert page_actions(client) == [
        ("listing_hide", "tresoriere"),
        ("limit_change", "tresoriere"),
        ("account_freeze", "staff"),
    ]
    assert page_actions(client, "?action=limit_change") == [("limit_change", "tresoriere")]
    assert page_actions(client, "?object_type=exchange.listing") == [("listing_hide", "tresoriere")]
    assert page_actions(client, "?actor=staff") == [("account_freeze", "staff")]
    assert page_actions(client, "?after=2026-03-03&before=2026-03-05") == [("limit_change", "tresoriere")]
    assert page_actions(client, "?after=2026-03-06&before=2026-03-01") == []  # an impossible range shows nothing
    assert page_actions(client, "?after=2026-03-09") == [("listing_hide", "tresoriere")]
    assert page_actions(client, "?before=2026-03-02") == [("account_freeze", "staff")]


def test_the_page_is_paginated_by_fifty(client, auditor, alice, staff_user):
    account = account_of(alice, "GRN")
    for _ in range(51):
        audit_record(actor=staff_user, action="limit_change", target=account)
    client.force_login(auditor)
    first = client.get("/audit/log/?action=limit_change")
    second = client.get("/audit/log/?action=limit_change&page=2")
    assert (len(first.context["rows"]), len(second.context["rows"])) == (50, 1)
    assert first.context["rows"][0].event.pk > second.context["rows"][0].event.pk
    assert "page=2" in first.content.decode()


def test_the_csv_export_is_exact_with_semicolons_and_a_bom(client, auditor, logged, alice):
    client.force_login(auditor)
    response = client.get("/audit/log.csv", HTTP_ACCEPT_LANGUAGE="en")  # French whatever the page's language
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="audit-log.csv"'
    account = account_of(alice, "ACH")
    listing = Listing.objects.get(author=alice)
    assert b"".join(response.streaming_content).decode("utf-8") == (
        "\ufeffDate;Par;Action;Type d’objet;Identifiant de l’objet;Motif;Détails\r\n"
        f"2026-03-09 10:00:00;tresoriere;listing_hide;exchange.listing;{listing.pk};"
        '"Prix « abusif »; doublon";\r\n'
        f"2026-03-05 10:00:00;tresoriere;limit_change;ledger.account;{account.pk};;"
        '"{""new"": {""max_balance"": 100}, ""old"": {""max_balance"": null}}"\r\n'
        f"2026-03-02 10:00:00;staff;account_freeze;ledger.account;{account.pk};;"
        '"{""new"": ""frozen"", ""old"": ""open""}"\r\n'
    )
    english = client.get("/audit/log.csv?lang=en&actor=staff")
    assert english["Content-Disposition"] == 'attachment; filename="audit-log-en.csv"'
    assert b"".join(english.streaming_content).decode("utf-8") == (
        "Date,By,Action,Object type,Object id,Reason,Details\r\n"
        f"2026-03-02 10:00:00,staff,account_freeze,ledger.account,{account.pk},,"
        '"{""new"": ""frozen"", ""old"": ""open""}"\r\n'
    )


def test_the_api_lists_the_log_for_staff_and_auditors_with_the_same_filters(alice, staff_user, auditor, logged):
    assert api_client_for(alice.user).get("/api/audit-log/").status_code == 403
    assert api_client_for(None).get("/api/audit-log/").status_code == 401
    response = api_client_for(auditor).get("/api/audit-log/?actor=tresoriere")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [(row["action"], row["actor"], row["object_type"], row["reason"]) for row in body["results"]] == [
        ("listing_hide", "tresoriere", "exchange.listing", "Prix « abusif »; doublon"),
        ("limit_change", "tresoriere", "ledger.account", ""),
    ]
    assert body["results"][0]["created_at"] == "2026-03-09T10:00:00+01:00"
    assert body["results"][1]["details"] == {"old": {"max_balance": None}, "new": {"max_balance": 100}}
    limited = api_client_for(staff_user).get("/api/audit-log/?limit=1&offset=1").json()
    assert (limited["count"], [row["action"] for row in limited["results"]]) == (3, ["limit_change"])
    dated = api_client_for(staff_user).get(
        "/api/audit-log/?after=2026-03-03&before=2026-03-05&object_type=ledger.account"
    )
    assert [row["action"] for row in dated.json()["results"]] == ["limit_change"]
    bad = api_client_for(staff_user).get("/api/audit-log/?after=mars")
    assert (bad.status_code, bad.json()["code"], list(bad.json()["fields"])) == (400, "invalid", ["after"])


def test_decimal_details_are_logged_as_exact_text_not_floats(alice, staff_user):
    event = audit_record(
        actor=staff_user, action="limit_change", target=account_of(alice, "ACH"), rate=Decimal("0.005")
    )
    assert AuditEvent.objects.get(pk=event.pk).details == {"rate": "0.005"}
