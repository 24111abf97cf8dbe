"""The ledger: accounts, transactions, entries, holds.

Invariants (docs/ARCHITECTURE.md), each enforced by the services and, on PostgreSQL, by the database
itself (triggers in migration 0002; CHECK/UNIQUE constraints below on every backend):

1. Per transaction and per unit, entries sum to zero (deferred constraint trigger).
2. An entry's unit is its account's unit (composite foreign key (account_id, unit)).
3. `min_balance <= balance - held` and `balance <= max_balance` (CHECK on the account row,
   which is updated in the same database transaction as the entries).
4. `account.balance` = sum of its entries = the last entry's `balance_after` (an entry's
   `balance_after` must extend the previous one; a deferred trigger compares the account row).
5. Transactions and entries are append-only (UPDATE/DELETE rejected by triggers). A mistake is
   corrected by a reversing transaction; a transaction is reversed at most once (UNIQUE). The one
   exception is the erasure of personal data (migration 0014): a memo covered by a sealed digest
   may be replaced while its salt is cleared; nothing else of the row may change.
6. One idempotency key, at most one transaction (UNIQUE).
7. A transaction's kind is one that an app registered (foreign key to TransactionKind; ledger.kinds).

Amounts are integers in the unit's minor units (see ledger.units): exact on every backend.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledger import kinds, memos
from ledger.units import Unit, get_unit
from members.models import Member


def available_of(balance: int, held: int, min_balance: int | None) -> int | None:
    """What an account can still pay: balance − held − min_balance (None: unbounded). Shared by
    `Account.available` and a batch's locked row (`ledger.locks.LockedRow.available`)."""
    if min_balance is None:
        return None
    return balance - held - min_balance


class Account(models.Model):
    class Kind(models.TextChoices):
        MEMBER = "member", _("Member account")
        SYSTEM = "system", _("System account")

    class SystemCode(models.TextChoices):
        WORLD = "world", _("World (outside the ledger)")
        ISSUANCE = "issuance", _("Issuance")
        GUARANTEE_FUND = "guarantee_fund", _("Guarantee fund")
        FEES = "fees", _("Fees")
        DEMURRAGE_FUND = "demurrage_fund", _("Demurrage fund")
        ESCROW = "escrow", _("Escrow")
        CAPITAL = "capital", _("Cooperative capital")
        PLACE = "place", _("Place (tiers-lieu)")
        CREDIT = "credit", _("Booking credits (a plan's allowance or a carnet)")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        FROZEN = "frozen", _("Frozen")
        CLOSED = "closed", _("Closed")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    holder = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="accounts", verbose_name=_("holder")
    )
    system_code = models.CharField(_("system code"), max_length=20, choices=SystemCode.choices, blank=True)
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    unit = models.CharField(_("unit"), max_length=8)
    name = models.CharField(_("name"), max_length=150, blank=True)
    balance = models.BigIntegerField(_("balance (minor units)"), default=0)
    held = models.BigIntegerField(_("held (minor units)"), default=0)
    min_balance = models.BigIntegerField(_("lower limit (minor units)"), null=True, blank=True)
    max_balance = models.BigIntegerField(_("upper limit (minor units)"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["id"]
        permissions = [("audit_ledger", _("Can read every account, transaction and hold"))]
        constraints = [
            models.CheckConstraint(condition=Q(held__gte=0), name="account_held_not_negative"),
            models.CheckConstraint(
                condition=Q(min_balance__isnull=True) | Q(min_balance__lte=F("balance") - F("held")),
                name="account_above_min_balance",
            ),
            models.CheckConstraint(
                condition=Q(max_balance__isnull=True) | Q(balance__lte=F("max_balance")),
                name="account_below_max_balance",
            ),
            models.CheckConstraint(
                condition=(Q(kind="member") & Q(holder__isnull=False) & Q(system_code=""))
                | (Q(kind="system") & ~Q(system_code="")),
                name="account_kind_consistent",
            ),
            models.UniqueConstraint(
                fields=["holder", "unit"], condition=Q(kind="member"), name="account_one_per_member_and_unit"
            ),
            models.UniqueConstraint(
                fields=["system_code", "unit", "reference"],
                condition=Q(kind="system"),
                name="account_one_per_system_code_unit_reference",
            ),
            # Target of the composite foreign key that ties an entry's unit to its account's.
            models.UniqueConstraint(fields=["id", "unit"], name="account_id_unit_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.unit})"

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        if self.holder_id is not None:
            return str(self.holder)
        return str(self.get_system_code_display())

    @property
    def unit_config(self) -> Unit:
        return get_unit(self.unit)

    @property
    def available(self) -> int | None:
        """What the account can still pay: balance − held − min_balance (None: unbounded)."""
        return available_of(self.balance, self.held, self.min_balance)


class TransactionKind(models.Model):
    """A kind of transaction, registered by the app that owns it (ledger.kinds); its label is
    translated from the registration, not stored."""

    code = models.CharField(_("code"), max_length=20, primary_key=True)

    class Meta:
        verbose_name = _("transaction kind")
        verbose_name_plural = _("transaction kinds")
        ordering = ["code"]

    def __str__(self) -> str:
        return kinds.label(self.code)


class Transaction(models.Model):
    # A foreign key (column "kind", the code): a kind no app registered is refused by the database.
    kind = models.ForeignKey(
        TransactionKind,
        on_delete=models.PROTECT,
        to_field="code",
        db_column="kind",
        db_index=False,
        related_name="+",
        verbose_name=_("kind"),
    )
    memo = models.CharField(_("memo"), max_length=255, blank=True)
    # A system memo as a code and parameters (ledger.memos), rendered in the reader's language;
    # null on rows without one (written before codes existed, or typed by people). Nullable
    # without a default, so adding them rewrote no ledger row.
    memo_code = models.CharField(_("memo code"), max_length=60, null=True, blank=True)
    memo_params = models.JSONField(_("memo parameters"), null=True, blank=True)
    # The seal covers a salted commitment to the memo, not the memo (ledger.sealing.memo_commitment),
    # so that a memo naming a person can be erased (ledger.services.erasure) and every seal still
    # verifies. Erasing clears the salt; both are empty on rows sealed before (memo in clear, kept),
    # and on a row inserted by raw SQL that names neither (the database default): legacy line.
    memo_salt = models.CharField(_("memo salt"), max_length=32, blank=True, default="", db_default="")
    memo_digest = models.CharField(_("memo digest"), max_length=64, blank=True, default="", db_default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, null=True, blank=True, unique=True)
    request_hash = models.CharField(max_length=64, blank=True)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by", verbose_name=_("reverses")
    )
    # Not a column: the entries a posting service has just written, in order, so that whoever
    # answers with the new posting (the API) shows them without reading them back.
    written_entries: list[Entry] | None = None

    class Meta:
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.memo}".strip()

    def get_kind_display(self) -> str:
        """The kind's translated label, as its app registered it (no query: the code is the column)."""
        return kinds.label(self.kind_id)

    @property
    def memo_display(self) -> str:
        """The memo in the reader's language (a coded system memo), else the stored text."""
        return memos.display(self.memo, self.memo_code or "", self.memo_params)


class Entry(models.Model):
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    # No index of its own (entry_account_recent starts with it) and, on PostgreSQL, no foreign key
    # of its own: entry_unit_is_account_unit, (account, unit) → account (id, unit), already refuses
    # an entry on a missing account, immediately. Both were paid on every entry (migration 0009).
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="entries", db_index=False, db_constraint=False
    )
    unit = models.CharField(_("unit"), max_length=8)
    amount = models.BigIntegerField(_("amount (minor units)"))
    balance_after = models.BigIntegerField(_("balance after (minor units)"))

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="entry_amount_not_zero")]
        indexes = [models.Index(fields=["account", "-id"], name="entry_account_recent")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.amount} {self.unit}"


class Hold(models.Model):
    """A reservation on a debit account towards a credit account (two-phase transfer)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CAPTURED = "captured", _("Captured")
        VOIDED = "voided", _("Voided")
        EXPIRED = "expired", _("Expired")

    debit_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="holds_out")
    credit_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="holds_in")
    unit = models.CharField(_("unit"), max_length=8)
    amount = models.BigIntegerField(_("amount (minor units)"))
    captured_amount = models.BigIntegerField(_("captured amount (minor units)"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    memo = models.CharField(_("memo"), max_length=255, blank=True)
    memo_code = models.CharField(_("memo code"), max_length=60, null=True, blank=True)
    memo_params = models.JSONField(_("memo parameters"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    capture_transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, null=True, blank=True, related_name="captured_hold"
    )
    idempotency_key = models.CharField(max_length=255, null=True, blank=True, unique=True)
    request_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="hold_amount_positive"),
            models.CheckConstraint(
                condition=Q(captured_amount__gte=0) & Q(captured_amount__lte=F("amount")),
                name="hold_captured_within_amount",
            ),
            models.CheckConstraint(condition=~Q(debit_account=F("credit_account")), name="hold_two_accounts"),
            models.CheckConstraint(
                condition=(Q(status="pending") & Q(resolved_at__isnull=True) & Q(capture_transaction__isnull=True))
                | (Q(status="captured") & Q(resolved_at__isnull=False) & Q(capture_transaction__isnull=False))
                | (Q(status__in=["voided", "expired"]) & Q(resolved_at__isnull=False) & Q(captured_amount=0)),
                name="hold_status_consistent",
            ),
        ]
        indexes = [
            models.Index(fields=["expires_at"], condition=Q(status="pending"), name="hold_pending_expiry"),
            models.Index(fields=["debit_account"], condition=Q(status="pending"), name="hold_pending_debit"),
        ]

    def __str__(self) -> str:
        return f"hold #{self.pk} {self.amount} {self.unit} ({self.status})"

    @property
    def memo_display(self) -> str:
        """The memo in the reader's language (a coded system memo), else the stored text."""
        return memos.display(self.memo, self.memo_code or "", self.memo_params)


class Seal(models.Model):
    """A link of the tamper-evidence chain: the hash of the transactions it covers and of the previous seal.

    hash = sha256(previous_hash ‖ canonical bytes of each covered transaction and its entries), as
    `ledger.sealing` documents; `sequence` numbers the chain from 1 without gaps (UNIQUE), so two
    sealers racing cannot fork it.
    """

    sequence = models.PositiveIntegerField(_("sequence"), unique=True)
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)
    first_transaction_id = models.BigIntegerField(_("first transaction"))
    last_transaction_id = models.BigIntegerField(_("last transaction"))
    transaction_count = models.PositiveIntegerField(_("transactions"))
    entry_count = models.PositiveIntegerField(_("entries"))
    sealed_at = models.DateTimeField(_("sealed at"), default=timezone.now)

    class Meta:
        verbose_name = _("seal")
        verbose_name_plural = _("seals")
        ordering = ["sequence"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_transaction_id__gte=F("first_transaction_id")), name="seal_range_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"seal {self.sequence} {self.hash[:12]}"


class ExportJob(models.Model):
    """A long export (FEC, statement) made by Celery; the page shows its progress, then the file."""

    class Kind(models.TextChoices):
        FEC = "fec", _("FEC (accounting entries file)")
        STATEMENT_CSV = "statement_csv", _("Account statement (CSV)")
        STATEMENT_PDF = "statement_pdf", _("Account statement (PDF)")
        AUDIT_LOG = "audit_log", _("Audit log (CSV)")
        VERIFICATION = "verification", _("Ledger verification (report)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parameters = models.JSONField(_("parameters"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    file = models.FileField(_("file"), upload_to="exports/%Y/%m/", blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.status}"
