"""Members: the people and organisations that hold accounts, where they live, until when their
membership runs (the fees paid are membership/'s)."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.territory import INSEE_CODE, POSTAL_CODE
from core.text import search_key as folded


class Commune(models.Model):
    """A commune of the territory (the demo: the nine of the CC du Pays des Achards)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    postal_code = models.CharField(
        _("postal code"),
        max_length=5,
        validators=[RegexValidator(POSTAL_CODE, _("A postal code is five digits."))],
    )
    # The INSEE code names a commune for the open data (postal codes are shared by several).
    insee_code = models.CharField(
        _("INSEE code"),
        max_length=5,
        blank=True,
        validators=[
            RegexValidator(INSEE_CODE, _("An INSEE code is five characters: digits, or 2A/2B and three digits."))
        ],
    )

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["insee_code"], condition=~models.Q(insee_code=""), name="commune_insee_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.postal_code})"


class Member(models.Model):
    """A person or organisation holding accounts (one per user). A member who leaves is closed, then
    pseudonymised (members.erasure): `display_name` becomes « Ancien membre n° <pk> », every personal
    field is cleared, the commune stays (statistics per commune remain true)."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        BUSINESS = "business", _("Business")
        ASSOCIATION = "association", _("Association")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="member")
    display_name = models.CharField(_("display name"), max_length=150)
    # display_name folded by core.text.search_key (accents, case, punctuation), kept by save(): the
    # member picker searches and resolves names on it alike on SQLite and PostgreSQL.
    search_key = models.CharField(max_length=255, blank=True, editable=False, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="members", verbose_name=_("commune")
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    activity = models.CharField(_("activity"), max_length=120, blank=True, help_text=_("e.g. bakery, coworking"))
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)
    in_directory = models.BooleanField(_("appears in the public directory"), default=False)
    siren = models.CharField("SIREN", max_length=9, blank=True)
    siret = models.CharField("SIRET", max_length=14, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=13, blank=True)
    rna = models.CharField("RNA", max_length=10, blank=True)
    iban = models.CharField("IBAN", max_length=34, blank=True)
    bic = models.CharField("BIC", max_length=11, blank=True)
    # When the IBAN last changed: reconversions wait BOCAGE_IBAN_CHANGE_HOLD_DAYS after it (a stolen
    # login changing the IBAN, then cashing out, is the classic fraud).
    iban_changed_at = models.DateTimeField(_("IBAN changed at"), null=True, blank=True)
    # The member's own choices: the language of the site and the mails, what the public sees. Blank:
    # never chosen, the site follows the browser and the mails are in French (settings.LANGUAGE_CODE);
    # a chosen language is applied at each login.
    language = models.CharField(
        _("language"), max_length=2, choices=[("fr", _("French")), ("en", _("English"))], blank=True, default=""
    )
    show_name_as_backer = models.BooleanField(_("show my name on the campaigns I back"), default=False)
    opening_hours = models.CharField(
        _("opening hours"), max_length=120, blank=True, help_text=_("e.g. Tue–Sat 7 am–7 pm")
    )
    directory_shows_address = models.BooleanField(_("show my address in the directory"), default=False)
    directory_shows_phone = models.BooleanField(_("show my phone in the directory"), default=False)
    membership_expires_on = models.DateField(_("membership valid until"), null=True, blank=True)
    # The expiry date a renewal reminder was last sent for: one reminder per expiry, however often the task runs.
    membership_reminder_sent_for = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["display_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="active", closed_at__isnull=True) | Q(status="closed", closed_at__isnull=False),
                name="member_closed_has_date",
            ),
        ]
        indexes = [models.Index(fields=["kind", "in_directory"], name="member_directory")]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_key = folded(self.display_name)[:255]
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "display_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_key"}
        super().save(*args, **kwargs)

    @property
    def mail_language(self) -> str:
        """The language of the mails sent to this member: their choice, else the site's."""
        return self.language or settings.LANGUAGE_CODE

    def membership_valid_on(self, day: datetime.date | None = None) -> bool:
        """True while the yearly membership (adhésion) covers `day` (today by default)."""
        if self.membership_expires_on is None:
            return False
        return (day or timezone.localdate()) <= self.membership_expires_on


class ApiToken(models.Model):
    """An API token of one user on one device (several per user), stored as the SHA-256 of its key.

    A token answers while it is not revoked, not past `expires_at` and the user's password is the
    one it was issued under (`password_fingerprint`): a password changed by any path (page, reset,
    admin, shell) ends every token without a hook on each path. Use moves `expires_at` forward.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    # The key itself is shown once, when issued; a leaked table gives no usable token.
    digest = models.CharField(max_length=64, unique=True)
    device = models.CharField(_("device"), max_length=100, blank=True)
    password_fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="api_token_user_live")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.device or self.pk}"


class PersonalDataExport(models.Model):
    """A member's copy of everything Bocage holds about them (RGPD), a ZIP made in the background
    (members.personal_data_exports); the file is deleted `expires_at`, the row stays as a record."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="personal_data_exports")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    file = models.FileField(_("file"), upload_to="personal-data/%Y/%m/", blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("available until"), null=True, blank=True)

    class Meta:
        verbose_name = _("personal data export")
        verbose_name_plural = _("personal data exports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.status}"

    @property
    def available(self) -> bool:
        """Done, its file still there and not past its date."""
        return (
            self.status == self.Status.DONE
            and bool(self.file)
            and (self.expires_at is None or self.expires_at > timezone.now())
        )

    @property
    def download_name(self) -> str:
        """The file's name for the member (the stored one ends with a random part nobody can guess)."""
        day = timezone.localtime(self.finished_at or self.created_at)
        return f"bocage-mes-donnees-{day:%Y%m%d}.zip"

    @property
    def expired(self) -> bool:
        return self.status == self.Status.DONE and not self.available


class UserSession(models.Model):
    """One logged-in session of a user, listed on /security/sessions/ so they can end it.

    Written at login, touched at most every BOCAGE_SESSION_TOUCH_SECONDS, deleted at logout. The
    device is only a browser and a system (« Firefox sur Android »): no user agent, no IP address.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("user")
    )
    session_key = models.CharField(max_length=40, unique=True)
    device = models.CharField(_("device"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-last_seen_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.device or self.pk}"


class RetainedRecord(models.Model):
    """Personal data of a former member the law requires to keep a while after they left (archivage
    intermédiaire): the identity of a former associate in the share register, the payee of a euro
    payout. Written only by members.erasure when a member leaves, copied from the rows it then erases;
    read by nobody but the auditors (admin, read-only); deleted past `keep_until` by the beat
    (the nightly retention task, members.retention). `member_id` is a plain column: the record outlives any
    change to the member's row."""

    class Purpose(models.TextChoices):
        SHARE_REGISTER = "share_register", _("share register (former associate)")
        PAYOUT = "payout", _("euro payout (accounting record)")

    member_id = models.BigIntegerField(_("member"), db_index=True)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    # What requires it, as a key (members.erasure.LEGAL_BASES gives the sentence).
    legal_basis = models.CharField(_("legal basis"), max_length=40)
    # The row it was copied from ("cooperative.shareholder:12"): copying again changes nothing.
    reference = models.CharField(_("copied from"), max_length=80)
    data = models.JSONField(_("data"), default=dict)
    keep_until = models.DateField(_("kept until"), db_index=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("retained record")
        verbose_name_plural = _("retained records")
        ordering = ["keep_until", "id"]
        constraints = [models.UniqueConstraint(fields=["purpose", "reference"], name="retained_record_once")]

    def __str__(self) -> str:
        return f"{self.purpose} {self.reference}"
