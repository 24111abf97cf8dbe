"""Closing a campaign at its deadline: decide, settle every pledge, pay out.

1. **Decide** (campaign row locked): all-or-nothing succeeds when pledges plus matches reach the
   goal, keep-it-all when anything was pledged; otherwise it fails. After this commit no pledge can
   change (every pledge write locks the campaign row and checks its status).
2. **Settle** each running pledge in its own transaction (pledge row locked, status re-checked):
   captured into the escrow account when the campaign succeeded, voided when it failed or was
   cancelled, together with its matching hold.
3. **Pay out** (campaign row locked) once no pledge is left running: escrow → owner, the platform
   fee → fees, one posting with the idempotency key `campaign:<id>:payout`.

Each step finds its own work from the database, so the whole is safe to run twice, concurrently,
or again after dying half-way: a pledge is settled once, a campaign paid out once.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cooperative.services.requests import subscription_request_for_campaign
from core.amounts import fee_for
from core.errors import ApplicationError
from core.retries import with_retries
from crowdfunding import notifications
from crowdfunding.kinds import CAMPAIGN_PAYOUT
from crowdfunding.memos import PAYOUT, PLEDGE_COLLECTED
from crowdfunding.models import Campaign, Pledge
from ledger import memos
from ledger.errors import AccountNotFound
from ledger.locks import hold_lock
from ledger.models import Account, Hold
from ledger.selectors import member_account
from ledger.services import (
    hold_capture,
    hold_void,
    lock_accounts,
    system_account,
    transaction_post,
    transaction_reverse,
)
from ledger.units import get_unit

S = Campaign.Status
Progress = Callable[[int, int], None]
SUCCESS = {S.SUCCEEDED, S.PAID_OUT}
RELEASE = {S.FAILED, S.CANCELLED}


@dataclass
class CloseReport:
    campaigns: int = 0
    decided: int = 0
    pledges_settled: int = 0
    pledges_refused: int = 0
    paid_out: int = 0


# --- 1. decide ------------------------------------------------------------------------------


def pledged_total(campaign: Campaign) -> int:
    """Running pledges plus their matches, in minor units."""
    totals = Pledge.objects.filter(campaign=campaign, status=Pledge.Status.ACTIVE).aggregate(
        pledged=Sum("amount"), matched=Sum("match_amount")
    )
    return int(totals["pledged"] or 0) + int(totals["matched"] or 0)


def campaign_decide(*, campaign_id: int, now: datetime.datetime | None = None) -> bool:
    """Decide a campaign whose deadline has passed; False (nothing written) if not due or decided."""
    now = now or timezone.now()

    def attempt() -> bool:
        with transaction.atomic(durable=True):
            campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
            if campaign.status not in {S.APPROVED, S.LIVE} or campaign.deadline > now:
                return False
            total = pledged_total(campaign)
            succeeded = total >= campaign.goal if campaign.funding_model == Campaign.Model.ALL_OR_NOTHING else total > 0
            campaign.status = S.SUCCEEDED if succeeded else S.FAILED
            campaign.raised_total = total
            campaign.decided_at = now
            campaign.save()
            notifications.mail_owner_decision(campaign)
            return True

    return with_retries(attempt)


# --- 2. settle ------------------------------------------------------------------------------


def _capture_or_keep(hold_id: int, memo: memos.Memo) -> int:
    """Capture a pending hold; returns what was collected (a hold voided meanwhile collects 0)."""
    hold = hold_lock(hold_id)
    if hold.status == Hold.Status.PENDING:
        hold = hold_capture(hold=hold, actor=None, memo=memo, flow=True)
    return hold.captured_amount if hold.status == Hold.Status.CAPTURED else 0


def _release(hold_id: int, key: str) -> None:
    """Void a pending hold; a hold captured behind the campaign's back is refunded by a reversal."""
    hold = hold_lock(hold_id)
    if hold.status == Hold.Status.PENDING:
        hold_void(hold=hold, actor=None, flow=True)
    elif hold.status == Hold.Status.CAPTURED and hold.capture_transaction is not None:
        transaction_reverse(transaction_to_reverse=hold.capture_transaction, actor=None, idempotency_key=key)


def pledge_settle(*, pledge_id: int) -> bool:
    """Give one running pledge its outcome; False (nothing written) if it has one or is not due.

    A refusal by the ledger (the backer's account frozen…) is recorded on the pledge and the
    pledge stays running: the next run tries again.
    """

    def attempt() -> bool:
        with transaction.atomic(durable=True):
            pledge = Pledge.objects.select_for_update().select_related("campaign").get(pk=pledge_id)
            campaign = pledge.campaign
            if pledge.status != Pledge.Status.ACTIVE or campaign.status not in SUCCESS | RELEASE:
                return False
            memo = memos.memo(PLEDGE_COLLECTED, title=campaign.title[:150], id=campaign.pk)
            if campaign.raises_shares:
                _settle_share_pledge(pledge, campaign)
            elif campaign.status in SUCCESS:
                assert pledge.hold_id is not None
                collected = _capture_or_keep(pledge.hold_id, memo)
                if pledge.match_hold_id is not None:
                    _capture_or_keep(pledge.match_hold_id, memo)
                pledge.status = Pledge.Status.CAPTURED if collected else Pledge.Status.VOIDED
            else:
                assert pledge.hold_id is not None
                _release(pledge.hold_id, f"pledge:{pledge.pk}:refund")
                if pledge.match_hold_id is not None:
                    _release(pledge.match_hold_id, f"pledge:{pledge.pk}:refund-match")
                pledge.status = Pledge.Status.VOIDED
            pledge.resolved_at = timezone.now()
            if not campaign.raises_shares:
                pledge.settle_error = ""
            pledge.save()
            notifications.mail_backer(pledge, campaign)
            return True

    try:
        return with_retries(attempt)
    except ApplicationError as exc:
        Pledge.objects.filter(pk=pledge_id, status=Pledge.Status.ACTIVE).update(settle_error=str(exc.message)[:255])
        return False


def _settle_share_pledge(pledge: Pledge, campaign: Campaign) -> None:
    """Success: the pledge becomes a subscription request to the board; failure: nothing to release.

    A pledge the statutes refuse (above the maximum per member…) is released with the reason.
    """
    if campaign.status not in SUCCESS:
        pledge.status = Pledge.Status.VOIDED
        return
    assert campaign.share_class is not None and campaign.share_college is not None and pledge.shares
    try:
        with transaction.atomic():
            pledge.subscription_request = subscription_request_for_campaign(
                cooperative=campaign.share_class.cooperative,
                share_class=campaign.share_class,
                quantity=pledge.shares,
                member=pledge.backer,
                college=campaign.share_college,
            )
    except ApplicationError as exc:
        pledge.status = Pledge.Status.VOIDED
        pledge.settle_error = str(exc.message)[:255]
        return
    pledge.status = Pledge.Status.CAPTURED


def campaign_settle_pledges(*, campaign: Campaign, progress: Progress | None = None) -> tuple[int, int]:
    """Settle every running pledge of a decided or cancelled campaign: (settled, refused)."""
    pending = list(
        Pledge.objects.filter(campaign_id=campaign.pk, status=Pledge.Status.ACTIVE)
        .order_by("id")
        .values_list("id", flat=True)
    )
    settled = refused = 0
    for done, pledge_id in enumerate(pending, start=1):
        if pledge_settle(pledge_id=pledge_id):
            settled += 1
        elif Pledge.objects.filter(pk=pledge_id, status=Pledge.Status.ACTIVE).exists():
            refused += 1
        if progress is not None:
            progress(done, len(pending))
    return settled, refused


# --- 3. pay out -----------------------------------------------------------------------------


def campaign_payout(*, campaign_id: int) -> bool:
    """Pay the escrow out to the owner, less the fee; False if not due (or refused, recorded)."""

    def attempt() -> bool:
        with transaction.atomic(durable=True):
            campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
            if campaign.status != S.SUCCEEDED:
                return False
            if Pledge.objects.filter(campaign=campaign, status=Pledge.Status.ACTIVE).exists():
                return False  # some pledge could not be collected yet
            if campaign.raises_shares:
                # Nothing to pay: the subscriptions are paid to the cooperative once its board approves.
                campaign.status = S.PAID_OUT
                campaign.paid_out_at = timezone.now()
                campaign.payout_error = ""
                campaign.save()
                return True
            assert campaign.escrow_account_id is not None
            escrow = lock_accounts([campaign.escrow_account_id])[campaign.escrow_account_id]
            collected = escrow.balance
            if collected <= 0:
                campaign.status = S.FAILED  # nothing could be collected after all
                campaign.save()
                return True
            try:
                owner_account = member_account(campaign.owner_id, campaign.unit)
            except AccountNotFound:
                raise ApplicationError(_("The owner has no account in %(unit)s.") % {"unit": campaign.unit}) from None
            fee = fee_for(collected, campaign.fee_rate)
            unit = get_unit(campaign.unit)
            legs = [(escrow, unit.to_money(-collected)), (owner_account, unit.to_money(collected - fee))]
            if fee:
                legs.append((system_account(Account.SystemCode.FEES, campaign.unit), unit.to_money(fee)))
            memo = memos.memo(PAYOUT, title=campaign.title[:150], id=campaign.pk)
            txn = transaction_post(
                legs=[leg for leg in legs if leg[1].amount != 0],
                kind=CAMPAIGN_PAYOUT,
                memo=memo,
                actor=None,
                idempotency_key=f"campaign:{campaign.pk}:payout",
            )
            campaign.status = S.PAID_OUT
            campaign.fee_amount = fee
            campaign.payout_amount = collected - fee
            campaign.payout_transaction = txn
            campaign.paid_out_at = timezone.now()
            campaign.payout_error = ""
            campaign.save()
            notifications.mail_owner_paid(campaign)
            return True

    try:
        return with_retries(attempt)
    except ApplicationError as exc:
        Campaign.objects.filter(pk=campaign_id, status=S.SUCCEEDED).update(payout_error=str(exc.message)[:255])
        return False


# --- the whole ------------------------------------------------------------------------------


def campaign_close(
    *, campaign: Campaign, now: datetime.datetime | None = None, progress: Progress | None = None
) -> tuple[Campaign, CloseReport]:
    """Decide (if due), settle every pledge, pay out (if succeeded): whatever is left to do."""
    report = CloseReport(campaigns=1)
    report.decided = int(campaign_decide(campaign_id=campaign.pk, now=now))
    report.pledges_settled, report.pledges_refused = campaign_settle_pledges(campaign=campaign, progress=progress)
    report.paid_out = int(campaign_payout(campaign_id=campaign.pk))
    return Campaign.objects.get(pk=campaign.pk), report


def campaigns_needing_close(now: datetime.datetime | None = None) -> list[int]:
    """Ids of the campaigns with closing work left: due, settling, or waiting for their payout."""
    now = now or timezone.now()
    due = Q(status__in=[S.APPROVED, S.LIVE], deadline__lte=now)
    settling = Q(status__in=[*SUCCESS, *RELEASE], pledges__status=Pledge.Status.ACTIVE)
    return list(
        Campaign.objects.filter(due | settling | Q(status=S.SUCCEEDED))
        .order_by("deadline", "id")
        .values_list("id", flat=True)
        .distinct()
    )


def campaigns_close_due(
    *, now: datetime.datetime | None = None, progress: Callable[[Campaign, int, int], None] | None = None
) -> CloseReport:
    """Close every campaign with closing work left (the beat task and `close_campaigns`)."""
    total = CloseReport()
    for campaign_id in campaigns_needing_close(now):
        campaign = Campaign.objects.get(pk=campaign_id)
        per_pledge = (lambda done, count, c=campaign: progress(c, done, count)) if progress else None
        _, report = campaign_close(campaign=campaign, now=now, progress=per_pledge)
        total.campaigns += 1
        total.decided += report.decided
        total.pledges_settled += report.pledges_settled
        total.pledges_refused += report.pledges_refused
        total.paid_out += report.paid_out
    return total
