"""Photos of listings: images only, size-limited, resized, re-encoded as JPEG, at most six."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from core.errors import PermissionDenied
from core.images import ImageTooLarge, InvalidImage
from exchange.errors import TooManyPhotos
from exchange.models import ListingPhoto
from exchange.services.listings import listing_photo_add, listing_photo_remove
from tests.exchange.test_listings import publish


def png(width: int = 3000, height: int = 1500, name: str = "velo.png", mode: str = "RGBA") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), (200, 30, 30, 128) if mode == "RGBA" else (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def jpeg_with_exif() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "Appareil secret"  # Make
    exif[0x8825] = {2: (47.0, 0.0, 0.0)}  # GPS
    Image.new("RGB", (400, 300), "green").save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BOCAGE_PHOTO_MAX_SIDE = 1600
    return settings.MEDIA_ROOT


@pytest.fixture
def author(make_member):
    return make_member(username="alice")


def stored(photo: ListingPhoto) -> Image.Image:
    with photo.image.open("rb") as file:
        image = Image.open(io.BytesIO(file.read()))
        image.load()
    return image


def test_a_png_is_accepted_resized_and_stored_as_a_jpeg(author, media):
    listing = publish(author)
    photo = listing_photo_add(listing=listing, actor=author.user, upload=png(3000, 1500))
    image = stored(photo)
    assert (image.format, image.size, image.mode) == ("JPEG", (1600, 800), "RGB")
    assert (photo.width, photo.height, photo.position) == (1600, 800, 0)
    assert photo.image.name.endswith(".jpg") and photo.image.name.startswith("listings/")
    assert (media / photo.image.name).exists()


def test_a_small_image_keeps_its_size_and_loses_its_metadata(author):
    listing = publish(author)
    photo = listing_photo_add(listing=listing, actor=author.user, upload=jpeg_with_exif())
    image = stored(photo)
    assert image.size == (400, 300)
    assert dict(image.getexif()) == {}


def test_a_text_file_renamed_jpg_is_refused_and_nothing_is_stored(author, media):
    listing = publish(author)
    fake = SimpleUploadedFile("photo.jpg", b"this is not an image\n" * 10, content_type="image/jpeg")
    with pytest.raises(InvalidImage) as refused:
        listing_photo_add(listing=listing, actor=author.user, upload=fake)
    assert (refused.value.code, refused.value.status) == ("invalid_image", 400)
    assert ListingPhoto.objects.count() == 0
    assert not (media / "listings").exists()


def test_a_truncated_image_is_refused(author):
    listing = publish(author)
    data = png(200, 200).read()
    broken = SimpleUploadedFile("broken.png", data[: len(data) // 2], content_type="image/png")
    with pytest.raises(InvalidImage):
        listing_photo_add(listing=listing, actor=author.user, upload=broken)
    assert ListingPhoto.objects.count() == 0


@translation.override("en")
def test_an_image_over_the_size_limit_is_refused_with_a_clear_message(author, settings):
    settings.BOCAGE_PHOTO_MAX_BYTES = 1024 * 1024
    listing = publish(author)
    big = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * (1024 * 1024), content_type="image/png")
    with pytest.raises(ImageTooLarge) as refused:
        listing_photo_add(listing=listing, actor=author.user, upload=big)
    assert (refused.value.code, refused.value.status) == ("image_too_large", 400)
    assert str(refused.value.message) == "This image is too large (at most 1 MB)."
    assert ListingPhoto.objects.count() == 0


def test_a_listing_has_at_most_six_photos(author):
    listing = publish(author)
    for _number in range(6):
        listing_photo_add(listing=listing, actor=author.user, upload=png(20, 20, mode="RGB"))
    with pytest.raises(TooManyPhotos):
        listing_photo_add(listing=listing, actor=author.user, upload=png(20, 20, mode="RGB"))
    assert list(listing.photos.values_list("position", flat=True)) == [0, 1, 2, 3, 4, 5]


def test_only_the_author_adds_or_removes_photos_and_removal_deletes_the_file(
    author, make_member, media, django_capture_on_commit_callbacks
):
    listing = publish(author)
    other = make_member()
    with pytest.raises(PermissionDenied):
        listing_photo_add(listing=listing, actor=other.user, upload=png(20, 20))
    photo = listing_photo_add(listing=listing, actor=author.user, upload=png(20, 20))
    with pytest.raises(PermissionDenied):
        listing_photo_remove(photo=photo, actor=other.user)
    assert ListingPhoto.objects.count() == 1
    path = media / photo.image.name
    with django_capture_on_commit_callbacks(execute=True):
        listing_photo_remove(photo=photo, actor=author.user)
    assert ListingPhoto.objects.count() == 0
    assert not path.exists()
