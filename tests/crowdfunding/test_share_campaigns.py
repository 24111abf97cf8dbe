"""A campaign that raises cooperative shares: pledges in whole shares, nothing held, and on success
each pledge becomes a subscription request to the cooperative's board (issue "share register")."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from djmoney.money import Money

from cooperative import selectors as register
from cooperative.models import ShareMovement, SubscriptionRequest
from cooperative.services.requests import subscription_request_approve, subscription_request_pay
from core.errors import InvalidInput, PermissionDenied
from crowdfunding.errors import PoolNotAllowed
from crowdfunding.models import Campaign, Pledge
from crowdfunding.services.campaigns import campaign_approve, campaign_create, campaign_submit
from crowdfunding.services.closing import campaign_close
from crowdfunding.services.pledges import pledge_change, pledge_create, pledge_withdraw, pool_create
from ledger.models import Entry, Hold, Transaction
from tests.cooperative.helpers import administrator, college, found_scic, share_class
from tests.crowdfunding.helpers import moderator, past_deadline


@pytest.fixture
def cooperative(db):
    return found_scic(max_shares_per_member=20)


@pytest.fixture
def secretary(make_member):
    """The cooperative's secretary: a member with the register permission, who starts the campaign."""
    from django.contrib.auth.models import Permission

    member = make_member(username="secretaire_coop", display_name="SCIC (secrétariat)")
    member.user.user_permissions.add(Permission.objects.get(codename="administer_register"))
    return member


def share_campaign(owner, cooperative, *, goal: str = "200", model: str = Campaign.Model.ALL_OR_NOTHING) -> Campaign:
    start = timezone.now() - datetime.timedelta(minutes=1)
    campaign = campaign_create(
        owner=owner,
        title="Ouvrir le capital du tiers-lieu",
        summary="Devenez associé du tiers-lieu.",
        story="Chaque part B vaut 20 €.",
        unit="EUR",
        goal=Money(goal, "EUR"),
        starts_at=start,
        deadline=start + datetime.timedelta(days=30),
        funding_model=model,
        share_class=share_class(cooperative, "B"),
        share_college=college(cooperative, "Usagers"),
        actor=owner.user,
    )
    campaign_submit(campaign=campaign, actor=owner.user)
    return campaign_approve(campaign=campaign, actor=moderator())


def ledger_rows() -> tuple[int, int, int]:
    return Transaction.objects.count(), Entry.objects.count(), Hold.objects.count()


def test_a_share_campaign_is_started_only_by_an_administrator_of_the_register(make_member, cooperative):
    someone = make_member()
    with pytest.raises(PermissionDenied):
        share_campaign(someone, cooperative)
    assert Campaign.objects.count() == 0


def test_pledges_are_whole_shares_and_hold_nothing(make_member, cooperative, secretary):
    campaign = share_campaign(secretary, cooperative)
    backer = make_member()
    before = ledger_rows()
    with pytest.raises(InvalidInput) as refused:
        pledge_create(campaign=campaign, backer=backer, amount=Money("30", "EUR"), actor=backer.user)
    assert "20,00" in str(refused.value.fields["amount"][0])
    pledge = pledge_create(campaign=campaign, backer=backer, amount=Money("60", "EUR"), actor=backer.user)
    assert (pledge.shares, pledge.amount, pledge.hold_id) == (3, 6000, None)
    pledge = pledge_change(pledge=pledge, amount=Money("100", "EUR"), actor=backer.user)
    assert (pledge.shares, pledge.amount) == (5, 10000)
    assert ledger_rows() == before  # no hold, no posting: members hold no euros on Bocage
    withdrawn = pledge_withdraw(pledge=pledge, actor=backer.user)
    assert withdrawn.status == Pledge.Status.WITHDRAWN
    assert ledger_rows() == before


def test_share_campaigns_take_no_matching_pool(make_member, cooperative, secretary):
    campaign = share_campaign(secretary, cooperative)
    sponsor = make_member()
    with pytest.raises(PoolNotAllowed):
        pool_create(campaign=campaign, sponsor=sponsor, ratio="1", total_cap=Money("100", "EUR"), actor=sponsor.user)


def test_a_successful_share_campaign_turns_each_pledge_into_a_subscription_request(make_member, cooperative, secretary):
    campaign = share_campaign(secretary, cooperative, goal="200")
    anne, bruno, chloe = make_member(display_name="Anne"), make_member(display_name="Bruno"), make_member()
    pledge_create(campaign=campaign, backer=anne, amount=Money("100", "EUR"), actor=anne.user)
    pledge_create(campaign=campaign, backer=bruno, amount=Money("80", "EUR"), actor=bruno.user)
    # Above the statutory maximum of 20 shares: released with the reason, the others go on.
    pledge_create(campaign=campaign, backer=chloe, amount=Money("420", "EUR"), actor=chloe.user)
    before = ledger_rows()

    campaign, _report = campaign_close(campaign=campaign, now=past_deadline(campaign))

    assert (campaign.status, campaign.raised_total, campaign.payout_amount) == (Campaign.Status.PAID_OUT, 60000, 0)
    assert ledger_rows() == before  # nothing paid yet: the board approves, then the euros arrive
    statuses = {p.backer_id: (p.status, p.subscription_request_id is not None) for p in campaign.pledges.all()}
    assert statuses == {
        anne.pk: (Pledge.Status.CAPTURED, True),
        bruno.pk: (Pledge.Status.CAPTURED, True),
        chloe.pk: (Pledge.Status.VOIDED, False),
    }
    assert "20" in Pledge.objects.get(backer=chloe).settle_error
    requests = SubscriptionRequest.objects.order_by("id")
    assert [(r.member_id, r.quantity, r.source, r.status, r.college.name) for r in requests] == [
        (anne.pk, 5, "campaign", "requested", "Usagers"),
        (bruno.pk, 4, "campaign", "requested", "Usagers"),
    ]
    # Closing again changes nothing.
    campaign_close(campaign=campaign, now=past_deadline(campaign))
    assert SubscriptionRequest.objects.count() == 2

    # The board approves Anne's request and her transfer arrives: 5 shares issued, 100 € of capital.
    admin = administrator()
    request = subscription_request_approve(request=requests[0], board_decision="CA 2026-11", actor=admin)
    request = subscription_request_pay(request=request, actor=admin)
    assert request.status == SubscriptionRequest.Status.ISSUED
    assert register.capital_at(cooperative) == 10000
    assert ShareMovement.objects.get().to_shareholder.member == anne


def test_a_failed_share_campaign_asks_for_nothing(make_member, cooperative, secretary):
    campaign = share_campaign(secretary, cooperative, goal="500")
    backer = make_member()
    pledge_create(campaign=campaign, backer=backer, amount=Money("40", "EUR"), actor=backer.user)
    campaign, _report = campaign_close(campaign=campaign, now=past_deadline(campaign))
    assert campaign.status == Campaign.Status.FAILED
    assert Pledge.objects.get().status == Pledge.Status.VOIDED
    assert SubscriptionRequest.objects.count() == 0


def test_the_api_starts_a_share_campaign_in_euros_and_refuses_euros_otherwise(make_member, cooperative, secretary):
    from tests.conftest import api_client_for

    start = timezone.now() + datetime.timedelta(days=1)
    body = {
        "title": "Parts B",
        "summary": "Devenez associé.",
        "story": "Une part vaut 20 €.",
        "unit": "EUR",
        "goal": "400.00",
        "starts_at": start.isoformat(),
        "deadline": (start + datetime.timedelta(days=20)).isoformat(),
        "funding_model": "all_or_nothing",
    }
    client = api_client_for(secretary.user)
    refused = client.post("/api/campaigns/", body, format="json")
    assert (refused.status_code, refused.json()["code"], list(refused.json()["fields"])) == (400, "invalid", ["unit"])
    body |= {"share_class": share_class(cooperative, "B").pk, "share_college": college(cooperative, "Usagers").pk}
    created = client.post("/api/campaigns/", body, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert (data["unit"], data["goal"], data["share_class"], data["fee_rate"]) == (
        "EUR",
        "400.00",
        share_class(cooperative, "B").pk,
        "0.0000",
    )
    member = make_member()
    assert api_client_for(member.user).post("/api/campaigns/", body, format="json").status_code == 403
    assert Campaign.objects.count() == 1


def test_a_register_administrator_starts_a_share_campaign_from_the_page(cooperative, secretary, make_member):
    from django.test import Client

    client = Client(headers={"accept-language": "en"})
    client.force_login(secretary.user)
    page = client.get("/campaigns/new/").content.decode()
    assert 'name="share_class"' in page and "SCIC Les Tiers-Lieux des Achards — B — Usagers" in page
    start = timezone.localtime() + datetime.timedelta(days=1)
    response = client.post(
        "/campaigns/new/",
        {
            "title": "Parts B",
            "summary": "Devenez associé.",
            "story": "Une part vaut 20 €.",
            "unit": "EUR",
            "goal": "400",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "deadline": (start + datetime.timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
            "funding_model": "all_or_nothing",
            "share_class": share_class(cooperative, "B").pk,
            "share_college": college(cooperative, "Usagers").pk,
        },
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert (campaign.unit, campaign.goal, campaign.share_class.code) == ("EUR", 40000, "B")
    other = Client()
    other.force_login(make_member().user)
    assert 'name="share_class"' not in other.get("/campaigns/new/").content.decode()
