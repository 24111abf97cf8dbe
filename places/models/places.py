"""The network of tiers-lieux: places, their opening hours, what they offer, and bookings.

A booking is `[start, end)` × seats on a resource. Its price is a ledger hold from the member's
account towards the place's account (a system account `place`, reference `place:<id>`, one per
unit the place accepts): captured at check-in or at the end, voided on a timely cancellation,
partly captured (the late fee) for a late one or a no-show. The hold is the only money state.

Availability is computed (places.availability), never stored. Opening rules are in local wall
time (Europe/Paris, settings.TIME_ZONE); bookings are stored as aware instants (UTC).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledger.models import Hold
from members.models import Commune, Member


class PlaceKind(models.TextChoices):
    COWORKING = "coworking", _("Coworking space")
    FABLAB = "fablab", _("Fablab")
    WORKSHOP = "atelier_partage", _("Shared workshop")
    CAFE = "cafe_associatif", _("Community café")
    RESSOURCERIE = "ressourcerie", _("Ressourcerie")
    GARDEN = "jardin_partage", _("Shared garden")
    ASSOCIATIONS = "espace_associatif", _("Space for associations")
    DIGITAL = "espace_public_numerique", _("Public digital space")
    THIRD_PLACE = "tiers_lieu", _("Other tiers-lieu")


class PlaceService(models.TextChoices):
    WIFI = "wifi", _("Wi-Fi")
    PRINTER = "printer", _("Printer")
    VIDEO = "video_conference", _("Video-conference")
    KITCHEN = "kitchen", _("Kitchen")
    PARKING = "parking", _("Parking")
    BIKE_PARKING = "bike_parking", _("Bike parking")
    LOCKERS = "lockers", _("Lockers")
    CHILD_FRIENDLY = "child_friendly", _("Child-friendly")


class Place(models.Model):
    """A tiers-lieu of the network. `kinds`, `services` and `units` are lists of codes (JSON)."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    kinds = models.JSONField(_("kinds"), default=list, help_text=_("Codes of PlaceKind."))
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="places", verbose_name=_("commune"))
    address = models.CharField(_("address"), max_length=255)
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=6, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    description = models.TextField(_("description"), blank=True)
    email = models.EmailField(_("contact e-mail"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    website = models.URLField(_("website"), blank=True)
    step_free_access = models.BooleanField(_("step-free access"), default=False)
    accessible_toilets = models.BooleanField(_("accessible toilets"), default=False)
    services = models.JSONField(_("services"), default=list, blank=True, help_text=_("Codes of PlaceService."))
    units = models.JSONField(
        _("units accepted"), default=list, help_text=_("Unit codes: ACH, HRS; EUR means paid at the counter.")
    )
    # A place being set up is not listed (directory, map, API, open data) until it is public.
    public = models.BooleanField(_("public"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def account_reference(self) -> str:
        """The reference of the place's system accounts (code `place`, one per unit)."""
        return f"place:{self.pk}"


class PlacePhoto(models.Model):
    """A photo of a place, re-encoded as JPEG on upload (core.images); `alt_text` describes it to
    screen readers. The first by position is the place's card picture in the directory."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("image"), upload_to="places/%Y/%m/", width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    alt_text = models.CharField(
        _("description"), max_length=200, help_text=_("What the photo shows, read out to blind visitors.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["position", "id"]
        constraints = [models.CheckConstraint(condition=~Q(alt_text=""), name="place_photo_alt_text_required")]

    def __str__(self) -> str:
        return self.alt_text


class PlaceManager(models.Model):
    """A member managing one place (its bookings, check-ins, qualifications); a role on that place only."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="manager_roles")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="place_roles")
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("place manager")
        verbose_name_plural = _("place managers")
        constraints = [models.UniqueConstraint(fields=["place", "member"], name="place_manager_unique")]

    def __str__(self) -> str:
        return f"{self.member} @ {self.place}"


class OpeningRule(models.Model):
    """A weekly opening in local wall time: on `weekday` (0 Monday … 6 Sunday) from `opens` to `closes`.

    Several rules on one day are several openings (09:00–12:00 and 14:00–18:00). `valid_from` and
    `valid_until` (inclusive, optional) bound a season.
    """

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="opening_rules")
    weekday = models.PositiveSmallIntegerField(_("weekday"), validators=[MaxValueValidator(6)])
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("opening rule")
        verbose_name_plural = _("opening rules")
        ordering = ["place", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="opening_rule_weekday"),
            models.CheckConstraint(condition=Q(closes__gt=F("opens")), name="opening_rule_closes_after_opens"),
        ]

    def __str__(self) -> str:
        return f"{self.place} {self.weekday} {self.opens:%H:%M}–{self.closes:%H:%M}"


class OpeningException(models.Model):
    """An exceptional day: a closure (the whole day, or from `opens` to `closes`) or an extra opening.

    With `resource` set, a closure concerns that resource only (a machine under maintenance).
    """

    class Kind(models.TextChoices):
        CLOSURE = "closure", _("Closure")
        OPENING = "opening", _("Exceptional opening")

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="opening_exceptions")
    resource = models.ForeignKey(
        "Resource", on_delete=models.CASCADE, null=True, blank=True, related_name="closures", verbose_name=_("resource")
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    opens = models.TimeField(_("from"), null=True, blank=True)
    closes = models.TimeField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("exceptional closure or opening")
        verbose_name_plural = _("exceptional closures and openings")
        ordering = ["date", "opens"]
        constraints = [
            # Both times or neither (a closure of the whole day); an opening always has its times.
            models.CheckConstraint(
                condition=(Q(opens__isnull=True, closes__isnull=True, kind="closure"))
                | Q(opens__isnull=False, closes__isnull=False, closes__gt=F("opens")),
                name="opening_exception_times",
            ),
            models.CheckConstraint(
                condition=Q(resource__isnull=True) | Q(kind="closure"), name="opening_exception_resource_closure"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.place} {self.date} {self.kind}"


class Qualification(models.Model):
    """A training a place requires before one uses a machine (the laser cutter's safety course)."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="qualifications")
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        ordering = ["place", "name"]
        constraints = [models.UniqueConstraint(fields=["place", "name"], name="qualification_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.place})"


class MemberQualification(models.Model):
    """A place manager recorded that `member` was trained; revoked by setting `revoked_at`."""

    qualification = models.ForeignKey(Qualification, on_delete=models.CASCADE, related_name="holders")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="qualifications")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("member's qualification")
        verbose_name_plural = _("members' qualifications")
        constraints = [models.UniqueConstraint(fields=["qualification", "member"], name="member_qualification_unique")]

    def __str__(self) -> str:
        return f"{self.member} — {self.qualification}"


class ResourceKind(models.TextChoices):
    DESK = "desk", _("Desk in an open space")
    OFFICE = "office", _("Closed office")
    MEETING_ROOM = "meeting_room", _("Meeting room")
    ROOM = "room", _("Room")
    MACHINE = "machine", _("Machine")
    EQUIPMENT = "equipment", _("Equipment to borrow")


class Resource(models.Model):
    """What can be booked in a place: `capacity` seats sold one by one when `shared` (an open space's
    desks), else the whole of it for up to `capacity` people (a meeting room for 8, a laser cutter).

    A booking starts at an opening time or a whole number of `step_minutes` after it, lasts
    between `min_minutes` and `max_minutes`, at least `lead_minutes` ahead and at most
    `horizon_days` ahead; `buffer_minutes` must stay free after it. Booking the parent blocks its
    children and the reverse (the whole room and its desks).
    """

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="resources", verbose_name=_("place"))
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("part of")
    )
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=ResourceKind.choices)
    description = models.TextField(_("description"), blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), default=1, validators=[MinValueValidator(1)])
    # A shared resource sells its seats one by one (the desks of an open space, identical tools); any
    # other is booked whole, by one booking at a time, for up to `capacity` people (a meeting room).
    shared = models.BooleanField(
        _("seats booked one by one"),
        default=False,
        help_text=_(
            "Ticked: each seat is booked on its own (the desks of an open space). Not ticked: a booking takes "
            "the whole resource, for up to its capacity in people (a meeting room)."
        ),
    )
    step_minutes = models.PositiveIntegerField(_("booking step (minutes)"), default=60)
    min_minutes = models.PositiveIntegerField(_("minimum duration (minutes)"), default=60)
    max_minutes = models.PositiveIntegerField(_("maximum duration (minutes)"), default=600)
    horizon_days = models.PositiveIntegerField(_("bookable up to (days ahead)"), default=90)
    lead_minutes = models.PositiveIntegerField(_("book at least (minutes ahead)"), default=0)
    buffer_minutes = models.PositiveIntegerField(_("free time after a booking (minutes)"), default=0)
    cancel_deadline_hours = models.PositiveIntegerField(_("free cancellation until (hours before)"), default=24)
    late_cancel_fee_percent = models.PositiveSmallIntegerField(
        _("late cancellation fee (%)"), default=50, validators=[MaxValueValidator(100)]
    )
    members_only = models.BooleanField(_("members only"), default=True)
    qualification = models.ForeignKey(
        Qualification,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resources",
        verbose_name=_("qualification required"),
    )
    active = models.BooleanField(_("bookable"), default=True)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["place", "name"]
        constraints = [
            models.UniqueConstraint(fields=["place", "name"], name="resource_unique_name"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="resource_capacity_positive"),
            models.CheckConstraint(condition=Q(step_minutes__gte=5), name="resource_step_positive"),
            models.CheckConstraint(condition=Q(min_minutes__gte=F("step_minutes")), name="resource_min_a_step"),
            models.CheckConstraint(condition=Q(max_minutes__gte=F("min_minutes")), name="resource_max_above_min"),
            models.CheckConstraint(condition=Q(late_cancel_fee_percent__lte=100), name="resource_fee_percent"),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="resource_not_own_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.place})"


class ResourcePrice(models.Model):
    """The price of one step of `resource` in `unit`, in the unit's minor units (cents, hundredths of an hour)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="prices")
    unit = models.CharField(_("unit"), max_length=8)
    amount = models.BigIntegerField(_("price per step (minor units)"))

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        ordering = ["resource", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "unit"], name="resource_price_one_per_unit"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="resource_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.resource}: {self.amount} {self.unit}"


class Booking(models.Model):
    """`seats` of `resource` for `[start, end)`, by `member`, paid by `hold` (none when free).

    `blocks_until` = end + the resource's buffer: the interval `[start, blocks_until)` is what the
    database keeps from overlapping beyond the capacity (places/migrations: an exclusion
    constraint for capacity 1, a constraint trigger for capacity N and for parents and children).
    Every status but `cancelled` occupies the resource.
    """

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        CHECKED_IN = "checked_in", _("Checked in")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("No-show")

    ACTIVE_STATUSES = (Status.CONFIRMED, Status.CHECKED_IN, Status.COMPLETED, Status.NO_SHOW)

    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="bookings")
    # None for a booking made at the counter by a manager for a guest who is not a member.
    member = models.ForeignKey(Member, on_delete=models.PROTECT, null=True, blank=True, related_name="bookings")
    # A database default too: a row written in raw SQL (a member's) needs no guest columns.
    guest_name = models.CharField(_("guest's name"), max_length=150, blank=True, default="", db_default="")
    guest_phone = models.CharField(_("guest's phone"), max_length=30, blank=True, default="", db_default="")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    blocks_until = models.DateTimeField(_("blocks until"))
    seats = models.PositiveIntegerField(_("seats"), default=1)
    # True when the booking takes the whole resource (capacity 1): the exclusion constraint's rows.
    exclusive = models.BooleanField(default=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.CONFIRMED)
    unit = models.CharField(_("unit"), max_length=8)
    price = models.BigIntegerField(_("price (minor units)"))
    fee = models.BigIntegerField(_("fee kept (minor units)"), default=0)
    hold = models.OneToOneField(Hold, on_delete=models.PROTECT, null=True, blank=True, related_name="booking")
    idempotency_key = models.CharField(max_length=255, null=True, blank=True, unique=True)
    request_hash = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("booked at"), default=timezone.now)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="booking_end_after_start"),
            models.CheckConstraint(condition=Q(blocks_until__gte=F("end")), name="booking_blocks_after_end"),
            models.CheckConstraint(condition=Q(seats__gte=1), name="booking_seats_positive"),
            models.CheckConstraint(condition=Q(price__gte=0, fee__gte=0), name="booking_amounts_not_negative"),
            models.CheckConstraint(condition=Q(fee__lte=F("price")), name="booking_fee_within_price"),
            # A member's booking, or a guest's made at the counter (its name required); retention
            # (places.retention) blanks a past guest's name and phone, once the booking is over.
            models.CheckConstraint(
                condition=Q(member__isnull=False, guest_name="", guest_phone="")
                | Q(member__isnull=True, guest_name__gt="")
                | Q(member__isnull=True, guest_phone="", status__in=["completed", "cancelled", "no_show"]),
                name="booking_member_or_guest",
            ),
        ]
        indexes = [
            models.Index(fields=["resource", "start"], name="booking_resource_start"),
            models.Index(fields=["member", "start"], name="booking_member_start"),
            models.Index(fields=["status", "end"], name="booking_status_end"),
        ]

    def __str__(self) -> str:
        return f"{self.resource} {self.start:%Y-%m-%d %H:%M}"


class CalendarFeed(models.Model):
    """A member's private calendar of their bookings, read at `/calendar/<token>.ics` by a calendar app.

    Only the SHA-256 of the token is stored (as API tokens are): the link is shown once, when made.
    One feed per member; a new link replaces the digest, so the old link stops answering at once.
    """

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="calendar_feed")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.member} calendar"
