"""How long the lists for Member States take with 1,000 organizations on a list.

Run with ``make bench`` (SQLite) or ``DATABASE_URL=postgres://… make bench``. The office's page
(with its balance panel and four charts), the delegate's page and the three downloads are
timed; nothing is asserted about time.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accreditation.models import Application, Status
from reviews import services
from reviews.models import MemberStateList
from tests import people
from tests.bulk import add_bulk_applications, add_list_entries, analyze
from tests.factories import CallFactory
from tests.helpers import content_of, sign_in

ENTRIES = 1000


@pytest.fixture(scope="module")
def circulated(django_db_setup, django_db_blocker):
    """A call whose list holds 1,000 recommended organizations, circulated; committed once."""
    with django_db_blocker.unblock():
        call = CallFactory(title="Summit on migration")
        # Numbers of their own: make bench runs every module on one database, and the review
        # list's benchmark numbers its applications from 0.
        add_bulk_applications(range(50_000, 50_000 + ENTRIES), [call])
        Application.objects.filter(call=call).update(status=Status.RECOMMENDED)
        office, delegate = people.pga_office(), people.delegate()
        member_state_list = MemberStateList.objects.create(call=call, version=1)
        add_list_entries(
            member_state_list,
            Application.objects.filter(call=call).select_related("organization"),
            reason_shared=lambda number: number % 2 == 0,
        )
        services.circulate(
            member_state_list=member_state_list,
            by=office,
            objection_deadline=timezone.now() + timedelta(days=7),
        )
        analyze()
        return {"call": call, "list": member_state_list, "office": office, "delegate": delegate}


PAGES = {
    "office: the list with its balance panel": lambda data: reverse(
        "reviews:office_version", args=[data["list"].pk]
    ),
    "delegate: the list": lambda data: reverse("reviews:delegate_list", args=[data["list"].pk]),
    "office: CSV": lambda data: reverse("reviews:office_export", args=[data["list"].pk, "csv"]),
    "office: XLSX": lambda data: reverse("reviews:office_export", args=[data["list"].pk, "xlsx"]),
    "office: PDF annex": lambda data: reverse(
        "reviews:office_export", args=[data["list"].pk, "pdf"]
    ),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_member_state_list(benchmark, db, circulated, page):
    person = circulated["delegate"] if page.startswith("delegate") else circulated["office"]
    client = sign_in(Client(), person)
    address = PAGES[page](circulated)

    def fetch():
        response = client.get(address)
        content_of(response)
        return response

    # The PDF lays out 1,000 rows: a few seconds a round, so fewer rounds.
    rounds = 2 if "PDF" in page else 5
    response = benchmark.pedantic(fetch, rounds=rounds, warmup_rounds=1)

    assert response.status_code == 200
