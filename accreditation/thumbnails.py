"""Small previews of image documents, drawn once when a document is stored."""

import io

from PIL import Image

THUMBNAIL_SIZE = (240, 240)


def make_thumbnail(content: bytes) -> bytes:
    """A PNG of at most 240 × 240 pixels from an image already checked by uploads.check_upload."""
    with Image.open(io.BytesIO(content)) as image:
        # JPEG decodes straight to a reduced scale; PNG is decoded once, then reduced.
        image.draft("RGB", THUMBNAIL_SIZE)
        image.thumbnail(THUMBNAIL_SIZE)
        output = io.BytesIO()
        image.convert("RGB").save(output, format="PNG")
    return output.getvalue()
