"""News from a campaign: mailed once to each backer with a running or collected pledge, never twice."""

from __future__ import annotations

from typing import Any

import pytest
from djmoney.money import Money

from config.celery import app as celery_app
from core.errors import ApplicationError, InvalidInput, PermissionDenied
from core.models import Notification
from crowdfunding.models import Campaign, CampaignUpdate, UpdateDelivery
from crowdfunding.notifications import campaign_update_deliver
from crowdfunding.services.campaigns import campaign_submit
from crowdfunding.services.closing import campaigns_close_due
from crowdfunding.services.pledges import pledge_create, pledge_withdraw
from crowdfunding.services.updates import campaign_update_post
from members.models import Member
from tests.crowdfunding.helpers import draft_campaign, live_campaign, moderator, past_deadline
from tests.currency.funding import give_ach

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_celery(monkeypatch):
    """Tasks queued on commit run at once, in this process, and raise what they raise."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", True)


@pytest.fixture
def owner(make_member) -> Member:
    return make_member(username="fablab", email="fablab@bocage.test")


def backer(make_member, name: str, email: bool = True) -> Member:
    member = make_member(username=name, email=f"{name}@bocage.test" if email else "")
    give_ach(member, "100")
    return member


def back(campaign: Campaign, member: Member, amount: str = "20"):
    return pledge_create(campaign=campaign, backer=member, amount=Money(amount, "ACH"), actor=member.user)


def post(campaign: Campaign, actor: Any, body: str = "Les machines sont arrivées !") -> CampaignUpdate:
    return campaign_update_post(campaign=campaign, title="Bonne nouvelle", body=body, actor=actor)


def test_news_is_mailed_once_to_each_running_backer_and_a_second_delivery_sends_nothing(
    owner, make_member, mailoutbox, django_capture_on_commit_callbacks, eager_celery, settings
):
    settings.LANGUAGE_CODE = "en"  # the mail is written in the site's language
    campaign = live_campaign(owner)
    alice, bruno, chloe = (backer(make_member, name) for name in ("alice", "bruno", "chloe"))
    denis = backer(make_member, "denis", email=False)
    back(campaign, alice)
    first = back(campaign, bruno)
    pledge_withdraw(pledge=first, actor=bruno.user)
    back(campaign, bruno, "30")  # pledged again: still one backer
    withdrawn = back(campaign, chloe)
    pledge_withdraw(pledge=withdrawn, actor=chloe.user)
    back(campaign, denis)

    with django_capture_on_commit_callbacks() as callbacks:
        update = post(campaign, owner.user, body="Les machines sont <strong>arrivées</strong> !")

    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=True):  # the task, then the outbox's deliveries
        callbacks[0]()
    assert update.body == "<p>Les machines sont &lt;strong&gt;arrivées&lt;/strong&gt; !</p>"
    assert sorted(mail.to[0] for mail in mailoutbox) == ["alice@bocage.test", "bruno@bocage.test"]
    assert {mail.subject for mail in mailoutbox} == {"News from “Un fablab aux Achards”: Bonne nouvelle"}
    assert {mail.body for mail in mailoutbox} == {
        f"Les machines sont &lt;strong&gt;arrivées&lt;/strong&gt; !\n\n{settings.SITE_URL.rstrip('/')}"
        f"/campaigns/{campaign.pk}/"
    }
    # Every running backer is told on the site, denis too (he left no address, so no mail).
    assert sorted(UpdateDelivery.objects.values_list("member__user__username", flat=True)) == [
        "alice",
        "bruno",
        "denis",
    ]
    assert sorted(Notification.objects.filter(kind="campaign_news").values_list("recipient__username", flat=True)) == [
        "alice",
        "bruno",
        "denis",
    ]

    assert campaign_update_deliver(update_id=update.pk) == 0
    assert len(mailoutbox) == 2
    assert UpdateDelivery.objects.count() == 3
    assert Notification.objects.filter(kind="campaign_news").count() == 3


def test_a_backer_who_pledged_after_the_first_delivery_gets_the_news_on_the_next_one(
    owner, make_member, mailoutbox, django_capture_on_commit_callbacks
):
    campaign = live_campaign(owner)
    alice, bruno = backer(make_member, "alice"), backer(make_member, "bruno")
    back(campaign, alice)
    update = post(campaign, owner.user)

    with django_capture_on_commit_callbacks(execute=True):  # the outbox delivers what committed
        assert campaign_update_deliver(update_id=update.pk) == 1
        back(campaign, bruno)
        assert campaign_update_deliver(update_id=update.pk) == 1
        assert campaign_update_deliver(update_id=update.pk) == 0

    assert [mail.to for mail in mailoutbox] == [["alice@bocage.test"], ["bruno@bocage.test"]]
    assert campaign_update_deliver(update_id=update.pk + 1000) == 0


def test_after_success_the_collected_backers_get_the_news_and_after_failure_nobody_does(
    owner, make_member, mailoutbox, django_capture_on_commit_callbacks
):
    succeeded = live_campaign(owner, goal="30")
    failed = live_campaign(owner, goal="1000", title="Trop ambitieux")
    alice, bruno = backer(make_member, "alice"), backer(make_member, "bruno")
    for campaign in (succeeded, failed):
        back(campaign, alice)
        back(campaign, bruno)
    campaigns_close_due(now=past_deadline(failed))
    succeeded.refresh_from_db()
    failed.refresh_from_db()
    assert (succeeded.status, failed.status) == (Campaign.Status.PAID_OUT, Campaign.Status.FAILED)
    mailoutbox.clear()

    thanks = post(succeeded, owner.user, body="Merci, l'atelier ouvre samedi.")
    sorry = post(failed, owner.user, body="Nous réessaierons.")

    with django_capture_on_commit_callbacks(execute=True):  # the outbox delivers what committed
        assert campaign_update_deliver(update_id=thanks.pk) == 2
        assert campaign_update_deliver(update_id=sorry.pk) == 0
    assert sorted(mail.to[0] for mail in mailoutbox) == ["alice@bocage.test", "bruno@bocage.test"]


def refused(error: type[ApplicationError], call: Any, mailoutbox: list) -> ApplicationError:
    with pytest.raises(error) as caught:
        call()
    assert (CampaignUpdate.objects.count(), UpdateDelivery.objects.count(), len(mailoutbox)) == (0, 0, 0)
    return caught.value


def test_only_the_owner_posts_news_and_never_on_a_draft_or_a_campaign_under_review(
    owner, make_member, mailoutbox, django_capture_on_commit_callbacks, eager_celery
):
    live = live_campaign(owner)
    alice = backer(make_member, "alice")
    back(live, alice)
    draft = draft_campaign(owner, title="Brouillon")

    with django_capture_on_commit_callbacks(execute=True):
        refused(PermissionDenied, lambda: post(live, alice.user), mailoutbox)
        refused(PermissionDenied, lambda: post(live, moderator()), mailoutbox)
        refused(InvalidInput, lambda: post(draft, owner.user), mailoutbox)
        campaign_submit(campaign=draft, actor=owner.user)
        mailoutbox.clear()
        refused(InvalidInput, lambda: post(draft, owner.user), mailoutbox)
        refused(InvalidInput, lambda: post(live, owner.user, body="<p><script>alert(1)</script></p>"), mailoutbox)
        refused(InvalidInput, lambda: post(live, owner.user, body="x" * 10001), mailoutbox)
        error = refused(
            InvalidInput,
            lambda: campaign_update_post(campaign=live, title="", body="Du texte", actor=owner.user),
            mailoutbox,
        )
    assert list(error.fields or {}) == ["title"]
