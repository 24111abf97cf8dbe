"""How coworkers and associations pay the places beyond the hour: plans, carnets, booking credits.

- A **plan** (of a place, or of the whole network when `place` is None) costs `price` in `unit`
  per `period`, paid by a ledger standing order the member accepts when subscribing (the price
  accepted is copied on the subscription: a later price never touches it). Each paid period grants
  the plan's **allowances**: credits in a credit unit (CRJ days, CRH hours) valid on one resource
  or on every resource of a kind, while the plan is active; they reset each period unless the plan
  rolls them over.
- A **carnet** (a pass offer bought once) grants `quantity` credits valid until a date, in one
  place or across the network; a day pass is one day of a carnet.
- Credits are ledger balances, never counters: each subscription's allowance and each carnet has
  its own ledger account (system code `credit`, reference `allowance:<subscription>:<allowance>` or
  `pass:<id>`), issued by the place's account in that credit unit. A booking paid with credits
  holds them (`BookingCredit`), captures them at check-in (or at the end), and gives them back on
  a timely cancellation, like the money a booking holds.
"""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledger.models import Account, Hold, StandingOrder, Transaction
from members.models import Member
from places.models.places import Booking, Place, Resource, ResourceKind


class Plan(models.Model):
    class Period(models.TextChoices):  # the same values as ledger StandingOrder.Period
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")
        YEARLY = "yearly", _("Yearly")

    # None: a network-wide plan the cooperative sells, valid in every place.
    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, null=True, blank=True, related_name="plans", verbose_name=_("place")
    )
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=8)
    price = models.BigIntegerField(_("price per period (minor units)"))
    period = models.CharField(_("period"), max_length=10, choices=Period.choices, default=Period.MONTHLY)
    rollover = models.BooleanField(_("unused allowances carry over"), default=False)
    on_sale = models.BooleanField(_("on sale"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["place", "price", "id"]
        constraints = [models.CheckConstraint(condition=Q(price__gte=0), name="plan_price_not_negative")]

    def __str__(self) -> str:
        return self.name


class PlanAllowance(models.Model):
    """`amount` credits of `unit` per period, on `resource` or on every resource of `resource_kind`
    (in the plan's place, or in every place for a network plan). Beyond it, a booking pays
    `overage_price` per step in the plan's unit (None: the resource's own price)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="allowances")
    resource = models.ForeignKey(
        Resource, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("resource")
    )
    resource_kind = models.CharField(_("kind of resource"), max_length=20, choices=ResourceKind.choices, blank=True)
    unit = models.CharField(_("credit unit"), max_length=8)
    amount = models.BigIntegerField(_("credits per period (minor units)"), validators=[MinValueValidator(1)])
    overage_price = models.BigIntegerField(_("price per step beyond (minor units)"), null=True, blank=True)

    class Meta:
        verbose_name = _("allowance")
        verbose_name_plural = _("allowances")
        ordering = ["plan", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(resource__isnull=False) & Q(resource_kind=""))
                | (Q(resource__isnull=True) & ~Q(resource_kind="")),
                name="plan_allowance_resource_or_kind",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="plan_allowance_amount_positive"),
            models.CheckConstraint(
                condition=Q(overage_price__isnull=True) | Q(overage_price__gte=0), name="plan_allowance_overage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan}: {self.amount} {self.unit}"


class Subscription(models.Model):
    """A member's plan: paid by `standing_order` at the price accepted (`unit`, `price`), active
    from `start` until `end` (set when it is cancelled or its payment stops)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="plan_subscriptions")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    unit = models.CharField(_("unit"), max_length=8)
    price = models.BigIntegerField(_("price accepted (minor units)"))
    standing_order = models.OneToOneField(
        StandingOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="subscription"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    start = models.DateField(_("first day"))
    # The day after the last paid period, once ended: allowances are not usable from then on.
    end = models.DateField(_("ended on"), null=True, blank=True)
    # The period whose allowances are granted (the standing order's period key), and its last day.
    current_period = models.CharField(_("current period"), max_length=10, blank=True)
    paid_until = models.DateField(_("paid until"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=255, null=True, blank=True, unique=True)
    request_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["-created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="subscription_price_not_negative"),
            models.UniqueConstraint(
                fields=["member", "plan"], condition=Q(status="active"), name="subscription_one_active_per_plan"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} — {self.plan}"


class PassOffer(models.Model):
    """A carnet a place (or the network: `place` None) sells: `quantity` credits of `unit` for
    `price` in `price_unit`, valid `validity_days` from the purchase, on every resource of
    `resource_kind` (blank: every resource of the place, or of the network)."""

    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, null=True, blank=True, related_name="pass_offers", verbose_name=_("place")
    )
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    resource_kind = models.CharField(_("kind of resource"), max_length=20, choices=ResourceKind.choices, blank=True)
    unit = models.CharField(_("credit unit"), max_length=8)
    quantity = models.BigIntegerField(_("credits (minor units)"))
    price_unit = models.CharField(_("unit of the price"), max_length=8)
    price = models.BigIntegerField(_("price (minor units)"))
    validity_days = models.PositiveIntegerField(_("valid for (days)"), default=365, validators=[MinValueValidator(1)])
    on_sale = models.BooleanField(_("on sale"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("carnet offer")
        verbose_name_plural = _("carnet offers")
        ordering = ["place", "price", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="pass_offer_quantity_positive"),
            models.CheckConstraint(condition=Q(price__gte=0), name="pass_offer_price_not_negative"),
            models.CheckConstraint(condition=Q(validity_days__gte=1), name="pass_offer_validity_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Pass(models.Model):
    """A carnet a member bought: its credits are the balance of `account` (never a counter here);
    usable until `valid_until` (inclusive, local date), then what is left expires."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="passes")
    offer = models.ForeignKey(PassOffer, on_delete=models.PROTECT, related_name="passes")
    place = models.ForeignKey(Place, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    resource_kind = models.CharField(_("kind of resource"), max_length=20, choices=ResourceKind.choices, blank=True)
    unit = models.CharField(_("credit unit"), max_length=8)
    quantity = models.BigIntegerField(_("credits bought (minor units)"))
    price_unit = models.CharField(_("unit of the price"), max_length=8)
    price = models.BigIntegerField(_("price paid (minor units)"))
    account = models.OneToOneField(
        Account, on_delete=models.PROTECT, null=True, blank=True, related_name="carnet", verbose_name=_("account")
    )
    purchase = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, null=True, blank=True, related_name="carnet_purchase"
    )
    valid_until = models.DateField(_("valid until"))
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=255, null=True, blank=True, unique=True)
    request_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("bought at"), default=timezone.now)

    class Meta:
        verbose_name = _("carnet")
        verbose_name_plural = _("carnets")
        ordering = ["-created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="pass_quantity_positive"),
            models.CheckConstraint(condition=Q(price__gte=0), name="pass_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.offer} — {self.member}"


class BookingCredit(models.Model):
    """The part of a booking paid with credits: `amount` of `unit` held on an allowance's or a
    carnet's account (`hold`), captured at check-in or at the end, voided on a timely cancellation.
    The rest, if any, is the booking's money hold (Booking.hold, Booking.price)."""

    class Source(models.TextChoices):
        ALLOWANCE = "allowance", _("Included in your plan")
        CARNET = "carnet", _("Carnet")

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="credits")
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    allowance = models.ForeignKey(PlanAllowance, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    carnet = models.ForeignKey(Pass, on_delete=models.PROTECT, null=True, blank=True, related_name="uses")
    unit = models.CharField(_("credit unit"), max_length=8)
    amount = models.BigIntegerField(_("credits (minor units)"))
    hold = models.OneToOneField(Hold, on_delete=models.PROTECT, related_name="booking_credit")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("credits used by a booking")
        verbose_name_plural = _("credits used by bookings")
        ordering = ["booking", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="booking_credit_amount_positive"),
            models.CheckConstraint(
                condition=(Q(source="allowance") & Q(subscription__isnull=False) & Q(carnet__isnull=True))
                | (Q(source="carnet") & Q(carnet__isnull=False) & Q(subscription__isnull=True)),
                name="booking_credit_source_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booking}: {self.amount} {self.unit} ({self.source})"


__all__ = ["BookingCredit", "Pass", "PassOffer", "Plan", "PlanAllowance", "Subscription"]
