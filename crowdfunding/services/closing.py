"""Closing a campaign at its deadline: decide, settle every pledge, pay out.

1. **Decide** (campaign row locked): all-or-nothing succeeds when pledges plus matches reach the
   goal, keep-it-all when anything was pledged; otherwise it fails. After this commit no pledge can
   change (every pledge write locks the campaign row and checks its status).
2. **Settle** the running pledges in chunks (SETTLE_CHUNK by ascending id), one transaction each
   (campaign row, then the chunk's pledges locked, status re-checked): their holds and matching
   holds captured into the escrow account through the ledger's batch path when the campaign
   succeeded, voided when it failed or was cancelled; the pledges updated and the backers told in
   bulk. A pledge the ledger refuses stays running with the reason; the rest of the chunk goes on.
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
from ledger.errors import AccountNotFound, HoldAlreadyResolved, HoldExpired
from ledger.models import Account, Hold
from ledger.selectors import hold_get, member_account
from ledger.services import (
    HoldCapture,
    holds_capture_batch,
    holds_void_batch,
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

# Pledges settled per database transaction: a chunk's captures go to the ledger as one batch.
SETTLE_CHUNK = 500


@dataclass
class ChunkReport:
    settled: int = 0
    refused: int = 0
    last_id: int | None = None  # the last pledge of the chunk (None: no running pledge was left)


class _PartlyCaptured(Exception):
    """A matched pledge was refused while one of its two holds may have gone through: the chunk
    is rolled back and run again without it, so that a refused pledge moves nothing."""

    def __init__(self, refused: dict[int, str]) -> None:
        super().__init__()
        self.refused = refused


def _message(error: ApplicationError) -> str:
    return str(error.message)[:255]


def _capture_once(pledges: list[Pledge], memo: memos.Memo) -> dict[int, str]:
    """Capture the pledges' holds and matches in one ledger batch; set each collected pledge's
    status, return the refused ones (pledge id → why)."""
    captures = [HoldCapture(hold_id=hold_id, memo=memo) for p in pledges for hold_id in _holds_of(p)]
    outcomes = dict(
        zip(
            [capture.hold_id for capture in captures],
            holds_capture_batch(captures=captures, actor=None),
            strict=True,
        )
    )
    # A hold voided or expired meanwhile collects nothing; one past its expiry but still pending
    # is refused (HoldExpired too) until the sweep expires it: tell them apart (rare: a read each).
    gone = {
        pk
        for pk, outcome in outcomes.items()
        if isinstance(outcome, HoldExpired) and hold_get(pk).status == Hold.Status.EXPIRED
    }
    refused: dict[int, str] = {}
    for pledge in pledges:
        errors = [
            outcome
            for hold_id in _holds_of(pledge)
            if isinstance(outcome := outcomes[hold_id], ApplicationError)
            and not isinstance(outcome, HoldAlreadyResolved)
            and hold_id not in gone
        ]
        if errors:
            refused[pledge.pk] = _message(errors[0])
            continue
        assert pledge.hold_id is not None
        hold = outcomes[pledge.hold_id]
        collected = isinstance(hold, Hold) and hold.status == Hold.Status.CAPTURED and hold.captured_amount > 0
        pledge.status = Pledge.Status.CAPTURED if collected else Pledge.Status.VOIDED
    return refused


def _holds_of(pledge: Pledge) -> list[int]:
    assert pledge.hold_id is not None
    return [pledge.hold_id] if pledge.match_hold_id is None else [pledge.hold_id, pledge.match_hold_id]


def _capture_chunk(pledges: list[Pledge], memo: memos.Memo, known: dict[int, str]) -> dict[int, str]:
    """Success: capture every pledge and its match (one batch), but those `known` to be refused
    (left as they are); the refused ones (id → why).

    Raises _PartlyCaptured when a matched pledge is refused now: one of its holds may have gone
    through, so the caller rolls the chunk back and runs it again without that pledge."""
    found = _capture_once([pledge for pledge in pledges if pledge.pk not in known], memo)
    matched = {pledge.pk for pledge in pledges if pledge.match_hold_id is not None}
    partly = {pk: why for pk, why in found.items() if pk in matched}
    if partly:
        raise _PartlyCaptured(partly)
    return {**{pledge.pk: known[pledge.pk] for pledge in pledges if pledge.pk in known}, **found}


def _release_chunk(pledges: list[Pledge]) -> dict[int, str]:
    """Failure or cancellation: void every pending hold (one batch); a hold captured behind the
    campaign's back is refunded by a reversal (rare: one at a time). The refused ones (id → why)."""
    hold_ids = [hold_id for pledge in pledges for hold_id in _holds_of(pledge)]
    outcomes = dict(zip(hold_ids, holds_void_batch(hold_ids=hold_ids, actor=None), strict=True))
    refused: dict[int, str] = {}
    for pledge in pledges:
        assert pledge.hold_id is not None
        keys = [(pledge.hold_id, f"pledge:{pledge.pk}:refund")]
        if pledge.match_hold_id is not None:
            keys.append((pledge.match_hold_id, f"pledge:{pledge.pk}:refund-match"))
        for hold_id, key in keys:
            if not isinstance(outcomes[hold_id], ApplicationError):
                continue  # voided now or before
            hold = hold_get(hold_id)  # locked by the batch
            if hold.status != Hold.Status.CAPTURED or hold.capture_transaction is None:
                continue  # expired: nothing left to release
            try:
                transaction_reverse(transaction_to_reverse=hold.capture_transaction, actor=None, idempotency_key=key)
            except ApplicationError as exc:
                refused[pledge.pk] = _message(exc)
        if pledge.pk not in refused:
            pledge.status = Pledge.Status.VOIDED
    return refused


def pledges_settle_chunk(
    *, campaign_id: int, after_id: int = 0, limit: int = SETTLE_CHUNK, pledge_ids: list[int] | None = None
) -> ChunkReport:
    """Give the next `limit` running pledges of a decided or cancelled campaign (ids above
    `after_id`, or only `pledge_ids`) their outcome, in one database transaction.

    The holds are captured (succeeded) or voided (failed, cancelled) through the ledger's batch
    path, the pledges updated and their backers told together. A pledge the ledger refuses (the
    backer's account frozen…) moves nothing, stays running with the refusal recorded, and the
    rest of the chunk goes through: the next run tries it again. Raises nothing of the ledger's.
    """

    known: dict[int, str] = {}  # matched pledges refused by an earlier try of this chunk

    def attempt() -> ChunkReport:
        with transaction.atomic(durable=True):
            # The campaign first (the lock order of every pledge write), then the chunk's pledges.
            campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
            if campaign.status not in SUCCESS | RELEASE:
                return ChunkReport()
            running = Pledge.objects.select_for_update(of=("self",)).filter(
                campaign_id=campaign_id, status=Pledge.Status.ACTIVE
            )
            running = running.filter(pk__in=pledge_ids) if pledge_ids is not None else running.filter(pk__gt=after_id)
            pledges = list(running.select_related("backer__user").order_by("pk")[:limit])
            if not pledges:
                return ChunkReport()
            refused: dict[int, str] = {}
            shares: list[Pledge] = []
            if campaign.raises_shares:
                for pledge in pledges:
                    _settle_share_pledge(pledge, campaign)
                    shares.append(pledge)
            elif campaign.status in SUCCESS:
                memo = memos.memo(PLEDGE_COLLECTED, title=campaign.title[:150], id=campaign.pk)
                refused = _capture_chunk(pledges, memo, known)
            else:
                refused = _release_chunk(pledges)
            now = timezone.now()
            settled = [pledge for pledge in pledges if pledge.pk not in refused]
            for pledge in settled:
                pledge.resolved_at = now
                if not campaign.raises_shares:
                    pledge.settle_error = ""
            # One UPDATE per outcome rather than one per pledge.
            groups: dict[tuple[str, str], list[int]] = {}
            for pledge in settled:
                groups.setdefault((pledge.status, pledge.settle_error), []).append(pledge.pk)
            for (status, error), ids in groups.items():
                Pledge.objects.filter(pk__in=ids).update(
                    status=status, settle_error=error, resolved_at=now, updated_at=now
                )
            failures: dict[str, list[int]] = {}
            for pledge_id, error in refused.items():
                failures.setdefault(error, []).append(pledge_id)
            for error, ids in failures.items():
                Pledge.objects.filter(pk__in=ids).update(settle_error=error, updated_at=now)
            requested = [pledge for pledge in shares if pledge.subscription_request_id is not None]
            if requested:
                Pledge.objects.bulk_update(requested, ["subscription_request"])
            notifications.mail_backers(settled, campaign)
            return ChunkReport(settled=len(settled), refused=len(refused), last_id=pledges[-1].pk)

    while True:
        try:
            return with_retries(attempt)
        except _PartlyCaptured as partly:
            known.update(partly.refused)  # the chunk rolled back whole: again, without them


def pledge_settle(*, pledge_id: int) -> bool:
    """Give one running pledge its outcome (a chunk of one); False (nothing written) if it has
    one or is not due, or if the ledger refused it (recorded on the pledge, which stays running)."""
    campaign_id = Pledge.objects.filter(pk=pledge_id).values_list("campaign_id", flat=True).first()
    if campaign_id is None:
        return False
    return pledges_settle_chunk(campaign_id=campaign_id, pledge_ids=[pledge_id]).settled == 1


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
        pledge.settle_error = _message(exc)
        return
    pledge.status = Pledge.Status.CAPTURED


def campaign_settle_pledges(
    *, campaign: Campaign, progress: Progress | None = None, chunk_size: int = SETTLE_CHUNK
) -> tuple[int, int]:
    """Settle every running pledge of a decided or cancelled campaign, chunk after chunk (one
    database transaction each, so a run killed half-way leaves whole chunks done and the next run
    finds the rest): (settled, refused). `progress(done, total)` is called after each chunk."""
    total = Pledge.objects.filter(campaign_id=campaign.pk, status=Pledge.Status.ACTIVE).count()
    settled = refused = done = 0
    after_id = 0
    while True:
        report = pledges_settle_chunk(campaign_id=campaign.pk, after_id=after_id, limit=chunk_size)
        if report.last_id is None:
            return settled, refused
        settled += report.settled
        refused += report.refused
        done += report.settled + report.refused
        after_id = report.last_id
        if progress is not None:
            progress(min(done, total), total)


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
    *,
    campaign: Campaign,
    now: datetime.datetime | None = None,
    progress: Progress | None = None,
    chunk_size: int = SETTLE_CHUNK,
) -> tuple[Campaign, CloseReport]:
    """Decide (if due), settle every pledge, pay out (if succeeded): whatever is left to do."""
    report = CloseReport(campaigns=1)
    report.decided = int(campaign_decide(campaign_id=campaign.pk, now=now))
    report.pledges_settled, report.pledges_refused = campaign_settle_pledges(
        campaign=campaign, progress=progress, chunk_size=chunk_size
    )
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
    *,
    now: datetime.datetime | None = None,
    progress: Callable[[Campaign, int, int], None] | None = None,
    chunk_size: int = SETTLE_CHUNK,
) -> CloseReport:
    """Close every campaign with closing work left (the beat task and `close_campaigns`)."""
    total = CloseReport()
    for campaign_id in campaigns_needing_close(now):
        campaign = Campaign.objects.get(pk=campaign_id)
        per_pledge = (lambda done, count, c=campaign: progress(c, done, count)) if progress else None
        _, report = campaign_close(campaign=campaign, now=now, progress=per_pledge, chunk_size=chunk_size)
        total.campaigns += 1
        total.decided += report.decided
        total.pledges_settled += report.pledges_settled
        total.pledges_refused += report.pledges_refused
        total.paid_out += report.paid_out
    return total
