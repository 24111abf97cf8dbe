"""Operators set up the network: places (with their opening rules, exceptional days, managers and
resources inline), resources (with their prices), qualifications, plans (with their allowances) and
carnet offers; every save is audited (AuditedAdmin). A plan's new price applies to new
subscriptions only (each keeps the price it accepted). Subscriptions and carnets bought are
read-only: members subscribe and buy through the services, which move the money. `kinds`,
`services` and `units` are ticked from the known codes, so a wrong code cannot be saved. Members'
qualifications and bookings are read-only: managers record trainings and members book through the
services, which audit and move the money."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_helpers import AuditedAdmin, ReadOnlyAdmin
from core.errors import ApplicationError
from core.images import reencoded_jpeg
from ledger.units import UnitKind, all_units
from places.services.photos import MAX_PHOTOS

from .models import (
    Booking,
    MemberQualification,
    OpeningException,
    OpeningRule,
    Pass,
    PassOffer,
    Place,
    PlaceKind,
    PlaceManager,
    PlacePhoto,
    PlaceService,
    Plan,
    PlanAllowance,
    Qualification,
    Resource,
    ResourcePrice,
    Subscription,
)


def unit_choices() -> list[tuple[str, str]]:
    return [(code, f"{code} — {unit.name}") for code, unit in all_units().items()]


def money_unit_choices() -> list[tuple[str, str]]:
    """The units a member pays in (a plan's price, a carnet's)."""
    return [(code, f"{code} — {unit.name}") for code, unit in all_units().items() if unit.member_account]


def credit_unit_choices() -> list[tuple[str, str]]:
    """The booking credits' units (days, hours), never money."""
    return [(code, f"{code} — {unit.name}") for code, unit in all_units().items() if unit.kind == UnitKind.CREDIT]


class CodesField(forms.MultipleChoiceField):
    """A JSON list of codes, ticked among the known ones and kept in the choices' order."""

    widget = forms.CheckboxSelectMultiple

    def clean(self, value: Any) -> list[str]:
        chosen = set(super().clean(value))
        return [code for code, _label in self.choices if code in chosen]  # type: ignore[misc,union-attr]


class PlaceAdminForm(forms.ModelForm):
    kinds = CodesField(label=_("kinds"), choices=PlaceKind.choices)
    services = CodesField(label=_("services"), choices=PlaceService.choices, required=False)
    units = CodesField(
        label=_("units accepted"),
        choices=unit_choices,
        help_text=_("The units a booking may be paid in; EUR means paid at the counter."),
    )

    class Meta:
        model = Place
        fields = [
            "name",
            "public",
            "kinds",
            "commune",
            "address",
            "latitude",
            "longitude",
            "description",
            "email",
            "phone",
            "website",
            "step_free_access",
            "accessible_toilets",
            "services",
            "units",
        ]


class OpeningRuleInline(admin.TabularInline):
    model = OpeningRule
    fields = ["weekday", "opens", "closes", "valid_from", "valid_until"]
    extra = 0


class OpeningExceptionForm(forms.ModelForm):
    class Meta:
        model = OpeningException
        fields = ["date", "kind", "opens", "closes", "resource", "reason"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes, kind = data.get("opens"), data.get("closes"), data.get("kind")
        if (opens is None) != (closes is None):
            raise forms.ValidationError(_("Give both times, or neither for a closure of the whole day."))
        if opens is None and kind == OpeningException.Kind.OPENING:
            raise forms.ValidationError(_("An exceptional opening needs its times."))
        if opens is not None and closes is not None and closes <= opens:
            self.add_error("closes", _("The end must be after the start."))
        resource = data.get("resource")
        if resource is not None:
            if kind == OpeningException.Kind.OPENING:
                self.add_error("resource", _("Only a closure can concern one resource."))
            elif self.instance.place_id is not None and resource.place_id != self.instance.place_id:
                self.add_error("resource", _("This resource belongs to another place."))
        return data


class OpeningExceptionInline(admin.TabularInline):
    model = OpeningException
    form = OpeningExceptionForm
    fields = ["date", "kind", "opens", "closes", "resource", "reason"]
    extra = 0
    ordering = ["-date"]


class PlaceManagerInline(admin.TabularInline):
    model = PlaceManager
    fields = ["member", "created_at"]
    readonly_fields = ["created_at"]
    raw_id_fields = ["member"]
    extra = 0


class PlacePhotoForm(forms.ModelForm):
    """An uploaded photo is re-encoded as the managers' page does it (core.images: size limit,
    metadata removed, JPEG)."""

    class Meta:
        model = PlacePhoto
        fields = ["image", "alt_text", "position"]

    def clean_image(self) -> Any:
        image = self.cleaned_data.get("image")
        if image is None or image is False or not hasattr(image, "content_type"):
            return image  # unchanged (already stored) or cleared
        try:
            return reencoded_jpeg(image)
        except ApplicationError as exc:
            raise forms.ValidationError(str(exc.message)) from None


class PlacePhotoFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and (form.instance.pk or form.has_changed())
        ]
        if len(kept) > MAX_PHOTOS:
            raise forms.ValidationError(_("A place has at most 8 photos: delete one first."))


class PlacePhotoInline(admin.TabularInline):
    model = PlacePhoto
    form = PlacePhotoForm
    formset = PlacePhotoFormSet
    fields = ["image", "alt_text", "position"]
    extra = 0
    max_num = 8


class ResourceInline(admin.TabularInline):
    model = Resource
    fk_name = "place"
    fields = ["name", "kind", "capacity", "shared", "active"]
    show_change_link = True
    extra = 0
    can_delete = False  # a resource with bookings stays; untick "bookable" instead


# Place: editable, every save audited with its inlines (place_*, openingrule_*, openingexception_*,
# placemanager_*, resource_*).
@admin.register(Place)
class PlaceAdmin(AuditedAdmin):
    form = PlaceAdminForm
    list_display = ["name", "commune", "public", "address"]
    list_filter = ["public", "commune"]
    search_fields = ["name", "address", "description"]
    inlines = [OpeningRuleInline, OpeningExceptionInline, PlaceManagerInline, PlacePhotoInline, ResourceInline]


class ResourcePriceForm(forms.ModelForm):
    unit = forms.ChoiceField(label=_("unit"), choices=unit_choices)

    class Meta:
        model = ResourcePrice
        fields = ["unit", "amount"]


class ResourcePriceInline(admin.TabularInline):
    model = ResourcePrice
    form = ResourcePriceForm
    extra = 0


class ResourceAdminForm(forms.ModelForm):
    class Meta:
        model = Resource
        fields = [
            "place",
            "parent",
            "name",
            "kind",
            "description",
            "capacity",
            "shared",
            "step_minutes",
            "min_minutes",
            "max_minutes",
            "horizon_days",
            "lead_minutes",
            "buffer_minutes",
            "cancel_deadline_hours",
            "late_cancel_fee_percent",
            "members_only",
            "qualification",
            "active",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        place, parent, qualification = data.get("place"), data.get("parent"), data.get("qualification")
        if place is not None and parent is not None:
            if parent.place_id != place.pk:
                self.add_error("parent", _("The whole resource must be in the same place."))
            elif self.instance.pk is not None and self._is_own_ancestor(parent):
                self.add_error("parent", _("A resource cannot be part of itself or of one of its parts."))
        if place is not None and qualification is not None and qualification.place_id != place.pk:
            self.add_error("qualification", _("This qualification belongs to another place."))
        step, shortest, longest = data.get("step_minutes"), data.get("min_minutes"), data.get("max_minutes")
        if step and shortest is not None and shortest < step:
            self.add_error("min_minutes", _("The minimum duration is at least one step."))
        if shortest is not None and longest is not None and longest < shortest:
            self.add_error("max_minutes", _("The maximum duration is at least the minimum."))
        return data

    def _is_own_ancestor(self, parent: Resource) -> bool:
        seen: set[int] = set()
        current: Resource | None = parent
        while current is not None and current.pk not in seen:
            if current.pk == self.instance.pk:
                return True
            seen.add(current.pk)
            current = current.parent
        return False


# Resource: editable, every save audited, prices included (resource_*, resourceprice_*).
@admin.register(Resource)
class ResourceAdmin(AuditedAdmin):
    form = ResourceAdminForm
    list_display = ["name", "place", "kind", "capacity", "shared", "step_minutes", "members_only", "active"]
    list_filter = ["kind", "active", "members_only", "place"]
    search_fields = ["name", "place__name"]
    list_select_related = ["place"]
    inlines = [ResourcePriceInline]


# Qualification: editable, every save audited (qualification_*).
@admin.register(Qualification)
class QualificationAdmin(AuditedAdmin):
    list_display = ["name", "place"]
    list_filter = ["place"]
    search_fields = ["name", "place__name"]


# MemberQualification: read-only; a place's managers record and revoke trainings through the services.
@admin.register(MemberQualification)
class MemberQualificationAdmin(ReadOnlyAdmin):
    list_display = ["member", "qualification", "granted_at", "revoked_at"]
    list_filter = ["qualification__place"]
    search_fields = ["member__display_name", "qualification__name"]
    list_select_related = ["member", "qualification__place"]


# Booking: read-only; booked, cancelled, checked in and settled only by the services (holds, audit).
@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    list_display = ["id", "resource", "member", "start", "end", "seats", "status", "unit", "price", "fee"]
    list_filter = ["status", "resource__place"]
    search_fields = ["member__display_name", "resource__name", "resource__place__name"]
    date_hierarchy = "start"
    list_select_related = ["resource__place", "member"]


class PlanAdminForm(forms.ModelForm):
    unit = forms.ChoiceField(label=_("unit"), choices=money_unit_choices)

    class Meta:
        model = Plan
        fields = ["place", "name", "description", "unit", "price", "period", "rollover", "on_sale"]


class PlanAllowanceForm(forms.ModelForm):
    unit = forms.ChoiceField(label=_("credit unit"), choices=credit_unit_choices)

    class Meta:
        model = PlanAllowance
        fields = ["resource", "resource_kind", "unit", "amount", "overage_price"]


class PlanAllowanceInline(admin.TabularInline):
    model = PlanAllowance
    form = PlanAllowanceForm
    extra = 0
    raw_id_fields = ["resource"]


# Plan: editable, every save audited; a price change never touches accepted subscriptions.
@admin.register(Plan)
class PlanAdmin(AuditedAdmin):
    form = PlanAdminForm
    list_display = ["name", "place", "price", "unit", "period", "rollover", "on_sale"]
    list_filter = ["on_sale", "period", "place"]
    search_fields = ["name", "place__name"]
    list_select_related = ["place"]
    inlines = [PlanAllowanceInline]


class PassOfferAdminForm(forms.ModelForm):
    unit = forms.ChoiceField(label=_("credit unit"), choices=credit_unit_choices)
    price_unit = forms.ChoiceField(label=_("unit of the price"), choices=money_unit_choices)

    class Meta:
        model = PassOffer
        fields = [
            "place",
            "name",
            "description",
            "resource_kind",
            "unit",
            "quantity",
            "price_unit",
            "price",
            "validity_days",
            "on_sale",
        ]


# PassOffer: editable, every save audited; a carnet bought keeps what its offer said then.
@admin.register(PassOffer)
class PassOfferAdmin(AuditedAdmin):
    form = PassOfferAdminForm
    list_display = ["name", "place", "quantity", "unit", "price", "price_unit", "validity_days", "on_sale"]
    list_filter = ["on_sale", "place"]
    search_fields = ["name", "place__name"]
    list_select_related = ["place"]


# Subscription: read-only; subscribed, paid and cancelled only by the services (standing orders).
@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["id", "member", "plan", "price", "unit", "status", "start", "paid_until", "end"]
    list_filter = ["status", "plan__place"]
    search_fields = ["member__display_name", "plan__name"]
    list_select_related = ["member", "plan__place"]


# Pass (a carnet bought): read-only; its credits are its ledger account's balance.
@admin.register(Pass)
class PassAdmin(ReadOnlyAdmin):
    list_display = ["id", "member", "offer", "quantity", "unit", "price", "price_unit", "valid_until", "expired_at"]
    list_filter = ["place", "unit"]
    search_fields = ["member__display_name", "offer__name"]
    list_select_related = ["member", "offer"]
