"""The lists for Member States as CSV, XLSX and a PDF annex: one row source, three formats."""

import csv
import io
import unicodedata
from datetime import UTC, datetime, timedelta

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import load_workbook
from pypdf import PdfReader

from accreditation.models import Application, Organization
from reviews.exports import (
    ListRow,
    list_annex_html,
    list_columns,
    list_csv_response,
    list_pdf_response,
    list_rows,
    list_xlsx_response,
    neutralize_formula,
)
from reviews.models import ListEntry, MemberStateList
from tests.bulk import add_list_entries
from tests.factories import ApplicationFactory, CallFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

ARABIC = "الشبكة العربية للهجرة"
CHINESE = "中国移民网络"
CYRILLIC = "Сеть мигрантов"
SECRET_HOMEPAGE = "https://not-shared-homepage.example"
SECRET_REASON = "This reason was never shared with Member States"


def entry(member_state_list, name, *, country="KE", homepage=None, reason=None, **shared):
    organization = OrganizationFactory(
        name=name,
        country=country,
        homepage=homepage or f"https://{abs(hash(name))}.example",
    )
    application = ApplicationFactory(
        organization=organization,
        call=member_state_list.call,
        reason=reason or f"Why {name} should take part.",
    )
    return ListEntry.objects.create(list=member_state_list, application=application, **shared)


@pytest.fixture
def call():
    return CallFactory(
        title="High-level meeting on migration",
        slug="migration-2026",
        mandate="General Assembly resolution 71/1",
        mandate_symbol="A/RES/71/1",
    )


@pytest.fixture
def draft(call):
    return MemberStateList.objects.create(call=call, version=1)


@pytest.fixture
def circulated(call):
    return MemberStateList.objects.create(
        call=call,
        version=2,
        status=MemberStateList.Status.CIRCULATED,
        # 23:30 in New York on 30 November is already 1 December in UTC: the file is named
        # by the venue's day.
        circulated_at=datetime(2026, 12, 1, 4, 30, tzinfo=UTC),
        objection_deadline=datetime(2026, 12, 15, 4, 59, tzinfo=UTC),
    )


@pytest.fixture
def mixed(circulated):
    """Five entries: one shares its homepage, one its reason, the others nothing."""
    entry(circulated, "Migrant Voices Network", homepage="https://migrantvoices.example",
          homepage_shared=True)  # fmt: skip
    entry(circulated, ARABIC, country="EG", reason="نعمل مع المهاجرين", reason_shared=True)
    entry(circulated, CHINESE, country="CN", homepage=SECRET_HOMEPAGE, reason=SECRET_REASON)
    entry(circulated, CYRILLIC, country="RU")
    entry(circulated, "Alpha Council", country="FR")
    return circulated


EXPECTED_HEADERS = ["Organization", "Country", "Homepage", "Reason for participation"]


def expected_rows():
    """Ordered by name, as the database compares them (Latin, then Cyrillic, Arabic, Han)."""
    return [
        ["Alpha Council", "France", "", ""],
        ["Migrant Voices Network", "Kenya", "https://migrantvoices.example", ""],
        [CYRILLIC, "Russia", "", ""],
        [ARABIC, "Egypt", "", "نعمل مع المهاجرين"],
        [CHINESE, "China", "", ""],
    ]


def content(response) -> bytes:
    """The body, read as a server reads it, which then closes the response (and its file).

    As Django's test client does, without the end-of-request signal closing the database
    connection that the test's transaction is on.
    """
    try:
        return b"".join(response.streaming_content) if response.streaming else response.content
    finally:
        request_finished.disconnect(close_old_connections)
        try:
            response.close()
        finally:
            request_finished.connect(close_old_connections)


def body(response_or_bytes) -> bytes:
    if isinstance(response_or_bytes, bytes):
        return response_or_bytes
    return content(response_or_bytes)


def csv_rows(response) -> list[list[str]]:
    data = body(response)
    assert data.startswith(b"\xef\xbb\xbf")  # so that Excel reads UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def xlsx_rows(response) -> list[list[str]]:
    workbook = load_workbook(io.BytesIO(body(response)))
    return [
        ["" if value is None else value for value in row]
        for row in workbook.worksheets[0].iter_rows(values_only=True)
    ]


def pdf_text(response) -> str:
    reader = PdfReader(io.BytesIO(body(response)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return unicodedata.normalize("NFKC", text)


# The row source ------------------------------------------------------------------------------


def test_rows_come_by_name_with_only_what_each_entry_shares(mixed):
    assert next(list_rows(mixed)) == ListRow("Alpha Council", "France", "", "")
    assert [list(row) for row in list_rows(mixed)] == expected_rows()
    assert [header for _field, header in list_columns(mixed)] == EXPECTED_HEADERS


def test_a_column_nobody_shares_is_left_out(draft):
    entry(draft, "Alpha Council", homepage=SECRET_HOMEPAGE, reason=SECRET_REASON)
    entry(draft, "Beta Council", reason_shared=True, reason="Shared reason")

    assert list_columns(draft) == [
        ("organization", "Organization"),
        ("country", "Country"),
        ("reason", "Reason for participation"),
    ]
    assert csv_rows(list_csv_response(draft)) == [
        ["Organization", "Country", "Reason for participation"],
        ["Alpha Council", "Kenya", ""],
        ["Beta Council", "Kenya", "Shared reason"],
    ]


def test_an_empty_list_has_its_headers_only(draft):
    assert csv_rows(list_csv_response(draft)) == [["Organization", "Country"]]
    assert xlsx_rows(list_xlsx_response(draft)) == [["Organization", "Country"]]
    assert "No organization is on this list." in pdf_text(list_pdf_response(draft))


# Each format holds exactly the rows -------------------------------------------------------


def test_csv_holds_exactly_the_rows(mixed):
    assert csv_rows(list_csv_response(mixed)) == [EXPECTED_HEADERS, *expected_rows()]


def test_xlsx_holds_exactly_the_rows(mixed):
    assert xlsx_rows(list_xlsx_response(mixed)) == [EXPECTED_HEADERS, *expected_rows()]


def test_pdf_holds_exactly_the_rows(mixed):
    text = pdf_text(list_pdf_response(mixed))
    unwrapped = "".join(text.split())

    names = [name for name, *_ in expected_rows()]
    positions = [text.index(name) for name in names]
    assert positions == sorted(positions)
    for name, country, homepage, reason in expected_rows():
        assert text.count(name) == 1
        assert f"{name} {country}" in text
        assert "".join(homepage.split()) in unwrapped
        assert "".join(reason.split()) in unwrapped
    assert "Organizations 5" in text
    # One row for each organization and no other: nothing else is in Kenya.
    assert text.count("Kenya") == 1


def test_pdf_is_a_formal_annex(mixed):
    text = " ".join(pdf_text(list_pdf_response(mixed)).split())

    assert "High-level meeting on migration" in text
    assert "General Assembly resolution 71/1 (A/RES/71/1)" in text
    assert "version 2" in text
    # The circulation date is the venue's (New York's) day.
    assert "Circulated 30 November 2026" in text
    assert "14 December 2026, 23:59 New York time (UTC−5)" in text
    for header in EXPECTED_HEADERS:
        assert header in text


def test_a_draft_says_so(draft):
    entry(draft, "Alpha Council")
    text = " ".join(pdf_text(list_pdf_response(draft)).split())

    assert "Draft: not circulated to Member States" in text
    assert "Objections until" not in text


def test_pdf_text_holds_each_name_in_its_own_script(mixed):
    # The extracted text, NFKC-normalized (Arabic is drawn in its joined forms), is each name
    # exactly, in logical order.
    lines = pdf_text(list_pdf_response(mixed)).splitlines()

    for name, country in [(ARABIC, "Egypt"), (CHINESE, "China"), (CYRILLIC, "Russia")]:
        assert any(line.startswith(f"{name} {country}") for line in lines), name


def test_pdf_embeds_a_font_for_every_script(mixed):
    reader = PdfReader(io.BytesIO(content(list_pdf_response(mixed))))
    resources = reader.pages[0]["/Resources"]["/Font"]
    fonts = {resources[key]["/BaseFont"].split("+", 1)[-1] for key in resources}

    assert "DejaVu-Sans" in fonts  # Latin, Cyrillic and Arabic
    assert fonts & {"WenQuanYi-Micro-Hei", "NotoSansCJKsc-Regular"}  # Chinese


# What is not shared is in no format ---------------------------------------------------------


@pytest.mark.parametrize(
    "export", [list_csv_response, list_xlsx_response, list_pdf_response], ids=["csv", "xlsx", "pdf"]
)
def test_what_is_not_shared_is_in_no_format(mixed, export):
    data = content(export(mixed))
    if export is list_pdf_response:
        text = " ".join(pdf_text(data).split())
    elif export is list_xlsx_response:
        text = repr(xlsx_rows(data))
    else:
        text = data.decode("utf-8-sig")

    # The columns are there (others share), the unshared values are not.
    assert "Homepage" in text
    assert "Reason for participation" in text
    for secret in (SECRET_HOMEPAGE, SECRET_REASON, "not-shared-homepage"):
        assert secret not in text
        assert secret.encode() not in data
    assert "Why Alpha Council should take part." not in text


# Spreadsheets do not run what a cell says -----------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_formula_start_is_neutralized(start):
    assert neutralize_formula(f"{start}1+1") == f"'{start}1+1"


def test_plain_text_is_left_alone():
    assert neutralize_formula("Alpha Council") == "Alpha Council"
    assert neutralize_formula("") == ""
    assert neutralize_formula("A=B") == "A=B"


FORMULAS = [
    '=HYPERLINK("https://evil.example","Click")',
    "+1+2",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.fixture
def formulas(draft):
    for number, formula in enumerate(FORMULAS):
        entry(
            draft,
            f"Organization {number}",
            homepage=f"https://example.org/{number}",
            reason=formula,
            reason_shared=True,
        )
    entry(draft, "=cmd|' /C calc'!A0", reason="Plain", reason_shared=True)
    return draft


def test_csv_neutralizes_formulas(formulas):
    rows = csv_rows(list_csv_response(formulas))[1:]

    assert rows[0] == ["'=cmd|' /C calc'!A0", "Kenya", "Plain"]
    assert [row[2] for row in rows[1:]] == [f"'{formula}" for formula in FORMULAS]
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_xlsx_neutralizes_formulas(formulas):
    workbook = load_workbook(io.BytesIO(content(list_xlsx_response(formulas))))
    cells = [cell for row in workbook.worksheets[0].iter_rows(min_row=2) for cell in row]

    assert all(cell.data_type == "s" for cell in cells)
    values = [cell.value for cell in cells]
    assert "'=cmd|' /C calc'!A0" in values
    for formula in FORMULAS:
        assert f"'{formula}" in values
    for value in values:
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_xlsx_drops_characters_xml_cannot_hold(draft):
    entry(draft, "Alpha Council", reason="Bell\x07 and vertical tab\x0b", reason_shared=True)

    assert xlsx_rows(list_xlsx_response(draft))[1] == [
        "Alpha Council",
        "Kenya",
        "Bell and vertical tab",
    ]


# The reader's language --------------------------------------------------------------------------

FRENCH_HEADERS = ["Organisation", "Pays", "Page d’accueil", "Motif de la participation"]


def test_csv_in_french(mixed):
    with translation.override("fr"):
        response = list_csv_response(mixed)
    # Read after the language changed back, as a server reads a streamed response.
    rows = csv_rows(response)

    assert rows[0] == FRENCH_HEADERS
    assert rows[1][:2] == ["Alpha Council", "France"]
    assert [row[1] for row in rows[1:]] == ["France", "Kenya", "Russie", "Égypte", "Chine"]


def test_xlsx_in_french(mixed):
    with translation.override("fr"):
        rows = xlsx_rows(list_xlsx_response(mixed))

    assert rows[0] == FRENCH_HEADERS
    assert rows[4][1] == "Égypte"


def test_pdf_in_french(mixed):
    with translation.override("fr"):
        text = " ".join(pdf_text(list_pdf_response(mixed)).split())

    for header in ["Organisation", "Pays", "Page d’accueil", "Motif de la participation"]:
        assert header in text
    assert "30 novembre 2026" in text
    assert "Égypte" in text


def test_pdf_declares_its_language(mixed):
    with translation.override("fr"):
        html = list_annex_html(mixed)

    assert '<html lang="fr">' in html
    assert f'<td class="organization" dir="rtl">{ARABIC}</td>' in html
    assert f'<td class="organization" dir="ltr">{CHINESE}</td>' in html


# The download -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("export", "extension", "content_type"),
    [
        (list_csv_response, "csv", "text/csv; charset=utf-8"),
        (
            list_xlsx_response,
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (list_pdf_response, "pdf", "application/pdf"),
    ],
)
def test_downloads_are_attachments_named_by_call_version_and_date(
    mixed, export, extension, content_type
):
    response = export(mixed)
    content(response)

    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == (
        f'attachment; filename="list-migration-2026-v2-2026-11-30.{extension}"'
    )
    assert response["Cache-Control"] == "no-store, private"


def test_a_draft_is_named_by_the_day_it_is_exported(draft):
    today = timezone.localtime(timezone.now(), draft.call.tzinfo).date().isoformat()

    assert list_csv_response(draft)["Content-Disposition"] == (
        f'attachment; filename="list-migration-2026-v1-draft-{today}.csv"'
    )


# The query count does not grow with the list ---------------------------------------------------


def fill(member_state_list, count):
    """``count`` entries in three bulk inserts, half of them sharing homepage and reason."""
    call = member_state_list.call
    organizations = Organization.objects.bulk_create(
        Organization(
            name=f"Organization {number:05d}",
            type=Organization.Type.NGO,
            country=["KE", "EG", "CN", "RU"][number % 4],
            city="Nairobi",
            year_established=2000,
            homepage=f"https://org{number}.example",
            contact_email=f"info{number}@example.org",
            phone="+254 20 000000",
            head_name="Grace Wanjiru",
            head_title="Director",
            areas_of_work="Migration",
        )
        for number in range(count)
    )
    applications = Application.objects.bulk_create(
        Application(organization=organization, call=call, reason=f"Reason {organization.name}")
        for organization in organizations
    )
    add_list_entries(
        member_state_list,
        applications,
        homepage_shared=lambda number: number % 2 == 0,
        reason_shared=lambda number: number % 2 == 1,
    )


def queries_of(export, member_state_list) -> int:
    # A fresh instance each time: nothing is cached on the list between exports.
    fresh = MemberStateList.objects.get(pk=member_state_list.pk)
    with CaptureQueriesContext(connection) as queries:
        content(export(fresh))
    return len(queries)


@pytest.mark.parametrize(
    "export", [list_csv_response, list_xlsx_response, list_pdf_response], ids=["csv", "xlsx", "pdf"]
)
def test_queries_do_not_grow_with_entries(call, export, django_assert_max_num_queries):
    small = MemberStateList.objects.create(call=call, version=1)
    fill(small, 10)
    few = queries_of(export, small)
    assert few <= 5

    large = MemberStateList.objects.create(
        call=call,
        version=2,
        status=MemberStateList.Status.CIRCULATED,
        circulated_at=timezone.now(),
        objection_deadline=timezone.now() + timedelta(days=7),
    )
    fill(large, 1000)
    fresh = MemberStateList.objects.get(pk=large.pk)
    with django_assert_max_num_queries(few):
        data = content(export(fresh))

    if export is list_csv_response:
        assert data.count(b"\n") == 1001
    elif export is list_xlsx_response:
        assert len(xlsx_rows(data)) == 1001
    else:
        reader = PdfReader(io.BytesIO(data))
        assert "Organizations 1000" in reader.pages[0].extract_text()
        assert len(reader.pages) > 20
