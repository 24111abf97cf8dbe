"""Listings of the SEL marketplace: publish, edit, pause, close, moderate, photos, expiry.

Every write locks the listing row first (`select_for_update`) so two requests on one listing
are serialised; the checks run under that lock. Mail goes out after the commit.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import audit_record
from core.errors import InvalidInput, PermissionDenied
from core.images import reencoded_jpeg
from core.typing import Actor, acting_user
from exchange.errors import ListingHidden, ListingNotActive, ListingNotEditable, TooManyPhotos
from exchange.models import Category, Listing, ListingPhoto
from exchange.notifications import listing_author_notify, listing_expired_mail, listing_url
from ledger.errors import MembershipExpired
from ledger.units import InvalidAmount, UnknownUnit, get_unit
from members.models import Commune, Member
from members.selectors import member_or_none

__all__ = [
    "MAX_PHOTOS",
    "listing_close",
    "listing_create",
    "listing_hide",
    "listing_pause",
    "listing_photo_add",
    "listing_photo_remove",
    "listing_resume",
    "listing_unhide",
    "listing_update",
    "listings_expire_due",
]

MAX_PHOTOS = 6
# A listing is published for at most this long; the author renews it by editing the date.
MAX_DURATION_DAYS = 365
UNSET: Any = object()


# --- helpers --------------------------------------------------------------------------------


def _publishing_member(actor: Actor) -> Member:
    """The actor's member, if it may publish: active, with a valid membership."""
    user = acting_user(actor)
    member = member_or_none(user)
    if member is None:
        raise PermissionDenied(_("Only members may publish listings."))
    if member.status != Member.Status.ACTIVE:
        raise PermissionDenied(_("This member is closed."))
    if not member.membership_valid_on():
        raise MembershipExpired(_("Your membership has expired: renew it to publish listings."))
    return member


def _check_author(listing: Listing, actor: Actor) -> None:
    user = acting_user(actor)
    if user is None or listing.author.user_id != user.pk:
        raise PermissionDenied(_("Only the author may change this listing."))


def _check_moderator(actor: Actor) -> Any:
    user = acting_user(actor)
    if user is None or not user.is_staff:
        raise PermissionDenied(_("Only moderators may hide or show listings."))
    return user


def _locked(listing: Listing) -> Listing:
    return Listing.objects.select_for_update().select_related("author").get(pk=listing.pk)


def _clean_text(value: str, field: str, max_length: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(fields={field: [_("This field is required.")]})
    if len(text) > max_length:
        raise InvalidInput(
            fields={field: [_("At most %(count)d characters.") % {"count": max_length}]},
        )
    return text


def _clean_kind(kind: str) -> str:
    if kind not in Listing.Kind.values:
        raise InvalidInput(fields={"kind": [_("Choose an offer or a want.")]})
    return kind


def _clean_price(price: Money | None) -> tuple[str, int | None]:
    """(unit, minor) of a price; ("", None) means "to be agreed"."""
    if price is None:
        return "", None
    try:
        unit = get_unit(str(price.currency))
    except UnknownUnit:
        raise InvalidInput(fields={"unit": [_("This unit does not exist.")]}) from None
    if not unit.member_account:
        raise InvalidInput(fields={"unit": [_("Prices are in a unit members hold (ACH, HRS or GRN).")]})
    minor = unit.to_minor(price)
    if minor <= 0:
        raise InvalidAmount(_("The price must be greater than zero."), fields={"price": [_("Must be positive.")]})
    return unit.code, minor


def _clean_expires_on(expires_on: datetime.date) -> datetime.date:
    today = timezone.localdate()
    if expires_on < today:
        raise InvalidInput(fields={"expires_on": [_("The expiry date cannot be in the past.")]})
    if expires_on > today + datetime.timedelta(days=MAX_DURATION_DAYS):
        raise InvalidInput(
            fields={"expires_on": [_("A listing lasts at most %(days)d days.") % {"days": MAX_DURATION_DAYS}]}
        )
    return expires_on


# --- publishing and editing -------------------------------------------------------------------


def listing_create(
    *,
    actor: Actor,
    kind: str,
    title: str,
    description: str,
    category: Category,
    expires_on: datetime.date,
    commune: Commune | None = None,
    price: Money | None = None,
    availability: str = "",
) -> Listing:
    """Publish an offer or a want for the actor's member.

    Raises PermissionDenied (not a member, closed member), MembershipExpired, InvalidInput
    (kind, title, description, unit, expiry date), InvalidAmount, UnitMismatch.
    """
    author = _publishing_member(actor)
    unit, minor = _clean_price(price)
    return Listing.objects.create(
        author=author,
        kind=_clean_kind(kind),
        title=_clean_text(title, "title", 120),
        description=_clean_text(description, "description", 5000),
        category=category,
        commune=commune if commune is not None else author.commune,
        unit=unit,
        price=minor,
        availability=_clean_text(availability, "availability", 200, required=False),
        expires_on=_clean_expires_on(expires_on),
    )


def listing_update(
    *,
    listing: Listing,
    actor: Actor,
    kind: str = UNSET,
    title: str = UNSET,
    description: str = UNSET,
    category: Category = UNSET,
    commune: Commune | None = UNSET,
    price: Money | None = UNSET,
    availability: str = UNSET,
    expires_on: datetime.date = UNSET,
) -> Listing:
    """The author changes the given fields. An expired listing given a new date is active again.

    Raises PermissionDenied (not the author), ListingHidden, ListingNotEditable (closed),
    MembershipExpired, InvalidInput, InvalidAmount.
    """
    _check_author(listing, actor)
    _publishing_member(actor)
    with transaction.atomic(durable=True):
        locked = _locked(listing)
        if locked.status == Listing.Status.HIDDEN:
            raise ListingHidden()
        if locked.status == Listing.Status.CLOSED:
            raise ListingNotEditable()
        if kind is not UNSET:
            locked.kind = _clean_kind(kind)
        if title is not UNSET:
            locked.title = _clean_text(title, "title", 120)
        if description is not UNSET:
            locked.description = _clean_text(description, "description", 5000)
        if category is not UNSET:
            locked.category = category
        if commune is not UNSET:
            locked.commune = commune
        if price is not UNSET:
            locked.unit, locked.price = _clean_price(price)
        if availability is not UNSET:
            locked.availability = _clean_text(availability, "availability", 200, required=False)
        if expires_on is not UNSET:
            locked.expires_on = _clean_expires_on(expires_on)
            if locked.status == Listing.Status.EXPIRED:
                locked.status = Listing.Status.ACTIVE
                locked.expiry_notified = False
        locked.save()
        return locked


def listing_pause(*, listing: Listing, actor: Actor) -> Listing:
    """Take an active listing out of the search for a while (pausing twice is harmless).

    Raises PermissionDenied, ListingHidden, ListingNotActive.
    """
    _check_author(listing, actor)
    with transaction.atomic(durable=True):
        locked = _locked(listing)
        if locked.status == Listing.Status.HIDDEN:
            raise ListingHidden()
        if locked.status not in {Listing.Status.ACTIVE, Listing.Status.PAUSED}:
            raise ListingNotActive()
        if locked.status == Listing.Status.ACTIVE:
            locked.status = Listing.Status.PAUSED
            locked.save(update_fields=["status", "updated_at"])
        return locked


def listing_resume(*, listing: Listing, actor: Actor) -> Listing:
    """Publish a paused listing again (resuming an active one is harmless).

    Raises PermissionDenied, MembershipExpired, ListingHidden, ListingNotActive (closed or
    expired: an expired listing is renewed by giving it a new date).
    """
    _check_author(listing, actor)
    _publishing_member(actor)
    with transaction.atomic(durable=True):
        locked = _locked(listing)
        if locked.status == Listing.Status.HIDDEN:
            raise ListingHidden()
        expired = locked.status == Listing.Status.EXPIRED or locked.expires_on < timezone.localdate()
        if locked.status not in {Listing.Status.ACTIVE, Listing.Status.PAUSED} or expired:
            raise ListingNotActive(
                _("This listing has expired: give it a new expiry date to publish it again.")
                if expired
                else _("This listing is closed.")
            )
        if locked.status == Listing.Status.PAUSED:
            locked.status = Listing.Status.ACTIVE
            locked.save(update_fields=["status", "updated_at"])
        return locked


def listing_close(*, listing: Listing, actor: Actor) -> Listing:
    """The author withdraws the listing for good (closing twice is harmless).

    Raises PermissionDenied, ListingHidden.
    """
    _check_author(listing, actor)
    with transaction.atomic(durable=True):
        locked = _locked(listing)
        if locked.status == Listing.Status.HIDDEN:
            raise ListingHidden()
        if locked.status != Listing.Status.CLOSED:
            locked.status = Listing.Status.CLOSED
            locked.save(update_fields=["status", "updated_at"])
        return locked


# --- moderation -------------------------------------------------------------------------------


def listing_hide(*, listing: Listing, actor: Actor, reason: str) -> Listing:
    """A moderator hides an abusive listing; its author sees the reason and gets a mail.

    Raises PermissionDenied (not staff), InvalidInput (no reason).
    """
    moderator = _check_moderator(actor)
    reason = _clean_text(reason, "reason", 255)
    with transaction.atomic(durable=True):
        locked = _locked(listing)
        locked.status = Listing.Status.HIDDEN
        locked.hidden_reason = reason
        locked.hidden_by = moderator
        locked.save(update_fields=["status", "hidden_reason", "hidden_by", "updated_at"])
        audit_record(actor=actor, action="listing_hide", target=locked, reason=reason)
        title = locked.title
        listing_author_notify(
            locked,
            "listing_hidden",
            {"title": title, "reason": reason},
            lambda: _("Your listing “%(title)s” was hidden") % {"title": title},
            lambda: (
                _(
                    "Hello %(name)s,\n\na moderator hid your listing “%(title)s” for this reason:\n\n%(reason)s\n\n"
                    "%(url)s\n\nBocage"
                )
                % {"name": locked.author.display_name, "title": title, "reason": reason, "url": listing_url(locked)}
            ),
        )
        return locked


def listing_unhide(*, listing: Listing, actor: Actor) -> Listing:
    """A moderator shows a hidden listing again: active, or expired if its date has passed.

    Raises PermissionDenied (not staff).
    """
    _check_moderator(actor)
    with transaction.atomic(durable=True):
        locked = _locked(listing)
        if locked.status == Listing.Status.HIDDEN:
            past = locked.expires_on < timezone.localdate()
            locked.status = Listing.Status.EXPIRED if past else Listing.Status.ACTIVE
            locked.hidden_reason = ""
            locked.hidden_by = None
            locked.save(update_fields=["status", "hidden_reason", "hidden_by", "updated_at"])
            audit_record(actor=actor, action="listing_unhide", target=locked, status=locked.status)
        return locked


# --- photos -----------------------------------------------------------------------------------


def listing_photo_add(*, listing: Listing, actor: Actor, upload: Any) -> ListingPhoto:
    """Add a photo (resized so its longest side fits, re-encoded as JPEG) to one's listing.

    Raises PermissionDenied, ListingHidden, ListingNotEditable, ImageTooLarge, InvalidImage,
    TooManyPhotos.
    """
    _check_author(listing, actor)
    content = reencoded_jpeg(upload)  # decoding is slow: before the lock
    with transaction.atomic(durable=True):
        locked = _locked(listing)
        if locked.status == Listing.Status.HIDDEN:
            raise ListingHidden()
        if locked.status == Listing.Status.CLOSED:
            raise ListingNotEditable()
        photos = ListingPhoto.objects.filter(listing=locked)
        if photos.count() >= MAX_PHOTOS:
            raise TooManyPhotos()
        last = photos.aggregate(last=Max("position"))["last"]
        photo = ListingPhoto(listing=locked, position=0 if last is None else last + 1)
        photo.image.save(content.name, content, save=False)
        stored = photo.image.name
        try:  # a failed insert must not leave its file behind
            photo.save()
        except Exception:
            photo.image.storage.delete(stored)
            raise
        return photo


def listing_photo_remove(*, photo: ListingPhoto, actor: Actor) -> None:
    """The author removes a photo; the file goes once the row is gone.

    Raises PermissionDenied.
    """
    listing = Listing.objects.select_related("author").get(pk=photo.listing_id)
    _check_author(listing, actor)
    with transaction.atomic(durable=True):
        _locked(listing)
        name = photo.image.name
        storage = photo.image.storage
        ListingPhoto.objects.filter(pk=photo.pk).delete()
        transaction.on_commit(lambda: storage.delete(name))


# --- expiry (Celery beat) ---------------------------------------------------------------------


def listings_expire_due(now: datetime.datetime | None = None) -> int:
    """Expire active and paused listings whose date has passed; mail each author once.

    Safe to run twice: a second run finds nothing left to expire, and `expiry_notified`
    records the mail. Returns how many listings expired.
    """
    today = timezone.localdate(now) if now is not None else timezone.localdate()
    with transaction.atomic(durable=True):
        due = list(
            Listing.objects.select_for_update(skip_locked=True)
            .select_related("author__user")
            .filter(status__in=[Listing.Status.ACTIVE, Listing.Status.PAUSED], expires_on__lt=today)
            .order_by("pk")
        )
        for listing in due:
            listing.status = Listing.Status.EXPIRED
            notify = not listing.expiry_notified
            listing.expiry_notified = True
            listing.save(update_fields=["status", "expiry_notified", "updated_at"])
            if notify:
                listing_expired_mail(listing)
    return len(due)
