"""Checking an uploaded document by its content, and cleaning it.

Only PDF, JPEG and PNG are accepted, recognised from their bytes; the name's
extension must agree. Images are rebuilt from their pixels so that nothing but
the picture survives (metadata, comments, appended bytes). PDFs must parse and
must carry no active content.
"""

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePath

import pikepdf
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

SIGNATURES = [
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
]
EXTENSIONS = {
    "application/pdf": {".pdf"},
    "image/jpeg": {".jpg", ".jpeg"},
    "image/png": {".png"},
}
# Names in a PDF that make it do something when opened, or carry other files.
# pikepdf decodes #xx escapes in names, so /J#61vaScript is seen as /JavaScript.
ACTIVE_PDF_NAMES = {
    "/JavaScript",
    "/JS",
    "/OpenAction",
    "/AA",
    "/Launch",
    "/EmbeddedFiles",
    "/EmbeddedFile",
    "/FileAttachment",
    "/XFA",
    "/RichMedia",
    "/RichMediaContent",
    "/SubmitForm",
    "/ImportData",
    "/GoToE",
}
MAX_NAME_LENGTH = 120

# Our own limit (settings.MAX_IMAGE_PIXELS) is checked once Image.open has read
# the header and before anything is decoded; Pillow's check would refuse first
# with a message that does not say which rule was broken.
Image.MAX_IMAGE_PIXELS = None


class UploadRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    original_name: str
    sha256: str
    page_count: int | None = None

    @property
    def size(self) -> int:
        return len(self.content)


def display_name(name: str) -> str:
    """The original name, safe to show and to put in Content-Disposition."""
    base = PurePath(name.replace("\\", "/")).name
    base = unicodedata.normalize("NFC", base)
    base = "".join(char for char in base if unicodedata.category(char)[0] != "C")
    base = re.sub(r'[<>:"/\\|?*]', "_", base).strip(" .") or "document"
    if len(base) > MAX_NAME_LENGTH:
        stem, dot, suffix = base.rpartition(".")
        if dot and stem and len(suffix) <= 10:
            base = f"{stem[: MAX_NAME_LENGTH - len(suffix) - 1]}.{suffix}"
        else:
            base = base[:MAX_NAME_LENGTH]
    return base


def sniff(content: bytes) -> str | None:
    return next((mime for signature, mime in SIGNATURES if content.startswith(signature)), None)


def check_upload(uploaded) -> CheckedFile:
    """Accept or refuse an uploaded file; the message names the rule it broke."""
    limit = settings.MAX_UPLOAD_BYTES
    if uploaded.size > limit:
        raise UploadRefused(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(uploaded.size), "limit": filesizeformat(limit)}
        )
    content = uploaded.read()
    if not content:
        raise UploadRefused(_("The file is empty."))
    content_type = sniff(content)
    if content_type is None:
        raise UploadRefused(
            _("Only PDF, JPEG and PNG files are accepted, and this file is none of them.")
        )
    name = display_name(uploaded.name or "")
    extension = PurePath(name).suffix.lower()
    if extension not in EXTENSIONS[content_type]:
        raise UploadRefused(
            _(
                "The file's name ends in “%(extension)s” but its content is %(kind)s. Rename it or choose the right file."
            )
            % {"extension": extension or _("no extension"), "kind": _kind_label(content_type)}
        )
    page_count = None
    if content_type == "application/pdf":
        page_count = _check_pdf(content)
    else:
        content = _rebuild_image(content, content_type)
    return CheckedFile(
        content=content,
        content_type=content_type,
        original_name=name,
        sha256=hashlib.sha256(content).hexdigest(),
        page_count=page_count,
    )


def _kind_label(content_type: str) -> str:
    return {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}[content_type]


def _check_pdf(content: bytes) -> int:
    """Refuse a PDF that is protected or active; return its number of pages."""
    try:
        pdf = pikepdf.open(io.BytesIO(content))
    except pikepdf.PasswordError as error:
        raise UploadRefused(
            _("The PDF is protected by a password. Upload a copy without protection.")
        ) from error
    except pikepdf.PdfError as error:
        raise UploadRefused(
            _("The PDF cannot be read: it is damaged or not really a PDF.")
        ) from error
    with pdf:
        if pdf.is_encrypted:
            raise UploadRefused(_("The PDF is encrypted. Upload a copy without protection."))
        if not len(pdf.pages):
            raise UploadRefused(_("The PDF has no pages."))
        for obj in pdf.objects:
            if _has_active_content(obj):
                raise UploadRefused(
                    _(
                        "The PDF contains scripts, actions, attachments or forms, which are not accepted. Print it to a new PDF and upload that."
                    )
                )
        return len(pdf.pages)


def _has_active_content(obj) -> bool:
    if isinstance(obj, pikepdf.Stream):
        obj = obj.stream_dict
    if isinstance(obj, pikepdf.Dictionary):
        if ACTIVE_PDF_NAMES.intersection(obj.keys()):
            return True
        children = obj.values()
    elif isinstance(obj, pikepdf.Array):
        children = obj
    else:
        return _is_active_name(obj)
    # Indirect children are visited on their own through pdf.objects; direct
    # ones (an action written inline in an annotation) exist only here.
    return any(
        _is_active_name(child)
        or (
            isinstance(child, pikepdf.Dictionary | pikepdf.Array)
            and not child.is_indirect
            and _has_active_content(child)
        )
        for child in children
    )


def _is_active_name(value) -> bool:
    return isinstance(value, pikepdf.Name) and str(value) in ACTIVE_PDF_NAMES


def _rebuild_image(content: bytes, content_type: str) -> bytes:
    try:
        with Image.open(io.BytesIO(content)) as image:
            width, height = image.size
            if width * height > settings.MAX_IMAGE_PIXELS:
                raise UploadRefused(
                    _(
                        "The image is %(width)d × %(height)d pixels; the limit is %(limit)d megapixels."
                    )
                    % {
                        "width": width,
                        "height": height,
                        "limit": settings.MAX_IMAGE_PIXELS // 1_000_000,
                    }
                )
            image.load()
            upright = ImageOps.exif_transpose(image)
    except UploadRefused:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as error:
        raise UploadRefused(
            _("The image cannot be read: it is damaged or not really an image.")
        ) from error
    # Only the pixels are copied into a new image: EXIF and GPS, text chunks,
    # comments and anything appended after the image are left behind.
    if content_type == "image/jpeg":
        mode = upright.mode if upright.mode in {"RGB", "L", "CMYK"} else "RGB"
        pixels = upright.convert(mode)
        clean = Image.new(mode, pixels.size)
        clean.paste(pixels)
        output = io.BytesIO()
        clean.save(output, format="JPEG", quality=92)
    else:
        mode = upright.mode if upright.mode in {"RGB", "RGBA", "L", "LA"} else "RGBA"
        pixels = upright.convert(mode)
        clean = Image.new(mode, pixels.size)
        clean.paste(pixels)
        output = io.BytesIO()
        clean.save(output, format="PNG", optimize=True)
    return output.getvalue()
