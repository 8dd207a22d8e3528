"""Checking an uploaded document by its content, and cleaning it.

Only PDF, JPEG and PNG are accepted, recognised from their bytes; the name's
extension must agree. Images are rebuilt from their pixels so that nothing but
the picture survives (metadata, comments, appended bytes). PDFs are inspected
in a child process with a fixed memory and time budget (see pdfcheck.py): they
must parse, stay within the budget and the page and object limits, and carry
nothing that runs, plays, opens another file or sends data.
"""

import atexit
import hashlib
import io
import json
import logging
import os
import re
import select
import subprocess
import sys
import threading
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

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
MAX_NAME_LENGTH = 120
# The modes an image is written in, the first for any other mode.
IMAGE_MODES = {"image/jpeg": ("RGB", "L", "CMYK"), "image/png": ("RGBA", "RGB", "L", "LA")}
PDF_CHECK_SCRIPT = Path(__file__).with_name("pdfcheck.py")
# The helper gets none of this process's environment (secrets included) but
# what the dynamic loader may need to find pikepdf's libraries.
HELPER_ENVIRONMENT = ("PATH", "LD_LIBRARY_PATH", "TMPDIR")
# How long past the child's own timeout the helper may take to answer.
HELPER_GRACE_SECONDS = 5
DETAIL_LENGTH = 60

logger = logging.getLogger(__name__)

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


def read_upload(uploaded, accepted: tuple[str, ...] = tuple(EXTENSIONS)) -> tuple[bytes, str, str]:
    """The upload's bytes, its type recognised from them and its name safe to show.

    Refused, with a message naming the rule, if it is too large, empty, of a type not in
    ``accepted`` or named with an extension its content does not have.
    """
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
    if content_type not in accepted:
        if "application/pdf" in accepted:
            raise UploadRefused(
                _("Only PDF, JPEG and PNG files are accepted, and this file is none of them.")
            )
        raise UploadRefused(_("Only JPEG and PNG images are accepted, and this file is neither."))
    name = display_name(uploaded.name or "")
    extension = PurePath(name).suffix.lower()
    if extension not in EXTENSIONS[content_type]:
        raise UploadRefused(
            _(
                "The file's name ends in “%(extension)s” but its content is %(kind)s. Rename it or choose the right file."
            )
            % {"extension": extension or _("no extension"), "kind": _kind_label(content_type)}
        )
    return content, content_type, name


def check_upload(uploaded) -> CheckedFile:
    """Accept or refuse an uploaded file; the message names the rule it broke."""
    content, content_type, name = read_upload(uploaded)
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


def inspect_pdf(content: bytes) -> dict:
    """The child's report on a PDF (see pdfcheck.py); this process never parses it."""
    return _pdf_checker.inspect(
        content,
        {
            "memory_mb": int(settings.PDF_CHECK_MEMORY_MB),
            "cpu_seconds": int(settings.PDF_CHECK_CPU_SECONDS),
            "timeout_seconds": settings.PDF_CHECK_TIMEOUT_SECONDS,
            "max_pages": settings.PDF_MAX_PAGES,
            "max_objects": settings.PDF_MAX_OBJECTS,
        },
    )


def _check_pdf(content: bytes) -> int:
    """Refuse a PDF that is protected, too costly or active; return its number of pages."""
    report = inspect_pdf(content)
    if report.get("verdict") == "accepted":
        return int(report["pages"])
    if report.get("rule") in {"budget", "unreadable"}:
        # A budget refusal is an attack or a limit set too low; an unreadable
        # file, damage, or a fault of the check itself.
        logger.log(
            logging.WARNING if report.get("rule") == "budget" else logging.INFO,
            "PDF refused by the %s rule: %s (peak %s KiB)",
            report.get("rule"),
            report.get("detail"),
            report.get("peak_vm_kb"),
        )
    raise UploadRefused(_pdf_refusal(report))


def _pdf_refusal(report: dict) -> str:
    rule = report.get("rule")
    detail = _shown(str(report.get("detail") or ""))
    count = int(report.get("count") or 0)
    if rule == "locked":
        return _("The PDF is protected by a password. Upload a copy without protection.")
    if rule == "encrypted":
        return _("The PDF is encrypted. Upload a copy without protection.")
    if rule == "no_pages":
        return _("The PDF has no pages.")
    if rule == "budget":
        return _(
            "The PDF is too complex to be checked: reading it needs more memory or time than the check allows. Print it to a new PDF and upload that."
        )
    if rule == "too_many_pages":
        return ngettext(
            "The PDF has %(count)d page; the limit is %(limit)d.",
            "The PDF has %(count)d pages; the limit is %(limit)d.",
            count,
        ) % {"count": count, "limit": settings.PDF_MAX_PAGES}
    if rule == "too_many_objects":
        return ngettext(
            "The PDF is made of %(count)d object; the limit is %(limit)d. Print it to a new PDF and upload that.",
            "The PDF is made of %(count)d objects; the limit is %(limit)d. Print it to a new PDF and upload that.",
            count,
        ) % {"count": count, "limit": settings.PDF_MAX_OBJECTS}
    if rule == "script":
        return _(
            "The PDF contains a script (%(kind)s), which is not accepted. Print it to a new PDF and upload that."
        ) % {"kind": detail}
    if rule == "embedded_file":
        return _(
            "The PDF contains an embedded file or a file attachment (%(kind)s), which is not accepted. Print it to a new PDF and upload that."
        ) % {"kind": detail}
    if rule == "xfa":
        return _(
            "The PDF is an XFA form, which is not accepted. Print it to a new PDF and upload that."
        )
    if rule == "media":
        return _(
            "The PDF contains sound, video, 3D or other media (%(kind)s), which is not accepted. Print it to a new PDF and upload that."
        ) % {"kind": detail}
    if rule == "opens_file":
        return _(
            "The PDF contains a link that opens another file or a network share (%(kind)s), which is not accepted. Print it to a new PDF and upload that."
        ) % {"kind": detail}
    if rule == "not_web_address":
        return _(
            "The PDF contains a link to an address that is not a web address (%(address)s); only http, https and mailto links are accepted. Print it to a new PDF and upload that."
        ) % {"address": detail}
    if rule == "sends_data":
        return _(
            "The PDF contains an action that sends form data (%(kind)s), which is not accepted. Print it to a new PDF and upload that."
        ) % {"kind": detail}
    if rule == "automatic_link":
        return _(
            "The PDF opens a web address by itself, without a click (%(address)s), which is not accepted. Print it to a new PDF and upload that."
        ) % {"address": detail}
    if rule == "unknown_action":
        return _(
            "The PDF contains an action of a kind that is not accepted (%(kind)s). Print it to a new PDF and upload that."
        ) % {"kind": detail}
    return _("The PDF cannot be read: it is damaged or not really a PDF.")


def _shown(text: str) -> str:
    """A detail from the file, printable and short: it is shown in the message."""
    text = "".join(char for char in text if char.isprintable())
    return text if len(text) <= DETAIL_LENGTH else text[: DETAIL_LENGTH - 1] + "…"


class _PdfChecker:
    """The helper process that forks a limited child for each PDF (see pdfcheck.py).

    Started on first use, once per worker process, and kept; one PDF at a time
    per worker process. A helper that fails to answer in time, or at all, is
    killed and the PDF refused by the budget rule; the next PDF starts another.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._process = None
        self._owner = None

    def inspect(self, content: bytes, request: dict) -> dict:
        deadline = time.monotonic() + request["timeout_seconds"] + HELPER_GRACE_SECONDS
        header = json.dumps({**request, "length": len(content)}).encode() + b"\n"
        with self._lock:
            try:
                process = self._running()
                self._send(process.stdin.fileno(), header, deadline)
                self._send(process.stdin.fileno(), content, deadline)
                report = json.loads(self._answer(process.stdout.fileno(), deadline))
                if not isinstance(report, dict) or "verdict" not in report:
                    raise ValueError(f"not a report: {report!r:.200}")
                return report
            except (OSError, ValueError, TimeoutError) as error:
                logger.warning("The PDF check helper failed and is restarted: %r", error)
                self._stop()
                return {"verdict": "refused", "rule": "budget", "detail": "helper", "count": None}

    def _running(self) -> subprocess.Popen:
        if self._process is not None and self._owner == os.getpid():
            if self._process.poll() is None:
                return self._process
            self._stop()
        environment = {key: os.environ[key] for key in HELPER_ENVIRONMENT if key in os.environ}
        self._process = subprocess.Popen(  # noqa: S603 - our own script, no shell
            [sys.executable, "-I", str(PDF_CHECK_SCRIPT), "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
            env=environment,
        )
        self._owner = os.getpid()
        os.set_blocking(self._process.stdin.fileno(), False)
        return self._process

    @staticmethod
    def _send(fd: int, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        while view:
            _wait(fd, deadline, writing=True)
            try:
                view = view[os.write(fd, view) :]
            except BlockingIOError:
                continue

    @staticmethod
    def _answer(fd: int, deadline: float) -> bytes:
        answer = b""
        while not answer.endswith(b"\n"):
            _wait(fd, deadline, writing=False)
            chunk = os.read(fd, 65536)
            if not chunk:
                raise OSError("the helper closed its output")
            answer += chunk
        return answer

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None or self._owner != os.getpid():
            return
        process.kill()
        process.wait()
        process.stdin.close()
        process.stdout.close()

    def close(self) -> None:
        """End the helper: it exits when its input closes."""
        with self._lock:
            process, self._process = self._process, None
            if process is None or self._owner != os.getpid():
                return
            process.stdin.close()
            try:
                process.wait(timeout=HELPER_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdout.close()


def _wait(fd: int, deadline: float, *, writing: bool) -> None:
    """Until the pipe is ready (or closed), or TimeoutError past the deadline."""
    poller = select.poll()
    poller.register(fd, select.POLLOUT if writing else select.POLLIN)
    remaining = deadline - time.monotonic()
    if remaining <= 0 or not poller.poll(remaining * 1000):
        raise TimeoutError("the PDF check helper did not answer in time")


_pdf_checker = _PdfChecker()
atexit.register(_pdf_checker.close)


@contextmanager
def opened_image(content: bytes, *, draft_size: tuple[int, int] | None = None):
    """The image in ``content``, decoded and turned upright, within the pixel limit.

    Refused with a message if it is over ``settings.MAX_IMAGE_PIXELS`` (checked from the
    header, before anything is decoded) or cannot be read. ``draft_size``: a JPEG may be
    decoded straight to a reduced scale no smaller than this, which costs less memory and time.
    """
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
            if draft_size is not None:
                image.draft("RGB", draft_size)
            # A truncated file is refused, never padded out: WeasyPrint, once imported for a
            # PDF export, turns this global of Pillow's on for the whole process.
            ImageFile.LOAD_TRUNCATED_IMAGES = False
            image.load()
            # One full-size copy of the pixels, the decoded one, turned upright in place.
            ImageOps.exif_transpose(image, in_place=True)
            yield image
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


def _rebuild_image(content: bytes, content_type: str) -> bytes:
    with opened_image(content) as image:
        # Converted only when its mode cannot be written as it is.
        kept = IMAGE_MODES[content_type]
        pixels = image if image.mode in kept else image.convert(kept[0])
        # Only the pixels are written: EXIF and GPS, XMP, the ICC profile, text
        # chunks, comments and anything appended after the image stay behind.
        # The encoders read these from .info; nothing else is passed to them.
        pixels.info = {}
        output = io.BytesIO()
        if content_type == "image/jpeg":
            pixels.save(output, format="JPEG", quality=92)
        else:
            # zlib's fastest level, not optimize=True (its slowest): encoding is
            # most of the cost, 4 s for 12 megapixels of grainy photograph at
            # the default level, 1.3 s at this one. Scans stay small.
            pixels.save(output, format="PNG", compress_level=1)
    return output.getvalue()
