"""Files the staff side downloads, streamed: every staff export lives here.

Each export is a generator of bytes for a ``StreamingHttpResponse``, so that memory does not
grow with the number of rows or files. The one exception is the PDF annex of a list, which
WeasyPrint lays out whole.

The lists for Member States come in three formats from one row source, ``list_rows()``, with
its columns from ``list_columns()``: CSV and XLSX for working with, and a PDF annex for
circulating. What an entry does not share (its homepage, its reason for participation) never
leaves the database; a column that no entry shares is left out altogether.
"""

import csv
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator
from typing import NamedTuple

from django.db.models import Case, CharField, Count, F, Q, TextField, Value, When
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django_countries import countries
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from accounts.models import User
from accounts.roles import role_of
from accreditation.models import DocumentEvent

from . import selectors
from .models import MemberStateList


class _ChunkSink:
    """A write-only file for zipfile that hands out what was written, for streaming."""

    def __init__(self):
        self.chunks: list[bytes] = []
        self.position = 0

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def stream_documents_zip(applications, *, by: User, chunk_size: int = 64 * 1024):
    """Yield a ZIP of the current documents of these applications, one folder per reference.

    Nothing is built in memory beyond one chunk of one file at a time. Each application's
    documents are recorded as viewed by ``by`` before their bytes go out, so that a
    download cut off half-way is on the record too.
    """
    sink = _ChunkSink()
    role = role_of(by)
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for application in applications:
            folder = application.reference or f"draft-{application.pk}"
            used: set[str] = set()
            documents = list(application.documents.current().order_by("kind", "pk"))
            DocumentEvent.objects.bulk_create(
                DocumentEvent(
                    application=application,
                    document=document,
                    actor=by,
                    role=role,
                    kind=DocumentEvent.Kind.VIEWED,
                )
                for document in documents
            )
            for document in documents:
                name = f"{folder}/{document.get_kind_display()} - {document.original_name}"
                while name in used:
                    name = f"{folder}/{document.pk}-{document.original_name}"
                used.add(name)
                with (
                    document.file.open("rb") as source,
                    archive.open(name, mode="w", force_zip64=True) as target,
                ):
                    while block := source.read(chunk_size):
                        target.write(block)
                        yield sink.take()
                yield sink.take()
    yield sink.take()


def documents_zip_response(applications, *, by: User, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        stream_documents_zip(applications, by=by), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    return response


# The lists for Member States ----------------------------------------------------------------

NO_STORE = "no-store, private"
# A spreadsheet reads a cell that begins with one of these as a formula (or, for a tab or a
# carriage return, as the start of one once the cell is pasted elsewhere).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class ListRow(NamedTuple):
    """One entry of a list as Member States read it: the homepage and reason only if shared."""

    organization: str
    country: str
    homepage: str
    reason: str


def list_columns(member_state_list: MemberStateList) -> list[tuple[str, str]]:
    """The columns of the list's exports, as ``(field of ListRow, header)``, in order.

    Organization and country always; the homepage and the reason only if at least one entry
    shares them. Headers are in the active language.
    """
    shared = member_state_list.entries.aggregate(
        homepage=Count("pk", filter=Q(homepage_shared=True)),
        reason=Count("pk", filter=Q(reason_shared=True)),
    )
    columns = [("organization", capfirst(_("organization"))), ("country", capfirst(_("country")))]
    if shared["homepage"]:
        columns.append(("homepage", _("Homepage")))
    if shared["reason"]:
        columns.append(("reason", _("Reason for participation")))
    return columns


def list_rows(member_state_list: MemberStateList, *, chunk_size: int = 2000) -> Iterator[ListRow]:
    """Yield the list's entries by organization name, in one query however many there are.

    The country is named in the active language. An entry's homepage and reason are selected
    only where the entry shares them, so that what is not shared is never read.
    """
    entries = (
        member_state_list.entries.order_by("organization_name", "pk")
        .annotate(
            shared_homepage=Case(
                When(homepage_shared=True, then=F("homepage")),
                default=Value(""),
                output_field=CharField(),
            ),
            shared_reason=Case(
                When(reason_shared=True, then=F("application__reason")),
                default=Value(""),
                output_field=TextField(),
            ),
        )
        .values_list(
            "organization_name",
            "country",
            "shared_homepage",
            "shared_reason",
        )
    )
    for name, country, homepage, reason in entries.iterator(chunk_size=chunk_size):
        yield ListRow(name, countries.name(country), homepage or "", reason or "")


def neutralize_formula(value: str) -> str:
    """The cell as text a spreadsheet will not run: a leading ``'`` before a formula's start.

    The one rule for every spreadsheet export (CSV and XLSX).
    """
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _table(
    member_state_list: MemberStateList,
) -> tuple[list[tuple[str, str]], Iterator[list[str]]]:
    """The columns in use and each row's cells in them, for every format."""
    columns = list_columns(member_state_list)
    fields = [field for field, _header in columns]
    rows = ([getattr(row, field) for field in fields] for row in list_rows(member_state_list))
    return columns, rows


def list_filename(member_state_list: MemberStateList, extension: str) -> str:
    """``list-<call>-v2-2026-12-01.pdf``: the circulation date, in the principal venue's zone.

    A list not circulated yet is named by the day it is exported, with ``draft`` before it.
    """
    call = member_state_list.call
    if member_state_list.circulated_at:
        day = timezone.localtime(member_state_list.circulated_at, call.tzinfo).date()
        when = day.isoformat()
    else:
        when = f"draft-{timezone.localtime(timezone.now(), call.tzinfo).date().isoformat()}"
    return f"list-{call.slug}-v{member_state_list.version}-{when}.{extension}"


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = NO_STORE
    return response


class _Echo:
    """A file for csv.writer that hands back each line instead of keeping it."""

    def write(self, value: str) -> str:
        return value


def _stream_csv(member_state_list: MemberStateList, language: str) -> Iterator[bytes]:
    # The response is read after the view has returned: the reader's language goes with it.
    with translation.override(language):
        writer = csv.writer(_Echo())
        columns, rows = _table(member_state_list)
        # The byte order mark makes Excel read the file as UTF-8.
        yield ("\ufeff" + writer.writerow([header for _field, header in columns])).encode()
        for row in rows:
            yield writer.writerow([neutralize_formula(cell) for cell in row]).encode()


def list_csv_response(member_state_list: MemberStateList) -> StreamingHttpResponse:
    """The list as CSV (UTF-8 with a byte order mark), streamed, headers in the active language."""
    response = StreamingHttpResponse(
        _stream_csv(member_state_list, translation.get_language()),
        content_type="text/csv; charset=utf-8",
    )
    return _attachment(response, list_filename(member_state_list, "csv"))


def list_xlsx_response(member_state_list: MemberStateList) -> FileResponse:
    """The list as an XLSX workbook, written row by row to a temporary file and streamed."""

    def text(value: str) -> str:
        # XML has no place for most control characters; a reason pasted from elsewhere may
        # carry one.
        return ILLEGAL_CHARACTERS_RE.sub("", neutralize_formula(value))

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Version %(version)d") % {"version": member_state_list.version})
    columns, rows = _table(member_state_list)
    widths = {"organization": 50, "country": 25, "homepage": 40, "reason": 80}
    bold = Font(bold=True)
    header_cells = []
    for number, (field, header) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = widths[field]
        cell = WriteOnlyCell(sheet, value=text(header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([text(cell) for cell in row])
    # The response streams the file and closes it (which deletes it) once sent.
    file = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        workbook.save(file)
    except BaseException:
        file.close()
        raise
    file.seek(0)
    response = FileResponse(
        file,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    return _attachment(response, list_filename(member_state_list, "xlsx"))


def _direction(text: str) -> str:
    """``rtl`` or ``ltr`` by the first letter with a direction, as HTML's ``dir="auto"``.

    WeasyPrint has no ``dir="auto"``: a name written in Arabic stands right-aligned.
    """
    for character in text:
        kind = unicodedata.bidirectional(character)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return ""


def list_annex_html(member_state_list: MemberStateList) -> str:
    """The HTML of the list's PDF annex, in the active language."""
    call = member_state_list.call
    columns, rows = _table(member_state_list)
    circulated_on = objections_until = None
    if member_state_list.circulated_at:
        local = timezone.localtime(member_state_list.circulated_at, call.tzinfo)
        circulated_on = date_format(local, "j F Y")
        if member_state_list.objection_deadline:
            objections_until = selectors.deadline_words(member_state_list)
    return render_to_string(
        "reviews/list_annex.html",
        {
            "language": translation.get_language(),
            "list": member_state_list,
            "call": call,
            "columns": columns,
            "wide": any(field == "reason" for field, _header in columns),
            "rows": [
                [
                    (field, cell, _direction(cell))
                    for (field, _header), cell in zip(columns, row, strict=True)
                ]
                for row in rows
            ],
            "circulated_on": circulated_on,
            "objections_until": objections_until,
        },
    )


def list_pdf_response(member_state_list: MemberStateList) -> HttpResponse:
    """The list as a PDF annex for circulation (WeasyPrint), in the active language."""
    # Imported here: WeasyPrint loads Pango when imported, which only this export needs.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # The annex needs nothing from outside (its fonts are the system's): fetch no address.
    fetch_nothing = URLFetcher(allowed_protocols=())
    pdf = HTML(string=list_annex_html(member_state_list), url_fetcher=fetch_nothing).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    return _attachment(response, list_filename(member_state_list, "pdf"))


LIST_FORMATS = {
    "csv": list_csv_response,
    "xlsx": list_xlsx_response,
    "pdf": list_pdf_response,
}


def list_response(member_state_list: MemberStateList, file_format: str):
    """The list in a format a person asked for by name; KeyError for any other."""
    return LIST_FORMATS[file_format](member_state_list)
