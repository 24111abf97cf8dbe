"""API of pledges and matching pools: holds on the backers' accounts, who sees which pledge, replays."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from djmoney.money import Money

from crowdfunding.models import Campaign, MatchingPool, Pledge, RewardTier
from crowdfunding.services.closing import campaign_close
from crowdfunding.services.pledges import pledge_create, pool_create
from ledger.models import Hold
from members.models import Member
from tests.conftest import api_client_for
from tests.crowdfunding.helpers import draft_campaign, live_campaign, moderator, past_deadline, tier
from tests.crowdfunding.test_api_campaigns import BAD_AMOUNTS, assert_error, make_auditor, money_of, rows, url
from tests.currency.funding import give_ach


@pytest.fixture
def alice(make_member):
    return make_member(username="alice", display_name="Alice")


@pytest.fixture
def bob(make_member):
    member = make_member(username="bob", display_name="Bob")
    give_ach(member, "100")
    return member


@pytest.fixture
def carol(make_member):
    member = make_member(username="carol", display_name="Carol")
    give_ach(member, "100")
    return member


@pytest.fixture
def dave(make_member):
    member = make_member(username="dave", display_name="Dave", kind=Member.Kind.BUSINESS)
    give_ach(member, "100")
    return member


@pytest.fixture
def campaign(alice):
    return live_campaign(
        alice,
        goal="100",
        tiers=[
            {"title": "Mug", "minimum": Money("20", "ACH"), "stock": 1},
            {"title": "Merci", "minimum": Money("5", "ACH")},
        ],
    )


def pledge(campaign: Campaign, backer: Member, amount: str, **extra: Any) -> Pledge:
    return pledge_create(
        campaign=campaign, backer=backer, amount=Money(amount, campaign.unit), actor=backer.user, **extra
    )


def post_pledge(client: Any, campaign: Campaign, key: str | None = None, **body: Any) -> Any:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(url(campaign, "pledges"), body, format="json", headers=headers)


def listed(response: Any) -> list[tuple[str | None, str, bool]]:
    assert response.status_code == 200, response.content
    return [
        (item["backer"] and item["backer"]["display_name"], item["amount"], item["anonymous"])
        for item in response.json()["results"]
    ]


# --- pledging -------------------------------------------------------------------------------


def test_a_member_pledges_and_the_amount_is_held_on_their_account(campaign, bob):
    mug = tier(campaign, "Mug")
    # Without `anonymous`, the pledge is anonymous: a name is shown only with the backer's consent.
    response = post_pledge(api_client_for(bob.user), campaign, amount="25.50", tier=mug.pk)
    assert response.status_code == 201, response.json()
    created = Pledge.objects.get()
    data = response.json()
    assert {key: data[key] for key in ("id", "campaign", "backer", "tier", "unit", "amount", "match_amount")} == {
        "id": created.pk,
        "campaign": campaign.pk,
        "backer": {"id": bob.pk, "display_name": "Bob"},
        "tier": {"id": mug.pk, "title": "Mug"},
        "unit": "ACH",
        "amount": "25.50",
        "match_amount": "0.00",
    }
    assert (data["status"], data["anonymous"], data["hold"], data["reward_delivered_at"]) == (
        "active",
        True,
        created.hold_id,
        None,
    )
    assert money_of(bob) == (10000, 2550)
    assert Hold.objects.get(pk=created.hold_id).status == Hold.Status.PENDING
    detail = api_client_for(None).get(url(campaign)).json()
    assert (detail["progress"]["pledged"], detail["progress"]["backers"], detail["progress"]["percent"]) == (
        "25.50",
        1,
        25,
    )
    assert [(item["title"], item["claimed"], item["remaining"]) for item in detail["tiers"]] == [
        ("Mug", 1, 0),
        ("Merci", 0, None),
    ]


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_a_bad_pledge_amount_is_refused_with_a_message_and_holds_nothing(campaign, bob, amount):
    before = rows()
    body = assert_error(post_pledge(api_client_for(bob.user), campaign, amount=amount), 400, "invalid")
    assert body["fields"]["amount"]
    assert rows() == before
    assert money_of(bob) == (10000, 0)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"amount": "10"}, 422, "already_pledged"),
        ({}, 400, "invalid"),
        ({"amount": "10", "tier": "Mug"}, 400, "invalid"),
        ({"amount": "10", "anonymous": "peut-être"}, 400, "invalid"),
    ],
)
def test_a_second_pledge_or_a_malformed_one_is_refused_and_holds_nothing_more(campaign, bob, body, status, code):
    pledge(campaign, bob, "30")
    before = rows()
    assert_error(post_pledge(api_client_for(bob.user), campaign, **body), status, code)
    assert rows() == before
    assert money_of(bob) == (10000, 3000)


def test_business_refusals_answer_422_and_hold_nothing(campaign, alice, bob, carol, make_member):
    pledge(campaign, bob, "20", tier=tier(campaign, "Mug"))
    poor = make_member(username="poor")
    other = live_campaign(alice, title="Autre", tiers=[{"title": "Sac", "minimum": Money("5", "ACH")}])
    before = rows()
    carol_client = api_client_for(carol.user)
    assert_error(post_pledge(carol_client, campaign, amount="20", tier=tier(campaign, "Mug").pk), 422, "tier_sold_out")
    body = assert_error(
        post_pledge(carol_client, campaign, amount="4", tier=tier(campaign, "Merci").pk), 422, "below_tier_minimum"
    )
    assert list(body["fields"]) == ["amount"]
    body = assert_error(post_pledge(carol_client, campaign, amount="5", tier=tier(other, "Sac").pk), 400, "invalid")
    assert list(body["fields"]) == ["tier"]
    assert_error(post_pledge(api_client_for(alice.user), campaign, amount="5"), 422, "own_campaign")
    assert_error(post_pledge(api_client_for(poor.user), campaign, amount="5"), 422, "insufficient_funds")
    assert_error(post_pledge(carol_client, campaign, amount="100.01"), 422, "insufficient_funds")
    assert rows() == before
    assert money_of(carol) == (10000, 0)


def test_campaigns_not_open_refuse_pledges_and_hidden_ones_are_not_found(alice, bob):
    upcoming = live_campaign(alice, title="Bientôt", starts_in=datetime.timedelta(days=3))
    draft = draft_campaign(alice, title="Brouillon")
    client = api_client_for(bob.user)
    before = rows()
    assert_error(post_pledge(client, upcoming, amount="5"), 422, "campaign_closed")
    assert_error(post_pledge(client, draft, amount="5"), 404, "not_found")
    assert_error(client.get(url(draft, "pledges")), 404, "not_found")
    assert rows() == before


def test_a_staff_user_without_a_member_cannot_pledge(campaign):
    before = rows()
    assert_error(post_pledge(api_client_for(moderator()), campaign, amount="5"), 403, "permission_denied")
    assert rows() == before


# --- idempotency ----------------------------------------------------------------------------


def test_a_pledge_posted_again_with_the_same_key_answers_the_same_and_holds_once(campaign, bob):
    client = api_client_for(bob.user)
    first = post_pledge(client, campaign, key="pledge-7f3a", amount="20", tier=tier(campaign, "Mug").pk)
    assert first.status_code == 201, first.json()
    again = post_pledge(client, campaign, key="pledge-7f3a", amount="20", tier=tier(campaign, "Mug").pk)
    assert (again.status_code, again.json(), again["Idempotent-Replayed"]) == (201, first.json(), "true")
    assert Pledge.objects.count() == 1
    assert Hold.objects.count() == 1
    assert money_of(bob) == (10000, 2000)
    assert RewardTier.objects.get(title="Mug").claimed == 1

    before = rows()
    reused = post_pledge(client, campaign, key="pledge-7f3a", amount="30")
    assert_error(reused, 422, "idempotency_key_reused")
    assert_error(post_pledge(client, campaign, key="x" * 201, amount="30"), 400, "invalid")
    assert rows() == before
    # A new key is a new request: refused, since Bob already backs the campaign.
    assert_error(post_pledge(client, campaign, key="pledge-8b21", amount="30"), 422, "already_pledged")
    assert money_of(bob) == (10000, 2000)


def test_a_refused_pledge_is_answered_the_same_when_replayed(campaign, make_member):
    poor = make_member(username="poor")
    client = api_client_for(poor.user)
    first = post_pledge(client, campaign, key="k1", amount="5")
    assert_error(first, 422, "insufficient_funds")
    again = post_pledge(client, campaign, key="k1", amount="5")
    assert (again.status_code, again.json(), again["Idempotent-Replayed"]) == (422, first.json(), "true")
    assert Pledge.objects.count() == 0


# --- who sees which pledge ------------------------------------------------------------------


def test_a_backer_sees_their_own_pledges_and_the_owner_sees_the_named_backers_and_the_rewards_to_deliver(
    campaign, alice, bob, carol, make_member
):
    pledge(campaign, bob, "20", anonymous=False)
    pledge(campaign, carol, "15", anonymous=True)
    dora = make_member(username="dora", display_name="Dora")
    give_ach(dora, "100")
    pledge(campaign, dora, "22", tier=tier(campaign, "Mug"))
    everything = [("Bob", "20.00", False), ("Carol", "15.00", True), ("Dora", "22.00", True)]
    assert listed(api_client_for(bob.user).get(url(campaign, "pledges"))) == [("Bob", "20.00", False)]
    assert listed(api_client_for(carol.user).get(url(campaign, "pledges"))) == [("Carol", "15.00", True)]
    # The owner: Carol chose to stay anonymous and no reward, so no name; Dora's reward needs hers.
    owners = [("Bob", "20.00", False), (None, "15.00", True), ("Dora", "22.00", True)]
    assert listed(api_client_for(alice.user).get(url(campaign, "pledges"))) == owners
    assert listed(api_client_for(moderator()).get(url(campaign, "pledges"))) == everything
    assert listed(api_client_for(make_auditor()).get(url(campaign, "pledges"))) == everything
    assert_error(api_client_for(None).get(url(campaign, "pledges")), 401, "not_authenticated")


def test_member_a_can_neither_see_nor_change_member_bs_pledge(campaign, alice, bob, carol, make_member):
    carols = pledge(campaign, carol, "15", anonymous=False)
    other = live_campaign(alice, title="Autre")
    bob_client = api_client_for(bob.user)
    before = rows()
    path = url(campaign, "pledges", carols.pk)
    assert_error(bob_client.get(path), 404, "not_found")
    assert_error(bob_client.patch(path, {"amount": "1"}, format="json"), 404, "not_found")
    assert_error(bob_client.delete(path), 404, "not_found")
    assert_error(bob_client.post(path + "delivered/", {"delivered": True}, format="json"), 404, "not_found")
    # Nor under another campaign's address, even for those who may see it.
    assert_error(api_client_for(carol.user).get(url(other, "pledges", carols.pk)), 404, "not_found")
    assert_error(api_client_for(carol.user).get(url(campaign, "pledges", 2**63)), 404, "not_found")
    assert_error(api_client_for(None).get(path), 401, "not_authenticated")
    assert rows() == before
    assert money_of(carol) == (10000, 1500)
    assert api_client_for(alice.user).get(path).json()["backer"] == {"id": carol.pk, "display_name": "Carol"}


# --- changing and withdrawing ---------------------------------------------------------------


def test_the_backer_raises_the_pledge_changes_the_reward_and_becomes_anonymous(campaign, bob):
    created = pledge(campaign, bob, "25", tier=tier(campaign, "Mug"))
    old_hold = created.hold_id
    client = api_client_for(bob.user)
    path = url(campaign, "pledges", created.pk)
    response = client.patch(
        path, {"amount": "40", "tier": tier(campaign, "Merci").pk, "anonymous": True}, format="json"
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["amount"], data["tier"]["title"], data["anonymous"], data["status"]) == (
        "40.00",
        "Merci",
        True,
        "active",
    )
    assert data["hold"] != old_hold
    assert Hold.objects.get(pk=old_hold).status == Hold.Status.VOIDED
    assert money_of(bob) == (10000, 4000)
    assert [(t.title, t.claimed) for t in campaign.tiers.order_by("position")] == [("Mug", 0), ("Merci", 1)]

    response = client.patch(path, {"tier": None}, format="json")
    assert (response.json()["tier"], response.json()["amount"]) == (None, "40.00")
    assert [t.claimed for t in campaign.tiers.order_by("position")] == [0, 0]
    response = client.patch(path, {"amount": "12.25"}, format="json")
    assert response.json()["amount"] == "12.25"
    assert money_of(bob) == (10000, 1225)


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_a_bad_new_amount_leaves_the_pledge_and_its_hold_as_they_were(campaign, bob, amount):
    created = pledge(campaign, bob, "25")
    before = rows()
    response = api_client_for(bob.user).patch(url(campaign, "pledges", created.pk), {"amount": amount}, format="json")
    assert "amount" in assert_error(response, 400, "invalid")["fields"]
    assert rows() == before
    created.refresh_from_db()
    assert (created.amount, created.version, created.hold.status) == (2500, 1, Hold.Status.PENDING)
    assert money_of(bob) == (10000, 2500)


def test_changes_beyond_the_rules_are_refused_and_change_nothing(campaign, alice, bob, carol):
    bobs = pledge(campaign, bob, "25", tier=tier(campaign, "Mug"))
    before = rows()
    path = url(campaign, "pledges", bobs.pk)
    client = api_client_for(bob.user)
    assert_error(client.patch(path, {"amount": "100.01"}, format="json"), 422, "insufficient_funds")
    assert_error(client.patch(path, {"amount": "19"}, format="json"), 422, "below_tier_minimum")
    # The owner sees the pledge but it is not theirs to change.
    assert_error(api_client_for(alice.user).patch(path, {"amount": "30"}, format="json"), 403, "permission_denied")
    assert_error(api_client_for(alice.user).delete(path), 403, "permission_denied")
    assert rows() == before
    bobs.refresh_from_db()
    assert (bobs.amount, bobs.tier_id, bobs.status) == (2500, tier(campaign, "Mug").pk, Pledge.Status.ACTIVE)
    assert money_of(bob) == (10000, 2500)


def test_the_backer_withdraws_and_the_hold_and_the_reward_are_released(campaign, bob):
    created = pledge(campaign, bob, "25", tier=tier(campaign, "Mug"))
    client = api_client_for(bob.user)
    response = client.delete(url(campaign, "pledges", created.pk))
    assert response.status_code == 200, response.json()
    assert (response.json()["id"], response.json()["status"]) == (created.pk, "withdrawn")
    assert response.json()["resolved_at"] is not None
    assert money_of(bob) == (10000, 0)
    assert tier(campaign, "Mug").claimed == 0
    before = rows()
    assert_error(client.delete(url(campaign, "pledges", created.pk)), 422, "pledge_not_active")
    assert_error(
        client.patch(url(campaign, "pledges", created.pk), {"amount": "5"}, format="json"), 422, "pledge_not_active"
    )
    assert rows() == before
    # Withdrawn, Bob may back the campaign again.
    assert post_pledge(client, campaign, amount="10").status_code == 201
    assert money_of(bob) == (10000, 1000)


# --- rewards delivered ----------------------------------------------------------------------


def test_the_owner_records_a_delivered_reward_once_the_pledge_is_collected(campaign, alice, bob, carol):
    bobs = pledge(campaign, bob, "60", tier=tier(campaign, "Mug"))
    pledge(campaign, carol, "50")
    owner = api_client_for(alice.user)
    path = url(campaign, "pledges", bobs.pk, "delivered")
    assert_error(owner.post(path, {"delivered": True}, format="json"), 422, "pledge_not_active")
    closed, _report = campaign_close(campaign=campaign, now=past_deadline(campaign))
    assert closed.status == Campaign.Status.PAID_OUT

    assert "delivered" in assert_error(owner.post(path, {}, format="json"), 400, "invalid")["fields"]
    assert_error(api_client_for(bob.user).post(path, {"delivered": True}, format="json"), 403, "permission_denied")
    assert Pledge.objects.get(pk=bobs.pk).reward_delivered_at is None
    response = owner.post(path, {"delivered": True}, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "captured")
    assert response.json()["reward_delivered_at"] is not None
    assert Pledge.objects.get(pk=bobs.pk).reward_delivered_at is not None
    assert owner.post(path, {"delivered": False}, format="json").json()["reward_delivered_at"] is None
    assert Pledge.objects.get(pk=bobs.pk).reward_delivered_at is None


# --- matching pools -------------------------------------------------------------------------


def test_a_sponsor_matches_the_running_pledges_within_the_caps(campaign, bob, carol, dave):
    pledge(campaign, bob, "30")
    pledge(campaign, carol, "10")
    response = api_client_for(dave.user).post(
        url(campaign, "matching-pools"), {"ratio": "1", "total_cap": "25", "per_backer_cap": "20"}, format="json"
    )
    assert response.status_code == 201, response.json()
    pool = MatchingPool.objects.get()
    assert response.json() == {
        "id": pool.pk,
        "sponsor": {"id": dave.pk, "display_name": "Dave"},  # Dave reads his own pool
        "show_name": False,
        "unit": "ACH",
        "ratio": "1.000",
        "per_backer_cap": "20.00",
        "total_cap": "25.00",
        "matched_total": "25.00",
        "remaining": "0.00",
        "status": "active",
        "created_at": response.json()["created_at"],
    }
    # Bob, first, gets his cap (20); Carol what is left of the total (5).
    assert list(Pledge.objects.order_by("id").values_list("match_amount", flat=True)) == [2000, 500]
    assert money_of(dave) == (10000, 2500)
    detail = api_client_for(None).get(url(campaign)).json()
    assert detail["matching_pool"]["id"] == pool.pk
    assert (detail["progress"]["pledged"], detail["progress"]["matched"]) == ("65.00", "25.00")
    # Dave did not ask to be named: the public reads « a sponsor », not his name.
    assert detail["matching_pool"]["sponsor"] is None
    public = api_client_for(None).get(url(campaign, "matching-pools")).json()
    assert [(item["id"], item["sponsor"]) for item in public] == [(pool.pk, None)]
    assert "Dave" not in api_client_for(bob.user).get(url(campaign, "matching-pools")).content.decode()
    page = api_client_for(None).get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "Dave" not in page


def test_a_sponsor_who_asks_is_named_on_the_page_and_in_the_api(campaign, bob, dave):
    body = {"ratio": "1", "total_cap": "25", "show_name": True}
    response = api_client_for(dave.user).post(url(campaign, "matching-pools"), body, format="json")
    assert (response.status_code, response.json()["show_name"]) == (201, True)
    public = api_client_for(None).get(url(campaign, "matching-pools")).json()
    assert [item["sponsor"] for item in public] == [{"id": dave.pk, "display_name": "Dave"}]
    assert (
        "Dave adds"
        in api_client_for(None).get(f"/campaigns/{campaign.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        *[({"ratio": "1", "total_cap": amount}, "total_cap") for amount in BAD_AMOUNTS],
        ({"ratio": "1", "total_cap": "50", "per_backer_cap": "0"}, "per_backer_cap"),
        ({"ratio": "0", "total_cap": "50"}, "ratio"),
        ({"ratio": "NaN", "total_cap": "50"}, "ratio"),
        ({"ratio": "11", "total_cap": "50"}, "ratio"),
        ({"ratio": "1", "total_cap": "50", "sponsor": 999999}, "sponsor"),
    ],
)
def test_a_bad_pool_is_refused_and_holds_nothing(campaign, bob, dave, body, field):
    pledge(campaign, bob, "30")
    before = rows()
    response = api_client_for(dave.user).post(url(campaign, "matching-pools"), body, format="json")
    assert field in assert_error(response, 400, "invalid")["fields"]
    assert rows() == before
    assert money_of(dave) == (10000, 0)


def test_pools_are_refused_to_the_owner_to_others_for_others_and_twice(campaign, alice, bob, dave):
    client = api_client_for(dave.user)
    body = {"ratio": "0.5", "total_cap": "50"}
    before = rows()
    assert_error(
        api_client_for(alice.user).post(url(campaign, "matching-pools"), body, format="json"), 422, "own_campaign"
    )
    response = api_client_for(bob.user).post(
        url(campaign, "matching-pools"), {**body, "sponsor": dave.pk}, format="json"
    )
    assert_error(response, 403, "permission_denied")
    assert_error(
        api_client_for(moderator()).post(url(campaign, "matching-pools"), body, format="json"), 403, "permission_denied"
    )
    assert rows() == before
    assert client.post(url(campaign, "matching-pools"), body, format="json").status_code == 201
    before = rows()
    assert_error(client.post(url(campaign, "matching-pools"), body, format="json"), 400, "invalid")
    assert rows() == before


def test_a_moderator_names_the_sponsor_and_the_sponsor_closes_the_pool(campaign, bob, dave):
    response = api_client_for(moderator()).post(
        url(campaign, "matching-pools"), {"ratio": "2", "total_cap": "40", "sponsor": dave.pk}, format="json"
    )
    assert (response.status_code, response.json()["sponsor"]["id"]) == (201, dave.pk)
    pool = MatchingPool.objects.get()
    close = url(campaign, "matching-pools", pool.pk, "close")
    assert_error(api_client_for(bob.user).post(close), 403, "permission_denied")
    assert_error(
        api_client_for(dave.user).post(url(campaign, "matching-pools", pool.pk + 1, "close")), 404, "not_found"
    )
    assert MatchingPool.objects.get().status == MatchingPool.Status.ACTIVE
    response = api_client_for(dave.user).post(close)
    assert (response.status_code, response.json()["status"]) == (200, "closed")
    # Closed: new pledges are no longer matched.
    pledge(campaign, bob, "10")
    assert Pledge.objects.get().match_amount == 0
    assert api_client_for(None).get(url(campaign)).json()["matching_pool"] is None


# --- auditors -------------------------------------------------------------------------------


def test_an_auditor_reads_every_pledge_but_every_pledge_or_pool_write_is_refused(campaign, bob, dave):
    bobs = pledge(campaign, bob, "30", tier=tier(campaign, "Mug"))
    pool = pool_create(campaign=campaign, sponsor=dave, ratio="1", total_cap=Money("10", "ACH"), actor=dave.user)
    auditor = api_client_for(make_auditor())
    path = url(campaign, "pledges", bobs.pk)
    assert auditor.get(path).json()["backer"]["display_name"] == "Bob"
    assert [item["id"] for item in auditor.get(url(campaign, "pledges")).json()["results"]] == [bobs.pk]
    before = rows()
    writes = [
        post_pledge(auditor, campaign, amount="5"),
        post_pledge(auditor, campaign, key="audit-1", amount="5"),
        auditor.patch(path, {"amount": "10"}, format="json"),
        auditor.delete(path),
        auditor.post(path + "delivered/", {"delivered": True}, format="json"),
        auditor.post(url(campaign, "matching-pools"), {"ratio": "1", "total_cap": "5"}, format="json"),
        auditor.post(
            url(campaign, "matching-pools"), {"ratio": "1", "total_cap": "5", "sponsor": dave.pk}, format="json"
        ),
        auditor.post(url(campaign, "matching-pools", pool.pk, "close")),
    ]
    for response in writes:
        assert_error(response, 403, "permission_denied")
    assert rows() == before
    assert MatchingPool.objects.get().status == MatchingPool.Status.ACTIVE
    assert money_of(bob) == (10000, 3000)
    assert money_of(dave) == (10000, 1000)
