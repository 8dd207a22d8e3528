from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from events import timefmt

NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("moment", "zone", "place", "expected"),
    [
        (
            datetime(2021, 10, 15, 3, 59, tzinfo=UTC),
            NEW_YORK,
            "New York",
            "14 October 2021, 23:59 New York time (UTC\u22124)",
        ),
        (
            datetime(2022, 1, 15, 4, 59, tzinfo=UTC),
            NEW_YORK,
            "New York",
            "14 January 2022, 23:59 New York time (UTC\u22125)",
        ),
        (
            datetime(2017, 9, 1, 10, 0, tzinfo=UTC),
            ZoneInfo("Europe/Vienna"),
            "Vienna",
            "1 September 2017, 12:00 Vienna time (UTC+2)",
        ),
        (
            datetime(2024, 1, 1, 6, 30, tzinfo=UTC),
            ZoneInfo("Asia/Kolkata"),
            "New Delhi",
            "1 January 2024, 12:00 New Delhi time (UTC+5:30)",
        ),
    ],
)
def test_instant_in_the_venue_zone_names_place_and_offset(moment, zone, place, expected):
    with translation.override("en"):
        assert timefmt.in_zone(moment, zone, place) == expected


def test_offset_changes_across_the_daylight_saving_transition_in_new_york():
    # Clocks went back at 02:00 EDT on 7 November 2021.
    before = datetime(2021, 11, 7, 5, 59, tzinfo=UTC).astimezone(NEW_YORK)
    after = datetime(2021, 11, 7, 6, 0, tzinfo=UTC).astimezone(NEW_YORK)

    assert (before.hour, timefmt.utc_offset_label(before)) == (1, "UTC\u22124")
    assert (after.hour, timefmt.utc_offset_label(after)) == (1, "UTC\u22125")


def test_instant_in_utc():
    with translation.override("en"):
        assert timefmt.in_utc(datetime(2021, 10, 14, 23, 59, tzinfo=NEW_YORK)) == (
            "15 October 2021, 03:59 UTC"
        )


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(days=3, hours=5), "3 days"),
        (timedelta(days=1, hours=23, minutes=59), "1 day and 23 hours"),
        (timedelta(days=1), "1 day"),
        (timedelta(hours=5, minutes=59), "5 hours"),
        (timedelta(minutes=12, seconds=30), "12 minutes"),
        (timedelta(seconds=59), "less than a minute"),
    ],
)
def test_duration_words_use_the_largest_whole_unit(delta, words):
    with translation.override("en"):
        assert timefmt.duration_words(delta) == words
