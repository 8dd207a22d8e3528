"""Files the staff side downloads, streamed: every staff export lives here.

Each export is a generator of bytes for a ``StreamingHttpResponse``, or a file written row by
row, so that memory does not grow with the number of rows or files. The one exception is a
PDF, which WeasyPrint lays out whole.

A dataset has one row source, read as a ``Table`` (its columns and an iterator of its rows),
and each format one renderer shared by every dataset: ``csv_response`` (streamed),
``xlsx_response`` (a write-only workbook in a temporary file) and ``pdf_response`` (HTML from
a template, laid out by WeasyPrint). The datasets:

- the lists for Member States (``list_table()``, its rows from ``list_rows()`` and its columns
  from ``list_columns()``): CSV and XLSX for working with, and a PDF annex for circulating.
  What an entry does not share (its homepage, its reason for participation) never leaves the
  database; a column that no entry shares is left out altogether;
- a call's participants, as the PGA office filters them (``participant_table()``), its rows
  from ``participant_rows()``: CSV, XLSX and a PDF table, for the office and administrators.
"""

import csv
import itertools
import tempfile
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
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
from accreditation.models import DocumentEvent, Gender, Organization
from events.models import Call
from registration.models import Representative

from . import selectors
from .models import MemberStateList
from .regional_groups import RegionalGroup, regional_group


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


# Every dataset, every format -----------------------------------------------------------------

NO_STORE = "no-store, private"
# A spreadsheet reads a cell that begins with one of these as a formula (or, for a tab or a
# carriage return, as the start of one once the cell is pasted elsewhere).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A streamed CSV goes out in pieces of about this many characters, not a write per row.
CSV_PIECE = 64 * 1024
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Table:
    """A dataset as every format reads it.

    ``columns``: ``(key, header)`` in order, the headers in the reader's language. ``rows``:
    each row's cells as text, in the columns' order; an iterator that reads the database as
    it goes (a renderer runs through it once).
    """

    columns: Sequence[tuple[str, str]]
    rows: Iterable[Sequence[str]]

    @property
    def keys(self) -> list[str]:
        return [key for key, _header in self.columns]

    @property
    def headers(self) -> list[str]:
        return [header for _key, header in self.columns]


def neutralize_formula(value: str) -> str:
    """The cell as text a spreadsheet will not run: a leading ``'`` before a formula's start.

    The one rule for every spreadsheet export (CSV and XLSX).
    """
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = NO_STORE
    return response


class _Echo:
    """A file for csv.writer that hands back each line instead of keeping it."""

    def write(self, value: str) -> str:
        return value


def _stream_csv(table: Table, language: str) -> Iterator[bytes]:
    # The response is read after the view has returned: the reader's language goes with it,
    # for what the rows put into words as they are read (countries, types, genders).
    with translation.override(language):
        writer = csv.writer(_Echo())
        # The byte order mark makes Excel read the file as UTF-8.
        lines = ["\ufeff" + writer.writerow([neutralize_formula(h) for h in table.headers])]
        size = len(lines[0])
        for row in table.rows:
            line = writer.writerow([neutralize_formula(cell) for cell in row])
            lines.append(line)
            size += len(line)
            if size >= CSV_PIECE:
                yield "".join(lines).encode()
                lines, size = [], 0
        if lines:
            yield "".join(lines).encode()


def csv_response(table: Table, filename: str) -> StreamingHttpResponse:
    """The table as CSV (UTF-8 with a byte order mark), streamed as its rows are read.

    Every cell is neutralized; the rows are put into words in the language active now.
    """
    response = StreamingHttpResponse(
        _stream_csv(table, translation.get_language()), content_type="text/csv; charset=utf-8"
    )
    return _attachment(response, filename)


def _xlsx_text(value: str) -> str:
    # XML has no place for most control characters; a reason pasted from elsewhere may carry
    # one.
    return ILLEGAL_CHARACTERS_RE.sub("", neutralize_formula(value))


def xlsx_response(
    table: Table, filename: str, sheet_title: str, widths: Mapping[str, int] | None = None
) -> FileResponse:
    """The table as an XLSX workbook, written row by row to a temporary file and streamed.

    ``widths``: columns' widths by key, in characters (20 for a key not given).
    """
    workbook = Workbook(write_only=True)
    # A sheet's title holds at most 31 characters.
    sheet = workbook.create_sheet(sheet_title[:31])
    bold = Font(bold=True)
    header_cells = []
    for number, (key, header) in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = (widths or {}).get(key, 20)
        cell = WriteOnlyCell(sheet, value=_xlsx_text(header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in table.rows:
        sheet.append([_xlsx_text(cell) for cell in row])
    # The response streams the file and closes it (which deletes it) once sent.
    file = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        workbook.save(file)
    except BaseException:
        file.close()
        raise
    file.seek(0)
    return _attachment(FileResponse(file, content_type=XLSX_CONTENT_TYPE), filename)


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


def annex_rows(table: Table) -> list[list[tuple[str, str, str]]]:
    """The rows for a PDF's template: each cell as ``(key, text, direction)``."""
    keys = table.keys
    return [
        [(key, cell, _direction(cell)) for key, cell in zip(keys, row, strict=True)]
        for row in table.rows
    ]


def pdf_response(html: str, filename: str) -> HttpResponse:
    """The HTML laid out as a PDF by WeasyPrint."""
    # Imported here: WeasyPrint loads Pango when imported, which only the PDFs need.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # A PDF needs nothing from outside (its fonts are the system's): fetch no address.
    fetch_nothing = URLFetcher(allowed_protocols=())
    pdf = HTML(string=html, url_fetcher=fetch_nothing).write_pdf()
    return _attachment(HttpResponse(pdf, content_type="application/pdf"), filename)


# The lists for Member States ----------------------------------------------------------------


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


def list_table(member_state_list: MemberStateList) -> Table:
    """The list's columns in use and each row's cells in them, for every format."""
    columns = list_columns(member_state_list)
    keys = [key for key, _header in columns]

    def rows() -> Iterator[list[str]]:
        for row in list_rows(member_state_list):
            yield [str(getattr(row, key)) for key in keys]

    return Table(columns, rows())


def list_filename(member_state_list: MemberStateList, extension: str) -> str:
    """``list-<call>-v2-2026-12-01.pdf``: the circulation date, in the principal venue's zone.

    A list not circulated yet is named by the day it is exported, with ``draft`` before it.
    """
    call = member_state_list.call
    if member_state_list.circulated_at:
        day = timezone.localtime(member_state_list.circulated_at, call.tzinfo).date()
        when = day.isoformat()
    else:
        when = f"draft-{_today(call).isoformat()}"
    return f"list-{call.slug}-v{member_state_list.version}-{when}.{extension}"


def _today(call: Call):
    return timezone.localtime(timezone.now(), call.tzinfo).date()


def list_csv_response(member_state_list: MemberStateList) -> StreamingHttpResponse:
    """The list as CSV (UTF-8 with a byte order mark), streamed, headers in the active language."""
    return csv_response(list_table(member_state_list), list_filename(member_state_list, "csv"))


LIST_WIDTHS = {"organization": 50, "country": 25, "homepage": 40, "reason": 80}


def list_xlsx_response(member_state_list: MemberStateList) -> FileResponse:
    """The list as an XLSX workbook, written row by row to a temporary file and streamed."""
    return xlsx_response(
        list_table(member_state_list),
        list_filename(member_state_list, "xlsx"),
        _("Version %(version)d") % {"version": member_state_list.version},
        LIST_WIDTHS,
    )


def list_annex_html(member_state_list: MemberStateList) -> str:
    """The HTML of the list's PDF annex, in the active language."""
    call = member_state_list.call
    table = list_table(member_state_list)
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
            "columns": table.columns,
            "wide": "reason" in table.keys,
            "rows": annex_rows(table),
            "circulated_on": circulated_on,
            "objections_until": objections_until,
        },
    )


def list_pdf_response(member_state_list: MemberStateList) -> HttpResponse:
    """The list as a PDF annex for circulation (WeasyPrint), in the active language."""
    return pdf_response(list_annex_html(member_state_list), list_filename(member_state_list, "pdf"))


LIST_FORMATS = {
    "csv": list_csv_response,
    "xlsx": list_xlsx_response,
    "pdf": list_pdf_response,
}


def list_response(member_state_list: MemberStateList, file_format: str):
    """The list in a format a person asked for by name; KeyError for any other."""
    return LIST_FORMATS[file_format](member_state_list)


# A call's participants -------------------------------------------------------------------------

# Rows are read, and their meetings looked up, this many at a time: one query for the
# meetings of each chunk, never one per row.
PARTICIPANT_CHUNK = 2000
PARTICIPANT_WIDTHS = {
    "organization": 40,
    "organization_type": 25,
    "country": 22,
    "regional_group": 28,
    "full_name": 30,
    "function": 28,
    "gender": 16,
    "nationality": 22,
    "email": 32,
    "meetings": 50,
    "registered_at": 26,
}


def participant_columns() -> list[tuple[str, str]]:
    """The columns of the participants' exports, as ``(key, header)``: headers in the active
    language, named as the models name the fields where they can be."""

    def field(name: str) -> str:
        return str(capfirst(Representative._meta.get_field(name).verbose_name))

    return [
        ("organization", capfirst(_("organization"))),
        ("organization_type", capfirst(_("type of organization"))),
        ("country", capfirst(_("country of headquarters"))),
        ("regional_group", _("Regional group")),
        ("full_name", field("full_name")),
        ("function", field("function")),
        ("gender", field("gender")),
        ("nationality", field("nationality")),
        ("email", field("email")),
        ("meetings", field("meetings")),
        ("registered_at", field("registered_at")),
    ]


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def participant_rows(
    call: Call,
    filters: selectors.ParticipantFilters | None = None,
    *,
    chunk_size: int = PARTICIPANT_CHUNK,
) -> Iterator[list[str]]:
    """Yield the call's participants as the filters narrow them, by organization then name,
    each as the cells of ``participant_columns()``.

    Two queries for the call's meetings and the rows, then one per ``chunk_size`` rows for
    their meetings. Countries, types, genders and regional groups are named in the language
    active when the rows are read; the time of registration is ISO 8601 in the venue's zone.
    """
    meetings = list(call.meetings.order_by("start_date", "title", "pk").values_list("pk", "title"))
    place = {pk: number for number, (pk, _title) in enumerate(meetings)}
    titles = dict(meetings)
    zone = call.tzinfo
    types = {value: str(label) for value, label in Organization.Type.choices}
    genders = {value: str(label) for value, label in Gender.choices}
    groups = {value: str(label) for value, label in RegionalGroup.choices}
    country_names: dict[str, str] = {}

    def country(code: str) -> str:
        if code not in country_names:
            country_names[code] = str(countries.name(code)) if code else ""
        return country_names[code]

    rows = (
        selectors.participants(call, filters)
        .values_list(
            "pk",
            "organization__name",
            "organization__type",
            "organization__country",
            "full_name",
            "function",
            "gender",
            "nationality",
            "email",
            "registered_at",
        )
        .iterator(chunk_size=chunk_size)
    )
    through = Representative.meetings.through
    for chunk in _chunks(rows, chunk_size):
        attended = defaultdict(list)
        for representative_id, meeting_id in through.objects.filter(
            representative_id__in=[row[0] for row in chunk]
        ).values_list("representative_id", "meeting_id"):
            attended[representative_id].append(meeting_id)
        for (
            pk,
            organization,
            kind,
            headquarters,
            full_name,
            function,
            gender,
            nationality,
            email,
            registered_at,
        ) in chunk:
            yield [
                organization,
                types.get(kind, kind),
                country(headquarters),
                groups[regional_group(headquarters)],
                full_name,
                function,
                genders.get(gender, gender),
                country(nationality),
                email,
                "; ".join(titles[m] for m in sorted(attended[pk], key=place.__getitem__)),
                timezone.localtime(registered_at, zone).isoformat(timespec="seconds"),
            ]


def participant_table(call: Call, filters: selectors.ParticipantFilters | None = None) -> Table:
    return Table(participant_columns(), participant_rows(call, filters))


def participants_filename(call: Call, extension: str) -> str:
    """``participants-<call>-2026-12-01.csv``: the day it is exported, in the venue's zone."""
    return f"participants-{call.slug}-{_today(call).isoformat()}.{extension}"


def participants_csv_response(call: Call, filters=None, applied=()) -> StreamingHttpResponse:
    return csv_response(participant_table(call, filters), participants_filename(call, "csv"))


def participants_xlsx_response(call: Call, filters=None, applied=()) -> FileResponse:
    return xlsx_response(
        participant_table(call, filters),
        participants_filename(call, "xlsx"),
        _("Participants"),
        PARTICIPANT_WIDTHS,
    )


def participant_groups(table: Table) -> list[dict]:
    """The participants by organization, for the PDF: each organization once (its type,
    country and regional group), then its people. Each text keeps its direction
    (``rtl`` for a name written in Arabic), as ``(text, direction)``."""
    groups: list[dict] = []
    keys = table.keys
    for cells in table.rows:
        row = {key: (cell, _direction(cell)) for key, cell in zip(keys, cells, strict=True)}
        organization = tuple(
            row[key][0]
            for key in ("organization", "organization_type", "country", "regional_group")
        )
        if not groups or groups[-1]["key"] != organization:
            groups.append({"key": organization, "organization": row, "people": []})
        groups[-1]["people"].append(row)
    return groups


def participants_annex_html(
    call: Call, filters=None, applied: Sequence[tuple[str, str]] = ()
) -> str:
    """The HTML of the participants' PDF, in the active language: the call, the filters
    applied (``(label, value)`` in words) and the day, then the people by organization.

    Not a table: WeasyPrint lays out a cell at a time, and a table of 11 columns cost 9 ms a
    person; a line of text per person costs a quarter of that."""
    table = participant_table(call, filters)
    groups = participant_groups(table)
    return render_to_string(
        "reviews/participants_annex.html",
        {
            "language": translation.get_language(),
            "call": call,
            "headers": dict(table.columns),
            "groups": groups,
            "count": sum(len(group["people"]) for group in groups),
            "applied": applied,
            "today": date_format(_today(call), "j F Y"),
        },
    )


def participants_pdf_response(call: Call, filters=None, applied=()) -> HttpResponse:
    """The participants as a PDF (WeasyPrint), no photos, in the active language. The view
    keeps it within ``settings.PARTICIPANT_PDF_MAX_ROWS``."""
    return pdf_response(
        participants_annex_html(call, filters, applied), participants_filename(call, "pdf")
    )


PARTICIPANT_FORMATS: dict[str, Callable[..., HttpResponse]] = {
    "csv": participants_csv_response,
    "xlsx": participants_xlsx_response,
    "pdf": participants_pdf_response,
}


def participants_response(
    call: Call,
    file_format: str,
    filters: selectors.ParticipantFilters | None = None,
    applied: Sequence[tuple[str, str]] = (),
):
    """The participants in a format a person asked for by name; KeyError for any other.

    ``applied``: the filters in words, which the PDF states under its title.
    """
    return PARTICIPANT_FORMATS[file_format](call, filters, applied)
