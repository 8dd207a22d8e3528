"""A call's participants as CSV, XLSX and PDF: one row source, the filters of the page, the
reader's language, neutralized formulas, and queries that do not grow with the rows."""

import csv
import io
import math
from datetime import UTC, datetime

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from registration.models import Representative
from reviews import exports
from reviews.selectors import ParticipantFilters
from tests import people
from tests.bulk import add_representatives
from tests.factories import MeetingFactory, OrganizationFactory, RepresentativeFactory
from tests.helpers import content_of
from tests.reviews.test_list_exports import content, pdf_text
from tests.reviews.test_participant_list import five_people, summit

pytestmark = pytest.mark.django_db

HEADERS = [
    "Organization",
    "Type of organization",
    "Country of headquarters",
    "Regional group",
    "Full name",
    "Function in the organization",
    "Gender",
    "Nationality",
    "Email address",
    "Meetings attended",
    "Registered at",
]
# 04:30 UTC on 1 December 2026 is 23:30 on 30 November in New York, the venue.
AT = "2026-11-30T23:30:00-05:00"
ARABIC = "ليلى حسن"
CHINESE = "王芳"
FORMATS = ["csv", "xlsx", "pdf"]


@pytest.fixture
def call():
    return summit()


@pytest.fixture
def world(call):
    return five_people(call)


@pytest.fixture
def office():
    return people.signed_in_client(people.PGA_OFFICE_MEMBER)


def expected_rows(world) -> list[list[str]]:
    """By organization, then name; meetings by date then title."""
    email = {name: person.email for name, person in world["people"].items()}
    both = "Opening plenary; Round table on migration"
    return [
        ["Brazil Diaspora Council", "Migrant organization", "Brazil",
         "Latin American and Caribbean States", "Bruno Costa", "Programme officer", "Male",
         "Brazil", email["Bruno Costa"], "Opening plenary", AT],
        ["France Migration Institute", "Academic institution", "France",
         "Western European and other States", "Chloé Martin", "Programme officer", "Female",
         "France", email["Chloé Martin"], "Round table on migration", AT],
        ["Hong Kong Business Forum", "Private-sector entity", "Hong Kong",
         "Other (not a Member State)", "Dana Lee", "Programme officer", "Another gender",
         "China", email["Dana Lee"], "Opening plenary", AT],
        ["Kenya Migrant Voices", "Non-governmental organization", "Kenya", "African States",
         "Amina Diallo", "Programme officer", "Female", "Kenya", email["Amina Diallo"], both, AT],
        ["Kenya Migrant Voices", "Non-governmental organization", "Kenya", "African States",
         "Eli Sun", "Programme officer", "Prefers not to say", "Kenya", email["Eli Sun"],
         "Round table on migration", AT],
    ]  # fmt: skip


def export_url(call, file_format, **filters):
    url = reverse("reviews:office_participants_export", args=[call.slug, file_format])
    query = "&".join(f"{name}={value}" for name, value in filters.items())
    return f"{url}?{query}" if query else url


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # so that Excel reads UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def xlsx_rows(data: bytes) -> list[list[str]]:
    workbook = load_workbook(io.BytesIO(data))
    return [
        ["" if value is None else value for value in row]
        for row in workbook.worksheets[0].iter_rows(values_only=True)
    ]


# The row source ----------------------------------------------------------------------------------


def test_the_rows_are_the_calls_participants_by_organization_then_name(world, call):
    assert [header for _key, header in exports.participant_columns()] == HEADERS
    assert list(exports.participant_rows(call)) == expected_rows(world)


def test_meetings_are_looked_up_once_per_chunk_of_rows(world, call):
    with CaptureQueriesContext(connection) as queries:
        rows = list(exports.participant_rows(call, chunk_size=2))

    assert rows == expected_rows(world)
    # The call's meetings, the rows, then the meetings of each chunk of two.
    assert len(queries) == 2 + math.ceil(5 / 2)


def test_the_rows_follow_the_filters(world, call):
    filters = ParticipantFilters(meeting=world["round_table"], gender="female")

    assert [row[4] for row in exports.participant_rows(call, filters)] == [
        "Chloé Martin",
        "Amina Diallo",
    ]


# Each format holds exactly the rows --------------------------------------------------------------


def test_csv_holds_exactly_the_rows_and_streams(world, call, office):
    response = office.get(export_url(call, "csv"))

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_rows(content_of(response)) == [HEADERS, *expected_rows(world)]


def test_xlsx_holds_exactly_the_rows(world, call, office):
    response = office.get(export_url(call, "xlsx"))

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert xlsx_rows(content_of(response)) == [HEADERS, *expected_rows(world)]


def test_pdf_holds_the_rows_under_a_title_with_the_filters_and_date(world, call, office):
    with time_machine.travel(datetime(2026, 12, 1, 3, 0, tzinfo=UTC), tick=False):
        response = office.get(export_url(call, "pdf", gender="female", regional_group="african"))
    text = " ".join(pdf_text(content_of(response)).split())

    assert response["Content-Type"] == "application/pdf"
    assert "Summit on migration: participants" in text
    assert "Filters Regional group: African States; Gender: Female" in text
    # The day at the venue: still 30 November in New York.
    assert "Drawn up on 30 November 2026" in text
    assert "Participants 1" in text
    assert "Amina Diallo" in text
    for name in ("Bruno Costa", "Chloé Martin", "Dana Lee", "Eli Sun"):
        assert name not in text
    # By organization: its type, country and regional group once, then each person.
    assert "Kenya Migrant Voices · Non-governmental organization · Kenya · African States" in text
    for header in ("Nationality", "Meetings attended", "Registered at"):
        assert header in text


def test_pdf_without_filters_says_everyone(world, call, office):
    text = " ".join(pdf_text(content_of(office.get(export_url(call, "pdf")))).split())

    assert "Filters None: everyone registered" in text
    assert "Participants 5" in text
    for name in ("Bruno Costa", "Chloé Martin", "Dana Lee", "Amina Diallo", "Eli Sun"):
        assert text.count(name) == 1


@pytest.mark.parametrize("file_format", FORMATS)
def test_each_format_follows_the_filters(world, call, office, file_format):
    data = content_of(office.get(export_url(call, file_format, meeting=world["opening"].pk)))

    if file_format == "csv":
        names = [row[4] for row in csv_rows(data)[1:]]
    elif file_format == "xlsx":
        names = [row[4] for row in xlsx_rows(data)[1:]]
    else:
        text = pdf_text(data)
        names = [n for n in ("Bruno Costa", "Chloé Martin", "Dana Lee", "Amina Diallo", "Eli Sun") if n in text]  # fmt: skip
    assert names == ["Bruno Costa", "Dana Lee", "Amina Diallo"]


def test_names_in_every_script_are_drawn(call, office):
    organization = OrganizationFactory(name="الشبكة العربية للهجرة", country="EG")
    chinese = OrganizationFactory(name="中国移民网络", country="CN")
    meeting = MeetingFactory(call=call)
    RepresentativeFactory(call=call, organization=organization, full_name=ARABIC, meetings=[meeting])  # fmt: skip
    RepresentativeFactory(call=call, organization=chinese, full_name=CHINESE, meetings=[meeting])

    data = content_of(office.get(export_url(call, "pdf")))
    text = pdf_text(data)
    reader = PdfReader(io.BytesIO(data))
    resources = reader.pages[0]["/Resources"]["/Font"]
    fonts = {resources[key]["/BaseFont"].split("+", 1)[-1] for key in resources}
    html = exports.participants_annex_html(call)

    assert ARABIC in text
    assert CHINESE in text
    assert "DejaVu-Sans" in fonts  # Latin, Cyrillic and Arabic
    assert any(font.startswith(("WenQuanYi-Micro-Hei", "NotoSansCJK")) for font in fonts)  # Chinese
    assert f'<b dir="rtl">{ARABIC}</b>' in html
    assert f"<b>{CHINESE}</b>" in html


# Spreadsheets do not run what a cell says -----------------------------------------------------


@pytest.fixture
def formulas(call):
    meeting = MeetingFactory(call=call, title="@SUM(A1:A2)")
    organization = OrganizationFactory(name="+Plus Council", country="KE")
    RepresentativeFactory(
        call=call,
        organization=organization,
        full_name='=HYPERLINK("https://evil.example","Click")',
        function="-2+3",
        meetings=[meeting],
    )


def test_csv_neutralizes_formulas(formulas, call, office):
    row = csv_rows(content_of(office.get(export_url(call, "csv"))))[1]

    assert row[0] == "'+Plus Council"
    assert row[4] == '\'=HYPERLINK("https://evil.example","Click")'
    assert row[5] == "'-2+3"
    assert row[9] == "'@SUM(A1:A2)"
    for cell in row:
        assert not cell.startswith(exports.FORMULA_TRIGGERS)


def test_xlsx_neutralizes_formulas(formulas, call, office):
    workbook = load_workbook(io.BytesIO(content_of(office.get(export_url(call, "xlsx")))))
    cells = next(workbook.worksheets[0].iter_rows(min_row=2))

    assert all(cell.data_type == "s" for cell in cells)
    assert cells[4].value == '\'=HYPERLINK("https://evil.example","Click")'
    assert cells[0].value == "'+Plus Council"
    for cell in cells:
        assert not cell.value.startswith(exports.FORMULA_TRIGGERS)


# The reader's language -------------------------------------------------------------------------

FRENCH_HEADERS_KNOWN = [
    "Organisation",
    "Type d’organisation",
    "Pays du siège",
    "Groupe régional",
    "Nom complet",
    "Fonction au sein de l’organisation",
    "Genre",
]


def test_csv_in_french_with_the_language_cookie(world, call, office):
    office.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    rows = csv_rows(content_of(office.get(export_url(call, "csv"))))
    with translation.override("fr"):
        french = [header for _key, header in exports.participant_columns()]

    assert rows[0] == french
    assert rows[0][:7] == FRENCH_HEADERS_KNOWN
    assert rows[0][8] == "Adresse électronique"
    kenya = rows[4]
    assert kenya[:4] == ["Kenya Migrant Voices", "Organisation non gouvernementale", "Kenya", "États d’Afrique"]  # fmt: skip
    assert kenya[6] == "Femme"
    assert rows[1][2] == "Brésil"


def test_csv_in_french_with_the_browsers_language(world, call, office):
    data = content_of(office.get(export_url(call, "csv"), HTTP_ACCEPT_LANGUAGE="fr"))

    assert csv_rows(data)[0][:7] == FRENCH_HEADERS_KNOWN


def test_the_language_goes_with_the_stream(world, call):
    with translation.override("fr"):
        response = exports.participants_csv_response(call)
    # Read after the language changed back, as a server reads a streamed response.
    rows = csv_rows(content(response))

    assert rows[0][:7] == FRENCH_HEADERS_KNOWN
    assert rows[1][2] == "Brésil"


def test_xlsx_in_french(world, call, office):
    office.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    rows = xlsx_rows(content_of(office.get(export_url(call, "xlsx"))))

    assert rows[0][:7] == FRENCH_HEADERS_KNOWN
    assert rows[1][2] == "Brésil"


# The download --------------------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", FORMATS)
def test_files_are_attachments_named_by_call_and_the_venues_day(call, office, file_format):
    # 03:00 UTC on 1 December is still 30 November in New York.
    with time_machine.travel(datetime(2026, 12, 1, 3, 0, tzinfo=UTC), tick=False):
        response = office.get(export_url(call, file_format))
        content_of(response)

    assert response["Content-Disposition"] == (
        f'attachment; filename="participants-summit-2026-11-30.{file_format}"'
    )
    assert response["Cache-Control"] == "no-store, private"


@pytest.mark.parametrize("file_format", ["json", "CSV", "xls", "html"])
def test_any_other_format_is_not_found(call, office, file_format):
    assert office.get(export_url(call, file_format)).status_code == 404


def test_an_unknown_call_is_not_found(office):
    url = reverse("reviews:office_participants_export", args=["nowhere", "csv"])

    assert office.get(url).status_code == 404


@pytest.mark.parametrize("file_format", FORMATS)
def test_a_bad_filter_goes_back_to_the_page_which_says_what_is_wrong(
    world, call, office, file_format
):
    response = office.get(export_url(call, file_format, gender="robot", meeting="9" * 20))

    page = reverse("reviews:office_participants", args=[call.slug])
    assert response.status_code == 302
    assert response["Location"] == f"{page}?gender=robot&meeting={'9' * 20}"
    shown = office.get(response["Location"])
    assert shown.status_code == 200
    assert shown.context["form"].errors.keys() == {"gender", "meeting"}


# Who may download ---------------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize(
    ("role", "status"),
    [
        (people.ANONYMOUS, 302),
        (people.APPLICANT_A, 403),
        (people.DELEGATE, 403),
        (people.REVIEWER, 403),
        (people.PGA_OFFICE_MEMBER, 200),
        (people.ADMINISTRATOR, 200),
    ],
)
def test_only_the_office_and_administrators_download(world, call, role, status, file_format):
    client = people.signed_in_client(role)

    response = client.get(export_url(call, file_format))
    data = content_of(response)

    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("accounts:sign_in"))
    if status == 200:
        assert response["Content-Disposition"].startswith('attachment; filename="participants-')
    else:
        assert b"Amina Diallo" not in data


# The queries do not grow with the rows ----------------------------------------------------------

EXPORT_QUERIES = 11


@pytest.mark.parametrize("file_format", FORMATS)
def test_queries_do_not_grow_with_participants(
    call, office, django_assert_max_num_queries, file_format
):
    organizations = [
        OrganizationFactory(name=f"Organization {number}", country=country)
        for number, country in enumerate(["KE", "FR", "BR", "CN", "HK"])
    ]
    meetings = [MeetingFactory(call=call), MeetingFactory(call=call)]
    office.get(reverse("reviews:office_participants", args=[call.slug]))
    filters = {"meeting": meetings[0].pk, "regional_group": "african"}

    add_representatives(call, 10, organizations=organizations, meetings=meetings)
    with django_assert_max_num_queries(EXPORT_QUERIES) as small:
        data = content_of(office.get(export_url(call, file_format, **filters)))
    if file_format == "csv":
        assert len(csv_rows(data)) == 1 + 2

    add_representatives(call, 990, organizations=organizations, meetings=meetings, start=10)
    with django_assert_max_num_queries(EXPORT_QUERIES) as large:
        data = content_of(office.get(export_url(call, file_format, **filters)))

    assert len(large.captured_queries) == len(small.captured_queries)
    if file_format == "csv":
        rows = csv_rows(data)
        assert len(rows) == 1 + 200
        # Even people attend both meetings, odd ones the first only.
        assert {row[9] for row in rows[1:]} == {
            f"{meetings[0].title}; {meetings[1].title}",
            meetings[0].title,
        }
    elif file_format == "xlsx":
        assert len(xlsx_rows(data)) == 1 + 200
    else:
        assert "Participants 200" in PdfReader(io.BytesIO(data)).pages[0].extract_text()


def test_the_csv_of_a_thousand_comes_in_pieces(call, office):
    organization = OrganizationFactory()
    meeting = MeetingFactory(call=call)
    add_representatives(call, 1000, organizations=[organization], meetings=[meeting])

    response = office.get(export_url(call, "csv"))
    pieces = list(response.streaming_content)

    assert len(pieces) > 1
    assert all(len(piece) < 2 * exports.CSV_PIECE for piece in pieces)
    assert b"".join(pieces).count(b"\r\n") == 1001
    assert Representative.objects.filter(call=call).count() == 1000


def test_a_pdf_past_the_limit_is_refused_with_the_way_out(world, call, office, settings):
    settings.PARTICIPANT_PDF_MAX_ROWS = 4

    refused = office.get(export_url(call, "pdf"), follow=True)
    page = refused.content.decode()

    assert refused.redirect_chain[-1][0] == reverse("reviews:office_participants", args=[call.slug])
    assert "A PDF holds up to 4 participants and these are 5" in page
    assert export_url(call, "pdf") not in page
    narrowed = office.get(export_url(call, "pdf", gender="female"))
    assert narrowed["Content-Type"] == "application/pdf"
