"""The membership's own table: the yearly fees paid (adhésion), each beside its ledger transaction."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Member


class MembershipPayment(models.Model):
    """One yearly membership fee paid (adhésion), in EUR or ACH, posted to the fees account."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="membership_payments")
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    unit = models.CharField(_("unit"), max_length=8)
    amount = models.BigIntegerField(_("amount (minor units)"))
    # The ledger transaction of the fee, kept as an id: a plain column since the table was members'.
    transaction_id = models.BigIntegerField(_("transaction"), unique=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        # The table keeps the name it had in members/: moving the model moved no row.
        db_table = "members_membershippayment"
        verbose_name = _("membership payment")
        verbose_name_plural = _("membership payments")
        ordering = ["-period_end", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "period_start"], name="membership_one_payment_per_period"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="membership_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.period_start}–{self.period_end}"
