from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from events.models import Call, Meeting, Venue
from tests.factories import CallFactory, MeetingFactory, VenueFactory, ViennaVenueFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [Venue, Call, Meeting, User])
def test_admin_list_and_add_pages_open_for_staff(staff_client, model):
    MeetingFactory()
    opts = model._meta

    changelist = staff_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    add = staff_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))

    assert changelist.status_code == 200
    assert add.status_code == 200


@pytest.mark.parametrize("model", [Venue, Call, Meeting])
def test_admin_change_pages_open_for_staff(staff_client, model):
    MeetingFactory()
    row = model.objects.get()

    response = staff_client.get(
        reverse(f"admin:events_{model._meta.model_name}_change", args=[row.pk])
    )

    assert response.status_code == 200


def test_admin_call_list_filters_by_state(staff_client):
    now = timezone.now()
    CallFactory(title="Still open")
    CallFactory(
        title="Long closed", opens_at=now.replace(year=2020), deadline=now.replace(year=2021)
    )

    response = staff_client.get(reverse("admin:events_call_changelist"), {"state": "closed"})

    html = response.content.decode()
    assert "Long closed" in html
    assert "Still open" not in html


def test_admin_call_list_searches_by_mandate(staff_client):
    CallFactory(title="Migration compact", mandate_symbol="A/RES/71/1")
    CallFactory(title="Trafficking meeting", mandate_symbol="A/RES/75/283")

    response = staff_client.get(reverse("admin:events_call_changelist"), {"q": "71/1"})

    html = response.content.decode()
    assert "Migration compact" in html
    assert "Trafficking meeting" not in html


def call_form_data(venue, **overrides):
    return {
        "title": "High-level meeting on trafficking in persons",
        "slug": "trafficking",
        "mandate": "General Assembly resolution 75/283",
        "mandate_symbol": "A/RES/75/283",
        "summary": "",
        "eligibility": Call.Eligibility.WITHOUT_ECOSOC_STATUS,
        "venue": venue.pk,
        "opens_at_0": "2021-09-15",
        "opens_at_1": "00:00:00",
        "deadline_0": "2021-10-14",
        "deadline_1": "23:59:00",
        "registration_opens_at_0": "",
        "registration_opens_at_1": "",
        "registration_closes_at_0": "",
        "registration_closes_at_1": "",
        "max_representatives": "2",
        "is_published": "on",
        "meetings-TOTAL_FORMS": "0",
        "meetings-INITIAL_FORMS": "0",
        "meetings-MIN_NUM_FORMS": "0",
        "meetings-MAX_NUM_FORMS": "1000",
    } | overrides


@pytest.mark.parametrize(
    ("venue_factory", "utc_deadline"),
    [
        (VenueFactory, datetime(2021, 10, 15, 3, 59, tzinfo=UTC)),
        (ViennaVenueFactory, datetime(2021, 10, 14, 21, 59, tzinfo=UTC)),
    ],
)
def test_staff_enter_call_dates_in_the_venue_time_zone(staff_client, venue_factory, utc_deadline):
    venue = venue_factory()

    response = staff_client.post(reverse("admin:events_call_add"), call_form_data(venue))

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Call.objects.get().deadline == utc_deadline


def test_staff_see_call_dates_in_the_venue_time_zone(staff_client):
    call = CallFactory(
        venue=VenueFactory(),
        deadline=datetime(2021, 10, 15, 3, 59, tzinfo=UTC),
        opens_at=datetime(2021, 9, 15, 4, 0, tzinfo=UTC),
    )

    html = staff_client.get(reverse("admin:events_call_change", args=[call.pk])).content.decode()

    assert 'name="deadline_0" value="2021-10-14"' in html
    assert 'name="deadline_1" value="23:59:00"' in html


def test_admin_refuses_a_deadline_before_the_opening_with_a_message(staff_client):
    venue = VenueFactory()

    response = staff_client.post(
        reverse("admin:events_call_add"), call_form_data(venue, deadline_0="2021-09-01")
    )

    assert response.status_code == 200
    assert "The deadline must come after the opening." in response.content.decode()
    assert not Call.objects.exists()


def test_admin_pages_are_closed_to_people_who_are_not_staff(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory())

    response = client.get(reverse("admin:events_call_changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_changing_only_the_venue_keeps_the_deadline_instant(staff_client):
    new_york = VenueFactory()
    vienna = ViennaVenueFactory()
    call = CallFactory(
        slug="trafficking",
        venue=new_york,
        opens_at=datetime(2021, 9, 15, 4, 0, tzinfo=UTC),
        deadline=datetime(2021, 10, 15, 3, 59, tzinfo=UTC),
    )
    shown = staff_client.get(reverse("admin:events_call_change", args=[call.pk])).content.decode()
    assert 'name="deadline_0" value="2021-10-14"' in shown

    response = staff_client.post(
        reverse("admin:events_call_change", args=[call.pk]),
        call_form_data(vienna, title=call.title),
    )

    call.refresh_from_db()
    assert response.status_code == 302
    assert call.venue == vienna
    assert call.deadline == datetime(2021, 10, 15, 3, 59, tzinfo=UTC)


def test_the_call_list_shows_deadlines_in_venue_time(staff_client):
    CallFactory(
        venue=VenueFactory(),
        deadline=datetime(2030, 10, 15, 3, 59, tzinfo=UTC),
        opens_at=datetime(2030, 9, 15, 4, 0, tzinfo=UTC),
    )

    html = staff_client.get(reverse("admin:events_call_changelist")).content.decode()

    assert "14 October 2030, 23:59 New York time (UTC−4)" in html


def test_a_deadline_before_the_opening_is_an_error_of_the_deadline_field(staff_client):
    response = staff_client.post(
        reverse("admin:events_call_add"), call_form_data(VenueFactory(), deadline_0="2021-09-01")
    )

    form = response.context["adminform"].form
    assert form.errors["deadline"] == ["The deadline must come after the opening."]
    assert not form.non_field_errors()


def test_registration_closing_before_it_opens_is_an_error_of_its_field(staff_client):
    data = call_form_data(
        VenueFactory(),
        registration_opens_at_0="2021-10-01",
        registration_opens_at_1="09:00:00",
        registration_closes_at_0="2021-09-30",
        registration_closes_at_1="09:00:00",
    )

    form = staff_client.post(reverse("admin:events_call_add"), data).context["adminform"].form

    assert form.errors["registration_closes_at"] == ["Registration must close after it opens."]
    assert not form.non_field_errors()


def test_the_call_form_names_the_venue_time_zone_by_each_date(staff_client):
    call = CallFactory(venue=ViennaVenueFactory())

    html = staff_client.get(reverse("admin:events_call_change", args=[call.pk])).content.decode()

    note = f"Date and time in the venue&#x27;s time zone: Europe/Vienna ({call.venue})."
    assert html.count(note) == 4
    assert 'aria-describedby="id_deadline_zone"' in html


def test_the_call_add_form_says_the_dates_are_in_the_venue_zone_chosen_above(staff_client):
    html = staff_client.get(reverse("admin:events_call_add")).content.decode()

    assert html.count("Date and time in the time zone of the principal venue chosen above.") == 4
