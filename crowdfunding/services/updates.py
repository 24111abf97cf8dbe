"""News posts from a campaign to its backers, e-mailed by Celery once per backer."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import override

from core.errors import InvalidInput
from core.mail import outbound_email_queue
from core.queueing import enqueue_on_commit
from core.typing import Actor, acting_user
from crowdfunding.models import Campaign, CampaignUpdate, Pledge, UpdateDelivery
from crowdfunding.richtext import sanitise
from members.models import Member

from .campaigns import _require_owner, _text, _url


def campaign_update_post(*, campaign: Campaign, title: str, body: str, actor: Actor) -> CampaignUpdate:
    """The owner publishes news; every backer is e-mailed (Celery, after commit).

    Raises PermissionDenied (not the owner), InvalidInput (empty, too long, campaign still a draft).
    """
    from crowdfunding.tasks import campaign_update_send

    _require_owner(campaign, actor)
    if campaign.status in {Campaign.Status.DRAFT, Campaign.Status.SUBMITTED}:
        raise InvalidInput(_("News can be posted once the campaign is approved."))
    cleaned = sanitise(_text(body, "body", 10000))
    if not cleaned:
        raise InvalidInput(fields={"body": [_("This field is required.")]})
    user = acting_user(actor)
    assert user is not None
    with transaction.atomic(durable=True):
        update = CampaignUpdate.objects.create(
            campaign=campaign, author=user, title=_text(title, "title", 150), body=cleaned
        )
        enqueue_on_commit(campaign_update_send, update.pk)
    return update


def update_recipients(update: CampaignUpdate) -> list[Member]:
    """Backers with a running or collected pledge; the anonymous ones too (they are only hidden publicly)."""
    backer_ids = (
        Pledge.objects.filter(campaign_id=update.campaign_id, status__in=[Pledge.Status.ACTIVE, Pledge.Status.CAPTURED])
        .values_list("backer_id", flat=True)
        .distinct()
    )
    return list(Member.objects.filter(pk__in=backer_ids).select_related("user").order_by("pk"))


def campaign_update_deliver(*, update_id: int) -> int:
    """Mail the update to every backer not mailed yet; returns how many were sent now.

    Each delivery row commits with its mail sent, so a second run (or a run after a crash) sends
    only what is missing; at worst the one mail in flight at a crash goes twice, never none.
    """
    update = CampaignUpdate.objects.select_related("campaign").filter(pk=update_id).first()
    if update is None:
        return 0
    done = set(UpdateDelivery.objects.filter(update=update).values_list("member_id", flat=True))
    with override(settings.LANGUAGE_CODE):
        subject = _("News from “%(title)s”: %(update)s") % {"title": update.campaign.title, "update": update.title}
        body = f"{strip_tags(update.body)}\n\n{_url('campaign-detail', pk=update.campaign_id)}"
    sent = 0
    for member in update_recipients(update):
        if member.pk in done or not member.user.email:
            continue
        try:
            with transaction.atomic():
                UpdateDelivery.objects.create(update=update, member=member)
                outbound_email_queue(to=member.user.email, subject=subject, body=body)
        except IntegrityError:
            continue  # a concurrent run delivered it
        sent += 1
    CampaignUpdate.objects.filter(pk=update.pk, delivered_at__isnull=True).update(delivered_at=timezone.now())
    return sent


def campaign_updates_catch_up(*, older_than_seconds: int = 300) -> int:
    """Deliver the news whose sending task never reached a worker (the broker was down when it was
    posted) or died before the end; returns how many mails were sent now. Safe twice: each backer's
    delivery row is unique.
    """
    stale_before = timezone.now() - datetime.timedelta(seconds=older_than_seconds)
    pending = CampaignUpdate.objects.filter(delivered_at__isnull=True, created_at__lt=stale_before).order_by("pk")
    return sum(campaign_update_deliver(update_id=update_id) for update_id in pending.values_list("pk", flat=True))
