"""Standing orders: a payment that repeats, authorised once by the payer.

The beat pays each due period exactly once: the period (`2026-12`, `2026-W49`, `2026`) is part of
the ledger transaction's idempotency key (`standing-order:<id>:<period>`), and one execution row per
(order, period) records the outcome. A period that cannot be paid is recorded as missed with its
reason, and retried a bounded number of times while its period lasts. The payer cancels at any
time; the payee never changes the amount: a new amount is a new order the payer accepts.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledger.models.accounts import Account, Transaction


class StandingOrder(models.Model):
    class Period(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")
        YEARLY = "yearly", _("Yearly")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CANCELLED = "cancelled", _("Cancelled")
        ENDED = "ended", _("Ended")

    from_account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="standing_orders_out", verbose_name=_("payer's account")
    )
    to_account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="standing_orders_in", verbose_name=_("payee's account")
    )
    unit = models.CharField(_("unit"), max_length=8)
    amount = models.BigIntegerField(_("amount (minor units)"))
    period = models.CharField(_("period"), max_length=10, choices=Period.choices)
    # weekly: ISO weekday (1 Monday … 7 Sunday); monthly: day of the month (1–31, past the month's
    # last day: its last day); yearly: day of the start's month, every year (same clamping).
    day = models.PositiveSmallIntegerField(_("day"), validators=[MinValueValidator(1), MaxValueValidator(31)])
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"), null=True, blank=True)
    count = models.PositiveIntegerField(_("number of payments"), null=True, blank=True)
    memo = models.CharField(_("memo"), max_length=255, blank=True)
    # Who made it and what for: "" for a member's own order, "subscription:<id>" for a plan of a
    # place (ledger.standing_order_hooks tells that app what happened to each period).
    purpose = models.CharField(_("purpose"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # The due date of the next period not yet executed (None once ended or cancelled): the beat's index.
    next_due = models.DateField(_("next payment"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    idempotency_key = models.CharField(max_length=255, null=True, blank=True, unique=True)
    request_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("standing order")
        verbose_name_plural = _("standing orders")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="standing_order_amount_positive"),
            models.CheckConstraint(
                condition=~Q(from_account=models.F("to_account")), name="standing_order_two_accounts"
            ),
            models.CheckConstraint(
                condition=Q(day__gte=1)
                & (Q(period="weekly", day__lte=7) | Q(period__in=["monthly", "yearly"], day__lte=31)),
                name="standing_order_day_in_period",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="standing_order_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(count__isnull=True) | Q(count__gte=1), name="standing_order_count_positive"
            ),
            models.CheckConstraint(
                condition=Q(status="active") | Q(next_due__isnull=True), name="standing_order_due_only_active"
            ),
        ]
        indexes = [
            models.Index(fields=["next_due"], condition=Q(status="active"), name="standing_order_due"),
        ]

    def __str__(self) -> str:
        return f"standing order #{self.pk} {self.amount} {self.unit} {self.period}"


class StandingOrderExecution(models.Model):
    """What happened to one period of an order: paid (with its transaction) or missed (with the
    reason; retried until `retry_at` is None)."""

    class Status(models.TextChoices):
        PAID = "paid", _("Paid")
        MISSED = "missed", _("Missed")

    order = models.ForeignKey(StandingOrder, on_delete=models.PROTECT, related_name="executions")
    period = models.CharField(_("period"), max_length=10)
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, null=True, blank=True, related_name="standing_order_execution"
    )
    # A stable code (insufficient_funds, account_frozen, membership_expired, …) for a missed period.
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When the beat tries a missed period again; None once paid or given up.
    retry_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("standing order period")
        verbose_name_plural = _("standing order periods")
        ordering = ["order", "due_date"]
        constraints = [
            models.UniqueConstraint(fields=["order", "period"], name="standing_order_one_execution_per_period"),
            models.CheckConstraint(
                condition=(Q(status="paid") & Q(transaction__isnull=False) & Q(retry_at__isnull=True))
                | (Q(status="missed") & Q(transaction__isnull=True) & ~Q(reason="")),
                name="standing_order_execution_consistent",
            ),
        ]
        indexes = [
            models.Index(fields=["retry_at"], condition=Q(status="missed"), name="standing_order_retry"),
        ]

    def __str__(self) -> str:
        return f"{self.order} {self.period}: {self.status}"
