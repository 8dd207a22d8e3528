"""Screening applications in the admin: the list, its filters and search, at scale;
the ECOSOC list, likely duplicates, and every document of a call as one streamed ZIP.
"""

import hashlib
import html
import io
import re
import zipfile
from collections import Counter
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.roles import ADMINISTRATORS, PGA_OFFICE, REVIEWERS
from accreditation import names, services
from accreditation.models import (
    Application,
    Document,
    DocumentEvent,
    EcosocOrganization,
    Organization,
    Status,
)
from accreditation.uploads import CheckedFile, check_upload
from reviews import exports as review_exports
from reviews import selectors as review_selectors
from reviews import services as review_services
from reviews.admin import CountryFilter, RegionalGroupFilter
from reviews.regional_groups import RegionalGroup, regional_group
from tests.bulk import (
    DUPLICATE_ORGANIZATIONS,
    ECOSOC_ORGANIZATIONS,
    STATUSES,
    add_bulk_applications,
    add_ecosoc_list,
    analyze,
    organization_spec,
)
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    FocalPointFactory,
    StaffFactory,
    UserFactory,
    pdf_bytes,
)
from tests.helpers import finish, sign_in

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:accreditation_application_changelist")
IMPORT_ECOSOC = reverse("admin:accreditation_application_import_ecosoc")
BOM = "\ufeff"


# Building organizations and applications -------------------------------------------


def make_organization(
    name,
    *,
    acronym="",
    country="KE",
    homepage=None,
    kind=Organization.Type.NGO,
    in_ecosoc_status=False,
):
    """Through the service, so that the normalized name and homepage domain are kept."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "organization"
    return services.save_organization(
        organization=None,
        by=UserFactory(),
        fields={
            "name": name,
            "acronym": acronym,
            "type": kind,
            "country": country,
            "city": "Capital",
            "year_established": 2001,
            "homepage": homepage or f"https://www.{slug}.example",
            "contact_email": "office@example.org",
            "phone": "+1 212 000 0000",
            "head_name": "Grace Wanjiru",
            "head_title": "Director",
            "areas_of_work": "Migration",
            "in_ecosoc_status": in_ecosoc_status,
        },
    )


def focal_point_of(organization):
    return organization.memberships.first().user


def upload(application, *, kind, name, content):
    checked = check_upload(SimpleUploadedFile(name, content))
    return services.add_document(
        application=application,
        kind=kind,
        checked=checked,
        by=focal_point_of(application.organization),
    )


def put_in(application, status, *, reference=None):
    """Past the draft, as submission leaves it: with a reference and a submission time."""
    reference = reference or f"SA-2030-{application.pk:05d}"
    Application.objects.filter(pk=application.pk).update(
        status=status, reference=reference, submitted_at=timezone.now()
    )
    application.refresh_from_db()
    return application


def apply(organization, call, status=Status.SUBMITTED):
    application = ApplicationFactory(organization=organization, call=call)
    return application if status == Status.DRAFT else put_in(application, status)


def changelist(client, **params):
    response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return response


def listed(response):
    return sorted(
        application.organization.name for application in response.context["cl"].result_list
    )


def cell_text(fragment):
    # Boolean columns are icons: keep their alt text ("True", "False").
    fragment = re.sub(r'<img[^>]*alt="([^"]*)"[^>]*>', r"\1", fragment)
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def rows(response):
    """The list's rows as {column: text}, read from the rendered page."""
    page = response.content.decode()
    if '<table id="result_list">' not in page:
        return []
    body = page.split('<table id="result_list">', 1)[1].split("<tbody>", 1)[1]
    body = body.split("</tbody>", 1)[0]
    return [
        {
            column: cell_text(content)
            for column, content in re.findall(
                r'<t[dh] class="field-(\w+)[^"]*"[^>]*>(.*?)</t[dh]>', row, re.S
            )
        }
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def headers(response):
    page = response.content.decode()
    return [
        cell_text(text)
        for text in re.findall(
            r'<th scope="col"[^>]*class="[^"]*column-\w+[^"]*"[^>]*>.*?<div class="text">(.*?)</div>',
            page,
            re.S,
        )
    ]


# The list -----------------------------------------------------------------------------


def test_list_shows_the_screening_columns_of_an_application(staff_client):
    call = CallFactory(title="High-level meeting on migration")
    organization = make_organization(
        "Migrant Voices Network", acronym="MVN", country="KE", kind=Organization.Type.MIGRANT
    )
    application = ApplicationFactory(organization=organization, call=call)
    upload(application, kind=Document.Kind.LEGAL_STATUS, name="old.pdf", content=pdf_bytes(1))
    upload(application, kind=Document.Kind.LEGAL_STATUS, name="new.pdf", content=pdf_bytes(2))
    upload(application, kind=Document.Kind.HEAD_LETTER, name="letter.pdf", content=pdf_bytes(3))
    application = put_in(application, Status.UNDER_REVIEW, reference="SA-2030-00042")

    response = changelist(staff_client)

    assert headers(response) == [
        "Reference",
        "Status",
        "Organization",
        "Country",
        "Regional group",
        "Type",
        "Submitted at",
        "Documents",
        "ECOSOC list",
        "Duplicate",
        "Call",
    ]
    [row] = rows(response)
    assert row["reference"] == "SA-2030-00042"
    assert row["organization_name"] == "Migrant Voices Network (MVN)"
    assert row["country"] == "Kenya"
    assert row["regional_group_label"] == "African States"
    assert row["organization_type"] == "Migrant organization"
    assert row["call"] == "High-level meeting on migration"
    assert row["status"] == "Under review"
    assert (
        row["submitted_time"]
        == date_format(timezone.template_localtime(application.submitted_at), "j F Y, H:i") + " UTC"
    )
    # The replaced version of the proof of legal status is not counted.
    assert row["document_count"] == "2"
    # Nothing to warn of: empty cells, no "False".
    assert row["ecosoc_flag"] == ""
    assert row["duplicate_flag"] == ""


def test_drafts_are_the_organizations_own_until_submitted(staff_client):
    call = CallFactory()
    draft = apply(make_organization("Draft Makers"), call, Status.DRAFT)
    upload(draft, kind=Document.Kind.HEAD_LETTER, name="draft.pdf", content=pdf_bytes(1))
    apply(make_organization("Submitters"), call)

    assert listed(changelist(staff_client)) == ["Submitters"]
    assert staff_client.get(change_url_of(draft)).status_code == 302  # "does not exist"
    assert finish(staff_client.get(draft.documents.get().get_absolute_url())).status_code == 404
    with pytest.raises(services.NotAllowed):
        review_services.add_staff_note(application=draft, by=StaffFactory(), text="Looks odd.")


@pytest.fixture
def population():
    """Applications from every regional group, of several types, statuses and calls."""
    migration = CallFactory(title="Summit on migration")
    oceans = CallFactory(title="Conference on oceans")
    kenya = make_organization(
        "Migrant Voices Network",
        acronym="MVN",
        country="KE",
        kind=Organization.Type.MIGRANT,
        in_ecosoc_status=True,
    )
    france = make_organization(
        "Réseau des diasporas", country="FR", kind=Organization.Type.DIASPORA
    )
    brazil = make_organization("Instituto Oceano Azul", country="BR")
    poland = make_organization(
        "Fundacja Uniwersytecka", country="PL", kind=Organization.Type.ACADEMIC
    )
    japan = make_organization(
        "Pacific Youth Forum", country="JP", kind=Organization.Type.CIVIL_SOCIETY
    )
    palestine = make_organization("Jerusalem Heritage Trust", country="PS")
    drafting = make_organization("Still Drafting Collective", country="KE")
    return SimpleNamespace(
        migration=migration,
        oceans=oceans,
        kenya=apply(kenya, migration, Status.SUBMITTED),
        france=apply(france, migration, Status.UNDER_REVIEW),
        brazil=apply(brazil, oceans, Status.SUBMITTED),
        poland=apply(poland, oceans, Status.RECOMMENDED),
        japan=apply(japan, migration, Status.SUBMITTED),
        palestine=apply(palestine, oceans, Status.SUBMITTED),
        draft=apply(drafting, migration, Status.DRAFT),
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status__exact": "submitted"}, ["kenya", "brazil", "japan", "palestine"]),
        ({"status__exact": "recommended"}, ["poland"]),
        ({"status__exact": "draft"}, []),  # drafts are the organization's own
        ({"regional_group": "african"}, ["kenya"]),
        ({"regional_group": "asia_pacific"}, ["japan"]),
        ({"regional_group": "eastern_european"}, ["poland"]),
        ({"regional_group": "latin_american_caribbean"}, ["brazil"]),
        ({"regional_group": "western_european_other"}, ["france"]),
        ({"regional_group": "other"}, ["palestine"]),
        ({"country": "KE"}, ["kenya"]),
        ({"country": "PS"}, ["palestine"]),
        ({"organization__type__exact": "migrant"}, ["kenya"]),
        ({"organization__type__exact": "ngo"}, ["brazil", "palestine"]),
        ({"organization__in_ecosoc_status__exact": "1"}, ["kenya"]),
        ({"status__exact": "submitted", "regional_group": "african"}, ["kenya"]),
    ],
    ids=lambda value: (
        "&".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict) else None
    ),
)
def test_list_filters_find_exactly_the_matching_applications(
    staff_client, population, params, expected
):
    response = changelist(staff_client, **params)

    assert listed(response) == sorted(
        getattr(population, key).organization.name for key in expected
    )
    assert response.context["cl"].result_count == len(expected)


def test_list_filters_by_call(staff_client, population):
    response = changelist(staff_client, call__id__exact=population.oceans.pk)

    assert listed(response) == [
        "Fundacja Uniwersytecka",
        "Instituto Oceano Azul",
        "Jerusalem Heritage Trust",
    ]
    assert {row["call"] for row in rows(response)} == {"Conference on oceans"}


def test_regional_group_filter_offers_the_five_groups_and_other(staff_client, population):
    response = changelist(staff_client)
    [spec] = [
        spec
        for spec in response.context["cl"].filter_specs
        if isinstance(spec, RegionalGroupFilter)
    ]

    assert [value for value, _label in spec.lookup_choices] == [
        "african",
        "asia_pacific",
        "eastern_european",
        "latin_american_caribbean",
        "western_european_other",
        "other",
    ]


def test_country_filter_offers_only_the_countries_applications_come_from(staff_client, population):
    response = changelist(staff_client)
    [spec] = [
        spec for spec in response.context["cl"].filter_specs if isinstance(spec, CountryFilter)
    ]

    assert {code for code, _name in spec.lookup_choices} == {"BR", "FR", "JP", "KE", "PL", "PS"}


def test_country_filter_offers_each_country_once(staff_client):
    call = CallFactory()
    for name in ["Amani Network", "Baraka Trust", "Chama Collective"]:
        apply(make_organization(name, country="KE"), call)

    response = changelist(staff_client)
    [spec] = [
        spec for spec in response.context["cl"].filter_specs if isinstance(spec, CountryFilter)
    ]

    assert [code for code, _name in spec.lookup_choices] == ["KE"]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("migrant voices", "kenya"),
        ("MVN", "kenya"),
        ("oceano", "brazil"),
    ],
)
def test_search_finds_by_organization_name_or_acronym(staff_client, population, term, expected):
    response = changelist(staff_client, q=term)

    assert listed(response) == [getattr(population, expected).organization.name]


def test_search_finds_by_reference(staff_client, population):
    response = changelist(staff_client, q=population.poland.reference)

    assert listed(response) == ["Fundacja Uniwersytecka"]


def test_search_finds_by_focal_point_email_once_however_many_focal_points_match(
    staff_client, population
):
    organization = population.france.organization
    for email in ["amina@diasporas.example", "omar@diasporas.example"]:
        FocalPointFactory(organization=organization, user=UserFactory(email=email))

    by_address = changelist(staff_client, q="omar@diasporas.example")
    by_domain = changelist(staff_client, q="diasporas.example")

    assert listed(by_address) == ["Réseau des diasporas"]
    assert listed(by_domain) == ["Réseau des diasporas"]
    assert by_domain.context["cl"].result_count == 1


def test_search_for_something_nobody_has_finds_nothing(staff_client, population):
    response = changelist(staff_client, q="no such organization")

    assert listed(response) == []


def test_list_is_for_staff_only(client, population):
    sign_in(client, focal_point_of(population.kenya.organization))

    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# The list at scale ----------------------------------------------------------------------


def expected_counts(numbers, calls):
    specs = [organization_spec(number) for number in numbers]
    per_call = len(calls)
    statuses = Counter(
        STATUSES[(number + index) % len(STATUSES)]
        for number in numbers
        for index in range(per_call)
    )
    groups = Counter(regional_group(spec["country"]) for spec in specs)
    return SimpleNamespace(
        total=len(numbers) * per_call,
        statuses=dict(statuses),
        groups={group: count * per_call for group, count in groups.items()},
        countries={
            code: count * per_call for code, count in Counter(s["country"] for s in specs).items()
        },
        types={kind: count * per_call for kind, count in Counter(s["type"] for s in specs).items()},
        in_ecosoc_status=sum(s["in_ecosoc_status"] for s in specs) * per_call,
        duplicates=len(DUPLICATE_ORGANIZATIONS & set(numbers)) * per_call,
        ecosoc=len(ECOSOC_ORGANIZATIONS & set(numbers)) * per_call,
    )


def scale_checks(expected, calls):
    """Each filter of the list once, with the number of applications it should find."""
    return [
        ({"call__id__exact": calls[0].pk}, expected.total // len(calls)),
        ({"status__exact": Status.SUBMITTED}, expected.statuses[Status.SUBMITTED]),
        *(
            ({"regional_group": group.value}, expected.groups[group])
            for group in RegionalGroup
            if group != RegionalGroup.NONE
        ),
        ({"country": "KE"}, expected.countries["KE"]),
        ({"organization__type__exact": Organization.Type.MIGRANT}, expected.types["migrant"]),
        ({"organization__in_ecosoc_status__exact": "1"}, expected.in_ecosoc_status),
        ({"ecosoc_match": "yes"}, expected.ecosoc),
        ({"ecosoc_match": "no"}, expected.total - expected.ecosoc),
        ({"duplicate": "yes"}, expected.duplicates),
        ({"duplicate": "no"}, expected.total - expected.duplicates),
        ({"q": '"Organization number 4321"'}, len(calls)),
        ({"q": "focal9@example.org"}, len(calls)),
    ]


# The list page runs the same few queries whatever the number of rows (6 today).
LIST_QUERIES = 10


def test_list_and_every_filter_work_with_ten_thousand_applications(
    staff_client, django_assert_max_num_queries
):
    calls = [CallFactory(title="Summit on migration"), CallFactory(title="Conference on oceans")]
    add_ecosoc_list()
    add_bulk_applications(range(5), calls)

    with django_assert_max_num_queries(LIST_QUERIES) as queries_for_ten:
        small = changelist(staff_client)
    assert small.context["cl"].result_count == 10

    add_bulk_applications(range(5, 5000), calls)
    FocalPointFactory(
        organization=Organization.objects.get(name="Organization number 9"),
        user=UserFactory(email="focal9@example.org"),
    )
    analyze()
    expected = expected_counts(range(5000), calls)
    assert Application.objects.count() == expected.total == 10_000
    # Every group has applications: the filter is tried on each, not just on OTHER.
    assert all(expected.groups.get(group) for group in RegionalGroup if group != RegionalGroup.NONE)

    with django_assert_max_num_queries(LIST_QUERIES) as queries_for_ten_thousand:
        large = changelist(staff_client)
    assert large.context["cl"].result_count == 10_000
    assert len(large.context["cl"].result_list) == 100
    assert len(queries_for_ten_thousand) == len(queries_for_ten)

    for params, count in scale_checks(expected, calls):
        with django_assert_max_num_queries(LIST_QUERIES):
            response = changelist(staff_client, **params)
        assert (params, response.context["cl"].result_count) == (params, count)


# The ECOSOC list --------------------------------------------------------------------------


def csv_file(text, *, name="ecosoc.csv", bom=True):
    return SimpleUploadedFile(name, ((BOM if bom else "") + text).encode(), content_type="text/csv")


def import_ecosoc(client, text, **kwargs):
    """Upload the file and, if it shows what would change, confirm it."""
    preview = client.post(IMPORT_ECOSOC, {"file": csv_file(text, **kwargs)}, follow=True)
    if preview.status_code != 200 or "import_id" not in (preview.context or {}):
        return preview
    confirmation = {"import_id": preview.context["import_id"], "_confirm": "1"}
    return client.post(IMPORT_ECOSOC, confirmation, follow=True)


def ecosoc_list():
    return sorted(
        EcosocOrganization.objects.values_list("name", "country", "status", "homepage_domain")
    )


def test_staff_import_the_ecosoc_list_from_a_csv_with_a_byte_order_mark(staff_client):
    response = import_ecosoc(
        staff_client,
        "name,country,status\r\n"
        "Migrant Voices Network,Kenya,Special\r\n"
        '"Réseau ""Femmes, Migrations""",France,General\r\n'
        "Pacific Youth Forum,Fiji,Roster\r\n",
    )

    assert response.redirect_chain == [(CHANGELIST, 302)]
    assert [str(message) for message in response.context["messages"]] == [
        "3 organizations imported from the ECOSOC list."
    ]
    assert ecosoc_list() == [
        ("Migrant Voices Network", "Kenya", "Special", ""),
        ("Pacific Youth Forum", "Fiji", "Roster", ""),
        ('Réseau "Femmes, Migrations"', "France", "General", ""),
    ]
    assert EcosocOrganization.objects.get(name="Migrant Voices Network").normalized_name == (
        "migrant voices network"
    )


def test_import_reads_an_extra_homepage_column(staff_client):
    import_ecosoc(
        staff_client,
        "Name,Country,Status,Homepage\n"
        "Ocean Guardians,Chile,Special,https://www.oceanguardians.example/en/\n"
        "No Site Society,Chile,Special,\n",
    )

    assert ecosoc_list() == [
        ("No Site Society", "Chile", "Special", ""),
        ("Ocean Guardians", "Chile", "Special", "oceanguardians.example"),
    ]


def test_import_without_a_byte_order_mark_works_too(staff_client):
    import_ecosoc(staff_client, "name,country,status\nOcean Guardians,Chile,Special\n", bom=False)

    assert ecosoc_list() == [("Ocean Guardians", "Chile", "Special", "")]


def test_a_second_import_replaces_the_first(staff_client):
    import_ecosoc(
        staff_client, "name,country,status\nFirst One,Kenya,Special\nSecond One,Peru,Roster\n"
    )

    import_ecosoc(staff_client, "name,country,status\nThird One,Chile,General\n")

    assert ecosoc_list() == [("Third One", "Chile", "General", "")]


def test_import_skips_rows_without_a_name(staff_client):
    response = import_ecosoc(
        staff_client, "name,country,status\n,Kenya,Special\nNamed,Peru,Roster\n  ,,\nOther,,\n"
    )

    assert [str(message) for message in response.context["messages"]] == [
        "2 organizations imported from the ECOSOC list.",
        "2 rows without a name were left out.",
    ]
    assert ecosoc_list() == [("Named", "Peru", "Roster", ""), ("Other", "", "", "")]


def test_a_name_too_long_for_the_list_is_refused_with_its_line(staff_client):
    import_ecosoc(staff_client, "name,country,status\nKept,Kenya,Special\n")

    response = import_ecosoc(
        staff_client, f"name,country,status\nFine,Peru,Roster\n{'N' * 301},Chile,Special\n"
    )

    assert "Line 3: the name is longer than 300 characters." in response.content.decode()
    assert ecosoc_list() == [("Kept", "Kenya", "Special", "")]


def test_a_file_without_a_name_column_is_refused_with_a_clear_error(staff_client):
    import_ecosoc(staff_client, "name,country,status\nKept,Kenya,Special\n")

    response = import_ecosoc(staff_client, "title,country,status\nLost,Peru,Roster\n")

    assert response.redirect_chain == []
    assert response.context["form"].errors == {
        "file": ["The file has no “name” column. Expected columns: name, country, status."]
    }
    assert "The file has no “name” column" in response.content.decode()
    assert ecosoc_list() == [("Kept", "Kenya", "Special", "")]


def test_a_file_that_is_not_utf8_is_refused(staff_client):
    response = staff_client.post(
        IMPORT_ECOSOC,
        {"file": SimpleUploadedFile("ecosoc.csv", "name\nRéseau\n".encode("latin-1"))},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"file": ["The file is not UTF-8 text."]}
    assert ecosoc_list() == []


def test_a_nul_character_in_a_value_is_refused_with_its_line(staff_client):
    EcosocOrganization.objects.create(name="Kept until a good file comes")

    response = staff_client.post(
        IMPORT_ECOSOC,
        {
            "file": SimpleUploadedFile(
                "ecosoc.csv", b"name,country\nFine,Kenya\nBad\x00Name,Kenya\n"
            )
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "file": ["Line 3 holds a NUL character: the file is not a plain-text CSV file."]
    }
    assert [row[0] for row in ecosoc_list()] == ["Kept until a good file comes"]


def test_import_page_opens_for_staff(staff_client):
    response = staff_client.get(IMPORT_ECOSOC)

    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()


@pytest.mark.parametrize(
    ("role", "allowed"), [(REVIEWERS, True), (ADMINISTRATORS, True), (PGA_OFFICE, False)]
)
def test_reviewers_and_administrators_import_the_ecosoc_list_the_pga_office_does_not(
    client, role, allowed
):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    sign_in(client, user)

    response = import_ecosoc(client, "name\nAnyone\n")

    assert response.status_code == (200 if allowed else 403)
    assert ecosoc_list() == ([("Anyone", "", "", "")] if allowed else [])


@pytest.mark.parametrize(
    ("name", "normalized"),
    [
        ("The Migrant-Voices Network (MVN)", "migrant voices network"),
        ("MIGRANT VOICES NETWORK", "migrant voices network"),
        ("  Migrant   Voices, Network. ", "migrant voices network"),
        ("Réseau d'Éducation (RÉ)", "reseau d education"),
        ("L'Association des Femmes", "association des femmes"),
        ("СЕТЬ Голосов-мигрантов", "сеть голосов мигрантов"),
        # The hamza goes like an accent: أصوات and اصوات are spelled both ways.
        ("شبكة أصوات المهاجرين!", "شبكة اصوات المهاجرين"),
        ("中国妇女发展基金会", "中国妇女发展基金会"),
        ("Straße der Hoffnung", "strasse der hoffnung"),
    ],
)
def test_names_are_compared_without_case_punctuation_accents_acronym_or_article(name, normalized):
    assert names.normalize_name(name) == normalized


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.example.org", "example.org"),
        ("example.org", "example.org"),
        ("http://Example.ORG/about/us?lang=en", "example.org"),
        ("www.example.org/", "example.org"),
        ("https://www.facebook.com/migrantvoices", ""),
        ("https://m.facebook.com/migrantvoices", ""),
        ("https://twitter.com/migrantvoices", ""),
    ],
)
def test_homepage_domain_drops_www_and_shared_social_media_hosts(url, domain):
    assert names.homepage_domain(url) == domain


@pytest.fixture
def ecosoc_matches(staff_client):
    call = CallFactory()
    by_name = apply(make_organization("The Migrant-Voices Network (MVN)", country="KE"), call)
    by_domain = apply(
        make_organization("Ocean Guardians Trust", country="CL", homepage="www.example.org"), call
    )
    unrelated = apply(make_organization("Pacific Youth Forum", country="FJ"), call)
    import_ecosoc(
        staff_client,
        "name,country,status,homepage\r\n"
        "Migrant Voices Network,Kenya,Special,\r\n"
        "Guardians of the Ocean,Chile,Roster,example.org\r\n"
        "Pacific Youth Forum for Climate,Fiji,Special,https://pyf.example\r\n",
    )
    return SimpleNamespace(by_name=by_name, by_domain=by_domain, unrelated=unrelated)


def test_applications_matching_the_ecosoc_list_are_flagged_in_the_list(
    staff_client, ecosoc_matches
):
    response = changelist(staff_client)

    flags = {row["organization_name"]: row["ecosoc_flag"] for row in rows(response)}
    assert flags == {
        "The Migrant-Voices Network (MVN)": "In the ECOSOC list",
        "Ocean Guardians Trust": "In the ECOSOC list",
        "Pacific Youth Forum": "",
    }


def test_the_ecosoc_filter_agrees_with_the_ecosoc_column(staff_client, ecosoc_matches):
    matching = changelist(staff_client, ecosoc_match="yes")
    not_matching = changelist(staff_client, ecosoc_match="no")

    assert listed(matching) == ["Ocean Guardians Trust", "The Migrant-Voices Network (MVN)"]
    assert {row["ecosoc_flag"] for row in rows(matching)} == {"In the ECOSOC list"}
    assert listed(not_matching) == ["Pacific Youth Forum"]
    assert {row["ecosoc_flag"] for row in rows(not_matching)} == {""}


def test_the_application_page_says_the_organization_is_in_the_ecosoc_list(
    staff_client, ecosoc_matches
):
    def page(application):
        url = reverse("admin:accreditation_application_change", args=[application.pk])
        return staff_client.get(url).content.decode()

    by_name, by_domain, unrelated = (
        page(ecosoc_matches.by_name),
        page(ecosoc_matches.by_domain),
        page(ecosoc_matches.unrelated),
    )

    assert (
        "This organization appears in the ECOSOC list: Migrant Voices Network (Special, Kenya)"
        in by_name
    )
    assert (
        "This organization appears in the ECOSOC list: Guardians of the Ocean (Roster, Chile)"
        in by_domain
    )
    assert "This organization appears in the ECOSOC list" not in unrelated


def test_a_new_import_clears_flags_of_organizations_no_longer_listed(staff_client, ecosoc_matches):
    import_ecosoc(staff_client, "name,country,status\nPacific Youth Forum,Fiji,Special\n")

    assert listed(changelist(staff_client, ecosoc_match="yes")) == ["Pacific Youth Forum"]


def test_names_in_other_scripts_do_not_all_match_each_other(staff_client):
    call = CallFactory()
    apply(make_organization("Сеть голосов мигрантов", country="KZ", homepage="sgm.example"), call)
    apply(make_organization("شبكة أصوات المهاجرين", country="EG", homepage="sam.example"), call)
    import_ecosoc(staff_client, "name,country,status\n中国妇女发展基金会,China,Special\n")

    response = changelist(staff_client)

    assert {(row["ecosoc_flag"], row["duplicate_flag"]) for row in rows(response)} == {("", "")}


# Likely duplicates -----------------------------------------------------------------------------


def change_url_of(application):
    return reverse("admin:accreditation_application_change", args=[application.pk])


def change_page(client, application):
    return client.get(
        reverse("admin:accreditation_application_change", args=[application.pk])
    ).content.decode()


def duplicate_links(page):
    """The organizations the page names as likely the same, by their admin address."""
    match = re.search(r"Likely the same organization as:(.*?)</p>", page, re.S)
    return re.findall(r'href="([^"]+)"', match.group(1)) if match else []


def organization_url(organization):
    return reverse("admin:accreditation_organization_change", args=[organization.pk])


def duplicate_flags(client):
    return {row["organization_name"]: row["duplicate_flag"] for row in rows(changelist(client))}


def test_names_differing_only_by_case_punctuation_or_acronym_are_flagged_both_ways(staff_client):
    call = CallFactory()
    first = apply(
        make_organization("Migrant Voices Network", homepage="https://first.example"), call
    )
    second = apply(
        make_organization("MIGRANT-VOICES NETWORK (MVN)", homepage="https://second.example"), call
    )
    apply(make_organization("Ocean Guardians Trust", homepage="https://third.example"), call)

    assert list(review_selectors.likely_duplicates(first.organization)) == [second.organization]
    assert list(review_selectors.likely_duplicates(second.organization)) == [first.organization]
    assert duplicate_flags(staff_client) == {
        "Migrant Voices Network": "Likely duplicate",
        "MIGRANT-VOICES NETWORK (MVN)": "Likely duplicate",
        "Ocean Guardians Trust": "",
    }
    assert duplicate_links(change_page(staff_client, first)) == [
        organization_url(second.organization)
    ]
    assert duplicate_links(change_page(staff_client, second)) == [
        organization_url(first.organization)
    ]


def test_the_same_homepage_domain_is_flagged_both_ways(staff_client):
    call = CallFactory()
    first = apply(
        make_organization("Migrant Voices Network", homepage="https://www.mvn.example"), call
    )
    second = apply(
        make_organization("Voices of Migrants", homepage="http://mvn.example/about"), call
    )

    assert duplicate_flags(staff_client) == {
        "Migrant Voices Network": "Likely duplicate",
        "Voices of Migrants": "Likely duplicate",
    }
    assert duplicate_links(change_page(staff_client, first)) == [
        organization_url(second.organization)
    ]
    assert duplicate_links(change_page(staff_client, second)) == [
        organization_url(first.organization)
    ]


def test_the_duplicate_filter_agrees_with_the_duplicate_column(staff_client):
    call = CallFactory()
    apply(make_organization("Migrant Voices Network", homepage="https://www.mvn.example"), call)
    apply(make_organization("Voices of Migrants", homepage="http://mvn.example/about"), call)
    apply(make_organization("Ocean Guardians Trust"), call)

    assert listed(changelist(staff_client, duplicate="yes")) == [
        "Migrant Voices Network",
        "Voices of Migrants",
    ]
    assert listed(changelist(staff_client, duplicate="no")) == ["Ocean Guardians Trust"]


def test_pages_on_social_media_are_no_sign_of_a_duplicate(staff_client):
    call = CallFactory()
    first = apply(
        make_organization("Migrant Voices Network", homepage="https://www.facebook.com/mvn"), call
    )
    second = apply(make_organization("Ocean Guardians Trust", homepage="facebook.com/oceans"), call)
    apply(make_organization("Pacific Youth Forum", homepage="https://m.facebook.com/pyf"), call)

    assert list(review_selectors.likely_duplicates(first.organization)) == []
    assert set(duplicate_flags(staff_client).values()) == {""}
    assert listed(changelist(staff_client, duplicate="yes")) == []
    assert duplicate_links(change_page(staff_client, first)) == []
    assert duplicate_links(change_page(staff_client, second)) == []


def test_an_organization_on_its_own_is_not_a_duplicate_of_its_other_applications(staff_client):
    organization = make_organization("Migrant Voices Network")
    first = apply(organization, CallFactory())
    apply(organization, CallFactory())

    assert set(duplicate_flags(staff_client).values()) == {""}
    assert duplicate_links(change_page(staff_client, first)) == []


def test_an_organization_named_like_the_others_acronym_is_flagged_alike_everywhere(staff_client):
    call = CallFactory()
    full = apply(make_organization("Migrant Voices Network", acronym="MVN"), call)
    short = apply(make_organization("MVN"), call)

    flags = duplicate_flags(staff_client)
    links_from_full = duplicate_links(change_page(staff_client, full))
    links_from_short = duplicate_links(change_page(staff_client, short))

    assert (flags["Migrant Voices Network (MVN)"] == "Likely duplicate") == bool(links_from_full)
    assert (flags["MVN"] == "Likely duplicate") == bool(links_from_short)
    assert bool(links_from_full) == bool(links_from_short)


def organization_form(organization, **changes):
    """What the organization's admin page posts back, with some fields changed."""
    membership = organization.memberships.get()
    added_at = timezone.localtime(membership.added_at)
    fields = {
        "name": organization.name,
        "acronym": organization.acronym,
        "type": organization.type,
        "country": organization.country.code,
        "city": organization.city,
        "year_established": organization.year_established,
        "homepage": organization.homepage,
        "contact_email": organization.contact_email,
        "phone": organization.phone,
        "head_name": organization.head_name,
        "head_title": organization.head_title,
        "areas_of_work": organization.areas_of_work,
        "memberships-TOTAL_FORMS": 1,
        "memberships-INITIAL_FORMS": 1,
        "memberships-MIN_NUM_FORMS": 0,
        "memberships-MAX_NUM_FORMS": 1000,
        "memberships-0-id": membership.pk,
        "memberships-0-organization": organization.pk,
        "memberships-0-user": membership.user_id,
        "memberships-0-added_at_0": f"{added_at:%Y-%m-%d}",
        "memberships-0-added_at_1": f"{added_at:%H:%M:%S}",
    }
    return fields | changes


def test_a_homepage_corrected_by_staff_counts_for_likely_duplicates(staff_client):
    call = CallFactory()
    apply(make_organization("Migrant Voices Network", homepage="https://www.mvn.example"), call)
    other = apply(make_organization("Voices of Migrants", homepage="https://vom.example"), call)
    url = reverse("admin:accreditation_organization_change", args=[other.organization.pk])

    response = staff_client.post(
        url, organization_form(other.organization, homepage="https://mvn.example/about")
    )

    assert response.status_code == 302
    assert duplicate_flags(staff_client) == {
        "Migrant Voices Network": "Likely duplicate",
        "Voices of Migrants": "Likely duplicate",
    }


# Documents in bulk -----------------------------------------------------------------------------------

LEGAL = "Proof of legal status"
LETTER = "Letter from the head of the organization"
FURTHER = "Further document"


@pytest.fixture
def call_with_documents():
    """Two submitted applications with documents, a draft, and an application to another call."""
    # Kept: a PDF's /ID changes from one second to the next, so the bytes are made once.
    pdf = {pages: pdf_bytes(pages) for pages in range(1, 10)}
    call = CallFactory()
    alpha = ApplicationFactory(organization=make_organization("Alpha Network"), call=call)
    upload(alpha, kind=Document.Kind.LEGAL_STATUS, name="statutes.pdf", content=pdf[1])
    upload(alpha, kind=Document.Kind.LEGAL_STATUS, name="statutes-2030.pdf", content=pdf[2])
    upload(alpha, kind=Document.Kind.HEAD_LETTER, name="letter.pdf", content=pdf[3])
    beta = ApplicationFactory(organization=make_organization("Beta Institute"), call=call)
    upload(beta, kind=Document.Kind.HEAD_LETTER, name="letter.pdf", content=pdf[4])
    upload(beta, kind=Document.Kind.OTHER, name="annex.pdf", content=pdf[5])
    second_annex = upload(beta, kind=Document.Kind.OTHER, name="annex.pdf", content=pdf[6])
    removed = upload(beta, kind=Document.Kind.OTHER, name="removed.pdf", content=pdf[7])
    services.remove_document(document=removed, by=focal_point_of(beta.organization))
    draft = ApplicationFactory(organization=make_organization("Gamma Draft"), call=call)
    upload(draft, kind=Document.Kind.HEAD_LETTER, name="draft.pdf", content=pdf[8])
    elsewhere = ApplicationFactory(
        organization=make_organization("Delta Elsewhere"), call=CallFactory()
    )
    upload(elsewhere, kind=Document.Kind.HEAD_LETTER, name="other-call.pdf", content=pdf[9])
    return SimpleNamespace(
        pdf=pdf,
        call=call,
        alpha=put_in(alpha, Status.UNDER_REVIEW, reference="SA-2030-00002"),
        beta=put_in(beta, Status.SUBMITTED, reference="SA-2030-00001"),
        second_annex=second_annex,
        elsewhere=put_in(elsewhere, Status.SUBMITTED, reference="SA-2030-00003"),
    )


def read_zip(response):
    """The streamed chunks, and the archive's entries with their bytes."""
    chunks = list(response.streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.testzip() is None
    return chunks, {name: archive.read(name) for name in archive.namelist()}


def test_staff_download_every_document_of_a_call_as_one_streamed_zip(
    staff_client, call_with_documents
):
    pdf, second_annex = call_with_documents.pdf, call_with_documents.second_annex.pk
    url = reverse(
        "admin:accreditation_application_call_documents", args=[call_with_documents.call.pk]
    )

    response = staff_client.get(url)
    chunks, entries = read_zip(response)

    assert response.status_code == 200
    assert response.streaming is True
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        f'attachment; filename="call-{call_with_documents.call.pk}-documents.zip"'
    )
    assert {"no-store", "private"} <= set(response["Cache-Control"].split(", "))
    # Folders by reference, in reference order; only current documents; no draft, no other call.
    # The second "annex.pdf" of SA-2030-00001 is told apart by its document number.
    assert list(entries) == [
        f"SA-2030-00001/{LETTER} - letter.pdf",
        f"SA-2030-00001/{FURTHER} - annex.pdf",
        f"SA-2030-00001/{second_annex}-annex.pdf",
        f"SA-2030-00002/{LETTER} - letter.pdf",
        f"SA-2030-00002/{LEGAL} - statutes-2030.pdf",
    ]
    assert entries == {
        f"SA-2030-00001/{LETTER} - letter.pdf": pdf[4],
        f"SA-2030-00001/{FURTHER} - annex.pdf": pdf[5],
        f"SA-2030-00001/{second_annex}-annex.pdf": pdf[6],
        f"SA-2030-00002/{LETTER} - letter.pdf": pdf[3],
        f"SA-2030-00002/{LEGAL} - statutes-2030.pdf": pdf[2],
    }
    # At least a chunk per document: the archive is handed out as it is written.
    assert len([chunk for chunk in chunks if chunk]) >= len(entries)


def test_two_documents_with_the_same_name_are_both_in_the_zip(staff_client, call_with_documents):
    url = reverse(
        "admin:accreditation_application_call_documents", args=[call_with_documents.call.pk]
    )

    _chunks, entries = read_zip(staff_client.get(url))

    annexes = {name: content for name, content in entries.items() if name.endswith("annex.pdf")}
    assert len(annexes) == 2
    assert all(name.startswith("SA-2030-00001/") for name in annexes)
    assert sorted(annexes.values()) == sorted(
        [call_with_documents.pdf[5], call_with_documents.pdf[6]]
    )


def test_a_call_without_submitted_applications_gives_an_empty_zip(staff_client):
    call = CallFactory()
    draft = ApplicationFactory(organization=make_organization("Only Draft"), call=call)
    upload(draft, kind=Document.Kind.HEAD_LETTER, name="draft.pdf", content=pdf_bytes(1))
    url = reverse("admin:accreditation_application_call_documents", args=[call.pk])

    _chunks, entries = read_zip(staff_client.get(url))

    assert entries == {}


def test_staff_download_the_documents_of_the_selected_applications(
    staff_client, call_with_documents
):
    pdf = call_with_documents.pdf
    selected = [call_with_documents.alpha.pk, call_with_documents.elsewhere.pk]

    response = staff_client.post(
        CHANGELIST,
        {
            "action": "download_documents",
            "_selected_action": selected,
            "index": 0,
            "select_across": 0,
        },
    )
    chunks, entries = read_zip(response)

    assert response.streaming is True
    assert response["Content-Disposition"] == 'attachment; filename="documents.zip"'
    assert entries == {
        f"SA-2030-00002/{LETTER} - letter.pdf": pdf[3],
        f"SA-2030-00002/{LEGAL} - statutes-2030.pdf": pdf[2],
        f"SA-2030-00003/{LETTER} - other-call.pdf": pdf[9],
    }
    assert len([chunk for chunk in chunks if chunk]) >= len(entries)


def test_the_call_zip_is_for_staff_only(client, call_with_documents):
    sign_in(client, focal_point_of(call_with_documents.alpha.organization))
    url = reverse(
        "admin:accreditation_application_call_documents", args=[call_with_documents.call.pk]
    )

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_zip_is_streamed_in_chunks_far_smaller_than_the_documents():
    application = ApplicationFactory(organization=make_organization("Big Files Trust"))
    content = pdf_bytes(pages=1000)
    assert len(content) > 200 * 1024
    services.add_document(
        application=application,
        kind=Document.Kind.LEGAL_STATUS,
        checked=CheckedFile(
            content=content,
            content_type="application/pdf",
            original_name="statutes.pdf",
            sha256=hashlib.sha256(content).hexdigest(),
            page_count=1000,
        ),
        by=focal_point_of(application.organization),
    )
    put_in(application, Status.SUBMITTED, reference="SA-2030-00009")

    chunks = list(
        review_exports.stream_documents_zip(
            Application.objects.filter(pk=application.pk), by=StaffFactory(), chunk_size=1024
        )
    )

    total = sum(len(chunk) for chunk in chunks)
    assert total > len(content)
    assert max(len(chunk) for chunk in chunks) <= 2 * 1024
    assert len(chunks) > len(content) // 1024
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.read(f"SA-2030-00009/{LEGAL} - statutes.pdf") == content


def staff_in(client, role):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return sign_in(client, user), user


def test_documents_in_a_zip_are_recorded_as_viewed_by_whoever_downloaded_it(
    client, call_with_documents
):
    client, reviewer = staff_in(client, REVIEWERS)
    url = reverse(
        "admin:accreditation_application_call_documents", args=[call_with_documents.call.pk]
    )

    read_zip(client.get(url))

    viewed = DocumentEvent.objects.filter(kind=DocumentEvent.Kind.VIEWED)
    assert sorted(viewed.values_list("document__original_name", "actor", "role")) == [
        ("annex.pdf", reviewer.pk, "Reviewers"),
        ("annex.pdf", reviewer.pk, "Reviewers"),
        ("letter.pdf", reviewer.pk, "Reviewers"),
        ("letter.pdf", reviewer.pk, "Reviewers"),
        ("statutes-2030.pdf", reviewer.pk, "Reviewers"),
    ]


def test_administrators_get_no_documents_in_bulk(client, call_with_documents):
    client, _ = staff_in(client, ADMINISTRATORS)
    url = reverse(
        "admin:accreditation_application_call_documents", args=[call_with_documents.call.pk]
    )

    listing = client.get(CHANGELIST, {"call__id__exact": call_with_documents.call.pk})
    response = client.post(
        CHANGELIST,
        {"action": "download_documents", "_selected_action": [call_with_documents.alpha.pk]},
    )

    assert client.get(url).status_code == 403
    assert 'value="download_documents"' not in listing.content.decode()
    assert url not in listing.content.decode()
    assert response["Content-Type"] != "application/zip"  # no such action for them
    assert not DocumentEvent.objects.filter(kind=DocumentEvent.Kind.VIEWED).exists()


def test_administrators_see_which_documents_an_application_has_but_cannot_open_them(
    client, call_with_documents
):
    client, _ = staff_in(client, ADMINISTRATORS)
    alpha = call_with_documents.alpha

    page = client.get(
        reverse("admin:accreditation_application_change", args=[alpha.pk])
    ).content.decode()

    assert "statutes-2030.pdf" in page
    for document in alpha.documents.all():
        assert document.get_absolute_url() not in page


def test_a_list_filtered_by_call_offers_that_calls_documents_and_the_ecosoc_import(
    client, call_with_documents
):
    client, _ = staff_in(client, REVIEWERS)
    call = call_with_documents.call
    zip_url = reverse("admin:accreditation_application_call_documents", args=[call.pk])

    unfiltered = client.get(CHANGELIST).content.decode()
    filtered = client.get(CHANGELIST, {"call__id__exact": call.pk}).content.decode()

    assert zip_url not in unfiltered
    assert f'href="{zip_url}"' in filtered
    assert "All documents of this call (ZIP)" in html.unescape(filtered)
    assert f'href="{IMPORT_ECOSOC}"' in unfiltered


def test_the_zip_of_an_unknown_call_is_not_found(staff_client):
    url = reverse("admin:accreditation_application_call_documents", args=[999999])

    assert staff_client.get(url).status_code == 404


def test_staff_switch_the_admin_to_french_from_its_header(staff_client):
    index = staff_client.get(reverse("admin:index")).content.decode()

    response = staff_client.post(
        reverse("set_language"), {"language": "fr", "next": CHANGELIST}, follow=True
    )

    assert '<label for="admin-language"' in index
    assert "Change password" not in index  # sign-in is by link: there is no password
    assert response.redirect_chain[-1][0] == CHANGELIST
    assert '<html lang="fr"' in response.content.decode()
    assert '<option value="fr" lang="fr" selected>' in response.content.decode()
