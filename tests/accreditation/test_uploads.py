"""Uploaded documents are checked by their content and cleaned before they are stored.

PDF, JPEG and PNG only, recognised from the bytes; the name's extension must
agree; at most MAX_UPLOAD_BYTES. Images are rebuilt from their pixels. PDFs
must parse and carry no active content. Stored names are random, stored files
are not world-readable, and a refused file names the rule it broke while the
rest of the form is kept.
"""

import hashlib
import html as html_module
import io
import os
import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageCms, ImageDraw
from PIL.PngImagePlugin import PngInfo

from accreditation import services
from accreditation.models import Document
from accreditation.uploads import UploadRefused, check_upload, display_name
from tests.factories import (
    ApplicationFactory,
    FocalPointFactory,
    MeetingFactory,
    complete_application,
    pdf_bytes,
    png_bytes,
)
from tests.helpers import sign_in

NOT_AN_ACCEPTED_KIND = "Only PDF, JPEG and PNG files are accepted, and this file is none of them."
PRINT_IT = "Print it to a new PDF and upload that."
SCRIPT = f"The PDF contains a script (JavaScript), which is not accepted. {PRINT_IT}"
LAUNCH = (
    "The PDF contains a link that opens another file or a network share (Launch), "
    f"which is not accepted. {PRINT_IT}"
)
EMBEDDED_FILES = (
    "The PDF contains an embedded file or a file attachment (EmbeddedFiles), "
    f"which is not accepted. {PRINT_IT}"
)
XFA_FORM = f"The PDF is an XFA form, which is not accepted. {PRINT_IT}"
RICH_MEDIA = (
    "The PDF contains sound, video, 3D or other media (RichMedia), "
    f"which is not accepted. {PRINT_IT}"
)
PHP_PAYLOAD = b"<?php system($_GET['c']); ?>"
HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
RED = (200, 40, 40)


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def refusal_of(uploaded) -> str:
    with pytest.raises(UploadRefused) as refused:
        check_upload(uploaded)
    return refused.value.message


def jpeg_bytes(size=(32, 24), color=RED, **save_options) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, color).save(output, format="JPEG", quality=95, **save_options)
    return output.getvalue()


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


def pdf_with(build) -> bytes:
    """A one-page PDF changed by build(pdf), written by pikepdf."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    build(pdf)
    output = io.BytesIO()
    pdf.save(output)
    return output.getvalue()


def hand_made_pdf(catalog_extra: str = "", page_extra: str = "", extra_objects=()) -> bytes:
    """A PDF written as text, with a correct cross-reference table, so names can be escaped."""
    objects = [
        f"<< /Type /Catalog /Pages 2 0 R {catalog_extra}>>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] {page_extra}>>",
        *extra_objects,
    ]
    output = b"%PDF-1.7\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(output))
        output += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref_at = len(output)
    output += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    output += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    output += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n"
    ).encode()
    return output


def javascript_action(code: str = "app.alert(1)") -> pikepdf.Dictionary:
    return pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String(code))


def link_annotation(pdf, action: pikepdf.Dictionary):
    """A link over the page that runs the action when clicked, as PDF writers lay it out."""
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Link,
            Rect=[0, 0, 595, 842],
            A=action,
        )
    )


def add_javascript_open_action(pdf):
    pdf.Root.OpenAction = javascript_action()


def add_page_additional_actions(pdf):
    pdf.pages[0].AA = pikepdf.Dictionary(O=javascript_action())


def add_launch_action_on_link(pdf):
    launch = pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe"))
    pdf.pages[0].Annots = pikepdf.Array([link_annotation(pdf, launch)])


def add_javascript_action_on_link(pdf):
    pdf.pages[0].Annots = pikepdf.Array([link_annotation(pdf, javascript_action())])


def add_document_level_javascript(pdf):
    pdf.Root.Names = pikepdf.Dictionary(
        JavaScript=pikepdf.Dictionary(
            Names=pikepdf.Array([pikepdf.String("init"), javascript_action()])
        )
    )


def add_embedded_file(pdf):
    pdf.attachments["x.txt"] = pikepdf.AttachedFileSpec(pdf, b"data")


def add_xfa_form(pdf):
    pdf.Root.AcroForm = pikepdf.Dictionary(
        Fields=pikepdf.Array(),
        XFA=pdf.make_stream(b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"/>'),
    )


def add_rich_media_annotation(pdf):
    annotation = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.RichMedia,
        Rect=[0, 0, 100, 100],
        RichMediaContent=pikepdf.Dictionary(Assets=pikepdf.Dictionary()),
    )
    pdf.pages[0].Annots = pikepdf.Array([pdf.make_indirect(annotation)])


# What is accepted: detected from the bytes, with an agreeing extension ----------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("letter.png", HTML_PAGE, "image/png"),
        ("letter.png", b"<?php echo shell_exec($_GET['c']); ?>", "image/png"),
        ("letter.pdf", HTML_PAGE, "application/pdf"),
        ("letter.jpg", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/jpeg"),
    ],
    ids=["html_renamed_png", "php_renamed_png", "html_renamed_pdf", "gif_renamed_jpg"],
)
def test_file_that_is_not_pdf_jpeg_or_png_is_refused_whatever_its_name_and_type(
    name, content, content_type
):
    message = refusal_of(upload(name, content, content_type))

    assert message == NOT_AN_ACCEPTED_KIND


def test_png_named_pdf_is_refused_naming_the_extension_and_the_content():
    message = refusal_of(upload("statute.pdf", png_bytes(), "application/pdf"))

    assert message == (
        "The file's name ends in “.pdf” but its content is PNG. Rename it or choose the right file."
    )


def test_pdf_named_png_is_refused_naming_the_extension_and_the_content():
    message = refusal_of(upload("statute.png", pdf_bytes(), "image/png"))

    assert message == (
        "The file's name ends in “.png” but its content is PDF. Rename it or choose the right file."
    )


def test_jpeg_named_png_is_refused():
    message = refusal_of(upload("photo.png", jpeg_bytes(), "image/png"))

    assert message == (
        "The file's name ends in “.png” but its content is JPEG. "
        "Rename it or choose the right file."
    )


def test_pdf_without_extension_is_refused():
    message = refusal_of(upload("statute", pdf_bytes(), "application/pdf"))

    assert message == (
        "The file's name ends in “no extension” but its content is PDF. "
        "Rename it or choose the right file."
    )


@pytest.mark.parametrize("name", ["photo.jpeg", "photo.jpg", "PHOTO.JPG"])
def test_jpeg_is_accepted_with_a_jpeg_or_jpg_extension(name):
    checked = check_upload(upload(name, jpeg_bytes(), "image/jpeg"))

    assert checked.content_type == "image/jpeg"
    assert checked.original_name == name


def test_kind_comes_from_the_bytes_not_from_the_browsers_content_type():
    checked = check_upload(upload("scan.png", png_bytes(), "application/pdf"))

    assert checked.content_type == "image/png"


def test_empty_file_is_refused():
    message = refusal_of(upload("statute.pdf", b"", "application/pdf"))

    assert message == "The file is empty."


def test_upload_limit_is_ten_megabytes_by_default(settings):
    assert settings.MAX_UPLOAD_BYTES == 10 * 1024 * 1024


def test_file_over_the_size_limit_is_refused_naming_its_size_and_the_limit(settings):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    too_big = pdf_bytes() + b"\n" * (3 * 1024 * 1024)

    message = refusal_of(upload("statute.pdf", too_big, "application/pdf"))

    assert message == "The file is 3.0\xa0MB; the limit is 1.0\xa0MB."


def test_file_of_exactly_the_size_limit_is_accepted_and_one_byte_more_is_not(settings):
    image = png_bytes()
    settings.MAX_UPLOAD_BYTES = len(image) + 100
    at_limit = image + b"\x00" * 100

    checked = check_upload(upload("scan.png", at_limit, "image/png"))
    message = refusal_of(upload("scan.png", at_limit + b"\x00", "image/png"))

    assert checked.content_type == "image/png"
    assert message.startswith("The file is ")
    assert "the limit is" in message


# Images are rebuilt from their pixels ------------------------------------------


def test_jpeg_loses_its_exif_gps_and_comment_but_keeps_its_picture():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (1.0, 17.0, 0.0), 3: "E", 4: (36.0, 49.0, 0.0)}
    original = jpeg_bytes(exif=exif, comment=PHP_PAYLOAD)
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif().get_ifd(0x8825)[1] == "N"
        assert image.info["comment"] == PHP_PAYLOAD

    checked = check_upload(upload("photo.jpg", original, "image/jpeg"))

    assert PHP_PAYLOAD not in checked.content
    assert b"PhoneMaker" not in checked.content
    assert b"Exif" not in checked.content
    with Image.open(io.BytesIO(checked.content)) as image:
        assert dict(image.getexif()) == {}
        assert image.getexif().get_ifd(0x8825) == {}
        assert "comment" not in image.info
        assert "exif" not in image.info
        assert image.format == "JPEG"
        assert image.size == (32, 24)
        assert image.getpixel((5, 5)) == RED


def test_png_loses_its_text_chunks_but_keeps_its_picture():
    info = PngInfo()
    info.add_text("Comment", PHP_PAYLOAD.decode())
    info.add_text("Software", "compressed payload", zip=True)
    info.add_itxt("Author", "international payload")
    output = io.BytesIO()
    Image.new("RGB", (8, 8), (20, 120, 200)).save(output, format="PNG", pnginfo=info)
    original = output.getvalue()
    with Image.open(io.BytesIO(original)) as image:
        assert image.text["Comment"] == PHP_PAYLOAD.decode()

    checked = check_upload(upload("scan.png", original, "image/png"))

    assert PHP_PAYLOAD not in checked.content
    for chunk in (b"tEXt", b"zTXt", b"iTXt"):
        assert chunk not in checked.content
    with Image.open(io.BytesIO(checked.content)) as image:
        assert image.text == {}
        assert image.size == (8, 8)
        assert image.getpixel((3, 3)) == (20, 120, 200)


def test_jpeg_taken_sideways_is_turned_upright_and_loses_the_orientation():
    picture = Image.new("RGB", (40, 20), RED)
    picture.paste((20, 120, 200), (0, 0, 10, 20))  # A blue band on the left.
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was turned; readers rotate 90° clockwise.
    output = io.BytesIO()
    picture.save(output, format="JPEG", quality=95, exif=exif)

    checked = check_upload(upload("photo.jpg", output.getvalue(), "image/jpeg"))

    with Image.open(io.BytesIO(checked.content)) as image:
        assert image.size == (20, 40)
        assert 0x0112 not in image.getexif()
        red, _, blue = image.getpixel((10, 5))
        assert blue > 150  # The blue band is now on top.
        assert red < 80


@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_image_loses_its_colour_profile(kind):
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    output = io.BytesIO()
    Image.new("RGB", (8, 8), RED).save(output, format=kind, icc_profile=profile)
    name = "scan.png" if kind == "PNG" else "scan.jpg"

    checked = check_upload(upload(name, output.getvalue()))

    with Image.open(io.BytesIO(checked.content)) as image:
        assert "icc_profile" not in image.info


REBUILD_MEMORY = """
import sys
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from accreditation.uploads import check_upload
def peak_kib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
content = open(sys.argv[1], "rb").read()
before = peak_kib()
check_upload(SimpleUploadedFile("scan.png", content))
print(peak_kib() - before)
"""


def test_rebuilding_a_24_megapixel_png_holds_one_copy_of_its_pixels(tmp_path):
    # Run in a process of its own, so that its peak resident memory (VmHWM, which
    # unlike ru_maxrss starts afresh in a new program) is this image's alone:
    # tracemalloc does not see Pillow's pixels. A full-size copy of 24 million
    # pixels takes 96 MB; rebuilding used to hold four at once.
    if not Path("/proc/self/status").exists():
        pytest.skip("needs Linux's /proc/self/status")
    width, height = 6000, 4000
    scan = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(scan)
    for top in range(200, height - 200, 60):
        draw.rectangle((200, top, width - 200, top + 30), fill=(30, 30, 30))
    scan.save(tmp_path / "scan.png", format="PNG")
    del scan, draw
    one_copy_kib = width * height * 4 // 1024

    result = subprocess.run(
        [sys.executable, "-c", REBUILD_MEMORY, str(tmp_path / "scan.png")],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert int(result.stdout) < 2 * one_copy_kib


@pytest.mark.parametrize(
    ("name", "original", "end_of_image"),
    [
        ("scan.png", png_bytes(), b"IEND\xaeB`\x82"),
        ("photo.jpg", jpeg_bytes(), b"\xff\xd9"),
    ],
    ids=["png", "jpeg"],
)
def test_bytes_appended_after_the_image_are_dropped(name, original, end_of_image):
    payload = b"PAYLOAD-AFTER-IEND" + PHP_PAYLOAD

    checked = check_upload(upload(name, original + payload))

    assert payload not in checked.content
    assert b"PAYLOAD" not in checked.content
    assert checked.content.endswith(end_of_image)


def test_image_limit_is_25_megapixels_what_a_scanned_page_needs(settings):
    a4_at_400_dpi = round(210 / 25.4 * 400) * round(297 / 25.4 * 400)
    a3_at_300_dpi = round(297 / 25.4 * 300) * round(420 / 25.4 * 300)

    assert settings.MAX_IMAGE_PIXELS == 25_000_000
    assert a4_at_400_dpi < a3_at_300_dpi < settings.MAX_IMAGE_PIXELS


@pytest.mark.parametrize(("width", "height"), [(5000, 5001), (7000, 7000), (30000, 30000)])
def test_image_whose_header_claims_too_many_pixels_is_refused_before_decoding(width, height):
    # The file holds a few dozen bytes: decoding it would fail as damaged. A
    # message that names the size shows the header alone was enough.
    huge = png_claiming_size(width, height)

    message = refusal_of(upload("map.png", huge, "image/png"))

    assert len(huge) < 100
    assert message == (f"The image is {width} × {height} pixels; the limit is 25 megapixels.")


def test_damaged_image_is_refused():
    damaged = png_bytes()[:40]

    message = refusal_of(upload("scan.png", damaged, "image/png"))

    assert message == "The image cannot be read: it is damaged or not really an image."


# PDFs must parse and carry no active content -----------------------------------


def test_clean_pdf_of_several_pages_is_accepted_unchanged():
    original = pdf_bytes(pages=3)

    checked = check_upload(upload("statute.pdf", original, "application/pdf"))

    assert checked.content == original
    assert checked.sha256 == hashlib.sha256(original).hexdigest()
    assert checked.content_type == "application/pdf"
    assert checked.size == len(original)


def test_pdf_with_a_user_password_is_refused():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    output = io.BytesIO()
    pdf.save(output, encryption=pikepdf.Encryption(owner="o", user="u"))

    message = refusal_of(upload("statute.pdf", output.getvalue(), "application/pdf"))

    assert message == "The PDF is protected by a password. Upload a copy without protection."


def test_pdf_encrypted_with_an_empty_user_password_is_refused():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    output = io.BytesIO()
    pdf.save(output, encryption=pikepdf.Encryption(owner="o", user=""))

    message = refusal_of(upload("statute.pdf", output.getvalue(), "application/pdf"))

    assert message == "The PDF is encrypted. Upload a copy without protection."


@pytest.mark.parametrize(
    ("build", "refusal"),
    [
        (add_javascript_open_action, SCRIPT),
        (add_page_additional_actions, SCRIPT),
        (add_launch_action_on_link, LAUNCH),
        (add_javascript_action_on_link, SCRIPT),
        (add_document_level_javascript, SCRIPT),
        (add_embedded_file, EMBEDDED_FILES),
        (add_xfa_form, XFA_FORM),
        (add_rich_media_annotation, RICH_MEDIA),
    ],
    ids=[
        "javascript_open_action",
        "page_additional_actions",
        "launch_action_on_link",
        "javascript_action_on_link",
        "document_level_javascript",
        "embedded_file",
        "xfa_form",
        "rich_media_annotation",
    ],
)
def test_pdf_with_active_content_is_refused_naming_what_it_carries(build, refusal):
    message = refusal_of(upload("statute.pdf", pdf_with(build), "application/pdf"))

    assert message == refusal


def test_hand_made_pdf_without_active_content_is_accepted():
    # The hand-made file parses; the escaped variants below are refused for
    # what they carry, not for being unreadable.
    checked = check_upload(upload("statute.pdf", hand_made_pdf(), "application/pdf"))

    assert checked.content_type == "application/pdf"


@pytest.mark.parametrize(
    ("catalog_extra", "page_extra", "extra_objects", "refusal"),
    [
        ("/Open#41ction 4 0 R ", "", ["<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"], SCRIPT),
        ("", "/#41A 4 0 R ", ["<< /O << /S /L#61unch /F (cmd.exe) >> >>"], LAUNCH),
        ("/N#61mes 4 0 R ", "", ["<< /Embedded#46iles << /Names [] >> >>"], EMBEDDED_FILES),
    ],
    ids=["javascript_open_action", "page_launch_action", "embedded_files"],
)
def test_pdf_with_active_content_disguised_by_escaped_names_is_refused(
    catalog_extra, page_extra, extra_objects, refusal
):
    disguised = hand_made_pdf(catalog_extra, page_extra, extra_objects)

    message = refusal_of(upload("statute.pdf", disguised, "application/pdf"))

    assert message == refusal


def test_damaged_pdf_is_refused_as_unreadable():
    damaged = b"%PDF-1.7\n" + b"\x00garbage that is not a PDF body " * 50

    message = refusal_of(upload("statute.pdf", damaged, "application/pdf"))

    assert message == "The PDF cannot be read: it is damaged or not really a PDF."


# Names: random when stored, sanitized when shown --------------------------------


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\amina\\Desktop\\statute.pdf", "statute.pdf"),
        ('Letter "final"\r\n\t.pdf', "Letter _final_.pdf"),
        ("invoice\u202egnp.pdf", "invoicegnp.pdf"),
        ("statute\x00.pdf", "statute.pdf"),
        ("", "document"),
    ],
    ids=["unix_path", "windows_path", "quotes_and_controls", "bidi_override", "nul", "empty"],
)
def test_display_name_keeps_only_a_safe_base_name(name, shown):
    assert display_name(name) == shown


def test_display_name_cuts_a_long_name_to_120_characters_keeping_the_extension():
    shown = display_name("a" * 300 + ".pdf")

    assert shown == "a" * 116 + ".pdf"
    assert len(shown) == 120


def test_display_name_is_at_most_120_characters_when_the_only_dot_is_early():
    shown = display_name("Statute v2." + "x" * 300)

    assert len(shown) <= 120


def test_checked_upload_carries_the_sanitized_name():
    checked = check_upload(upload('../"Our statute".pdf', pdf_bytes(), "application/pdf"))

    assert checked.original_name == "_Our statute_.pdf"


@pytest.mark.django_db
def test_stored_document_has_a_random_name_and_is_not_world_readable():
    application = ApplicationFactory()
    person = FocalPointFactory(organization=application.organization).user
    checked = check_upload(upload("Our statute 2024.pdf", pdf_bytes(), "application/pdf"))

    document = services.add_document(
        application=application, kind=Document.Kind.LEGAL_STATUS, checked=checked, by=person
    )

    assert re.fullmatch(r"documents/[0-9a-f]{32}\.pdf", document.file.name)
    assert "statute" not in document.file.name.lower()
    assert document.original_name == "Our statute 2024.pdf"
    assert os.stat(document.file.path).st_mode & 0o777 == 0o640


@pytest.mark.django_db
def test_documents_of_a_complete_application_are_stored_under_different_random_names():
    application = complete_application()

    names = [document.file.name for document in application.documents.all()]

    assert len(names) == 2
    assert len(set(names)) == 2
    assert all(re.fullmatch(r"documents/[0-9a-f]{32}\.pdf", name) for name in names)


@pytest.mark.django_db
def test_stored_image_is_the_cleaned_one():
    application = ApplicationFactory()
    person = FocalPointFactory(organization=application.organization).user
    checked = check_upload(upload("scan.PNG", png_bytes() + PHP_PAYLOAD, "image/png"))

    document = services.add_document(
        application=application, kind=Document.Kind.HEAD_LETTER, checked=checked, by=person
    )

    with document.file.open("rb") as stored:
        content = stored.read()
    assert re.fullmatch(r"documents/[0-9a-f]{32}\.png", document.file.name)
    assert content == checked.content
    assert PHP_PAYLOAD not in content
    assert document.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.django_db
def test_download_gives_the_sanitized_name_only_in_content_disposition(client):
    application = ApplicationFactory()
    person = FocalPointFactory(organization=application.organization).user
    checked = check_upload(upload('Letter "final".pdf', pdf_bytes(), "application/pdf"))
    document = services.add_document(
        application=application, kind=Document.Kind.HEAD_LETTER, checked=checked, by=person
    )
    sign_in(client, person)

    response = client.get(document.get_absolute_url())
    body = b"".join(response.streaming_content)

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="Letter _final_.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert body == checked.content


# Through the page: the refused file is named, everything else is kept -----------


@pytest.mark.django_db
def test_refused_upload_names_the_rule_and_keeps_the_rest_of_the_form(client):
    application = ApplicationFactory(reason="An earlier reason.")
    focal_point = FocalPointFactory(organization=application.organization)
    meeting = MeetingFactory(call=application.call)
    earlier = services.add_document(
        application=application,
        kind=Document.Kind.OTHER,
        checked=check_upload(upload("Annual report 2023.pdf", pdf_bytes(), "application/pdf")),
        by=focal_point.user,
    )
    sign_in(client, focal_point.user)
    reason = "We speak for migrant domestic workers in Nairobi and Mombasa."

    response = client.post(
        reverse("accreditation:application", args=[application.pk]),
        {
            "reason": reason,
            "meetings": [meeting.pk],
            "acknowledged": "on",
            "legal_status": upload(
                "Certificate of registration.pdf", pdf_bytes(), "application/pdf"
            ),
            "head_letter": upload("Letter from our director.png", HTML_PAGE, "image/png"),
            "action": "save",
        },
    )

    html = response.content.decode()
    assert response.status_code == 400
    refusal = f"“Letter from our director.png” was not kept: {NOT_AN_ACCEPTED_KIND}"
    assert response.context["form"].errors["head_letter"] == [refusal]
    head_letter_field = html[html.index('id="id_head_letter"') : html.index("id_other_document")]
    assert (
        html_module.escape(refusal, quote=False) in head_letter_field
        or refusal in head_letter_field
    )
    # Each file field says what it already holds, and the size limit.
    legal_status_field = html[
        html.index('id="id_legal_status"') : html.index('id="id_head_letter"')
    ]
    assert "Already kept: Certificate of registration.pdf" in legal_status_field
    assert (
        "Choosing a new file replaces it. PDF, JPEG or PNG, at most 10.0\xa0MB."
        in legal_status_field
    )
    other_field = html[html.index('id="id_other_document"') :]
    assert "Already kept: Annual report 2023.pdf" in other_field
    assert "Choosing a new file adds one." in other_field
    assert reason in html
    application.refresh_from_db()
    assert application.reason == reason
    assert list(application.meetings.all()) == [meeting]
    assert application.acknowledged_at is not None
    current = application.documents.filter(replaced_at=None)
    assert sorted((d.kind, d.original_name) for d in current) == [
        (Document.Kind.LEGAL_STATUS, "Certificate of registration.pdf"),
        (Document.Kind.OTHER, "Annual report 2023.pdf"),
    ]
    assert not application.documents.filter(kind=Document.Kind.HEAD_LETTER).exists()
    assert earlier.original_name in html
    assert "Certificate of registration.pdf" in html
