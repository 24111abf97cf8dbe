"""Backers' names are private by default (issue 19, RGPD): a pledge is anonymous unless its backer
opts in; the public page and everyone but the backer see « Anonyme »; the owner sees a named
backer's name, commune and e-mail, an anonymous backer's name and commune only when they chose a
reward (to deliver it) and never their e-mail; staff and auditors see every backer.

Three backers of one live campaign: Gaspard named without a reward, Hélène anonymous with a
reward, Inès anonymous without one.
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.utils import timezone
from djmoney.money import Money

from crowdfunding.models import Pledge
from crowdfunding.services.pledges import pledge_create
from tests.conftest import api_client_for
from tests.crowdfunding.helpers import live_campaign, tier
from tests.crowdfunding.test_api_campaigns import make_auditor, url
from tests.crowdfunding.test_pages_public import TIERS, browse, html
from tests.currency.funding import give_ach

EMAILS = ("gaspard@example.org", "helene@example.org", "ines@example.org")


@pytest.fixture
def owner(make_member):
    return make_member(username="atelier", display_name="Atelier des Achards")


@pytest.fixture
def people(make_member):
    made = {
        "gaspard": make_member(
            username="gaspard", display_name="Gaspard Roy", email="gaspard@example.org", commune="Martinet"
        ),
        "helene": make_member(
            username="helene", display_name="Hélène Bernard", email="helene@example.org", commune="Martinet"
        ),
        "ines": make_member(username="ines", display_name="Inès Morel", email="ines@example.org", commune="Martinet"),
    }
    for member in made.values():
        give_ach(member, "100")
    return made


@pytest.fixture
def campaign(db, owner, people):
    campaign = live_campaign(owner, tiers=TIERS, goal="100")
    gaspard, helene, ines = people["gaspard"], people["helene"], people["ines"]
    pledge_create(campaign=campaign, backer=gaspard, amount=Money("5", "ACH"), anonymous=False, actor=gaspard.user)
    pledge_create(
        campaign=campaign,
        backer=helene,
        amount=Money("12.5", "ACH"),
        tier=tier(campaign, "Sac en toile"),
        actor=helene.user,
    )
    pledge_create(campaign=campaign, backer=ines, amount=Money("7", "ACH"), actor=ines.user)
    return campaign


def public_backers(page: str) -> str:
    return page.split('data-testid="backers"')[1].split("</ul>")[0]


# --- the default -------------------------------------------------------------------------------


def test_a_pledge_made_without_a_word_is_anonymous(db, owner, people):
    campaign = live_campaign(owner, tiers=TIERS, goal="100")
    made = pledge_create(campaign=campaign, backer=people["ines"], amount=Money("7", "ACH"), actor=people["ines"].user)
    assert made.anonymous is True
    assert Pledge._meta.get_field("anonymous").default is True


def test_the_pledge_form_asks_for_consent_unticked_and_says_who_sees_what(db, owner, people):
    campaign = live_campaign(owner, tiers=TIERS, goal="100")
    client = browse(people["ines"].user, language="fr")
    page = html(client.get(f"/campaigns/{campaign.pk}/back/"))
    assert 'type="checkbox" name="show_name"' in page
    assert 'name="show_name" aria-describedby="id_show_name_helptext" id="id_show_name">' in page
    assert "Afficher mon nom sur la page du projet" in page
    assert "tout le monde sauf vous voit «\u00a0Anonyme\u00a0» à votre place" in page
    assert "jamais votre adresse e-mail" in page

    # Sent without ticking the box: anonymous.
    response = client.post(f"/campaigns/{campaign.pk}/back/", {"tier": "", "amount": "7"})
    assert response.status_code == 302
    pledge = Pledge.objects.get()
    assert (pledge.backer, pledge.amount, pledge.anonymous) == (people["ines"], 700, True)


def test_the_box_starts_ticked_for_a_member_who_chose_on_their_profile_to_be_named(db, owner, people):
    campaign = live_campaign(owner, tiers=TIERS, goal="100")
    ines = people["ines"]
    ines.show_name_as_backer = True
    ines.save(update_fields=["show_name_as_backer"])

    page = html(browse(ines.user, language="fr").get(f"/campaigns/{campaign.pk}/back/?tier="))

    assert 'name="show_name" aria-describedby="id_show_name_helptext" id="id_show_name" checked>' in page
    # Another member, who did not choose, still starts unticked.
    page = html(browse(people["helene"].user, language="fr").get(f"/campaigns/{campaign.pk}/back/"))
    assert 'name="show_name" aria-describedby="id_show_name_helptext" id="id_show_name">' in page


def test_the_backer_gives_and_withdraws_consent_from_their_pledge(db, owner, people):
    campaign = live_campaign(owner, tiers=TIERS, goal="100")
    client = browse(people["ines"].user)
    client.post(f"/campaigns/{campaign.pk}/back/", {"tier": "", "amount": "7"})
    pledge = Pledge.objects.get()
    client.post(f"/campaigns/{campaign.pk}/back/", {"pledge": pledge.pk, "tier": "", "amount": "7", "show_name": "on"})
    pledge.refresh_from_db()
    assert pledge.anonymous is False
    page = html(client.get(f"/campaigns/{campaign.pk}/back/"))
    assert 'name="show_name" aria-describedby="id_show_name_helptext" id="id_show_name" checked>' in page
    client.post(f"/campaigns/{campaign.pk}/back/", {"pledge": pledge.pk, "tier": "", "amount": "7"})
    pledge.refresh_from_db()
    assert (pledge.anonymous, pledge.amount, Pledge.objects.count()) == (True, 700, 1)


def test_the_api_pledges_anonymously_unless_told_anonymous_false(db, owner, people):
    campaign = live_campaign(owner, tiers=TIERS, goal="100")
    silent = api_client_for(people["ines"].user).post(url(campaign, "pledges"), {"amount": "7"}, format="json")
    named = api_client_for(people["gaspard"].user).post(
        url(campaign, "pledges"), {"amount": "5", "anonymous": False}, format="json"
    )
    assert (silent.status_code, silent.json()["anonymous"]) == (201, True)
    assert (named.status_code, named.json()["anonymous"]) == (201, False)
    # The backer sees their own name, anonymous or not.
    assert silent.json()["backer"] == {"id": people["ines"].pk, "display_name": "Inès Morel"}
    assert sorted(Pledge.objects.values_list("backer__user__username", "anonymous")) == [
        ("gaspard", False),
        ("ines", True),
    ]


# --- the public page and the public API ----------------------------------------------------------


def test_the_public_page_names_only_the_backers_who_chose_to_be_named(db, campaign, owner, people, make_member):
    for user in (None, make_member(username="voisin").user, owner.user):
        page = html(browse(user).get(f"/campaigns/{campaign.pk}/"))
        backers = public_backers(page)
        assert "Gaspard Roy" in backers
        assert "Hélène" not in page and "Inès" not in page
        assert backers.count("Anonymous") == 2
        assert "Sac en toile" in backers  # the reward chosen stays, as the count and amounts
        assert "3 backers" in page and "24.50 ACH" in page
        assert not any(email in page for email in EMAILS)


def test_an_anonymous_backer_sees_their_own_name_and_only_theirs(db, campaign, people):
    backers = public_backers(html(browse(people["ines"].user).get(f"/campaigns/{campaign.pk}/")))
    assert "Inès Morel" in backers and "only you see your name here" in backers
    assert "Hélène" not in backers and backers.count("Anonymous") == 1


def test_the_public_api_names_no_backer(db, campaign, people, make_member):
    detail = api_client_for(None).get(url(campaign))
    assert detail.status_code == 200 and detail.json()["progress"]["backers"] == 3
    assert not any(name in detail.content.decode() for name in ("Gaspard", "Hélène", "Inès"))
    assert api_client_for(None).get(url(campaign, "pledges")).status_code == 401
    other = api_client_for(make_member(username="voisin").user).get(url(campaign, "pledges"))
    assert (other.status_code, other.json()["results"]) == (200, [])


# --- the owner: dashboard, backers.csv, API ------------------------------------------------------


def test_the_owners_api_names_an_anonymous_backer_only_for_a_reward(db, campaign, owner, people):
    results = api_client_for(owner.user).get(url(campaign, "pledges")).json()["results"]
    assert [(item["backer"], item["anonymous"], item["amount"]) for item in results] == [
        ({"id": people["gaspard"].pk, "display_name": "Gaspard Roy"}, False, "5.00"),
        ({"id": people["helene"].pk, "display_name": "Hélène Bernard"}, True, "12.50"),
        (None, True, "7.00"),
    ]
    ines = Pledge.objects.get(backer=people["ines"])
    assert api_client_for(owner.user).get(url(campaign, "pledges", ines.pk)).json()["backer"] is None


def test_staff_and_auditors_still_see_every_backer_in_the_api(db, campaign, staff_user):
    for reader in (staff_user, make_auditor()):
        results = api_client_for(reader).get(url(campaign, "pledges")).json()["results"]
        names = [item["backer"]["display_name"] for item in results]
        assert names == ["Gaspard Roy", "Hélène Bernard", "Inès Morel"]


def test_the_backers_csv_has_no_email_of_an_anonymous_backer(db, campaign, owner):
    response = browse(owner.user).get(f"/campaigns/{campaign.pk}/backers.csv?lang=en")
    today = timezone.localdate().isoformat()
    held = "Held until the deadline"
    assert response.content.decode("utf-8") == (
        "Backer,E-mail,Commune,Reward,Amount,Unit,Status,Anonymous,Pledged on,Reward delivered on\r\n"
        f"Hélène Bernard,,Martinet,Sac en toile,12.50,ACH,{held},yes,{today},\r\n"
        f"Gaspard Roy,gaspard@example.org,Martinet,,5.00,ACH,{held},no,{today},\r\n"
        f"Anonymous,,,,7.00,ACH,{held},yes,{today},\r\n"
    )
    french = browse(owner.user).get(f"/campaigns/{campaign.pk}/backers.csv").content.decode("utf-8")
    assert french.splitlines()[3] == f"Anonyme;;;;7,00;ACH;Réservée jusqu’à la date limite;oui;{today};"


def test_staff_keep_every_backers_name_and_email_in_the_csv(db, campaign, staff_user):
    text = browse(staff_user).get(f"/campaigns/{campaign.pk}/backers.csv?lang=en").content.decode("utf-8")
    assert [line.split(",")[:3] for line in text.splitlines()[1:]] == [
        ["Hélène Bernard", "helene@example.org", "Martinet"],
        ["Gaspard Roy", "gaspard@example.org", "Martinet"],
        ["Inès Morel", "ines@example.org", "Martinet"],
    ]


def test_the_dashboard_shows_the_owner_what_the_csv_does(db, campaign, owner, staff_user):
    page = html(browse(owner.user).get(f"/campaigns/{campaign.pk}/dashboard/"))
    table = page.split('data-testid="backers-table"')[1]
    assert "Gaspard Roy" in table and "gaspard@example.org" in table
    assert "Hélène Bernard" in table and "helene@example.org" not in page
    assert "Inès" not in page and "ines@example.org" not in page and "Anonymous" in table
    assert "never their e-mail" in page.split('data-testid="backers-privacy"')[1]
    everything = html(browse(staff_user).get(f"/campaigns/{campaign.pk}/dashboard/"))
    assert all(email in everything for email in EMAILS) and "Inès Morel" in everything


# --- the existing pledges ------------------------------------------------------------------------


def test_the_migration_makes_every_existing_pledge_anonymous(db, campaign):
    Pledge.objects.update(anonymous=False)  # as pledges were before: named without a consent
    migration = importlib.import_module("crowdfunding.migrations.0004_pledges_private_by_default")
    migration.make_every_pledge_anonymous(django_apps, None)
    assert list(Pledge.objects.values_list("anonymous", flat=True)) == [True, True, True]
