"""The SEL marketplace: listings (offers and wants) and the exchanges agreed on them.

An exchange settles through the ledger: accepting it puts a hold on the paying side's account
(buyer → seller), confirming delivery captures it, cancelling voids it. The hold is the only
money state; an exchange's status says where the agreement stands and links to its hold.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ledger.models import Hold
from members.models import Commune, Member


class Category(models.Model):
    """A two-level tree the administrators edit (food › bread, repairs › bikes…)."""

    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name_fr"]

    def __str__(self) -> str:
        return self.name_fr if self.parent_id is None else f"{self.parent} › {self.name_fr}"

    def name(self, language: str = "fr") -> str:
        return self.name_en if language.startswith("en") else self.name_fr

    def path(self, language: str = "fr") -> str:
        """`Réparations › Vélos`: the parent's name, then this one's, in `language`."""
        name = self.name(language)
        return name if self.parent is None else f"{self.parent.name(language)} › {name}"


class Listing(models.Model):
    class Kind(models.TextChoices):
        OFFER = "offer", _("Offer")
        WANT = "want", _("Want")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        CLOSED = "closed", _("Closed")
        EXPIRED = "expired", _("Expired")
        HIDDEN = "hidden", _("Hidden by a moderator")

    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="listings", verbose_name=_("author"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=5000)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="listings", verbose_name=_("category")
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("commune")
    )
    # A price in a unit, or none: "to be agreed" (the exchange then proposes an amount).
    unit = models.CharField(_("unit"), max_length=8, blank=True)
    price = models.BigIntegerField(_("price (minor units)"), null=True, blank=True)
    availability = models.CharField(_("availability"), max_length=200, blank=True)
    expires_on = models.DateField(_("expires on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=255, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    expiry_notified = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(unit="") & Q(price__isnull=True)) | (~Q(unit="") & Q(price__gt=0)),
                name="listing_price_in_a_unit_or_to_be_agreed",
            ),
            models.CheckConstraint(
                condition=~Q(status="hidden") | ~Q(hidden_reason=""), name="listing_hidden_with_a_reason"
            ),
        ]
        # On PostgreSQL the table also has `search_document`, a tsvector the database generates
        # from the title and description (GIN index `listing_search_document`, migration 0004).
        # It is no field here so that Django never writes it (it cannot) nor reads it.
        indexes = [
            models.Index(fields=["status", "-created_at"], name="listing_active_newest"),
            models.Index(fields=["status", "expires_on"], name="listing_expiry"),
        ]

    def __str__(self) -> str:
        return self.title


class ListingPhoto(models.Model):
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("image"), upload_to="listings/%Y/%m/", width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.image.name


class Exchange(models.Model):
    """An agreement on a listing between the paying side (buyer) and the other (seller)."""

    class Status(models.TextChoices):
        # An exchange (un échange) is masculine in French: the labels other models share
        # ("Requested", "Declined", "Cancelled", feminine for a request) have their own context.
        REQUESTED = "requested", pgettext_lazy("exchange status", "Requested")
        ACCEPTED = "accepted", _("Accepted (amount on hold)")
        DELIVERED = "delivered", _("Delivered")
        COMPLETED = "completed", _("Completed (paid)")
        DECLINED = "declined", pgettext_lazy("exchange status", "Declined")
        CANCELLED = "cancelled", pgettext_lazy("exchange status", "Cancelled")
        DISPUTED = "disputed", _("Disputed")
        RESOLVED = "resolved", _("Resolved by a moderator")

    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="exchanges")
    buyer = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="exchanges_as_buyer")
    seller = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="exchanges_as_seller")
    requested_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    unit = models.CharField(_("unit"), max_length=8)
    amount = models.BigIntegerField(_("amount (minor units)"))
    message = models.TextField(_("message"), max_length=2000, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    hold = models.OneToOneField(Hold, on_delete=models.PROTECT, null=True, blank=True, related_name="exchange")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # Delivered and neither confirmed nor disputed by then: captured automatically (Celery beat).
    auto_capture_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    dispute_reason = models.CharField(_("reason of the dispute"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("exchange")
        verbose_name_plural = _("exchanges")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="exchange_amount_positive"),
            models.CheckConstraint(condition=~Q(buyer=models.F("seller")), name="exchange_two_members"),
            models.CheckConstraint(
                condition=~Q(status__in=["accepted", "delivered", "disputed"]) | Q(hold__isnull=False),
                name="exchange_money_on_hold_while_open",
            ),
        ]
        indexes = [models.Index(fields=["status", "auto_capture_at"], name="exchange_auto_capture")]

    def __str__(self) -> str:
        return f"exchange #{self.pk}"


class ExchangeEvent(models.Model):
    """The timeline: every transition (and who made it), append-only."""

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.exchange_id}: {self.from_status} → {self.to_status}"


class ExchangeMessage(models.Model):
    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("message"), max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"message #{self.pk}"


class Review(models.Model):
    """After completion each side may leave one review of the other (1 to 5, and a comment)."""

    exchange = models.ForeignKey(Exchange, on_delete=models.PROTECT, related_name="reviews")
    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="reviews_written")
    subject = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="reviews_received")
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["exchange", "author"], name="review_one_per_side"),
            models.CheckConstraint(condition=Q(rating__gte=1) & Q(rating__lte=5), name="review_rating_1_to_5"),
            models.CheckConstraint(condition=~Q(author=models.F("subject")), name="review_not_of_oneself"),
        ]

    def __str__(self) -> str:
        return f"review #{self.pk}"
