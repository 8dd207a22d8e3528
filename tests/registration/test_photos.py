"""Pass photos: checked by content as documents are, then rebuilt from their pixels alone.

JPEG and PNG only, within the size and pixel limits of documents; turned upright, cropped to
a 3:4 portrait, scaled to 600 × 800 and written as a new JPEG without any metadata; a
90 × 120 thumbnail beside it. Whatever is wrong with a file, the answer is ``UploadRefused``
with a message naming the rule, never another exception.
"""

import hashlib
import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms

from accreditation.uploads import UploadRefused
from registration.photos import PHOTO_SIZE, THUMBNAIL_SIZE, check_photo
from tests.factories import jpeg_bytes, pdf_bytes, png_bytes

NEITHER = "Only JPEG and PNG images are accepted, and this file is neither."
UNREADABLE = "The image cannot be read: it is damaged or not really an image."
BLUE = (20, 120, 200)
RED = (200, 40, 40)


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def opened(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


def refusal_of(uploaded) -> str:
    with pytest.raises(UploadRefused) as refused:
        check_photo(uploaded)
    return refused.value.message


def encoded(image: Image.Image, kind: str, **options) -> bytes:
    output = io.BytesIO()
    image.save(output, format=kind, **options)
    return output.getvalue()


def close_to(pixel, expected, tolerance=12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming_size(width: int, height: int) -> bytes:
    """A PNG of a few dozen bytes whose header claims width × height RGB pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 4))
        + png_chunk(b"IEND", b"")
    )


# What comes out --------------------------------------------------------------------------


def test_a_camera_jpeg_comes_out_600_by_800_without_exif_or_location():
    original = jpeg_bytes()
    assert b"TestCam" in original
    with Image.open(io.BytesIO(original)) as camera:
        assert camera.getexif()  # The factory's photo does carry EXIF, GPS included.

    checked = check_photo(upload("IMG_0001.JPG", original, "image/jpeg"))

    photo = opened(checked.content)
    assert photo.format == "JPEG"
    assert photo.size == PHOTO_SIZE == (600, 800)
    assert photo.mode == "RGB"
    assert not photo.getexif()
    assert "exif" not in photo.info
    assert "icc_profile" not in photo.info
    assert b"TestCam" not in checked.content
    assert close_to(photo.getpixel((300, 400)), (180, 140, 110))


def test_a_jpeg_loses_its_comment_and_colour_profile():
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    original = encoded(
        Image.new("RGB", (300, 400), RED),
        "JPEG",
        icc_profile=profile,
        comment=b"Taken at 12 Rue des Lilas",
    )

    checked = check_photo(upload("face.jpg", original))

    for content in (checked.content, checked.thumbnail):
        image = opened(content)
        assert "comment" not in image.info
        assert "icc_profile" not in image.info
        assert b"Rue des Lilas" not in content


def test_a_landscape_png_with_transparency_comes_out_a_portrait_on_white():
    landscape = Image.new("RGBA", (1200, 600), (0, 0, 0, 0))  # Transparent all round…
    landscape.paste((*BLUE, 255), (500, 0, 700, 600))  # …but for a blue band in the middle.

    checked = check_photo(upload("face.png", encoded(landscape, "PNG"), "image/png"))

    photo = opened(checked.content)
    assert photo.format == "JPEG"
    assert photo.size == (600, 800)
    assert photo.mode == "RGB"
    # Cropped around the middle: the band, 200 of the 450 pixels kept, is in the centre.
    assert close_to(photo.getpixel((300, 400)), BLUE)
    assert close_to(photo.getpixel((10, 400)), (255, 255, 255))
    assert close_to(photo.getpixel((590, 400)), (255, 255, 255))


@pytest.mark.parametrize(
    "make",
    [
        lambda: encoded(Image.new("LA", (300, 400), (0, 0)), "PNG"),
        lambda: encoded(Image.new("RGB", (300, 400), (0, 0, 0)), "PNG", transparency=(0, 0, 0)),
        lambda: encoded(Image.new("L", (300, 400), 0), "PNG", transparency=0),
        lambda: encoded(Image.new("P", (300, 400), 0), "PNG", transparency=0),
    ],
    ids=[
        "grey-and-alpha",
        "rgb-with-a-transparent-colour",
        "grey-with-a-transparent-level",
        "palette",
    ],
)
def test_every_kind_of_png_transparency_stands_on_white(make):
    checked = check_photo(upload("face.png", make()))

    assert close_to(opened(checked.content).getpixel((300, 400)), (255, 255, 255))


def test_a_16_bit_greyscale_png_keeps_its_tones():
    grey = Image.new("I;16", (300, 400), 0x8000)  # Middle grey.

    checked = check_photo(upload("scan.png", encoded(grey, "PNG")))

    assert close_to(opened(checked.content).getpixel((300, 400)), (128, 128, 128), tolerance=3)


def test_a_cmyk_jpeg_comes_out_rgb():
    checked = check_photo(upload("print.jpg", encoded(Image.new("CMYK", (300, 400)), "JPEG")))

    photo = opened(checked.content)
    assert (photo.mode, photo.size) == ("RGB", (600, 800))


def test_a_photo_taken_sideways_is_turned_upright():
    # Stored as a landscape with a blue band along its left side; the camera was turned, and
    # its EXIF orientation 6 tells readers to rotate it 90° clockwise: the band goes on top.
    stored = Image.new("RGB", (1600, 1200), RED)
    stored.paste(BLUE, (0, 0, 400, 1200))
    exif = Image.Exif()
    exif[0x0112] = 6

    checked = check_photo(upload("face.jpg", encoded(stored, "JPEG", quality=95, exif=exif)))

    photo = opened(checked.content)
    assert photo.size == (600, 800)
    assert 0x0112 not in photo.getexif()
    assert close_to(photo.getpixel((300, 20)), BLUE, tolerance=30)
    assert close_to(photo.getpixel((300, 780)), RED, tolerance=30)


def test_the_thumbnail_is_90_by_120_and_carries_nothing_but_pixels():
    checked = check_photo(upload("face.jpg", jpeg_bytes()))

    thumbnail = opened(checked.thumbnail)
    assert thumbnail.format == "JPEG"
    assert thumbnail.size == THUMBNAIL_SIZE == (90, 120)
    assert not thumbnail.getexif()
    assert close_to(thumbnail.getpixel((45, 60)), (180, 140, 110))


def test_the_checked_photo_carries_the_hash_of_what_is_stored():
    checked = check_photo(upload("face.png", png_bytes((300, 400))))

    assert checked.sha256 == hashlib.sha256(checked.content).hexdigest()


@pytest.mark.parametrize("name", ["face.jpg", "face.jpeg", "FACE.JPG"])
def test_a_jpeg_is_accepted_with_either_extension_in_any_case(name):
    assert check_photo(upload(name, jpeg_bytes((300, 400)))).content


# What is refused -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("passport.pdf", pdf_bytes()),
        ("face.jpg", pdf_bytes()),
        ("notes.txt", b"Grace Wanjiru, programme officer\n"),
        ("face.jpg", b"Grace Wanjiru, programme officer\n"),
        ("face.gif", encoded(Image.new("RGB", (30, 40), RED), "GIF")),
        ("face.webp", encoded(Image.new("RGB", (30, 40), RED), "WEBP")),
        ("face.bmp", encoded(Image.new("RGB", (30, 40), RED), "BMP")),
    ],
    ids=["pdf", "pdf-named-jpg", "text", "text-named-jpg", "gif", "webp", "bmp"],
)
def test_anything_but_jpeg_and_png_is_refused_whatever_its_name(name, content):
    assert refusal_of(upload(name, content, "image/jpeg")) == NEITHER


def test_a_jpeg_named_png_is_refused_naming_the_extension_and_the_content():
    assert refusal_of(upload("face.png", jpeg_bytes((30, 40)), "image/png")) == (
        "The file's name ends in “.png” but its content is JPEG. "
        "Rename it or choose the right file."
    )


def test_a_photo_without_extension_is_refused():
    message = refusal_of(upload("face", jpeg_bytes((30, 40))))

    assert message == (
        "The file's name ends in “no extension” but its content is JPEG. "
        "Rename it or choose the right file."
    )


def test_an_empty_file_is_refused():
    assert refusal_of(upload("face.jpg", b"")) == "The file is empty."


def test_a_file_over_the_upload_limit_is_refused_naming_its_size_and_the_limit(settings):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    content = jpeg_bytes((30, 40))
    too_big = content + b"\x00" * (settings.MAX_UPLOAD_BYTES + 1 - len(content))

    assert refusal_of(upload("face.jpg", too_big)) == (
        "The file is 1.0\xa0MB; the limit is 1.0\xa0MB."
    )


def test_a_photo_of_exactly_the_upload_limit_is_accepted(settings):
    content = jpeg_bytes((300, 400))
    settings.MAX_UPLOAD_BYTES = len(content)

    assert check_photo(upload("face.jpg", content)).content


@pytest.mark.parametrize(("width", "height"), [(5000, 5001), (30000, 30000)])
def test_a_header_claiming_too_many_pixels_is_refused_before_decoding(width, height):
    huge = png_claiming_size(width, height)

    message = refusal_of(upload("face.png", huge, "image/png"))

    assert len(huge) < 100
    assert message == f"The image is {width} × {height} pixels; the limit is 25 megapixels."


def test_the_pixel_limit_is_the_settings(settings):
    settings.MAX_IMAGE_PIXELS = 1_000_000

    message = refusal_of(upload("face.jpg", jpeg_bytes((1001, 1000))))

    assert message == "The image is 1001 × 1000 pixels; the limit is 1 megapixels."


@pytest.mark.parametrize(
    "content",
    [
        jpeg_bytes((300, 400))[:700],
        jpeg_bytes((300, 400))[: len(jpeg_bytes((300, 400))) // 2],
        b"\xff\xd8\xff",
        b"\xff\xd8\xff\xe0" + b"\x00" * 200,
        b"\xff\xd8\xff" + bytes(range(256)) * 8,
    ],
    ids=["cut-in-the-header", "cut-in-the-middle", "signature-only", "zeros", "noise"],
)
def test_a_truncated_or_corrupt_jpeg_is_refused_as_unreadable(content):
    assert refusal_of(upload("face.jpg", content, "image/jpeg")) == UNREADABLE


def noisy_png() -> bytes:
    """A PNG whose pixels do not compress: its image data is most of the file."""
    return encoded(Image.frombytes("RGB", (300, 400), bytes(range(256)) * 1407), "PNG")


@pytest.mark.parametrize(
    "content",
    [png_bytes((300, 400))[:40], noisy_png()[: len(noisy_png()) // 2], b"\x89PNG\r\n\x1a\n"],
    ids=["cut-in-the-header", "cut-in-the-middle", "signature-only"],
)
def test_a_truncated_png_is_refused_as_unreadable(content):
    assert refusal_of(upload("face.png", content, "image/png")) == UNREADABLE


def test_damaged_bytes_anywhere_in_a_jpeg_give_a_refusal_or_a_photo_never_an_error():
    original = bytearray(jpeg_bytes((300, 400)))
    # Past the EXIF block: damage there is only a warning, which the test settings raise.
    start = original.index(b"\xff\xdb")
    outcomes = set()
    for position in range(start, len(original), 97):
        damaged = bytearray(original)
        damaged[position : position + 4] = b"\xff\x00\xd9\xff"
        try:
            checked = check_photo(upload("face.jpg", bytes(damaged)))
        except UploadRefused as refused:
            outcomes.add(refused.message)
        else:
            outcomes.add(opened(checked.content).size)

    assert outcomes <= {UNREADABLE, (600, 800)}


@pytest.mark.parametrize(("width", "height"), [(239, 400), (400, 239), (30, 40)])
def test_a_photo_too_small_to_print_is_refused_naming_its_size(width, height):
    message = refusal_of(upload("face.jpg", jpeg_bytes((width, height))))

    assert message == (
        f"The photo is {width} × {height} pixels: too small to print on a pass. "
        "Choose one at least 240 pixels wide and high."
    )


def test_a_photo_of_exactly_the_smallest_size_is_accepted():
    assert opened(check_photo(upload("face.jpg", jpeg_bytes((240, 240)))).content).size == (
        600,
        800,
    )


def test_a_truncated_photo_is_refused_even_after_weasyprint_was_imported():
    # WeasyPrint turns Pillow's LOAD_TRUNCATED_IMAGES on when imported (for a PDF export in
    # the same worker); an upload must still be refused.
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = True
    content = jpeg_bytes((300, 400))

    assert refusal_of(upload("face.jpg", content[: len(content) // 2])) == UNREADABLE
