"""News posts from a campaign to its backers, e-mailed by Celery once per backer."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import InvalidInput
from core.queueing import enqueue_on_commit
from core.typing import Actor, acting_user
from crowdfunding.models import Campaign, CampaignUpdate
from crowdfunding.richtext import sanitise
from crowdfunding.tasks import campaign_update_send

from .checks import clean_text, require_owner


def campaign_update_post(*, campaign: Campaign, title: str, body: str, actor: Actor) -> CampaignUpdate:
    """The owner publishes news; every backer is e-mailed (Celery, after commit).

    Raises PermissionDenied (not the owner), InvalidInput (empty, too long, campaign still a draft).
    """
    require_owner(campaign, actor)
    if campaign.status in {Campaign.Status.DRAFT, Campaign.Status.SUBMITTED}:
        raise InvalidInput(_("News can be posted once the campaign is approved."))
    cleaned = sanitise(clean_text(body, "body", 10000))
    if not cleaned:
        raise InvalidInput(fields={"body": [_("This field is required.")]})
    user = acting_user(actor)
    assert user is not None
    with transaction.atomic(durable=True):
        update = CampaignUpdate.objects.create(
            campaign=campaign, author=user, title=clean_text(title, "title", 150), body=cleaned
        )
        enqueue_on_commit(campaign_update_send, update.pk)
    return update
