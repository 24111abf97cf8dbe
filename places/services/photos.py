"""A place's photos: its managers (and staff) add them, re-encoded as JPEG without metadata
(core.images), with a description for screen readers, at most MAX_PHOTOS; and delete them.

Each write locks the place row, so two uploads cannot both take the eighth slot; the file of a
deleted photo goes once the row is gone (after the commit).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import InvalidInput, PermissionDenied
from core.images import reencoded_jpeg
from core.typing import Actor, acting_user
from places.errors import TooManyPhotos
from places.models import Place, PlacePhoto
from places.selectors.roles import is_place_manager

__all__ = ["ALT_TEXT_MAX", "MAX_PHOTOS", "place_photo_add", "place_photo_delete"]

MAX_PHOTOS = 8
ALT_TEXT_MAX = 200


def _check_manager(place_id: int, actor: Actor) -> None:
    user = acting_user(actor)
    if user is None or not is_place_manager(user, place_id):
        raise PermissionDenied(_("Only the place's managers may change its photos."))


def _clean_alt(value: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise InvalidInput(fields={"alt_text": [_("Describe the photo in a few words for blind visitors.")]})
    if len(text) > ALT_TEXT_MAX:
        message = _("At most %(count)s characters.") % {"count": ALT_TEXT_MAX}
        raise InvalidInput(fields={"alt_text": [message]})
    return text


def place_photo_add(*, place: Place, upload: Any, alt_text: str, actor: Actor) -> PlacePhoto:
    """Add a photo at the end of the place's photos.

    Raises PermissionDenied, InvalidInput (no description), ImageTooLarge, InvalidImage, TooManyPhotos;
    nothing is written (neither row nor file) when refused.
    """
    _check_manager(place.pk, actor)
    alt = _clean_alt(alt_text)
    if PlacePhoto.objects.filter(place_id=place.pk).count() >= MAX_PHOTOS:
        raise TooManyPhotos()  # before decoding; checked again under the lock
    content = reencoded_jpeg(upload)  # decoding is slow: before the lock
    with transaction.atomic(durable=True):
        locked = Place.objects.select_for_update().get(pk=place.pk)
        photos = PlacePhoto.objects.filter(place=locked)
        if photos.count() >= MAX_PHOTOS:
            raise TooManyPhotos()
        last = photos.aggregate(last=Max("position"))["last"]
        photo = PlacePhoto(place=locked, alt_text=alt, position=0 if last is None else last + 1)
        photo.image.save(content.name or "photo.jpg", content, save=False)
        stored = photo.image.name
        try:  # a failed insert must not leave its file behind
            photo.save()
            audit_record(actor=actor, action="place_photo_add", target=photo, place=locked.name, alt=alt)
        except Exception:
            photo.image.storage.delete(stored)
            raise
        return photo


def place_photo_delete(*, photo: PlacePhoto, actor: Actor) -> None:
    """Delete a photo; its file goes after the commit. Raises PermissionDenied; a repeat changes nothing."""
    _check_manager(photo.place_id, actor)
    with transaction.atomic(durable=True):
        locked = Place.objects.select_for_update().get(pk=photo.place_id)
        current = PlacePhoto.objects.filter(pk=photo.pk, place=locked).first()
        if current is None:
            return
        name = current.image.name
        storage = current.image.storage
        audit_record(actor=actor, action="place_photo_delete", target=current, place=locked.name, alt=current.alt_text)
        current.delete()
        transaction.on_commit(lambda: storage.delete(name))
