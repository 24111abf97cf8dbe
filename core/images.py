"""Uploaded images (listing photos, campaign images): verified, shrunk and re-encoded as JPEG.

Re-encoding drops whatever the file carried besides pixels (EXIF position, comments, scripts
disguised as images); the pixel limit is checked before decoding, since a small file may
decompress into gigabytes.
"""

from __future__ import annotations

import io
import uuid
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ApplicationError

MAX_PIXELS = 40_000_000


class InvalidImage(ApplicationError):
    code = "invalid_image"
    status = 400
    default_message = gettext_lazy("This file is not an image (JPEG, PNG, GIF or WebP).")


class ImageTooLarge(ApplicationError):
    code = "image_too_large"
    status = 400
    default_message = gettext_lazy("This image is too large.")


def reencoded_jpeg(upload: Any) -> ContentFile:
    """Open, verify, orient, shrink and re-encode an uploaded image as JPEG (no metadata kept)."""
    size = getattr(upload, "size", None)
    limit = settings.BOCAGE_PHOTO_MAX_BYTES
    if size is None or size > limit:
        raise ImageTooLarge(
            _("This image is too large (at most %(size)s MB).") % {"size": f"{limit / 1024 / 1024:.0f}"}
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in {"JPEG", "PNG", "GIF", "WEBP"}:
                raise InvalidImage()
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageTooLarge(_("This image has too many pixels."))
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as opened:
            opened.load()
            image = ImageOps.exif_transpose(opened) or opened
            if image.mode in {"RGBA", "LA", "P"}:
                image = image.convert("RGBA")
                background = Image.new("RGB", image.size, "white")
                background.paste(image, mask=image.getchannel("A"))
                image = background
            elif image.mode != "RGB":
                image = image.convert("RGB")
            side = settings.BOCAGE_PHOTO_MAX_SIDE
            image.thumbnail((side, side))
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=85, optimize=True)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidImage() from None
    return ContentFile(buffer.getvalue(), name=f"{uuid.uuid4().hex}.jpg")
