"""The local currency's operations, on top of the ledger.

Comptoirs convert euros into ACH; businesses reconvert ACH into euros (queued, approved, paid by
SEPA credit transfer); demurrage melts idle ACH once per period; payment requests let a business
be paid by a QR code. Every movement of value is a ledger transaction, linked from the row that explains it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledger.models import Account, Transaction
from members.models import Commune, Member


class Comptoir(models.Model):
    """An exchange office (comptoir de change): a shop or a tiers-lieu where euros become ACH."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("commune"))
    address = models.CharField(_("address"), max_length=255, blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="comptoirs", verbose_name=_("staff")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("exchange office")
        verbose_name_plural = _("exchange offices")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Conversion(models.Model):
    """Euros received at a comptoir and the same amount of ACH issued to a member (1 € = 1 ACH)."""

    class PaymentMethod(models.TextChoices):
        CASH = "cash", _("Cash")
        CHEQUE = "cheque", _("Cheque")
        CARD = "card", _("Card")

    comptoir = models.ForeignKey(Comptoir, on_delete=models.PROTECT, related_name="conversions")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="conversions")
    amount = models.BigIntegerField(_("amount (cents)"))
    payment_method = models.CharField(_("payment method"), max_length=10, choices=PaymentMethod.choices)
    transaction = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="conversion")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("conversion")
        verbose_name_plural = _("conversions")
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="conversion_amount_positive")]
        indexes = [models.Index(fields=["comptoir", "created_at"], name="conversion_comptoir_day")]

    def __str__(self) -> str:
        return f"conversion #{self.pk}"


class SepaExport(models.Model):
    """One pain.001 credit-transfer file paying approved reconversions."""

    message_id = models.CharField(_("message id"), max_length=35, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    total = models.BigIntegerField(_("total (cents)"))
    count = models.PositiveIntegerField(_("number of transfers"))
    xml = models.TextField(_("pain.001 XML"))

    class Meta:
        verbose_name = _("SEPA export")
        verbose_name_plural = _("SEPA exports")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.message_id


class Reconversion(models.Model):
    """A business's request to turn ACH back into euros, approved by an administrator.

    On approval the ledger posts it (ACH back to issuance, euros out of the guarantee fund, the
    fee kept); the euros leave in the next SEPA export.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        EXPORTED = "exported", _("Paid by transfer")

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="reconversions")
    amount = models.BigIntegerField(_("amount (cents)"))
    fee = models.BigIntegerField(_("fee (cents)"), default=0)
    iban = models.CharField("IBAN", max_length=34)
    bic = models.CharField("BIC", max_length=11, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rejection_reason = models.CharField(_("reason"), max_length=255, blank=True)
    transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, null=True, blank=True, related_name="reconversion"
    )
    export = models.ForeignKey(
        SepaExport, on_delete=models.PROTECT, null=True, blank=True, related_name="reconversions"
    )

    class Meta:
        verbose_name = _("reconversion")
        verbose_name_plural = _("reconversions")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(fee__gte=0) & Q(fee__lte=models.F("amount")), name="reconversion_amounts"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["approved", "exported"], transaction__isnull=False)
                | Q(status__in=["requested", "rejected"], transaction__isnull=True),
                name="reconversion_posted_iff_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"reconversion #{self.pk}"


class DemurrageCharge(models.Model):
    """Demurrage (fonte) charged to one account for one period: at most once (UNIQUE)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="demurrage_charges")
    period = models.CharField(_("period"), max_length=10, help_text=_("e.g. 2026-11 for a monthly period"))
    amount = models.BigIntegerField(_("amount (minor units)"))
    transaction = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="demurrage_charge")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("demurrage charge")
        verbose_name_plural = _("demurrage charges")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "period"], name="demurrage_once_per_account_and_period"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="demurrage_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.period}"


class PaymentRequest(models.Model):
    """A business asks to be paid (amount, memo); the payer opens its link (QR code) and confirms."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for payment")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    payee_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="payment_requests")
    amount = models.BigIntegerField(_("amount (minor units)"))
    memo = models.CharField(_("memo"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    paid_by = models.ForeignKey(Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, null=True, blank=True, related_name="payment_request"
    )

    class Meta:
        verbose_name = _("payment request")
        verbose_name_plural = _("payment requests")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_request_amount_positive"),
            models.CheckConstraint(
                condition=Q(status="paid", transaction__isnull=False)
                | (~Q(status="paid") & Q(transaction__isnull=True)),
                name="payment_request_paid_iff_posted",
            ),
        ]

    def __str__(self) -> str:
        return f"payment request #{self.pk}"
