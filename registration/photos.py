"""Photos for grounds passes: checked by content as documents are, then rebuilt.

Only JPEG and PNG are accepted, recognised from their bytes, within the same size and pixel
limits as documents (``accreditation.uploads``). The picture is turned upright, cropped to a
portrait of ``PHOTO_SIZE``'s ratio around its upper middle (where a face is) and scaled to
that size, then written as a new JPEG from its pixels alone: no metadata, no location, no
comment survives. A small thumbnail is drawn at the same time.
"""

import hashlib
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from accreditation.uploads import UploadRefused, opened_image, read_upload

# 3 : 4, the ratio of a pass photo; 600 × 800 prints sharply at 35 × 45 mm and more.
PHOTO_SIZE = (600, 800)
THUMBNAIL_SIZE = (90, 120)
ACCEPTED = ("image/jpeg", "image/png")
# Below this a face prints as a blur on a pass; any camera or phone takes far more.
MIN_SIDE = 240
# Above the forehead there is usually more room than below the chin.
FACE_CENTRE = (0.5, 0.4)


@dataclass(frozen=True)
class CheckedPhoto:
    content: bytes
    thumbnail: bytes
    sha256: str


def _jpeg(image: Image.Image) -> bytes:
    output = io.BytesIO()
    # Only the pixels are written. Cropping and scaling copy the original's ``.info``, and
    # Pillow's JPEG encoder writes a comment it finds there (a camera's, an editor's) even
    # when not given one: emptied, nothing of the original but its pixels survives.
    image.info = {}
    image.save(output, format="JPEG", quality=90, optimize=True)
    return output.getvalue()


def _eight_bits(image: Image.Image) -> Image.Image:
    """A 16- or 32-bit greyscale picture (a scanner's PNG) as 8-bit greyscale.

    Converted directly, every value above 255 would be clipped to white.
    """
    if image.mode in ("I", "F") or image.mode.startswith("I;16"):
        if image.mode != "F":
            image = image.convert("I")
        return image.point(lambda value: value / 256).convert("L")
    return image


def check_photo(uploaded) -> CheckedPhoto:
    """Accept or refuse an uploaded photo (UploadRefused names the rule broken)."""
    content, _content_type, _name = read_upload(uploaded, accepted=ACCEPTED)
    # A JPEG decodes straight to a scale no smaller than twice the result: a 24-megapixel
    # camera photo costs a few megabytes of pixels instead of a hundred.
    draft = (PHOTO_SIZE[0] * 2, PHOTO_SIZE[1] * 2)
    with opened_image(content, draft_size=draft) as image:
        if min(image.size) < MIN_SIDE:
            raise UploadRefused(
                _(
                    "The photo is %(width)d × %(height)d pixels: too small to print on a pass. "
                    "Choose one at least %(minimum)d pixels wide and high."
                )
                % {"width": image.width, "height": image.height, "minimum": MIN_SIDE}
            )
        image = _eight_bits(image)
        # A palette, an alpha channel, or a colour a PNG declares transparent (tRNS).
        if image.mode not in ("RGB", "L") or "transparency" in image.info:
            # Transparency stands on white, as on a printed pass.
            rgba = image.convert("RGBA")
            background = Image.new("RGBA", rgba.size, "white")
            image = Image.alpha_composite(background, rgba)
        portrait = ImageOps.fit(
            image.convert("RGB"), PHOTO_SIZE, Image.Resampling.LANCZOS, centering=FACE_CENTRE
        )
    thumbnail = portrait.resize(THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
    photo = _jpeg(portrait)
    return CheckedPhoto(
        content=photo, thumbnail=_jpeg(thumbnail), sha256=hashlib.sha256(photo).hexdigest()
    )
