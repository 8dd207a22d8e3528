"""Demonstration data: the two calls the portal is modelled on, and one call open now.

Loading twice changes nothing: rows are found by their natural keys (a venue's
name, a call's slug, a meeting's call and title) and only created when missing.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from .models import Call, Meeting, Venue

UNHQ = {
    "name": "United Nations Headquarters",
    "city": "New York",
    "country": "US",
    "time_zone": "America/New_York",
}
UNOV = {
    "name": "United Nations Office at Vienna",
    "city": "Vienna",
    "country": "AT",
    "time_zone": "Europe/Vienna",
}
UNOG = {
    "name": "United Nations Office at Geneva",
    "city": "Geneva",
    "country": "CH",
    "time_zone": "Europe/Zurich",
}

DEMO_CALL_SLUG = "demonstration-high-level-meeting"


@dataclass
class LoadReport:
    created: int = 0

    def add(self, was_created: bool) -> None:
        self.created += int(was_created)


def _at(venue: Venue, day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=venue.tzinfo)


def _venue(report: LoadReport, fields: dict) -> Venue:
    venue, created = Venue.objects.get_or_create(name=fields["name"], defaults=fields)
    report.add(created)
    return venue


def _call(report: LoadReport, slug: str, **fields) -> Call:
    call, created = Call.objects.get_or_create(slug=slug, defaults=fields)
    report.add(created)
    return call


def _meeting(report: LoadReport, call: Call, title: str, **fields) -> None:
    _, created = Meeting.objects.get_or_create(call=call, title=title, defaults=fields)
    report.add(created)


@transaction.atomic
def load_demo(*, today: date | None = None) -> LoadReport:
    report = LoadReport()
    today = today or timezone.localdate()
    new_york = _venue(report, UNHQ)
    vienna = _venue(report, UNOV)
    geneva = _venue(report, UNOG)
    end_of_day = time(23, 59)

    # GA resolution 75/283; the notice gave the deadline, not the opening day.
    trafficking = _call(
        report,
        "trafficking-in-persons-2021",
        title=(
            "High-level meeting on the appraisal of the United Nations Global Plan of Action "
            "to Combat Trafficking in Persons"
        ),
        mandate="General Assembly resolution 75/283",
        mandate_symbol="A/RES/75/283",
        summary=(
            "The President of the General Assembly invites non-governmental organizations, "
            "civil-society organizations, academic institutions and the private sector that are "
            "not in consultative status with ECOSOC to apply for special accreditation to the "
            "high-level meeting, held on 22 and 23 November 2021 at United Nations Headquarters."
        ),
        eligibility=Call.Eligibility.WITHOUT_ECOSOC_STATUS,
        contact_email="accreditation@pga.example.org",
        venue=new_york,
        opens_at=_at(new_york, date(2021, 9, 15), time(0, 0)),
        deadline=_at(new_york, date(2021, 10, 14), end_of_day),
        max_representatives=2,
        is_published=True,
    )
    _meeting(
        report,
        trafficking,
        "High-level meeting on the appraisal of the Global Plan of Action to Combat Trafficking in Persons",
        kind=Meeting.Kind.HIGH_LEVEL_MEETING,
        start_date=date(2021, 11, 22),
        end_date=date(2021, 11, 23),
        venue=new_york,
        format=Meeting.Format.IN_PERSON,
    )

    # GA resolution 71/1, the New York Declaration for Refugees and Migrants.
    migration = _call(
        report,
        "global-compact-migration-2017",
        title=(
            "Preparatory process for the global compact for safe, orderly and regular migration: "
            "informal thematic sessions and multi-stakeholder hearings"
        ),
        mandate="General Assembly resolution 71/1",
        mandate_symbol="A/RES/71/1",
        summary=(
            "The President of the General Assembly organizes informal thematic sessions between "
            "April and November 2017 and four days of informal interactive multi-stakeholder "
            "hearings. Registration of individual representatives of accredited organizations, "
            "and of organizations in consultative status with ECOSOC, opens later."
        ),
        eligibility=Call.Eligibility.WITHOUT_ECOSOC_STATUS,
        contact_email="accreditation@pga.example.org",
        venue=new_york,
        opens_at=_at(new_york, date(2017, 3, 14), time(0, 0)),
        deadline=_at(new_york, date(2017, 4, 9), end_of_day),
        max_representatives=2,
        is_published=True,
    )
    sessions = [
        ("Thematic session 1: human rights of all migrants, social inclusion, cohesion and all forms of discrimination", date(2017, 5, 8), geneva),
        ("Thematic session 2: addressing drivers of migration", date(2017, 5, 22), new_york),
        ("Thematic session 3: international cooperation and governance of migration", date(2017, 6, 19), geneva),
        ("Thematic session 4: contributions of migrants and diasporas to sustainable development", date(2017, 7, 24), new_york),
        ("Thematic session 5: smuggling of migrants, trafficking in persons and contemporary forms of slavery", date(2017, 9, 4), vienna),
        ("Thematic session 6: irregular migration and regular pathways", date(2017, 10, 12), geneva),
    ]  # fmt: skip
    for title, first_day, venue in sessions:
        _meeting(
            report,
            migration,
            title,
            kind=Meeting.Kind.THEMATIC_SESSION,
            start_date=first_day,
            end_date=first_day + timedelta(days=1),
            venue=venue,
            format=Meeting.Format.IN_PERSON,
        )
    _meeting(
        report,
        migration,
        "Informal interactive multi-stakeholder hearing",
        kind=Meeting.Kind.HEARING,
        start_date=date(2017, 7, 26),
        end_date=date(2017, 7, 26),
        venue=new_york,
        format=Meeting.Format.IN_PERSON,
    )

    # Open for 30 days from the day it is first loaded, so that a newcomer can apply.
    opening_day = today - timedelta(days=1)
    closing_day = today + timedelta(days=30)
    demo = _call(
        report,
        DEMO_CALL_SLUG,
        title="Demonstration: high-level meeting on sustainable development partnerships",
        mandate="Demonstration call (not a real General Assembly mandate)",
        mandate_symbol="",
        summary=(
            "A call made up to show how the portal works. It is open for 30 days from the day "
            "the demonstration data was loaded."
        ),
        eligibility=Call.Eligibility.WITHOUT_ECOSOC_STATUS,
        contact_email="accreditation@pga.example.org",
        venue=new_york,
        opens_at=_at(new_york, opening_day, time(0, 0)),
        deadline=_at(new_york, closing_day, end_of_day),
        registration_opens_at=_at(new_york, closing_day + timedelta(days=21), time(9, 0)),
        registration_closes_at=_at(new_york, closing_day + timedelta(days=42), end_of_day),
        max_representatives=3,
        is_published=True,
    )
    _meeting(
        report,
        demo,
        "Demonstration high-level meeting",
        kind=Meeting.Kind.HIGH_LEVEL_MEETING,
        start_date=closing_day + timedelta(days=60),
        end_date=closing_day + timedelta(days=61),
        venue=new_york,
        format=Meeting.Format.HYBRID,
    )
    _meeting(
        report,
        demo,
        "Demonstration informal thematic session",
        kind=Meeting.Kind.THEMATIC_SESSION,
        start_date=closing_day + timedelta(days=45),
        end_date=closing_day + timedelta(days=45),
        venue=vienna,
        format=Meeting.Format.TO_BE_ANNOUNCED,
    )
    return report
