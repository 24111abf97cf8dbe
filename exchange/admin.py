"""Operators edit the category tree (two levels, every save audited); listings are read-only except
for moderation (hide, show again), which goes through the services; exchanges and reviews are read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin_helpers import AuditedAdmin, ReadOnlyAdmin, ReadOnlyInline, run_service_action
from core.errors import ApplicationError
from ledger.units import get_unit

from .models import Category, Exchange, ExchangeEvent, Listing, ListingPhoto, Review
from .services.listings import listing_hide, listing_unhide


class SubcategoryInline(admin.TabularInline):
    model = Category
    fk_name = "parent"
    fields = ["position", "slug", "name_fr", "name_en"]
    extra = 1
    verbose_name_plural = _("subcategories")


class CategoryAdminForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["parent", "slug", "name_fr", "name_en", "position"]

    def clean_parent(self) -> Category | None:
        parent = self.cleaned_data.get("parent")
        if parent is not None and self.instance.pk is not None and self.instance.children.exists():
            raise forms.ValidationError(_("A category with subcategories stays at the top level (two levels)."))
        return parent


# Category: editable (two levels, model validation), every save audited, subcategories included (category_*).
@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    form = CategoryAdminForm
    list_display = ["__str__", "slug", "name_en", "position"]
    list_editable = ["position"]
    list_filter = [("parent", admin.EmptyFieldListFilter)]
    search_fields = ["slug", "name_fr", "name_en"]
    prepopulated_fields = {"slug": ["name_fr"]}
    inlines = [SubcategoryInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":  # two levels: a parent is itself top-level
            kwargs["queryset"] = Category.objects.filter(parent__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ModerationActionForm(ActionForm):
    reason = forms.CharField(label=_("Reason (the author sees it)"), max_length=255, required=False)


class ListingPhotoInline(ReadOnlyInline):
    model = ListingPhoto
    fields = ["image", "width", "height", "position"]
    readonly_fields = ["image", "width", "height", "position"]


# Listing: read-only; hide and show again are actions calling listing_hide / listing_unhide.
@admin.register(Listing)
class ListingAdmin(ReadOnlyAdmin):
    list_display = ["id", "title", "kind", "category", "author", "commune", "shown_price", "status", "expires_on"]
    list_filter = ["status", "kind", "category__parent", "commune"]
    search_fields = ["title", "description", "author__display_name"]
    date_hierarchy = "created_at"
    action_form = ModerationActionForm
    actions = ["hide", "unhide"]
    inlines = [ListingPhotoInline]

    @admin.display(description=_("price"))
    def shown_price(self, listing: Listing) -> str:
        return str(_("to be agreed")) if listing.price is None else get_unit(listing.unit).format(listing.price)

    @admin.action(description=_("Hide the selected listings (give the reason)"))
    def hide(self, request: HttpRequest, queryset: QuerySet[Listing]) -> None:
        reason = request.POST.get("reason", "")
        hidden = 0
        for listing in queryset:
            try:
                listing_hide(listing=listing, actor=request.user, reason=reason)
            except ApplicationError as exc:
                message = exc.message if not exc.fields else _("Give the reason for hiding it.")
                self.message_user(request, f"{listing}: {message}", messages.ERROR)
                return
            hidden += 1
        self.message_user(request, _("%(count)d listing(s) hidden; their authors were told why.") % {"count": hidden})

    @admin.action(description=_("Show the selected listings again"))
    def unhide(self, request: HttpRequest, queryset: QuerySet[Listing]) -> None:
        run_service_action(
            self,
            request,
            queryset,
            lambda listing: listing_unhide(listing=listing, actor=request.user),
            _("%(count)d listing(s) shown again."),
        )


class ExchangeEventInline(ReadOnlyInline):
    model = ExchangeEvent
    fields = ["created_at", "from_status", "to_status", "actor", "note"]
    readonly_fields = ["created_at", "from_status", "to_status", "actor", "note"]


# Exchange: read-only (with its events); every step is an exchange service.
@admin.register(Exchange)
class ExchangeAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "listing", "buyer", "seller", "shown_amount", "status"]
    list_filter = ["status", "unit"]
    search_fields = ["listing__title", "buyer__display_name", "seller__display_name"]
    inlines = [ExchangeEventInline]

    @admin.display(description=_("amount"))
    def shown_amount(self, exchange: Exchange) -> str:
        return get_unit(exchange.unit).format(exchange.amount)


# Review: read-only; reviews are written by their authors through the service.
@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "author", "subject", "rating", "exchange"]
    list_filter = ["rating"]
    search_fields = ["author__display_name", "subject__display_name", "comment"]
