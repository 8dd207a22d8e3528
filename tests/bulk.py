"""Ten thousand applications in a few queries, for the scale test and the benchmarks."""

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from accreditation import names
from accreditation.models import (
    Application,
    Document,
    EcosocOrganization,
    Gender,
    Organization,
    Status,
)
from registration.models import Representative
from reviews.models import ListEntry
from reviews.regional_groups import MEMBER_STATES

# Every Member State, and four places that are not one, all in the list.
COUNTRIES = [*sorted(MEMBER_STATES), "PS", "VA", "PR", "HK"]
TYPES = list(Organization.Type.values)
STATUSES = [Status.SUBMITTED, Status.UNDER_REVIEW, Status.INFORMATION_REQUESTED, Status.RECOMMENDED]
# Organizations 1 and 2 share a homepage domain; 3 is in the ECOSOC list by name, 4 by domain;
# 101's name is 100's in other case and punctuation, with an acronym.
SHARED_DOMAIN = {1: "shared.example", 2: "shared.example"}
RENAMED = {101: "ORGANIZATION-NUMBER 100 (ON)"}
DUPLICATE_ORGANIZATIONS = {1, 2, 100, 101}
ECOSOC_ORGANIZATIONS = {3, 4}


def organization_spec(number):
    name = RENAMED.get(number, f"Organization number {number}")
    return {
        "name": name,
        "normalized_name": names.normalize_name(name),
        "homepage": f"https://www.org{number}.example",
        "homepage_domain": SHARED_DOMAIN.get(number, f"org{number}.example"),
        "country": COUNTRIES[number % len(COUNTRIES)],
        "type": TYPES[number % len(TYPES)],
        "in_ecosoc_status": number % 10 == 0,
    }


def add_bulk_applications(numbers, calls):
    """One organization per number, applying to every call; built in a few queries."""
    organizations = Organization.objects.bulk_create(
        [
            Organization(
                **organization_spec(number),
                city="Capital",
                year_established=2000,
                contact_email=f"office{number}@example.org",
                phone="+1 000",
                head_name="Head",
                head_title="Director",
                areas_of_work="Migration",
            )
            for number in numbers
        ],
        batch_size=500,
    )
    now = timezone.now()
    applications = Application.objects.bulk_create(
        [
            Application(
                organization=organization,
                call=call,
                status=STATUSES[(number + index) % len(STATUSES)],
                reference=f"SA-{2030 + index}-{number:05d}",
                submitted_at=now - timedelta(minutes=number),
                reason="Reason",
            )
            for number, organization in zip(numbers, organizations, strict=True)
            for index, call in enumerate(calls)
        ],
        batch_size=1000,
    )
    # A current and a replaced document on the first few, for the count column.
    Document.objects.bulk_create(
        Document(
            application=application,
            kind=kind,
            file=f"documents/{application.pk}-{kind}.pdf",
            original_name=f"{kind}.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
            replaced_at=now if kind == Document.Kind.OTHER else None,
        )
        for application in applications[:20]
        for kind in (Document.Kind.LEGAL_STATUS, Document.Kind.OTHER)
    )


def add_ecosoc_list():
    """The ECOSOC list as imported: organization 3 is in it by name, 4 by homepage domain."""
    EcosocOrganization.objects.bulk_create(
        EcosocOrganization(
            name=name, normalized_name=names.normalize_name(name), homepage_domain=domain
        )
        for name, domain in [("Organization Number 3", ""), ("Another name", "org4.example")]
    )


def analyze():
    """Table statistics, as a live database has them.

    Without them PostgreSQL plans the duplicate filter as a 50-million-row nested loop
    (about 12 s) on freshly filled tables.
    """
    with connection.cursor() as cursor:
        for model in (Organization, Application, Document, EcosocOrganization):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def add_list_entries(member_state_list, applications, *, homepage_shared=None, reason_shared=None):
    """Put many applications on a list at once, each entry holding its organization as listed.

    ``homepage_shared`` / ``reason_shared``: a function of the entry's number saying whether
    that entry shares it (none shared by default).
    """
    return ListEntry.objects.bulk_create(
        ListEntry(
            list=member_state_list,
            application=application,
            organization_name=application.organization.name,
            country=application.organization.country,
            homepage=application.organization.homepage,
            homepage_shared=bool(homepage_shared and homepage_shared(number)),
            reason_shared=bool(reason_shared and reason_shared(number)),
        )
        for number, application in enumerate(applications)
    )


def add_representatives(call, count, *, organizations, meetings, start=0, registered_at=None):
    """``count`` representatives in a few bulk inserts, each attending one or two meetings.

    Person ``n`` is of organization ``n % len(organizations)``, of the ``n % 4``-th gender, and
    attends the first meeting, and the second as well when ``n`` is even. Photos are a fixed
    name: nothing reads them.
    """
    genders = list(Gender.values)
    registered_at = registered_at or timezone.now()
    representatives = Representative.objects.bulk_create(
        (
            Representative(
                organization=organizations[number % len(organizations)],
                call=call,
                full_name=f"Person {number:06d}",
                function="Delegate",
                gender=genders[number % len(genders)],
                nationality="KE",
                email=f"person{number}@{call.slug}.example.org",
                language="en",
                photo="photos/fixed.jpg",
                thumbnail="photos/fixed-thumbnail.jpg",
                registered_at=registered_at,
            )
            for number in range(start, start + count)
        ),
        batch_size=2000,
    )
    through = Representative.meetings.through
    through.objects.bulk_create(
        (
            through(representative_id=representative.pk, meeting_id=meeting.pk)
            for number, representative in enumerate(representatives, start=start)
            for meeting in (meetings[:2] if number % 2 == 0 else meetings[:1])
        ),
        batch_size=5000,
    )
    return representatives
