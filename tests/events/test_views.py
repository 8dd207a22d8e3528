import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from events.models import Call, Meeting
from tests.factories import CallFactory, MeetingFactory, ViennaVenueFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


def positions(html: str, titles: list[str]) -> list[int]:
    return [html.index(title) for title in titles]


@time_machine.travel(NOW, tick=False)
def test_home_lists_open_calls_first_then_upcoming_then_past(client):
    day = timedelta(days=1)
    CallFactory(title="Open, closes in five days", opens_at=NOW - day, deadline=NOW + 5 * day)
    CallFactory(title="Open, closes in two days", opens_at=NOW - day, deadline=NOW + 2 * day)
    CallFactory(
        title="Upcoming, opens in three days", opens_at=NOW + 3 * day, deadline=NOW + 30 * day
    )
    CallFactory(title="Upcoming, opens tomorrow", opens_at=NOW + day, deadline=NOW + 30 * day)
    CallFactory(title="Closed ten days ago", opens_at=NOW - 40 * day, deadline=NOW - 10 * day)
    CallFactory(title="Closed two days ago", opens_at=NOW - 40 * day, deadline=NOW - 2 * day)
    CallFactory(
        title="Unpublished draft", opens_at=NOW - day, deadline=NOW + day, is_published=False
    )

    response = client.get(reverse("events:call_list"))

    html = response.content.decode()
    order = [
        "Open, closes in two days",
        "Open, closes in five days",
        "Upcoming, opens tomorrow",
        "Upcoming, opens in three days",
        "Closed two days ago",
        "Closed ten days ago",
    ]
    assert positions(html, order) == sorted(positions(html, order))
    assert "Unpublished draft" not in html
    assert html.index("Open for applications") < html.index("Open, closes in two days")
    assert html.index("Opening soon") < html.index("Upcoming, opens tomorrow")
    assert html.index("Past calls") < html.index("Closed two days ago")


@time_machine.travel(NOW, tick=False)
def test_home_shows_deadline_in_venue_time_and_time_left(client):
    CallFactory(
        title="Trafficking in persons",
        deadline=datetime(2030, 6, 4, 23, 59, tzinfo=ViennaVenueFactory().tzinfo),
        venue=ViennaVenueFactory(),
    )

    html = client.get(reverse("events:call_list")).content.decode()

    assert "4 June 2030, 23:59 Vienna time (UTC+2)" in html
    assert "4 June 2030, 21:59 UTC" in html
    assert 'datetime="2030-06-04T21:59:00+00:00"' in html
    assert "closes in 3 days" in html


@time_machine.travel(NOW, tick=False)
def test_home_says_when_no_call_is_open(client):
    CallFactory(opens_at=NOW - timedelta(days=40), deadline=NOW - timedelta(days=1))

    html = client.get(reverse("events:call_list")).content.decode()

    assert "No call is open at the moment." in html


@pytest.mark.parametrize("rows", [1, 3])
def test_home_queries_do_not_grow_with_calls(client, django_assert_max_num_queries, rows):
    for _ in range(rows):
        MeetingFactory.create_batch(2, call=CallFactory())
        now = timezone.now()
        MeetingFactory(
            call=CallFactory(opens_at=now - timedelta(days=9), deadline=now - timedelta(days=1))
        )

    with django_assert_max_num_queries(6):
        response = client.get(reverse("events:call_list"))

    assert response.content.decode().count('class="card call-card') == 2 * rows


def trafficking_call(**overrides) -> Call:
    fields = {
        "title": "High-level meeting on trafficking in persons",
        "slug": "trafficking-2021",
        "mandate": "General Assembly resolution 75/283",
        "mandate_symbol": "A/RES/75/283",
        "opens_at": datetime(2021, 9, 15, 4, 0, tzinfo=UTC),
        "deadline": datetime(2021, 10, 15, 3, 59, tzinfo=UTC),
    } | overrides
    call = CallFactory(**fields)
    MeetingFactory(
        call=call,
        title="High-level meeting on the appraisal of the Global Plan of Action",
        kind=Meeting.Kind.HIGH_LEVEL_MEETING,
        start_date=date(2021, 11, 22),
        end_date=date(2021, 11, 23),
        format=Meeting.Format.HYBRID,
    )
    return call


@time_machine.travel(datetime(2021, 10, 11, 12, 0, tzinfo=UTC), tick=False)
def test_call_page_shows_mandate_meetings_eligibility_documents_and_apply(client):
    call = trafficking_call()

    response = client.get(call.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "General Assembly resolution 75/283" in html
    assert "A/RES/75/283" in html
    assert "High-level meeting on the appraisal of the Global Plan of Action" in html
    assert "22 November 2021 – 23 November 2021" in html
    assert "United Nations Headquarters, New York" in html
    assert "Hybrid (in person and online)" in html
    assert "not</strong> in consultative status" in html
    assert "NGO Branch of the UN Department of Economic and Social Affairs" in html
    assert "Proof of legal status issued by the government" in html
    assert "A letter from the head of the organization requesting accreditation" in html
    assert "14 October 2021, 23:59 New York time (UTC\u22124)" in html
    assert "closes in 3 days" in html
    apply_link = re.search(
        r'<a class="btn btn-primary btn-lg w-100" href="([^"]+)">Apply</a>', html
    )
    assert apply_link is not None
    assert apply_link.group(1) == reverse("accreditation:start", args=["trafficking-2021"])


@time_machine.travel(datetime(2021, 10, 15, 3, 59, tzinfo=UTC), tick=False)
def test_call_page_at_the_deadline_offers_no_apply_button(client):
    call = trafficking_call()

    html = client.get(call.get_absolute_url()).content.decode()

    assert ">Apply</a>" not in html
    assert "The deadline has passed: applications are no longer accepted." in html


@time_machine.travel(datetime(2021, 9, 1, 12, 0, tzinfo=UTC), tick=False)
def test_call_page_before_opening_says_when_it_opens(client):
    call = trafficking_call()

    html = client.get(call.get_absolute_url()).content.decode()

    assert ">Apply</a>" not in html
    assert "Applications open on" in html
    assert "15 September 2021, 00:00 New York time (UTC\u22124)" in html


def test_call_open_to_all_does_not_send_ecosoc_organizations_away(client):
    call = CallFactory(eligibility=Call.Eligibility.ALL)

    html = client.get(call.get_absolute_url()).content.decode()

    assert "whether or not they are in consultative status with ECOSOC" in html
    assert "NGO Branch" not in html


def test_unpublished_call_is_not_found_for_the_public(client):
    call = CallFactory(is_published=False)

    response = client.get(call.get_absolute_url())

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_unpublished_call_can_be_previewed_by_staff(staff_client):
    call = CallFactory(is_published=False)

    response = staff_client.get(call.get_absolute_url())

    assert response.status_code == 200
    assert "This call is not published" in response.content.decode()


def test_call_page_queries_do_not_grow_with_meetings(client, django_assert_max_num_queries):
    call = CallFactory()
    MeetingFactory.create_batch(5, call=call)

    with django_assert_max_num_queries(2):
        response = client.get(call.get_absolute_url())

    assert response.content.decode().count('<h3 class="h6 mb-1">') == 5
