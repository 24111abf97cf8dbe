"""Crowdfunding: campaigns for local projects, reward tiers, pledges held on the ledger.

Every pledge is a ledger hold from the backer's account towards the campaign's escrow account,
so money never leaves a backer before the deadline. At the deadline the campaign is *decided*
(succeeded or failed, under its row lock, after which no pledge can change), then each pledge is
*settled* in its own small transaction (its hold captured into escrow, or voided), then a
succeeded campaign is *paid out* (escrow → owner, the platform fee → fees) with one idempotent
posting. Each step re-reads its state under a lock, so closing is safe to run twice, concurrently,
or again after a crash half-way: every pledge ends with exactly one outcome.

Matchfunding: a sponsor's pool matches each pledge by a rule (ratio, cap per backer, total cap)
with a second hold from the sponsor's account towards the same escrow, adjusted when the pledge
changes. The pool's `matched_total` counter and each tier's `claimed` counter move with F() under
row locks and are bounded by CHECK constraints, so neither a cap nor a reward stock is ever
exceeded, even by concurrent pledges.

Amounts are integers in the unit's minor units, like the ledger's.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledger.models import Account, Hold, Transaction
from members.models import Commune, Member


class Campaign(models.Model):
    class Model(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", _("All or nothing")
        KEEP_IT_ALL = "keep_it_all", _("Keep it all")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for review")
        APPROVED = "approved", _("Approved, starts soon")
        LIVE = "live", _("Live")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        PAID_OUT = "paid_out", _("Paid out")
        CANCELLED = "cancelled", _("Cancelled")

    owner = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("owner"))
    title = models.CharField(_("title"), max_length=120)
    summary = models.CharField(_("summary"), max_length=300)
    # Sanitised HTML (crowdfunding.richtext): only a small set of harmless tags survives.
    story = models.TextField(_("story"), max_length=20000)
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("commune")
    )
    unit = models.CharField(_("unit"), max_length=8)
    goal = models.BigIntegerField(_("goal (minor units)"))
    stretch_goal = models.BigIntegerField(_("stretch goal (minor units)"), null=True, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    deadline = models.DateTimeField(_("deadline"))
    funding_model = models.CharField(_("funding model"), max_length=20, choices=Model.choices)
    fee_rate = models.DecimalField(_("platform fee rate"), max_digits=5, decimal_places=4)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    moderation_comment = models.TextField(_("moderator's comments"), max_length=2000, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)
    escrow_account = models.OneToOneField(
        Account, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("escrow account")
    )
    # Set when the campaign is decided, from the pledges and matches then pending.
    raised_total = models.BigIntegerField(_("raised (minor units)"), default=0)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    fee_amount = models.BigIntegerField(_("fee (minor units)"), default=0)
    payout_amount = models.BigIntegerField(_("paid to the owner (minor units)"), default=0)
    payout_transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    paid_out_at = models.DateTimeField(_("paid out at"), null=True, blank=True)
    # Why the last payout attempt was refused (e.g. the owner's account is frozen); retried later.
    payout_error = models.CharField(_("payout error"), max_length=255, blank=True)
    cancelled_reason = models.CharField(_("reason for cancelling"), max_length=500, blank=True)
    # A share campaign raises cooperative shares instead of gifts: pledges are numbers of shares
    # (in euros, multiples of the nominal value), nothing is held, and on success each pledge
    # becomes a subscription request to the cooperative's board (newcomers join `share_college`).
    share_class = models.ForeignKey(
        "cooperative.ShareClass",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cooperative shares raised"),
    )
    share_college = models.ForeignKey(
        "cooperative.College",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("college for new shareholders"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(goal__gt=0), name="campaign_goal_positive"),
            models.CheckConstraint(
                condition=Q(stretch_goal__isnull=True) | Q(stretch_goal__gt=F("goal")),
                name="campaign_stretch_goal_above_goal",
            ),
            models.CheckConstraint(condition=Q(deadline__gt=F("starts_at")), name="campaign_deadline_after_start"),
            models.CheckConstraint(
                condition=Q(fee_rate__gte=0) & Q(fee_rate__lt=1), name="campaign_fee_rate_between_0_and_1"
            ),
            models.CheckConstraint(
                # A campaign cancelled before approval never had one.
                condition=Q(status__in=["draft", "submitted", "cancelled"]) | Q(escrow_account__isnull=False),
                name="campaign_approved_has_escrow",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid_out")
                | (Q(paid_out_at__isnull=False) & (Q(payout_transaction__isnull=False) | Q(share_class__isnull=False))),
                name="campaign_paid_out_has_transaction",
            ),
            models.CheckConstraint(
                condition=(Q(share_class__isnull=True) & Q(share_college__isnull=True))
                | (Q(share_class__isnull=False) & Q(share_college__isnull=False) & Q(unit="EUR")),
                name="campaign_shares_in_euros_with_a_college",
            ),
            models.CheckConstraint(
                condition=Q(fee_amount__gte=0) & Q(payout_amount__gte=0) & Q(raised_total__gte=0),
                name="campaign_results_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "deadline"], name="campaign_status_deadline"),
            models.Index(fields=["status", "starts_at"], name="campaign_status_start"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open_for_pledges(self) -> bool:
        now = timezone.now()
        return self.status in {self.Status.APPROVED, self.Status.LIVE} and self.starts_at <= now < self.deadline

    @property
    def raises_shares(self) -> bool:
        return self.share_class_id is not None

    @property
    def is_decided(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED, self.Status.PAID_OUT}


class CampaignImage(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(_("image"), upload_to="campaigns/%Y/%m/", width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    alt_text = models.CharField(_("description of the image"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("campaign image")
        verbose_name_plural = _("campaign images")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.image.name


class RewardTier(models.Model):
    """A contrepartie: what backers of at least `minimum` receive, maybe in limited stock."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tiers", verbose_name=_("campaign"))
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    minimum = models.BigIntegerField(_("minimum pledge (minor units)"))
    stock = models.PositiveIntegerField(_("stock"), null=True, blank=True, help_text=_("Empty: unlimited."))
    claimed = models.PositiveIntegerField(_("claimed"), default=0)
    estimated_delivery = models.DateField(_("estimated delivery"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("reward tier")
        verbose_name_plural = _("reward tiers")
        ordering = ["position", "minimum", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(minimum__gt=0), name="tier_minimum_positive"),
            # Never oversold: the database refuses a claim beyond the stock, whatever the code does.
            models.CheckConstraint(
                condition=Q(stock__isnull=True) | Q(claimed__lte=F("stock")), name="tier_never_oversold"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def remaining(self) -> int | None:
        return None if self.stock is None else self.stock - self.claimed


class MatchingPool(models.Model):
    """A sponsor matches pledges: `ratio` × each pledge, at most `per_backer_cap` each, `total_cap` in all."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed to new matches")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="matching_pools", verbose_name=_("campaign")
    )
    sponsor = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="matching_pools", verbose_name=_("sponsor")
    )
    ratio = models.DecimalField(_("ratio"), max_digits=6, decimal_places=3, help_text=_("1 = one for one."))
    per_backer_cap = models.BigIntegerField(_("cap per backer (minor units)"), null=True, blank=True)
    total_cap = models.BigIntegerField(_("total cap (minor units)"))
    matched_total = models.BigIntegerField(_("matched so far (minor units)"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # Like a backer's, a sponsor's name is public only with their consent (a business sponsoring for
    # its image says so); otherwise the page says « un mécène ».
    show_name = models.BooleanField(_("show my name as the sponsor"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("matching pool")
        verbose_name_plural = _("matching pools")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(ratio__gt=0), name="pool_ratio_positive"),
            models.CheckConstraint(condition=Q(total_cap__gt=0), name="pool_total_cap_positive"),
            models.CheckConstraint(
                condition=Q(per_backer_cap__isnull=True) | Q(per_backer_cap__gt=0), name="pool_backer_cap_positive"
            ),
            models.CheckConstraint(
                condition=Q(matched_total__gte=0) & Q(matched_total__lte=F("total_cap")),
                name="pool_within_total_cap",
            ),
            models.UniqueConstraint(
                fields=["campaign"], condition=Q(status="active"), name="pool_one_active_per_campaign"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sponsor} → {self.campaign}"


class Pledge(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Held until the deadline")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        CAPTURED = "captured", _("Collected")
        VOIDED = "voided", _("Released")

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="pledges", verbose_name=_("campaign"))
    backer = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="pledges", verbose_name=_("backer"))
    tier = models.ForeignKey(
        RewardTier, on_delete=models.PROTECT, null=True, blank=True, related_name="pledges", verbose_name=_("reward")
    )
    unit = models.CharField(_("unit"), max_length=8)
    amount = models.BigIntegerField(_("amount (minor units)"))
    # Private by default: a backer's name is shown only with their consent (anonymous=False).
    anonymous = models.BooleanField(_("anonymous on the public page"), default=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # Every change of amount replaces the hold (void + new one); `version` numbers them so each
    # hold has its own ledger idempotency key.
    version = models.PositiveIntegerField(default=1)
    # A gift pledge is a hold; a share pledge is a number of shares (nothing held) that becomes a
    # subscription request when the campaign succeeds.
    hold = models.OneToOneField(Hold, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    shares = models.PositiveIntegerField(_("shares"), null=True, blank=True)
    subscription_request = models.OneToOneField(
        "cooperative.SubscriptionRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    pool = models.ForeignKey(MatchingPool, on_delete=models.PROTECT, null=True, blank=True, related_name="pledges")
    match_hold = models.OneToOneField(Hold, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    match_amount = models.BigIntegerField(_("matched (minor units)"), default=0)
    reward_delivered_at = models.DateTimeField(_("reward delivered at"), null=True, blank=True)
    # Why settling this pledge was refused last time (e.g. the backer's account is frozen).
    settle_error = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="pledge_amount_positive"),
            models.CheckConstraint(
                condition=(Q(hold__isnull=False) & Q(shares__isnull=True))
                | (Q(hold__isnull=True) & Q(shares__gt=0) & Q(match_amount=0)),
                name="pledge_held_or_in_shares",
            ),
            models.CheckConstraint(
                condition=(Q(match_amount=0) & Q(match_hold__isnull=True))
                | (Q(match_amount__gt=0) & Q(match_hold__isnull=False) & Q(pool__isnull=False)),
                name="pledge_match_has_hold",
            ),
            models.CheckConstraint(
                condition=(Q(status="active") & Q(resolved_at__isnull=True))
                | (~Q(status="active") & Q(resolved_at__isnull=False)),
                name="pledge_resolved_has_date",
            ),
            # One running pledge per backer and campaign: raising or lowering changes it.
            models.UniqueConstraint(
                fields=["campaign", "backer"], condition=Q(status="active"), name="pledge_one_active_per_backer"
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "status"], name="pledge_campaign_status"),
            # The public page's newest backers: read in index order, a hundred rows whatever the campaign's size.
            models.Index(fields=["campaign", "-created_at", "-id"], name="pledge_campaign_newest"),
        ]

    def __str__(self) -> str:
        return f"pledge #{self.pk} {self.amount} {self.unit} ({self.status})"


class CampaignUpdate(models.Model):
    """News from the project to its backers, e-mailed by Celery once per backer."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=150)
    body = models.TextField(_("text"), max_length=10000)  # sanitised HTML
    created_at = models.DateTimeField(_("published at"), default=timezone.now)
    # Set when a delivery run has mailed every backer; the beat's sweep finishes the others.
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("campaign update")
        verbose_name_plural = _("campaign updates")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class UpdateDelivery(models.Model):
    """One e-mail of an update to one backer: the unique row makes sending twice impossible."""

    update = models.ForeignKey(CampaignUpdate, on_delete=models.CASCADE, related_name="deliveries")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["update", "member"], name="update_delivered_once")]

    def __str__(self) -> str:
        return f"{self.update_id} → {self.member_id}"
