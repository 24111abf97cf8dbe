"""An association rewards many volunteers at once: all the lines or none, each keyed under the
batch's key, a replay answering the same transactions; the same through the API."""

from __future__ import annotations

import pytest
from django.test import Client
from djmoney.money import Money

from core.errors import ApplicationError
from ledger.models import Entry, Transaction
from members.models import Member
from tests.conftest import account_of, api_client_for
from timebank.services import volunteering_rewards_batch


@pytest.fixture
def people(make_member) -> tuple[Member, list[Member]]:
    association = make_member(kind=Member.Kind.ASSOCIATION, username="comite", display_name="Comité des fêtes")
    volunteers = [make_member(username=name, display_name=name.title()) for name in ("louis", "camille", "dana")]
    return association, volunteers


def counts() -> tuple[int, int]:
    return Transaction.objects.count(), Entry.objects.count()


def test_three_volunteers_are_rewarded_at_once_and_the_same_key_answers_the_same_transactions(people):
    association, volunteers = people
    rewards = [
        (account_of(volunteer, "HRS"), Money(hours, "HRS"), "Fête de la musique")
        for volunteer, hours in zip(volunteers, ("3", "1.5", "2"), strict=True)
    ]
    posted = volunteering_rewards_batch(
        association_account=account_of(association, "HRS"),
        rewards=rewards,
        actor=association.user,
        idempotency_key="f1",
    )
    assert [t.idempotency_key for t in posted] == ["f1:0", "f1:1", "f1:2"]
    assert [account_of(v, "HRS").balance for v in volunteers] == [300, 150, 200]
    assert account_of(association, "HRS").balance == -650
    assert all("Fête de la musique" in t.memo for t in posted)
    again = volunteering_rewards_batch(
        association_account=account_of(association, "HRS"),
        rewards=rewards,
        actor=association.user,
        idempotency_key="f1",
    )
    assert [t.pk for t in again] == [t.pk for t in posted]
    assert counts() == (3, 6)
    assert account_of(association, "HRS").balance == -650


@pytest.mark.parametrize(
    ("line", "code"),
    [
        (lambda v: (account_of(v, "ACH"), Money("1", "HRS"), "Buvette"), "unit_mismatch"),
        (lambda v: (account_of(v, "HRS"), Money("0", "HRS"), "Buvette"), "invalid_amount"),
        (lambda v: (account_of(v, "HRS"), Money("1", "HRS"), "  "), "invalid"),
        # Beyond the association's credit limit (the ledger refuses the third line): none posted.
        (lambda v: (account_of(v, "HRS"), Money("19", "HRS"), "Buvette"), "insufficient_funds"),
    ],
)
def test_one_refused_line_refuses_the_batch_and_posts_nothing(people, line, code):
    association, (louis, camille, dana) = people
    rewards = [
        (account_of(louis, "HRS"), Money("1", "HRS"), "Buvette"),
        (account_of(camille, "HRS"), Money("1", "HRS"), "Buvette"),
        line(dana),
    ]
    with pytest.raises(ApplicationError) as refused:
        volunteering_rewards_batch(
            association_account=account_of(association, "HRS"),
            rewards=rewards,
            actor=association.user,
            idempotency_key="f2",
        )
    assert refused.value.code == code
    if code != "insufficient_funds":
        assert list(refused.value.fields["rewards"]) == ["2"]  # the line, as the list's position
    assert counts() == (0, 0)
    assert account_of(association, "HRS").balance == 0


def test_the_api_rewards_a_list_under_a_required_key_and_replays_it(people, make_member):
    association, (louis, camille, dana) = people
    client = api_client_for(association.user)
    body = {
        "association_account": account_of(association, "HRS").pk,
        "rewards": [
            {"member_account": account_of(louis, "HRS").pk, "hours": "3", "description": "Buvette"},
            {"member_account": account_of(camille, "HRS").pk, "hours": "1.50", "description": "Rangement"},
            {"member_account": account_of(dana, "HRS").pk, "hours": "2", "description": "Affiches"},
        ],
    }
    url = "/api/volunteering-rewards/batch/"
    no_key = client.post(url, body, format="json")
    assert (no_key.status_code, no_key.json()["code"]) == (400, "invalid")
    bad = {
        **body,
        "rewards": [*body["rewards"][:2], {**body["rewards"][2], "member_account": account_of(dana, "ACH").pk}],
    }
    refused = client.post(url, bad, format="json", headers={"Idempotency-Key": "k-bad"})
    assert (refused.status_code, refused.json()["code"]) == (422, "unit_mismatch")
    assert list(refused.json()["fields"]["rewards"]) == ["2"]
    zero = {**body, "rewards": [{**body["rewards"][0], "hours": "0"}]}
    refused = client.post(url, zero, format="json", headers={"Idempotency-Key": "k-zero"})
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_amount")
    empty = client.post(url, {**body, "rewards": []}, format="json", headers={"Idempotency-Key": "k-empty"})
    assert empty.status_code == 400
    stranger = api_client_for(make_member(username="stranger").user)
    assert stranger.post(url, body, format="json", headers={"Idempotency-Key": "k1"}).status_code == 404
    assert counts() == (0, 0)

    rewarded = client.post(url, body, format="json", headers={"Idempotency-Key": "k1"})
    assert rewarded.status_code == 201, rewarded.content
    keys = dict(Transaction.objects.values_list("pk", "idempotency_key"))
    assert [keys[t["id"]] for t in rewarded.json()] == [f"api:{association.user.pk}:k1:{line}" for line in range(3)]
    assert [account_of(v, "HRS").balance for v in (louis, camille, dana)] == [300, 150, 200]
    replayed = client.post(url, body, format="json", headers={"Idempotency-Key": "k1"})
    assert (replayed.status_code, replayed.json()) == (201, rewarded.json())
    assert counts() == (3, 6)


def _lines(*lines: tuple[str, str]) -> dict[str, str]:
    data = {
        "lines-TOTAL_FORMS": "5",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "5",
    }
    for position, (volunteer, hours) in enumerate(lines):
        data[f"lines-{position}-volunteer"] = volunteer
        data[f"lines-{position}-hours"] = hours
    return data


def test_an_association_rewards_several_volunteers_from_its_page_in_french_hours(people):
    association, (louis, camille, _dana) = people
    client = Client()
    client.force_login(association.user)
    page = client.get("/timebank/").content.decode()
    assert 'id="reward-batch-form"' in page and "Récompenser plusieurs bénévoles" in page
    form = {"action": "reward_batch", "batch-idempotency_key": "b1", "batch-description": "Fête de la musique"}
    zero = client.post("/timebank/", {**form, **_lines(("louis", "1 h 30"), ("camille", "0"))})
    assert zero.status_code == 200 and 'class="field invalid"' in zero.content.decode()
    assert counts() == (0, 0)
    lines = _lines(("louis", "1 h 30"), ("camille", "2,5"))
    assert client.post("/timebank/", {**form, **lines}).status_code == 302
    assert client.post("/timebank/", {**form, **lines}).status_code == 302  # the same form again: posted once
    assert [account_of(louis, "HRS").balance, account_of(camille, "HRS").balance] == [150, 250]
    assert counts() == (2, 4)
    louis_page = Client()
    louis_page.force_login(louis.user)
    assert 'id="reward-batch-form"' not in louis_page.get("/timebank/").content.decode()
