"""A PDF is inspected in a child process within a fixed budget, and may not act on its own.

The web process never parses a PDF. A child limited in address space, CPU time
and wall-clock time does, so a file that inflates to gigabytes is refused with
a message instead of filling the worker's memory; so are files of too many
pages or objects, and files nested deeper than the parser reads. Links to web
pages and e-mail addresses, moves within the document and digital signatures
are accepted; anything that runs a script, plays media, opens another file or a
network share, sends data, or opens an address without a click is refused,
each with its own message.
"""

import ast
import datetime
import io
import os
import subprocess
import sys
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pikepdf
import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.files.uploadedfile import SimpleUploadedFile
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from accreditation import uploads
from accreditation.uploads import UploadRefused, check_upload
from tests.factories import pdf_bytes
from tests.pdfs import (
    MiB,
    many_objects_pdf,
    nested,
    object_stream_pdf,
    objstm_bomb,
    one_page_pdf,
)

PROJECT = Path(__file__).resolve().parents[2]
PRINT_IT = "Print it to a new PDF and upload that."
TOO_COMPLEX = (
    "The PDF is too complex to be checked: reading it needs more memory or time than "
    f"the check allows. {PRINT_IT}"
)


def script(kind):
    return f"The PDF contains a script ({kind}), which is not accepted. {PRINT_IT}"


def opens_file(kind):
    return (
        f"The PDF contains a link that opens another file or a network share ({kind}), "
        f"which is not accepted. {PRINT_IT}"
    )


def not_web_address(address):
    return (
        f"The PDF contains a link to an address that is not a web address ({address}); "
        f"only http, https and mailto links are accepted. {PRINT_IT}"
    )


def sends_data(kind):
    return (
        f"The PDF contains an action that sends form data ({kind}), which is not accepted. "
        f"{PRINT_IT}"
    )


def media(kind):
    return (
        f"The PDF contains sound, video, 3D or other media ({kind}), which is not accepted. "
        f"{PRINT_IT}"
    )


def embedded(kind):
    return (
        f"The PDF contains an embedded file or a file attachment ({kind}), "
        f"which is not accepted. {PRINT_IT}"
    )


def automatic_link(address):
    return (
        f"The PDF opens a web address by itself, without a click ({address}), "
        f"which is not accepted. {PRINT_IT}"
    )


def unknown_action(kind):
    return f"The PDF contains an action of a kind that is not accepted ({kind}). {PRINT_IT}"


def upload(content: bytes, name: str = "statute.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def refusal_of(content: bytes) -> str:
    with pytest.raises(UploadRefused) as refused:
        check_upload(upload(content))
    return refused.value.message


@pytest.fixture
def reports(monkeypatch):
    """The child's reports on the PDFs checked during the test."""
    seen = []
    inspect = uploads.inspect_pdf

    def keeping(content):
        seen.append(inspect(content))
        return seen[-1]

    monkeypatch.setattr(uploads, "inspect_pdf", keeping)
    return seen


def text(value: str) -> bytes:
    """A PDF string holding `value` as it is, written in hexadecimal: no escaping needed."""
    return b"<" + value.encode("latin-1").hex().encode() + b">"


def with_link(action: bytes, *, annotation_extra: bytes = b"") -> bytes:
    """A one-page PDF with a link over the page that runs `action` when clicked."""
    return one_page_pdf(
        page_extra=b"/Annots [4 0 R] ",
        extra={
            4: b"<< /Type /Annot /Subtype /Link /Rect [0 0 595 842] /A "
            + action
            + b" "
            + annotation_extra
            + b">>"
        },
    )


def with_annotation(subtype: bytes, extra: bytes = b"") -> bytes:
    return one_page_pdf(
        page_extra=b"/Annots [4 0 R] ",
        extra={
            4: b"<< /Type /Annot /Subtype /" + subtype + b" /Rect [0 0 100 100] " + extra + b">>"
        },
    )


def peak_resident_growth_kib(action) -> int:
    """How far this process's peak resident memory rises above its current size during action()."""
    clear_refs, status = Path("/proc/self/clear_refs"), Path("/proc/self/status")
    if not clear_refs.exists():
        pytest.skip("needs Linux's /proc/self/clear_refs to reset the peak resident size")

    def field(name):
        line = next(line for line in status.read_text().splitlines() if line.startswith(name))
        return int(line.split()[1])

    clear_refs.write_text("5")  # The peak resident size starts again from the current one.
    before = field("VmRSS:")
    action()
    return field("VmHWM:") - before


# A: the budget: memory, time, pages, objects ----------------------------------------


def test_bomb_crafted_small_is_a_valid_pdf_and_within_the_budget_is_accepted():
    # The same construction as the bombs below, a thousand times smaller: it
    # inflates to 19 MB and is a sound PDF, accepted. Only the size differs.
    content, inflated = objstm_bomb(20_000)

    checked = check_upload(upload(content))

    assert inflated > 900 * len(content)
    assert checked.page_count == 1


def test_bomb_crafting_is_fast_even_at_the_upload_limit(settings):
    content, inflated = objstm_bomb(settings.MAX_UPLOAD_BYTES)

    assert settings.MAX_UPLOAD_BYTES - 64 * 1024 < len(content) <= settings.MAX_UPLOAD_BYTES
    assert inflated > 10_000 * MiB


@pytest.mark.parametrize("share_of_the_limit", [0.1, 0.4, 1.0], ids=["1MB", "4MB", "10MB"])
def test_object_stream_bomb_is_refused_within_the_childs_memory_budget(
    settings, reports, share_of_the_limit
):
    content, inflated = objstm_bomb(int(settings.MAX_UPLOAD_BYTES * share_of_the_limit))

    message = refusal_of(content)

    assert inflated > 1_000 * MiB
    assert message == TOO_COMPLEX
    [report] = reports
    assert report["rule"] == "budget"
    assert "bad_alloc" in report["detail"]
    assert report["peak_vm_kb"] <= settings.PDF_CHECK_MEMORY_MB * 1024
    assert report["peak_rss_kb"] <= settings.PDF_CHECK_MEMORY_MB * 1024


def test_script_in_an_object_stream_too_large_to_inflate_is_not_overlooked():
    # qpdf, out of memory, reads the objects of such a stream as null and goes
    # on; a reader with more memory would run the script.
    content, _ = object_stream_pdf(
        {4: b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"},
        padding_blocks=1_000,
        catalog=b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
    )

    message = refusal_of(content)

    assert message == TOO_COMPLEX


def test_object_stream_bomb_costs_the_web_process_no_more_than_its_bytes():
    content, inflated = objstm_bomb(MiB)
    messages = []

    def check():
        with pytest.raises(UploadRefused) as refused:
            check_upload(upload(content))
        messages.append(refused.value.message)

    tracemalloc.start()
    try:
        growth = peak_resident_growth_kib(check)
        _, traced_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert messages == [TOO_COMPLEX]
    assert inflated > 1_000 * MiB
    assert traced_peak < 3 * len(content) + MiB
    assert growth < 64 * 1024


def test_normal_pdfs_stay_far_below_the_memory_budget(settings, reports):
    check_upload(upload(pdf_bytes(pages=3)))
    check_upload(upload(pdf_bytes(pages=300)))

    assert [report["verdict"] for report in reports] == ["accepted", "accepted"]
    assert all(report["peak_vm_kb"] < settings.PDF_CHECK_MEMORY_MB * 1024 / 4 for report in reports)


def test_budget_settings_by_default(settings):
    assert settings.PDF_CHECK_MEMORY_MB == 384
    assert settings.PDF_CHECK_CPU_SECONDS == 5
    assert settings.PDF_CHECK_TIMEOUT_SECONDS == 10
    assert settings.PDF_MAX_PAGES == 1_000
    assert settings.PDF_MAX_OBJECTS == 100_000


def slow_to_check() -> bytes:
    """15 KB that take seconds to look through: 200,000 links, inflated from an object stream."""
    links = b"<< /S /GoTo /D [3 0 R /Fit] >> " * 200_000
    content, _ = object_stream_pdf(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R /Extra 4 0 R >>",
            4: b"[<< /S /URI /URI (https://example.org/) >> " + links + b"]",
        }
    )
    return content


def test_pdf_that_takes_too_much_cpu_is_refused_as_too_complex(settings, reports):
    settings.PDF_CHECK_CPU_SECONDS = 1

    message = refusal_of(slow_to_check())

    assert message == TOO_COMPLEX
    assert reports[0]["detail"] == "SIGXCPU"


def test_pdf_that_takes_too_long_is_refused_as_too_complex(settings, reports):
    settings.PDF_CHECK_TIMEOUT_SECONDS = 0.3

    message = refusal_of(slow_to_check())

    assert message == TOO_COMPLEX
    assert reports[0]["detail"] == "timeout"


def test_pdf_of_more_pages_than_the_limit_is_refused_naming_both():
    assert check_upload(upload(pdf_bytes(pages=1_000))).page_count == 1_000

    message = refusal_of(pdf_bytes(pages=1_001))

    assert message == "The PDF has 1001 pages; the limit is 1000."


def test_pdf_of_more_objects_than_the_limit_is_refused_naming_both(settings):
    settings.PDF_MAX_OBJECTS = 50
    # Three objects more: the catalog, the page tree and the page.
    assert check_upload(upload(many_objects_pdf(47))).page_count == 1

    message = refusal_of(many_objects_pdf(48))

    assert message == f"The PDF is made of 51 objects; the limit is 50. {PRINT_IT}"


def test_a_killed_helper_is_replaced_for_the_next_pdf():
    check_upload(upload(pdf_bytes()))
    helper = uploads._pdf_checker._process
    helper.kill()
    helper.wait()

    checked = check_upload(upload(pdf_bytes(pages=2)))

    assert checked.page_count == 2
    assert uploads._pdf_checker._process is not helper


PARENT_NEVER_PARSES = """
import sys
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from accreditation.uploads import check_upload
content = open(sys.argv[1], "rb").read()
print(check_upload(SimpleUploadedFile("statute.pdf", content)).page_count, "pikepdf" in sys.modules)
"""


def test_the_web_process_never_imports_pikepdf(tmp_path):
    (tmp_path / "statute.pdf").write_bytes(pdf_bytes(pages=2))

    result = subprocess.run(
        [sys.executable, "-c", PARENT_NEVER_PARSES, str(tmp_path / "statute.pdf")],
        cwd=PROJECT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["2", "False"]


def test_the_child_imports_only_the_standard_library_and_pikepdf():
    tree = ast.parse((PROJECT / "accreditation" / "pdfcheck.py").read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }

    assert imported - set(sys.stdlib_module_names) == {"pikepdf"}


# E: nesting as deep as the parser allows --------------------------------------------

DEEPEST_QPDF_READS = 500


def deep_pdf(depth: int, inner: bytes, kind: str) -> bytes:
    return one_page_pdf(b"/Deep 4 0 R ", extra={4: nested(depth, inner, kind=kind)})


@pytest.mark.parametrize("kind", ["array", "dict"])
@pytest.mark.parametrize("depth", [480, 499, DEEPEST_QPDF_READS])
def test_script_nested_as_deep_as_the_parser_reads_is_found(depth, kind):
    content = deep_pdf(depth, b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>", kind)

    message = refusal_of(content)

    assert message == script("JavaScript")


@pytest.mark.parametrize("kind", ["array", "dict"])
@pytest.mark.parametrize("depth", [480, 499, DEEPEST_QPDF_READS])
def test_web_link_nested_as_deep_as_the_parser_reads_is_accepted(depth, kind):
    content = deep_pdf(depth, b"<< /S /URI /URI (https://example.org/) >>", kind)

    checked = check_upload(upload(content))

    assert checked.page_count == 1


@pytest.mark.parametrize("kind", ["array", "dict"])
def test_data_nested_deeper_than_the_parser_reads_is_refused_as_too_complex(kind):
    # qpdf reads such an object as null; another reader might not.
    content = deep_pdf(DEEPEST_QPDF_READS + 1, b"", kind)

    message = refusal_of(content)

    assert message == TOO_COMPLEX


# H: what actions and links may do ------------------------------------------------------

GO_TO_PAGE = b"<< /S /GoTo /D [3 0 R /Fit] >>"
# An action only an action's /Next leads to: as an object of its own, it is not an action.
CHAINED = b"<< /S /Frobnicate >>"


@pytest.mark.parametrize(
    ("action", "refusal"),
    [
        (
            b"<< /S /GoToR /F " + text("\\\\203.0.113.9\\share\\statute.pdf") + b" /D [0 /Fit] >>",
            opens_file("GoToR"),
        ),
        (b"<< /S /GoToE /T << /R /C /N (annex) >> >>", opens_file("GoToE")),
        (b"<< /S /Launch /F (cmd.exe) >>", opens_file("Launch")),
        (b"<< /S /ImportData /F (answers.fdf) >>", opens_file("ImportData")),
        (b"<< /S /Thread /F (other.pdf) /D 0 >>", opens_file("Thread")),
        (
            b"<< /S /SubmitForm /F << /FS /URL /F (https://collector.example/) >> >>",
            sends_data("SubmitForm"),
        ),
        (b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>", script("JavaScript")),
        (b"<< /S /Rendition /OP 0 >>", media("Rendition")),
        (b"<< /S /Sound /Sound << /R 8000 >> >>", media("Sound")),
        (b"<< /S /Movie /T (clip) >>", media("Movie")),
        (b"<< /S /Frobnicate >>", unknown_action("Frobnicate")),
        (b"<< /S /GoTo3DView /TA << /Type /Annot >> /V 0 >>", unknown_action("GoTo3DView")),
        (b"<< /Type /Action /D [3 0 R /Fit] >>", unknown_action("?")),
        (GO_TO_PAGE[:-2] + b"/Next << /S /Launch /F (cmd.exe) >> >>", opens_file("Launch")),
        (GO_TO_PAGE[:-2] + b"/Next [" + GO_TO_PAGE + b" 5 0 R] >>", unknown_action("Frobnicate")),
    ],
    ids=[
        "gotor_to_a_unc_path",
        "gotoe",
        "launch",
        "import_data",
        "thread_in_another_file",
        "submit_form",
        "javascript",
        "rendition",
        "sound",
        "movie",
        "unknown_kind",
        "goto_3d_view",
        "no_kind",
        "launch_chained_by_next",
        "unknown_kind_chained_by_next_in_an_array",
    ],
)
def test_link_whose_action_acts_outside_the_document_is_refused_naming_it(action, refusal):
    extra = {5: CHAINED} if b"5 0 R" in action else {}
    content = one_page_pdf(
        page_extra=b"/Annots [4 0 R] ",
        extra={
            4: b"<< /Type /Annot /Subtype /Link /Rect [0 0 595 842] /A " + action + b" >>",
            **extra,
        },
    )

    message = refusal_of(content)

    assert message == refusal


@pytest.mark.parametrize(
    ("address", "shown"),
    [
        ("\\\\203.0.113.9\\share\\statute.pdf", "\\\\203.0.113.9\\share\\statute.pdf"),
        ("file:///C:/Windows/win.ini", "file:"),
        ("file://203.0.113.9/share/statute.pdf", "file:"),
        ("smb://203.0.113.9/share", "smb:"),
        ("javascript:app.alert(1)", "javascript:"),
        ("jav\tascript:alert(1)", "javascript:"),
        ("  JavaScript:alert(1)", "javascript:"),
        ("data:text/html,<script>alert(1)</script>", "data:"),
        ("ftp://files.example.org/statute.pdf", "ftp:"),
        ("statute.html", "statute.html"),
        ("mailto:registrar@example.org?attach=C:/Users/amina/key.pem", "mailto:?attach"),
    ],
    ids=[
        "unc_path",
        "file",
        "file_on_a_host",
        "smb",
        "javascript",
        "javascript_split_by_a_tab",
        "javascript_after_spaces",
        "data",
        "ftp",
        "relative",
        "mailto_attaching_a_file",
    ],
)
def test_link_to_an_address_that_is_not_a_web_address_is_refused_naming_it(address, shown):
    content = with_link(b"<< /S /URI /URI " + text(address) + b" >>")

    message = refusal_of(content)

    assert message == not_web_address(shown)


@pytest.mark.parametrize(
    "address",
    [
        "https://www.example.org/statute",
        "http://example.org/",
        "HTTPS://EXAMPLE.ORG/",
        "mailto:registrar@example.org",
        "mailto:registrar@example.org?subject=Statute&body=Hello",
    ],
    ids=["https", "http", "upper_case", "mailto", "mailto_with_a_subject"],
)
def test_link_to_a_web_page_or_an_email_address_is_accepted(address):
    checked = check_upload(upload(with_link(b"<< /S /URI /URI " + text(address) + b" >>")))

    assert checked.page_count == 1


def test_web_link_written_in_utf16_is_read_as_such_and_accepted():
    address = b"<" + ("\ufeffhttps://example.org/").encode("utf-16-be").hex().encode() + b">"

    checked = check_upload(upload(with_link(b"<< /S /URI /URI " + address + b" >>")))

    assert checked.page_count == 1


@pytest.mark.parametrize(
    "action",
    [
        GO_TO_PAGE,
        b"<< /S /GoTo /D (chapter.2) >>",
        b"<< /S /Named /N /NextPage >>",
        b"<< /S /SetOCGState /State [/OFF] >>",
        b"<< /S /Hide /T (note) /H true >>",
        b"<< /S /ResetForm >>",
        b"<< /S /Trans /Trans << /S /Dissolve >> >>",
        b"<< /S /Thread /D 0 >>",
        GO_TO_PAGE[:-2] + b"/Next << /S /URI /URI (https://example.org/) >> >>",
    ],
    ids=[
        "goto_page",
        "goto_named_destination",
        "named",
        "set_ocg_state",
        "hide",
        "reset_form",
        "trans",
        "thread_in_this_document",
        "goto_then_web_link",
    ],
)
def test_link_that_moves_within_the_document_or_changes_its_view_is_accepted(action):
    checked = check_upload(upload(with_link(action)))

    assert checked.page_count == 1


@pytest.mark.parametrize(
    ("catalog_extra", "page_extra"),
    [
        (b"/OpenAction [3 0 R /FitH null] ", b""),
        (b"/OpenAction [3 0 R /Fit] /PageMode /UseOutlines ", b""),
        (b"/OpenAction " + GO_TO_PAGE + b" ", b""),
        (b"/OpenAction << /S /Named /N /FirstPage >> ", b""),
        (b"", b"/AA << /O " + GO_TO_PAGE + b" >> "),
    ],
    ids=[
        "open_at_page_one_fit_width",
        "open_at_page_one_with_outlines",
        "open_with_goto",
        "open_with_named",
        "page_open_goto",
    ],
)
def test_pdf_that_opens_at_a_page_by_itself_is_accepted(catalog_extra, page_extra):
    checked = check_upload(upload(one_page_pdf(catalog_extra, page_extra)))

    assert checked.page_count == 1


@pytest.mark.parametrize(
    "content",
    [
        one_page_pdf(b"/OpenAction << /S /URI /URI (https://tracker.example/open) >> "),
        one_page_pdf(page_extra=b"/AA << /O << /S /URI /URI (https://tracker.example/open) >> >> "),
        with_link(
            GO_TO_PAGE,
            annotation_extra=b"/AA << /E << /S /URI /URI (https://tracker.example/open) >> >> ",
        ),
        one_page_pdf(
            b"/OpenAction 4 0 R ",
            extra={
                4: GO_TO_PAGE[:-2] + b"/Next 5 0 R >>",
                5: b"<< /S /URI /URI (https://tracker.example/open) >>",
            },
        ),
    ],
    ids=["document_open", "page_open", "annotation_mouse_enter", "document_open_then_next"],
)
def test_web_address_opened_without_a_click_is_refused(content):
    message = refusal_of(content)

    assert message == automatic_link("https://tracker.example/open")


@pytest.mark.parametrize("subtype", ["Screen", "Movie", "Sound", "3D"])
def test_annotation_that_plays_media_is_refused_naming_it(subtype):
    message = refusal_of(with_annotation(subtype.encode()))

    assert message == media(subtype)


def test_file_attachment_annotation_is_refused():
    content = with_annotation(b"FileAttachment", b"/FS << /Type /Filespec /F (x.exe) >> ")

    message = refusal_of(content)

    assert message == embedded("FileAttachment")


def test_stream_whose_data_is_another_file_is_refused():
    content = one_page_pdf(
        page_extra=b"/Contents 4 0 R ",
        extra={4: b"<< /Length 0 /F (\\\\\\\\host\\\\share\\\\page.txt) >>\nstream\n\nendstream"},
    )

    message = refusal_of(content)

    assert message == opens_file("F")


def test_script_key_outside_an_action_is_refused():
    content = one_page_pdf(b"/Extra << /JS (app.alert\\(1\\)) >> ")

    message = refusal_of(content)

    assert message == script("JavaScript")


def test_tagged_pdf_with_structure_attributes_is_accepted():
    # Structure elements name their type with /S and their attributes with /A,
    # the same keys as an action's; they are not actions.
    content = one_page_pdf(
        b"/StructTreeRoot 4 0 R /MarkInfo << /Marked true >> ",
        b"/StructParents 0 ",
        extra={
            4: b"<< /Type /StructTreeRoot /K 5 0 R >>",
            5: b"<< /Type /StructElem /S /Document /P 4 0 R /K [6 0 R 7 0 R] >>",
            6: b"<< /Type /StructElem /S /P /P 5 0 R /Pg 3 0 R /K 0 "
            b"/A << /O /Layout /SpaceAfter 6 >> >>",
            7: b"<< /Type /StructElem /S /Figure /P 5 0 R /Pg 3 0 R /K 1 "
            b"/A [<< /O /Layout /BBox [0 0 10 10] >> << /O /List /ListNumbering /None >>] >>",
        },
    )

    checked = check_upload(upload(content))

    assert checked.page_count == 1


def test_fillable_form_without_scripts_is_accepted():
    content = one_page_pdf(
        b"/AcroForm << /Fields [4 0 R] /NeedAppearances true >> ",
        b"/Annots [4 0 R] ",
        extra={
            4: b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (name) /V (Amina Diallo) "
            b"/Rect [50 700 300 720] /P 3 0 R >>"
        },
    )

    checked = check_upload(upload(content))

    assert checked.page_count == 1


# Digitally signed PDFs ---------------------------------------------------------------


@pytest.fixture(scope="module")
def registrar_signer():
    """A signer with a self-signed certificate, as a registrar's office might have."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Registrar of Societies")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    certificate = asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
    private_key = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    signer = signers.SimpleSigner(
        signing_cert=certificate,
        signing_key=private_key,
        cert_registry=SimpleCertificateStore.from_certs([]),
    )
    return signer, certificate


def _in_own_thread(function, *args, **kwargs):
    """pyhanko runs asyncio.run() inside: not possible in a thread whose event loop is already
    running (Playwright's, once a browser test of the session has started it)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


@pytest.mark.parametrize("certify", [False, True], ids=["approval", "certification"])
def test_digitally_signed_pdf_is_accepted(registrar_signer, certify):
    signer, certificate = registrar_signer
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes(pages=2)))
    signed = _in_own_thread(
        signers.sign_pdf,
        writer,
        PdfSignatureMetadata(field_name="Registrar", certify=certify),
        signer=signer,
    ).getvalue()
    signature = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    status = _in_own_thread(
        validate_pdf_signature, signature, ValidationContext(trust_roots=[certificate])
    )
    with pikepdf.open(io.BytesIO(signed)) as pdf:
        field = pdf.Root.AcroForm.Fields[0]
        assert field.FT == "/Sig"
        assert "/ByteRange" in field.V
        assert "/Contents" in field.V

    checked = check_upload(upload(signed))

    assert status.intact
    assert status.valid
    assert checked.page_count == 2
    assert checked.content == signed
