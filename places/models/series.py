"""Recurring bookings: a resource every week on the same weekday and wall times, for a term.

A series is the request (resource, member, ISO weekday 1–7, local wall times, first and last
date, seats); each occurrence is an ordinary booking made through places.services.bookings (so
checked for capacity, closures, openings and horizon like any other), linked to its series by
`bookings`. An occurrence refused at creation is reported to the member, not stored: the series
never hides a refused date.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Member
from places.models.places import Booking, Resource


class BookingSeries(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="series", verbose_name=_("resource"))
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="booking_series", verbose_name=_("member")
    )
    # ISO weekday: 1 Monday … 7 Sunday.
    weekday = models.PositiveSmallIntegerField(_("weekday"), validators=[MinValueValidator(1), MaxValueValidator(7)])
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    first_date = models.DateField(_("first date"))
    last_date = models.DateField(_("last date"))
    seats = models.PositiveIntegerField(_("seats"), default=1)
    bookings = models.ManyToManyField(Booking, related_name="series", blank=True, verbose_name=_("bookings"))
    idempotency_key = models.CharField(max_length=255, null=True, blank=True, unique=True)
    request_hash = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("booking series")
        verbose_name_plural = _("booking series")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__gte=1, weekday__lte=7), name="series_weekday_iso"),
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="series_end_after_start"),
            models.CheckConstraint(condition=Q(last_date__gte=F("first_date")), name="series_dates_ordered"),
            models.CheckConstraint(condition=Q(seats__gte=1), name="series_seats_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.resource} {self.weekday} {self.start_time:%H:%M} {self.first_date}–{self.last_date}"
