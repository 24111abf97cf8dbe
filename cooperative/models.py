"""The cooperative's share register (SCIC, SCOP): share classes, colleges, shareholders, movements.

The register is a list of numbered movements, append-only like the ledger (PostgreSQL triggers
refuse UPDATE and DELETE; SQLite refuses UPDATE). Every movement moves `quantity` shares of one
class from `from_shareholder` (if any) to `to_shareholder` (if any) and changes the capital by
`capital_delta` (euro cents): a subscription issues shares (+capital), a redemption buys them back
(−capital), a transfer (cession) moves them between shareholders (capital unchanged), and a
cancellation reverses an earlier movement. Holdings and capital at any date are sums over the
movements up to that date; nothing else stores them.

Movements are numbered per cooperative without gaps: every register write locks the cooperative's
row first, takes the next number under that lock, and UNIQUE(cooperative, number) makes the
database refuse a duplicate. Money moves through the ledger (EUR, the cooperative's capital
account) in the same database transaction as the movement that it pays.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledger.models import Account, Transaction
from members.models import Commune, Member


class Cooperative(models.Model):
    class LegalForm(models.TextChoices):
        SCIC = "scic", _("SCIC (collective-interest cooperative)")
        SCOP = "scop", _("SCOP (workers' cooperative)")
        SAS_COOP = "sas_coop", _("Cooperative SAS")
        SA_COOP = "sa_coop", _("Cooperative SA")

    name = models.CharField(_("name"), max_length=150)
    legal_form = models.CharField(_("legal form"), max_length=10, choices=LegalForm.choices)
    siren = models.CharField("SIREN", max_length=9, unique=True)
    seat_address = models.CharField(_("registered office"), max_length=255)
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("commune")
    )
    capital_account = models.OneToOneField(
        Account, on_delete=models.PROTECT, related_name="+", verbose_name=_("capital account (EUR)")
    )
    # Statutory rules.
    min_shares_per_member = models.PositiveIntegerField(_("minimum shares per member"), default=1)
    max_shares_per_member = models.PositiveIntegerField(
        _("maximum shares per member"), null=True, blank=True, help_text=_("Empty: no maximum.")
    )
    lockup_months = models.PositiveSmallIntegerField(_("lock-up before redemption (months)"), default=0)
    redemption_delay_months = models.PositiveSmallIntegerField(_("redemption paid after (months)"), default=0)
    board_approval_required = models.BooleanField(_("subscriptions need the board's approval"), default=True)
    capital_floor = models.BigIntegerField(_("capital floor (cents)"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("cooperative")
        verbose_name_plural = _("cooperatives")
        ordering = ["name"]
        permissions = [("administer_register", _("Can administer the share register"))]
        constraints = [
            models.CheckConstraint(condition=Q(capital_floor__gte=0), name="coop_capital_floor_not_negative"),
            models.CheckConstraint(
                condition=Q(max_shares_per_member__isnull=True)
                | Q(max_shares_per_member__gte=F("min_shares_per_member")),
                name="coop_max_shares_above_min",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ShareClass(models.Model):
    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="share_classes")
    code = models.CharField(_("code"), max_length=4)
    name = models.CharField(_("name"), max_length=100)
    nominal_value = models.BigIntegerField(_("nominal value (cents)"))
    description = models.CharField(_("description"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("share class")
        verbose_name_plural = _("share classes")
        ordering = ["cooperative", "code"]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "code"], name="share_class_code_unique"),
            models.CheckConstraint(condition=Q(nominal_value__gt=0), name="share_class_nominal_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class College(models.Model):
    """A voting college (collège de vote) and its weight in general-assembly votes, in percent."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="colleges")
    name = models.CharField(_("name"), max_length=100)
    weight = models.PositiveSmallIntegerField(_("weight (%)"))
    description = models.CharField(_("description"), max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("college")
        verbose_name_plural = _("colleges")
        ordering = ["cooperative", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "name"], name="college_name_unique"),
            models.CheckConstraint(condition=Q(weight__gt=0) & Q(weight__lte=100), name="college_weight_percent"),
        ]

    def __str__(self) -> str:
        return self.name


class Shareholder(models.Model):
    """A member of the cooperative (associé): a Bocage member, or a legal person known by its SIREN."""

    class Status(models.TextChoices):
        ADMITTED = "admitted", _("Admitted")
        LEFT = "left", _("Left")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="shareholders")
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="shareholdings", verbose_name=_("member")
    )
    legal_name = models.CharField(_("name of the legal person"), max_length=150, blank=True)
    siren = models.CharField("SIREN", max_length=9, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    college = models.ForeignKey(College, on_delete=models.PROTECT, related_name="shareholders")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ADMITTED)
    admitted_on = models.DateField(_("admitted on"))
    admission_decision = models.CharField(_("board decision (admission)"), max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("shareholder")
        verbose_name_plural = _("shareholders")
        ordering = ["cooperative", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(member__isnull=False) & Q(legal_name=""))
                | (Q(member__isnull=True) & ~Q(legal_name="") & ~Q(siren="")),
                name="shareholder_member_or_legal_person",
            ),
            models.UniqueConstraint(
                fields=["cooperative", "member"], condition=Q(member__isnull=False), name="shareholder_member_once"
            ),
            models.UniqueConstraint(
                fields=["cooperative", "siren"], condition=~Q(siren=""), name="shareholder_siren_once"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.member.display_name if self.member_id is not None and self.member else self.legal_name


class ShareMovement(models.Model):
    class Kind(models.TextChoices):
        SUBSCRIPTION = "subscription", _("Subscription")
        TRANSFER = "transfer", _("Transfer (cession)")
        REDEMPTION = "redemption", _("Redemption")
        CANCELLATION = "cancellation", _("Cancellation")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="movements")
    number = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    effective_on = models.DateField(_("date"))
    share_class = models.ForeignKey(ShareClass, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("shares"))
    from_shareholder = models.ForeignKey(
        Shareholder, on_delete=models.PROTECT, null=True, blank=True, related_name="movements_out"
    )
    to_shareholder = models.ForeignKey(
        Shareholder, on_delete=models.PROTECT, null=True, blank=True, related_name="movements_in"
    )
    capital_delta = models.BigIntegerField(_("capital change (cents)"))
    board_decision = models.CharField(_("board decision"), max_length=100, blank=True)
    ledger_transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by", verbose_name=_("reverses")
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("register movement")
        verbose_name_plural = _("register movements")
        ordering = ["cooperative", "number"]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "number"], name="movement_number_unique"),
            models.CheckConstraint(condition=Q(number__gt=0) & Q(quantity__gt=0), name="movement_positive"),
            models.CheckConstraint(
                condition=(Q(kind="subscription") & Q(from_shareholder__isnull=True) & Q(to_shareholder__isnull=False))
                | (Q(kind="redemption") & Q(from_shareholder__isnull=False) & Q(to_shareholder__isnull=True))
                | (
                    Q(kind="transfer")
                    & Q(from_shareholder__isnull=False)
                    & Q(to_shareholder__isnull=False)
                    & ~Q(from_shareholder=F("to_shareholder"))
                )
                | (Q(kind="cancellation") & Q(reverses__isnull=False)),
                name="movement_kind_consistent",
            ),
            models.CheckConstraint(
                condition=~Q(kind="transfer") | Q(capital_delta=0), name="movement_transfer_keeps_capital"
            ),
        ]
        indexes = [models.Index(fields=["cooperative", "effective_on"], name="movement_coop_date")]

    def __str__(self) -> str:
        return f"n° {self.number} {self.get_kind_display()} {self.quantity}"


class SubscriptionRequest(models.Model):
    """A member asks for shares; the board approves; the payment issues them."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved, awaiting payment")
        ISSUED = "issued", _("Paid, shares issued")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        MEMBER = "member", _("Member's request")
        ADMINISTRATOR = "administrator", _("Recorded by an administrator")
        CAMPAIGN = "campaign", _("Share campaign")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="subscription_requests")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, null=True, blank=True, related_name="share_requests")
    shareholder = models.ForeignKey(
        Shareholder, on_delete=models.PROTECT, null=True, blank=True, related_name="subscription_requests"
    )
    college = models.ForeignKey(College, on_delete=models.PROTECT, related_name="+", verbose_name=_("college"))
    share_class = models.ForeignKey(ShareClass, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("shares"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    source = models.CharField(_("source"), max_length=14, choices=Source.choices, default=Source.MEMBER)
    board_decision = models.CharField(_("board decision"), max_length=100, blank=True)
    rejection_reason = models.CharField(_("reason"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    movement = models.OneToOneField(
        ShareMovement, on_delete=models.PROTECT, null=True, blank=True, related_name="subscription_request"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)

    class Meta:
        verbose_name = _("subscription request")
        verbose_name_plural = _("subscription requests")
        ordering = ["requested_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="subscription_request_quantity_positive"),
            models.CheckConstraint(
                condition=~Q(status="issued") | Q(movement__isnull=False), name="subscription_issued_has_movement"
            ),
            models.CheckConstraint(
                condition=Q(member__isnull=False) | Q(shareholder__isnull=False),
                name="subscription_request_has_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.share_class.code} ({self.status})"

    @property
    def amount(self) -> int:
        return self.quantity * self.share_class.nominal_value


class RedemptionRequest(models.Model):
    """A shareholder asks to be repaid shares at nominal value, after the lock-up; paid after the delay."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved, to be paid")
        PAID = "paid", _("Paid")
        REJECTED = "rejected", _("Rejected")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="redemption_requests")
    shareholder = models.ForeignKey(Shareholder, on_delete=models.PROTECT, related_name="redemption_requests")
    share_class = models.ForeignKey(ShareClass, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("shares"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    board_decision = models.CharField(_("board decision"), max_length=100, blank=True)
    rejection_reason = models.CharField(_("reason"), max_length=500, blank=True)
    due_on = models.DateField(_("to be paid on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    movement = models.OneToOneField(
        ShareMovement, on_delete=models.PROTECT, null=True, blank=True, related_name="redemption_request"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)

    class Meta:
        verbose_name = _("redemption request")
        verbose_name_plural = _("redemption requests")
        ordering = ["requested_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="redemption_request_quantity_positive"),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(movement__isnull=False), name="redemption_paid_has_movement"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "paid"]) | Q(due_on__isnull=False),
                name="redemption_approved_has_due_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.share_class.code} ({self.status})"
