"""Crowdfunding's notifications: to owners and moderators as a campaign moves, to backers when it is
decided, and a campaign's news to its backers (sent by Celery once per backer). Each is shown on
the site and e-mailed when the member wants it (core.notifications); every mail goes through the
outbound queue, after commit."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, override

from core.notifications import Notice, NotificationKind, notify, notify_many
from crowdfunding.models import Campaign, CampaignUpdate, Pledge, UpdateDelivery
from ledger.units import get_unit
from members.models import Member

S = Campaign.Status


# --- the kinds of notification (registered by CrowdfundingConfig.ready) ------------------------

GROUP = gettext_lazy("Crowdfunding")


def _approved(params: Mapping[str, Any]) -> str:
    start = parse_datetime(params["start"])
    shown = formats.date_format(timezone.localtime(start), "DATETIME_FORMAT") if start else params["start"]
    return _("Your campaign “%(title)s” is approved: it opens to backers on %(start)s.") % {
        "title": params["title"],
        "start": shown,
    }


def _decided(params: Mapping[str, Any]) -> str:
    if params["succeeded"]:
        text = _("Your campaign “%(title)s” succeeded: %(raised)s pledged for a goal of %(goal)s.")
    else:
        text = _("Your campaign “%(title)s” did not reach its goal: %(raised)s pledged for a goal of %(goal)s.")
    return text % params


PLEDGE_OUTCOMES = {
    "shares": gettext_lazy("“%(title)s” succeeded: your pledge of %(amount)s became a request for shares."),
    "captured": gettext_lazy("“%(title)s” succeeded: your pledge of %(amount)s is collected."),
    "cancelled": gettext_lazy("“%(title)s” was cancelled: your pledge of %(amount)s is released."),
    "failed": gettext_lazy("“%(title)s” did not reach its goal: your pledge of %(amount)s is released."),
}


def _pledge_decided(params: Mapping[str, Any]) -> str:
    return str(PLEDGE_OUTCOMES[params["outcome"]]) % params


NOTIFICATION_KINDS = (
    NotificationKind(
        code="campaign_submitted",
        label=gettext_lazy("A campaign waits for moderation (moderators)"),
        group=GROUP,
        message=gettext_lazy("%(owner)s submitted the campaign “%(title)s”: review it."),
        for_staff=True,
    ),
    NotificationKind(
        code="campaign_approved",
        label=gettext_lazy("My campaign is approved"),
        group=GROUP,
        message=_approved,
    ),
    NotificationKind(
        code="campaign_sent_back",
        label=gettext_lazy("My campaign is sent back for changes"),
        group=GROUP,
        message=gettext_lazy("A moderator asks for changes to your campaign “%(title)s”: %(comment)s"),
    ),
    NotificationKind(
        code="campaign_decided",
        label=gettext_lazy("My campaign reaches its deadline"),
        group=GROUP,
        message=_decided,
    ),
    NotificationKind(
        code="campaign_paid",
        label=gettext_lazy("My campaign is paid out"),
        group=GROUP,
        message=gettext_lazy("“%(title)s”: %(amount)s paid to your account (platform fee %(fee)s)."),
    ),
    NotificationKind(
        code="pledge_decided",
        label=gettext_lazy("A campaign I backed is decided"),
        group=GROUP,
        message=_pledge_decided,
    ),
    NotificationKind(
        code="campaign_news",
        label=gettext_lazy("News from a campaign I backed"),
        group=GROUP,
        message=gettext_lazy("News from “%(title)s”: %(update)s"),
    ),
)


# --- the campaign's owner and the moderators --------------------------------------------------


def campaign_url(name: str, **kwargs: Any) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, kwargs=kwargs or None)


def when(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


def campaign_path(campaign_id: int) -> str:
    return reverse("campaign-detail", kwargs={"pk": campaign_id})


def moderator_notify(user: User, campaign: Campaign, subject: str, body: str) -> None:
    """Tell a moderator a campaign waits for review."""
    notify(
        user,
        "campaign_submitted",
        {"owner": campaign.owner.display_name, "title": campaign.title},
        reverse("campaign-moderation"),
        email=(subject, body),
    )


def mail_owner(campaign: Campaign, kind: str, params: Mapping[str, Any], subject: str, body: str) -> None:
    notify(
        campaign.owner.user,
        kind,
        params,
        campaign_path(campaign.pk),
        email=(subject, f"{body}\n\n{campaign_url('campaign-detail', pk=campaign.pk)}"),
    )


# --- the decision and the payout (in the action's transaction; mail in the site's language) ---


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
    notify(
        campaign.owner.user,
        "campaign_decided",
        {**params, "succeeded": campaign.status == S.SUCCEEDED},
        campaign_path(campaign.pk),
        email=(subject, body),
        dedupe_key=f"campaign_decided:{campaign.pk}",
    )


def mail_owner_paid(campaign: Campaign) -> None:
    unit = get_unit(campaign.unit)
    with override(settings.LANGUAGE_CODE):
        subject = _("Campaign “%(title)s”: paid out") % {"title": campaign.title}
        body = _("%(amount)s paid to your account (platform fee %(fee)s).") % {
            "amount": unit.format(campaign.payout_amount),
            "fee": unit.format(campaign.fee_amount),
        }
    params = {
        "title": campaign.title,
        "amount": unit.format(campaign.payout_amount),
        "fee": unit.format(campaign.fee_amount),
    }
    notify(
        campaign.owner.user,
        "campaign_paid",
        params,
        campaign_path(campaign.pk),
        email=(subject, body),
        dedupe_key=f"campaign_paid:{campaign.pk}",
    )


def _backer_message(pledge: Pledge, campaign: Campaign) -> tuple[dict[str, Any], str, str]:
    """What a backer is told of their pledge's outcome: the notification's parameters, the
    mail's subject and body (in the site's language)."""
    unit = get_unit(campaign.unit)
    with override(settings.LANGUAGE_CODE):
        params = {"title": campaign.title, "amount": unit.format(pledge.amount), "shares": pledge.shares or 0}
        if pledge.status == Pledge.Status.CAPTURED and campaign.raises_shares:
            outcome = "shares"
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
            outcome = "captured"
            subject = _("“%(title)s” succeeded: your pledge is collected") % params
            body = _("Your pledge of %(amount)s to “%(title)s” has been collected. Thank you!") % params
        elif campaign.status == S.CANCELLED:
            outcome = "cancelled"
            subject = _("“%(title)s” was cancelled: your pledge is released") % params
            body = _("Your pledge of %(amount)s to “%(title)s” is released: nothing was taken.") % params
        else:
            outcome = "failed"
            subject = _("“%(title)s” did not reach its goal: your pledge is released") % params
            body = _("Your pledge of %(amount)s to “%(title)s” is released: nothing was taken.") % params
        body = f"{body}\n\n{campaign_url('campaign-detail', pk=campaign.pk)}"
    return {"title": campaign.title, "amount": params["amount"], "outcome": outcome}, subject, body


def mail_backer(pledge: Pledge, campaign: Campaign) -> None:
    params, subject, body = _backer_message(pledge, campaign)
    notify(
        pledge.backer.user,
        "pledge_decided",
        params,
        campaign_path(campaign.pk),
        email=(subject, body),
        dedupe_key=f"pledge_decided:{pledge.pk}",
    )


def mail_backers(pledges: Sequence[Pledge], campaign: Campaign) -> None:
    """mail_backer for a chunk of settled pledges (their backers and users loaded), in the caller's
    transaction and a few queries whatever the count (core.notifications.notify_many); each backer
    is told once (the same dedupe key as mail_backer)."""
    url = campaign_path(campaign.pk)
    # The message depends on the outcome and the amount only: written once per pair (a chunk's
    # pledges share a handful), not once per backer.
    messages: dict[tuple[str, int, int | None], tuple[dict[str, Any], str, str]] = {}
    notices: list[Notice] = []
    for pledge in pledges:
        outcome = (pledge.status, pledge.amount, pledge.shares)
        if outcome not in messages:
            messages[outcome] = _backer_message(pledge, campaign)
        params, subject, body = messages[outcome]
        notices.append(
            Notice(
                user=pledge.backer.user,
                params=params,
                url=url,
                email=(subject, body),
                dedupe_key=f"pledge_decided:{pledge.pk}",
            )
        )
    notify_many("pledge_decided", notices)


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
    """Tell every backer not told yet (on the site, and by mail if they want it); returns how many now.

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
        if member.pk in done:
            continue
        try:
            with transaction.atomic():
                UpdateDelivery.objects.create(update=update, member=member)
                notify(
                    member.user,
                    "campaign_news",
                    {"title": update.campaign.title, "update": update.title},
                    campaign_path(update.campaign_id),
                    email=(subject, body),
                    dedupe_key=f"campaign_news:{update.pk}",
                )
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
