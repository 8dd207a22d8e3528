"""How long the staff's applications list takes with 10,000 applications.

Run with ``make bench`` (SQLite) or ``DATABASE_URL=postgres://… make bench``. Nothing is
asserted about time: the numbers are read, compared between changes, and noted.
"""

import pytest
from django.test import Client
from django.urls import reverse

from accreditation.models import Application
from reviews.admin import ApplicationAdmin
from reviews.regional_groups import RegionalGroup
from tests.bulk import add_bulk_applications, add_ecosoc_list, analyze
from tests.factories import CallFactory, StaffFactory
from tests.helpers import sign_in

CHANGELIST = reverse("admin:accreditation_application_changelist")

VIEWS = {
    "unfiltered": {},
    "call": "call",
    "status": {"status__exact": "submitted"},
    "regional group": {"regional_group": RegionalGroup.EASTERN_EUROPEAN.value},
    "other than Member States": {"regional_group": RegionalGroup.OTHER.value},
    "country": {"country": "KE"},
    "ECOSOC match": {"ecosoc_match": "yes"},
    "likely duplicate": {"duplicate": "yes"},
    "not a duplicate": {"duplicate": "no"},
    "search": {"q": "number 4321"},
    # The admin numbers its columns from 1, after the selection box.
    "sorted by documents": {"o": str(ApplicationAdmin.list_display.index("document_count") + 1)},
}


@pytest.fixture(scope="module")
def ten_thousand(django_db_setup, django_db_blocker):
    """Committed once for the module; the test database goes with the session."""
    with django_db_blocker.unblock():
        calls = [CallFactory(title="Summit on migration"), CallFactory(title="Oceans")]
        add_ecosoc_list()
        add_bulk_applications(range(5000), calls)
        analyze()
        # make bench runs every module on one database: other modules' applications may be
        # there too (the list then holds a few more).
        assert Application.objects.filter(call__in=calls).count() == 10_000
        return {"call": calls[0], "staff": StaffFactory()}


@pytest.mark.parametrize("view", list(VIEWS))
def test_applications_list(benchmark, db, ten_thousand, view):
    params = VIEWS[view]
    if params == "call":
        params = {"call__id__exact": ten_thousand["call"].pk}
    client = sign_in(Client(), ten_thousand["staff"])

    response = benchmark.pedantic(client.get, args=(CHANGELIST, params), rounds=5, warmup_rounds=1)

    assert response.status_code == 200
