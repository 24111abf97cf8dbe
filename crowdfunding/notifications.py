"""Crowdfunding's mail: to owners and moderators as a campaign moves, to backers when it is decided,
and a campaign's news to its backers (sent by Celery once per backer). Every mail goes through the
outbound queue, after commit."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from core.mail import outbound_email_queue
from crowdfunding.models import Campaign, CampaignUpdate, Pledge, UpdateDelivery
from ledger.units import get_unit
from members.models import Member

S = Campaign.Status


# --- the campaign's owner and the moderators --------------------------------------------------


def campaign_url(name: str, **kwargs: Any) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, kwargs=kwargs or None)


def when(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


def mail(address: str, subject: str, body: str) -> None:
    outbound_email_queue(to=address, subject=subject, body=body)


def mail_owner(campaign: Campaign, subject: str, body: str) -> None:
    email = campaign.owner.user.email
    if email:
        mail(email, subject, f"{body}\n\n{campaign_url('campaign-detail', pk=campaign.pk)}")


# --- the decision and the payout (after commit; in the site's language) -----------------------


def _send_after_commit(address: str, subject: str, body: str) -> None:
    if address:
        outbound_email_queue(to=address, subject=subject, body=body)


def mail_owner_decision(campaign: Campaign) -> None:
    unit = get_unit(campaign.unit)
    with override(settings.LANGUAGE_CODE):
        params = {
            "title": campaign.title,
            "raised": unit.format(campaign.raised_total),
            "goal": unit.format(campaign.goal),
        }
        if campaign.status == S.SUCCEEDED:
            subject = _("Your campaign “%(title)s” succeeded") % params
            body = _("%(raised)s pledged for a goal of %(goal)s. The pledges are being collected.") % params
        else:
            subject = _("Your campaign “%(title)s” did not reach its goal") % params
            body = _("%(raised)s pledged for a goal of %(goal)s. Every pledge is released.") % params
        body = f"{body}\n\n{campaign_url('campaign-detail', pk=campaign.pk)}"
    _send_after_commit(campaign.owner.user.email, subject, body)


def mail_owner_paid(campaign: Campaign) -> None:
    unit = get_unit(campaign.unit)
    with override(settings.LANGUAGE_CODE):
        subject = _("Campaign “%(title)s”: paid out") % {"title": campaign.title}
        body = _("%(amount)s paid to your account (platform fee %(fee)s).") % {
            "amount": unit.format(campaign.payout_amount),
            "fee": unit.format(campaign.fee_amount),
        }
    _send_after_commit(campaign.owner.user.email, subject, body)


def mail_backer(pledge: Pledge, campaign: Campaign) -> None:
    unit = get_unit(campaign.unit)
    with override(settings.LANGUAGE_CODE):
        params = {"title": campaign.title, "amount": unit.format(pledge.amount), "shares": pledge.shares or 0}
        if pledge.status == Pledge.Status.CAPTURED and campaign.raises_shares:
            subject = _("“%(title)s” succeeded: your share subscription is requested") % params
            body = (
                ngettext(
                    "Your pledge of %(amount)s became a request for %(shares)d share of the cooperative. Once its "
                    "board approves, pay by transfer or cheque: the share is issued when the payment is recorded.",
                    "Your pledge of %(amount)s became a request for %(shares)d shares of the cooperative. Once its "
                    "board approves, pay by transfer or cheque: the shares are issued when the payment is recorded.",
                    pledge.shares or 0,
                )
                % params
            )
        elif pledge.status == Pledge.Status.CAPTURED:
            subject = _("“%(title)s” succeeded: your pledge is collected") % params
            body = _("Your pledge of %(amount)s to “%(title)s” has been collected. Thank you!") % params
        elif campaign.status == S.CANCELLED:
            subject = _("“%(title)s” was cancelled: your pledge is released") % params
            body = _("Your pledge of %(amount)s to “%(title)s” is released: nothing was taken.") % params
        else:
            subject = _("“%(title)s” did not reach its goal: your pledge is released") % params
            body = _("Your pledge of %(amount)s to “%(title)s” is released: nothing was taken.") % params
        body = f"{body}\n\n{campaign_url('campaign-detail', pk=campaign.pk)}"
    _send_after_commit(pledge.backer.user.email, subject, body)


# --- news to the backers ----------------------------------------------------------------------


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
        body = f"{strip_tags(update.body)}\n\n{campaign_url('campaign-detail', pk=update.campaign_id)}"
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
