"""The time bank's rows: a service record is a member's claim for the hours of a service given.

A record is pending until its receiver confirms it (the hours move: a ledger transaction, linked
from the record) or declines it (nothing moves). The database keeps the rules: a positive number
of hours, two different members, and confirmed exactly when a transaction is linked.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledger.models import Transaction
from members.models import Member


class ServiceRecord(models.Model):
    """Time bank: the provider records hours given; the receiver confirms (and pays) or declines."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed and paid")
        DECLINED = "declined", _("Declined")

    provider = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="services_given")
    receiver = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="services_received")
    unit = models.CharField(_("unit"), max_length=8, default="HRS")
    amount = models.BigIntegerField(_("hours (hundredths)"))
    description = models.CharField(_("description"), max_length=255)
    performed_on = models.DateField(_("performed on"), default=timezone.localdate)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, null=True, blank=True, related_name="service_record"
    )

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-id"]
        # The table was created by currency's first migration, when the time bank lived there.
        db_table = "currency_servicerecord"
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="service_record_amount_positive"),
            models.CheckConstraint(condition=~Q(provider=models.F("receiver")), name="service_record_two_members"),
            models.CheckConstraint(
                condition=Q(status="confirmed", transaction__isnull=False)
                | (~Q(status="confirmed") & Q(transaction__isnull=True)),
                name="service_record_confirmed_iff_posted",
            ),
        ]

    def __str__(self) -> str:
        return f"service record #{self.pk}"
