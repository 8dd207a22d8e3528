from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from events.models import Call, CallState
from tests.factories import CallFactory, MeetingFactory, VenueFactory, ViennaVenueFactory

pytestmark = pytest.mark.django_db

ONE_SECOND = timedelta(seconds=1)

# (venue factory, deadline as the notice states it in the venue's time, the same instant in UTC)
DEADLINES = [
    # New York in daylight saving time (UTC−4).
    (VenueFactory, (2021, 10, 14, 23, 59), datetime(2021, 10, 15, 3, 59, tzinfo=UTC)),
    # New York in standard time (UTC−5).
    (VenueFactory, (2022, 1, 14, 23, 59), datetime(2022, 1, 15, 4, 59, tzinfo=UTC)),
    # Vienna in summer time (UTC+2).
    (ViennaVenueFactory, (2017, 9, 1, 12, 0), datetime(2017, 9, 1, 10, 0, tzinfo=UTC)),
    # Vienna on the night summer time ends: 23:59 is already UTC+1.
    (ViennaVenueFactory, (2021, 10, 31, 23, 59), datetime(2021, 10, 31, 22, 59, tzinfo=UTC)),
    # New York on the night daylight saving time starts: 01:59 is still UTC−5.
    (VenueFactory, (2021, 3, 14, 1, 59), datetime(2021, 3, 14, 6, 59, tzinfo=UTC)),
]


def call_with_deadline(venue_factory, local_deadline):
    venue = venue_factory()
    deadline = datetime(*local_deadline, tzinfo=venue.tzinfo)
    return CallFactory(venue=venue, opens_at=deadline - timedelta(days=30), deadline=deadline)


@pytest.mark.parametrize(("venue_factory", "local_deadline", "utc_deadline"), DEADLINES)
def test_deadline_in_venue_time_is_the_expected_utc_instant(
    venue_factory, local_deadline, utc_deadline
):
    call = call_with_deadline(venue_factory, local_deadline)
    call.refresh_from_db()

    assert call.deadline == utc_deadline


@pytest.mark.parametrize(("venue_factory", "local_deadline", "utc_deadline"), DEADLINES)
@pytest.mark.parametrize("server_zone", ["UTC", "Pacific/Kiritimati", "America/Los_Angeles"])
def test_call_is_open_one_second_before_its_deadline_and_closed_at_it(
    settings, venue_factory, local_deadline, utc_deadline, server_zone
):
    settings.TIME_ZONE = server_zone
    call = call_with_deadline(venue_factory, local_deadline)

    with timezone.override(server_zone):
        assert call.state_at(utc_deadline - ONE_SECOND) == CallState.OPEN
        assert call.state_at(utc_deadline) == CallState.CLOSED
        assert list(Call.objects.open(utc_deadline - ONE_SECOND)) == [call]
        assert list(Call.objects.open(utc_deadline)) == []
        assert list(Call.objects.closed(utc_deadline)) == [call]


@pytest.mark.parametrize(("venue_factory", "local_deadline", "utc_deadline"), DEADLINES)
def test_state_follows_the_clock_at_the_boundary(venue_factory, local_deadline, utc_deadline):
    call = call_with_deadline(venue_factory, local_deadline)

    with time_machine.travel(utc_deadline - ONE_SECOND, tick=False):
        assert call.state == CallState.OPEN
        assert call.is_open
    with time_machine.travel(utc_deadline, tick=False):
        assert call.state == CallState.CLOSED
        assert not call.is_open


def test_call_is_upcoming_until_the_instant_it_opens():
    opens_at = datetime(2030, 3, 1, 9, 0, tzinfo=ZoneInfo("Europe/Vienna"))
    call = CallFactory(
        venue=ViennaVenueFactory(), opens_at=opens_at, deadline=opens_at + timedelta(days=20)
    )

    assert call.state_at(opens_at - ONE_SECOND) == CallState.UPCOMING
    assert call.state_at(opens_at) == CallState.OPEN
    assert list(Call.objects.upcoming(opens_at - ONE_SECOND)) == [call]
    assert list(Call.objects.upcoming(opens_at)) == []
    assert list(Call.objects.open(opens_at)) == [call]


def test_deadline_before_opening_is_refused_by_the_database():
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        CallFactory(opens_at=now, deadline=now - ONE_SECOND)


def test_deadline_before_opening_is_a_validation_error_with_a_message():
    now = timezone.now()
    call = CallFactory.build(venue=VenueFactory(), opens_at=now, deadline=now - ONE_SECOND)

    with pytest.raises(ValidationError) as error:
        call.full_clean()

    assert "The deadline must come after the opening." in str(error.value)


def test_meeting_cannot_end_before_it_starts():
    meeting = MeetingFactory.build(call=CallFactory())
    meeting.end_date = meeting.start_date - timedelta(days=1)

    with pytest.raises(ValidationError) as error:
        meeting.full_clean()

    assert "The last day cannot come before the first day." in str(error.value)


def test_meeting_in_person_needs_a_venue():
    meeting = MeetingFactory.build(call=CallFactory(), venue=None)

    with pytest.raises(ValidationError) as error:
        meeting.full_clean()

    assert "needs a venue" in str(error.value)


def test_venue_time_zone_must_be_an_iana_name():
    venue = VenueFactory.build(name="Somewhere", time_zone="New York")

    with pytest.raises(ValidationError) as error:
        venue.full_clean()

    assert "time_zone" in error.value.message_dict
