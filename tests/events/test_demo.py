from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django.forms.models import model_to_dict
from django.utils import timezone

from events.demo import DEMO_CALL_SLUG, load_demo
from events.models import Call, CallState, Meeting, Venue

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        model.__name__: sorted(
            (model_to_dict(row) for row in model.objects.all()), key=lambda row: row["id"]
        )
        for model in (Venue, Call, Meeting)
    }


def test_loading_twice_changes_nothing():
    call_command("load_demo")
    first = snapshot()

    call_command("load_demo")

    assert snapshot() == first
    assert load_demo().created == 0


def test_loading_again_on_a_later_day_does_not_move_the_demo_deadline():
    load_demo(today=date(2030, 1, 1))
    deadline = Call.objects.get(slug=DEMO_CALL_SLUG).deadline

    load_demo(today=date(2030, 1, 20))

    assert Call.objects.get(slug=DEMO_CALL_SLUG).deadline == deadline


def test_the_two_real_calls_have_their_real_mandates_dates_and_venues():
    load_demo()

    trafficking = Call.objects.get(mandate_symbol="A/RES/75/283")
    assert trafficking.deadline == datetime(2021, 10, 15, 3, 59, tzinfo=UTC)
    assert trafficking.venue.time_zone == "America/New_York"
    (meeting,) = trafficking.meetings.all()
    assert (meeting.start_date, meeting.end_date) == (date(2021, 11, 22), date(2021, 11, 23))
    assert meeting.venue.name == "United Nations Headquarters"

    migration = Call.objects.get(mandate_symbol="A/RES/71/1")
    assert migration.deadline == datetime(2017, 4, 10, 3, 59, tzinfo=UTC)
    vienna = migration.meetings.get(venue__city="Vienna")
    assert (vienna.start_date, vienna.end_date) == (date(2017, 9, 4), date(2017, 9, 5))
    assert vienna.venue.time_zone == "Europe/Vienna"
    assert vienna.kind == Meeting.Kind.THEMATIC_SESSION
    assert migration.meetings.filter(kind=Meeting.Kind.HEARING, venue__city="New York").exists()


def test_demo_call_is_open_for_thirty_days_from_loading():
    load_demo()

    demo = Call.objects.get(slug=DEMO_CALL_SLUG)
    assert demo.state == CallState.OPEN
    assert demo.is_published
    local_deadline = demo.deadline.astimezone(demo.venue.tzinfo)
    assert (local_deadline.date() - timezone.localdate()).days == 30
