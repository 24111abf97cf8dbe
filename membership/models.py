"""The membership's own table: the yearly fees paid (adhésion), each beside its ledger transaction."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from currency.models import Comptoir, Conversion
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
    # A fee paid in euros at an exchange office: which one, and how (its cash report counts it).
    comptoir = models.ForeignKey(
        Comptoir,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="membership_payments",
        verbose_name=_("exchange office"),
    )
    payment_method = models.CharField(
        _("payment method"), max_length=10, choices=Conversion.PaymentMethod.choices, blank=True
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


class LegalDocument(models.Model):
    """One published version of a document a member accepts on joining: the terms of use or the
    privacy notice. The current version of a kind is the setting's (BOCAGE_TERMS_VERSION,
    BOCAGE_PRIVACY_VERSION) or else the latest published."""

    class Kind(models.TextChoices):
        TERMS = "terms", _("terms of use")
        PRIVACY = "privacy", _("privacy notice")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    version = models.CharField(_("version"), max_length=20)
    published_on = models.DateField(_("published on"))
    # Shown to the members who accepted an earlier version when they are asked to accept this one.
    summary = models.TextField(_("what changed"), blank=True)

    class Meta:
        verbose_name = _("legal document")
        verbose_name_plural = _("legal documents")
        ordering = ["kind", "-published_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="membership_document_version_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.version}"


class Consent(models.Model):
    """A user accepted a version of a document, at a time (append-only: a new version is a new row)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consents")
    document = models.ForeignKey(LegalDocument, on_delete=models.PROTECT, related_name="consents")
    accepted_at = models.DateTimeField(_("accepted at"), default=timezone.now)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-accepted_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "document"], name="membership_consent_once")]

    def __str__(self) -> str:
        return f"{self.user} {self.document}"


class PendingSignup(models.Model):
    """A sign-up waiting for its e-mail address to be verified: the validated form, the password
    already hashed, the digest of the link's token. Nothing else exists until the link is opened;
    then `user` is the account it created (and the password hash is dropped)."""

    email = models.EmailField(_("e-mail"))
    kind = models.CharField(_("kind"), max_length=20, choices=Member.Kind.choices)
    display_name = models.CharField(_("display name"), max_length=150)
    # commune (id or None), address, phone and the identity numbers, as validated.
    details = models.JSONField(default=dict, blank=True)
    password = models.CharField(max_length=128, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    documents = models.ManyToManyField(LegalDocument, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("pending sign-up")
        verbose_name_plural = _("pending sign-ups")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"sign-up #{self.pk}"


class Application(models.Model):
    """A new member's application, when the cooperative validates new members
    (BOCAGE_SIGNUP_REQUIRES_APPROVAL): until approved, they can look but not pay their membership."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")

    member = models.OneToOneField(Member, on_delete=models.PROTECT, related_name="application")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("membership application")
        verbose_name_plural = _("membership applications")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.member} ({self.status})"
