"""Forms of the places' pages: they parse input; the services decide what is allowed."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.dates import DateField
from members.models import Commune
from members.picker import MemberField
from places.models import PlaceKind, PlaceService, Qualification, Resource, ResourceKind
from places.openings import to_utc, wall_instant


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"step": 60 * 5, **(attrs or {})}, format="%H:%M")


def _time_field(label: Any, **kwargs: Any) -> forms.TimeField:
    return forms.TimeField(
        label=label, widget=TimeInput(), input_formats=["%H:%M", "%H:%M:%S", "%Hh%M", "%Hh"], **kwargs
    )


class DirectoryFilterForm(forms.Form):
    commune = forms.ModelChoiceField(
        label=_("Commune"), queryset=Commune.objects.all(), required=False, empty_label=_("Every commune")
    )
    kind = forms.ChoiceField(
        label=_("Kind of place"), required=False, choices=[("", _("Every kind")), *PlaceKind.choices]
    )
    service = forms.ChoiceField(
        label=_("Service"), required=False, choices=[("", _("Any service")), *PlaceService.choices]
    )


class WeekForm(forms.Form):
    date = DateField(label=_("Week of"), required=False)


class DayForm(forms.Form):
    date = DateField(label=_("Day"), required=False)


def _local_span(day: dt.date, start: dt.time, end: dt.time) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) on local `day`, as UTC instants; an end at 00:00 is midnight at the day's end."""
    end_day = day + dt.timedelta(days=1) if end == dt.time(0) else day
    return to_utc(wall_instant(day, start)), to_utc(wall_instant(end_day, end))


class SearchForm(forms.Form):
    date = DateField(label=_("Day"))
    start = _time_field(_("From"))
    end = _time_field(_("To"))
    seats = forms.IntegerField(label=_("How many people"), min_value=1, max_value=500, initial=1)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any resource")), *ResourceKind.choices])
    commune = forms.ModelChoiceField(
        label=_("Commune"), queryset=Commune.objects.all(), required=False, empty_label=_("Every commune")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date") and data.get("start") is not None and data.get("end") is not None:
            span = _local_span(data["date"], data["start"], data["end"])
            if span[1] <= span[0]:
                self.add_error("end", _("The end must come after the start."))
            elif span[1] - span[0] > dt.timedelta(days=1):
                self.add_error("end", _("Search one day at a time."))
            else:
                data["span"] = span
        return data


class BookingForm(forms.Form):
    # One key per rendered form: a double click or a resubmitted page books once.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    date = DateField(label=_("Day"))
    start = _time_field(_("Start"))
    end = _time_field(_("End"))
    seats = forms.IntegerField(label=_("Seats"), min_value=1, initial=1)
    unit = forms.ChoiceField(label=_("Pay in"), required=False)
    # Set by the "confirm" button, after the price and the cancellation rule were shown.
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        units: list[tuple[str, str]] | None = None,
        capacity: int = 1,
        shared: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ChoiceField)
        unit_field.choices = units or []
        if len(units or []) <= 1:
            unit_field.widget = forms.HiddenInput()
        seats = self.fields["seats"]
        assert isinstance(seats, forms.IntegerField)
        seats.max_value = capacity
        seats.widget.attrs["max"] = capacity
        if shared:
            seats.validators.append(MaxValueValidator(capacity, _("At most %(limit_value)s seats.")))
        else:
            # Booked whole: how many people come (the price is the same), up to what the room holds.
            seats.label = _("People")
            seats.validators.append(MaxValueValidator(capacity, _("At most %(limit_value)s people.")))
        if capacity == 1:
            seats.widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date") and data.get("start") is not None and data.get("end") is not None:
            start, end = _local_span(data["date"], data["start"], data["end"])
            if end <= start:
                self.add_error("end", _("The end must come after the start."))
            else:
                data["span"] = (start, end)
        return data


class CounterBookingForm(forms.Form):
    """A manager books for a guest who is not a member, paid in euros at the counter."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    resource: forms.ModelChoiceField[Resource] = forms.ModelChoiceField(
        label=_("Resource"), queryset=Resource.objects.none(), empty_label=None
    )
    date = DateField(label=_("Day"))
    start = _time_field(_("Start"))
    end = _time_field(_("End"))
    seats = forms.IntegerField(label=_("People"), min_value=1, max_value=10_000, initial=1)
    guest_name = forms.CharField(label=_("Guest's name"), max_length=150)
    guest_phone = forms.CharField(
        label=_("Phone"), max_length=30, required=False, help_text=_("To call them if the booking is cancelled.")
    )

    def __init__(self, *args: Any, resources: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4().hex)
        kwargs.setdefault("prefix", "guest")
        super().__init__(*args, **kwargs)
        field = self.fields["resource"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = resources if resources is not None else Resource.objects.none()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date") and data.get("start") is not None and data.get("end") is not None:
            start, end = _local_span(data["date"], data["start"], data["end"])
            if end <= start:
                self.add_error("end", _("The end must come after the start."))
            else:
                data["span"] = (start, end)
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (the member sees it)"), max_length=300, required=False)


class QualificationGrantForm(forms.Form):
    qualification: forms.ModelChoiceField[Qualification] = forms.ModelChoiceField(
        label=_("Training"), queryset=Qualification.objects.none(), empty_label=None
    )
    member = MemberField(label=_("Member"))

    def __init__(self, *args: Any, qualifications: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["qualification"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = qualifications


def today() -> dt.date:
    return timezone.localdate()


class PlacePhotoForm(forms.Form):
    image = forms.FileField(
        label=_("Photo"),
        help_text=_("JPEG, PNG, GIF or WebP; it is shrunk and its metadata (position, camera) removed."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
    )
    alt_text = forms.CharField(
        label=_("Description"),
        max_length=200,
        help_text=_("What the photo shows, in a few words: it is read out to blind visitors."),
    )


class SeriesForm(forms.Form):
    """A weekly series: the weekday is the first date's; times are local wall times."""

    # One key per rendered form: a double click or a resubmitted page books once.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    first_date = DateField(label=_("First date"), help_text=_("The series repeats on this weekday."))
    last_date = DateField(label=_("Last date"))
    start = _time_field(_("Start"))
    end = _time_field(_("End"))
    seats = forms.IntegerField(label=_("Seats"), min_value=1, initial=1)

    def __init__(self, *args: Any, capacity: int = 1, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        seats = self.fields["seats"]
        assert isinstance(seats, forms.IntegerField)
        seats.validators.append(MaxValueValidator(capacity, _("At most %(limit_value)s seats.")))
        seats.widget.attrs["max"] = capacity
        if capacity == 1:
            seats.widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") is not None and data.get("end") is not None and data["end"] <= data["start"]:
            self.add_error("end", _("The end must come after the start."))
        if data.get("first_date") and data.get("last_date") and data["last_date"] < data["first_date"]:
            self.add_error("last_date", _("The last date comes on or after the first."))
        return data
